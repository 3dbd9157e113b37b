// Cleanup in tests, benchmarks and tools must not hide the error that made them clean up, nor
// fail a run that already passed; but a failed cleanup is said, never swallowed.
export function reportCleanup(what: string): (err: unknown) => void {
  return (err) => {
    process.stderr.write(`[cleanup] ${what} failed (ignored): ${err instanceof Error ? err.message : String(err)}\n`);
  };
}
