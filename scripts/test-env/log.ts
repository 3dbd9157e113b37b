// Progress lines go to stderr so `cli.ts up` can print clean JSON on stdout.
export function progress(message: string): void {
  process.stderr.write(`[test-env] ${message}\n`);
}
