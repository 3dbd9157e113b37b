// Shared plumbing of the benchmark and chaos scripts: progress lines, cleanup on exit and on
// Ctrl-C, tracked child processes, percentiles, result files. No project logic here.

import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";

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

/** Tiny flag parser: --name value, --name=value and boolean --flag. */
export function parseFlags(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf("=");
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) out.set(a.slice(2), argv[++i]!);
    else out.set(a.slice(2), "true");
  }
  return out;
}

export function intFlag(flags: Map<string, string>, name: string, fallback: number, min = 1): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${raw}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// statistics

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function summarize(values: number[]): { count: number; p50: number | null; p90: number | null; p99: number | null; max: number | null; mean: number | null } {
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

/** VmRSS and VmHWM of a process in MiB (Linux /proc), or null once it is gone. */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(/^\s*(\d+)/.exec(status.split(`${key}:`)[1] ?? "")?.[1] ?? NaN);
    const rss = kb("VmRSS");
    const hwm = kb("VmHWM");
    // a process that is exiting (zombie) has no Vm* lines left
    if (!Number.isFinite(rss) || !Number.isFinite(hwm)) return null;
    return { rssMiB: round(rss / 1024, 1), hwmMiB: round(hwm / 1024, 1) };
  } catch {
    return null;
  }
}

/** user+system CPU seconds a process has used so far (/proc/<pid>/stat), or null. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11], [12] are utime, stime (fields 14 and 15 of the whole line), in clock ticks
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

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
