// Shared plumbing of the benchmark and chaos scripts: progress lines, cleanup on exit and on
// Ctrl-C, tracked child processes, percentiles, result files. No project logic here.

import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";

export const REPO = resolve(import.meta.dirname, "../../..");
export const RESULTS_DIR = join(REPO, "bench-results");

const t0 = Date.now();

/** Progress on stderr (stdout carries the one JSON result line). */
export function log(message: string): void {
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// cleanup

type Cleanup = { name: string; fn: () => Promise<void> | void };
const cleanups: Cleanup[] = [];
const children = new Set<ChildProcess>();
let cleaningUp: Promise<void> | undefined;

/** Registers cleanup work; it runs in reverse order at the end, on failure and on Ctrl-C. */
export function onCleanup(name: string, fn: () => Promise<void> | void): void {
  cleanups.push({ name, fn });
}

async function runCleanups(): Promise<void> {
  cleaningUp ??= (async () => {
    // Keeps the event loop alive while children that were unref'd are being awaited.
    const keepAlive = setInterval(() => undefined, 1_000);
    for (const child of children) killChild(child, "SIGKILL");
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await Promise.race([Promise.resolve(c.fn()), sleep(30_000)]);
      } catch (err) {
        log(`cleanup ${c.name} failed: ${(err as Error).message}`);
      }
    }
    clearInterval(keepAlive);
  })();
  return cleaningUp;
}

/** Children we started, killed (SIGKILL) on any exit of this process. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, options);
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function killChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
}

process.on("exit", () => {
  for (const child of children) killChild(child, "SIGKILL");
});

/**
 * Runs `main`, then every cleanup, then exits with main's code. Ctrl-C / SIGTERM stop the run
 * and still clean up (exit 130). A thrown error means the run itself broke (exit 1).
 */
export function runMain(name: string, main: () => Promise<number>): void {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      process.stderr.write(`[${name}] second ${signal}: exiting without cleanup\n`);
      process.exit(130);
    }
    interrupted = true;
    log(`${signal}: stopping and cleaning up (press again to exit at once)`);
    void runCleanups().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  main().then(
    async (code) => {
      await runCleanups();
      process.exit(code);
    },
    async (err: unknown) => {
      process.stderr.write(`[${name}] the run broke: ${(err as Error)?.stack ?? String(err)}\n`);
      await runCleanups();
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// arguments

type Options = NonNullable<ParseArgsConfig["options"]>;
/** parseArgs' values for these options (none is required). */
type Values<T extends Options> = { [K in keyof T]?: T[K] extends { type: "boolean" } ? boolean : string };

/**
 * Node's parseArgs, strict: an unknown flag or a missing value prints the reason and the usage
 * and exits 2; --help prints the usage and exits 0. Called before anything starts.
 */
export function parseCli<const T extends Options>(usage: string, options: T, argv = process.argv.slice(2)): Values<T> {
  try {
    const { values } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false });
    if ((values as { help?: boolean }).help) {
      process.stdout.write(`${usage.trim()}\n`);
      process.exit(0);
    }
    return values as Values<T>;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage.trim()}\n`);
    process.exit(2);
  }
}

/** An integer flag's value (underscores allowed: 100_000), or the fallback when it is absent; exits 2 when it is not one. */
export function intOption(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer >= ${min}, got ${value}\n`);
    process.exit(2);
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// statistics

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function summarize(values: number[]): {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
} {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length ? sorted.reduce((s, v) => s + v, 0) / sorted.length : null;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? null,
    mean: mean === null ? null : round(mean, 1),
  };
}

export const round = (v: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

// ---------------------------------------------------------------------------------------------
// processes and the machine

export function machineInfo(): Record<string, unknown> {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? "unknown",
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAvgAtStart: loadavg().map((v) => round(v, 2)),
  };
}

// ---------------------------------------------------------------------------------------------
// output

export function timestampName(): string {
  return new Date().toISOString().replace(/[:.]/g, "-");
}

export function writeResult(name: string, content: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, name);
  writeFileSync(file, content);
  return file;
}

/** Polls `probe` until it returns a value; throws after timeoutMs naming what was awaited. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "not yet";
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      last = "not yet";
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${Math.round(timeoutMs / 1000)} s (last: ${last})`);
    await sleep(intervalMs);
  }
}
