// Memory and CPU of a process from Linux /proc: what the benchmarks report for the processes they start.

import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

/** VmRSS and VmHWM of a process in MiB (Linux /proc), or null once it is gone. */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(/^\s*(\d+)/.exec(status.split(`${key}:`)[1] ?? "")?.[1] ?? NaN);
    const rss = kb("VmRSS");
    const hwm = kb("VmHWM");
    // a process that is exiting (zombie) has no Vm* lines left
    if (!Number.isFinite(rss) || !Number.isFinite(hwm)) return null;
    return { rssMiB: Math.round(rss / 102.4) / 10, hwmMiB: Math.round(hwm / 102.4) / 10 };
  } catch {
    return null;
  }
}

/** user+system CPU seconds a process has used so far (/proc/<pid>/stat), or null. */
export function cpuSecondsOf(pid: number): number | null {
  const fields = statFields(pid);
  // [11], [12] are utime, stime (fields 14 and 15 of the whole line), in clock ticks
  return fields ? (Number(fields[11]) + Number(fields[12])) / 100 : null;
}

/** The fields after a /proc/<pid>/stat line's command name, or null once the process is gone. */
function statFields(pid: number | string): string[] | null {
  return readStat(`/proc/${pid}/stat`)?.fields ?? null;
}

/** A stat line (of a process or of one of its threads): its name, and the fields after it; null once gone. */
function readStat(path: string): { name: string; fields: string[] } | null {
  try {
    const stat = readFileSync(path, "utf8");
    return { name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), fields: stat.slice(stat.lastIndexOf(")") + 2).split(" ") };
  } catch {
    return null;
  }
}

/**
 * CPU seconds of a process and every process it started, such as PostgreSQL's backends (which
 * leave the server's process group, so the group is not enough). Children that exited count
 * through their parent's cutime/cstime once reaped.
 */
export function treeCpuSecondsOf(pid: number): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (!fields) continue;
    // [1] ppid; [11]..[14] utime, stime, cutime, cstime (fields 4 and 14-17 of the whole line)
    const ppid = Number(fields[1]);
    const siblings = children.get(ppid);
    if (siblings) siblings.push(Number(entry));
    else children.set(ppid, [Number(entry)]);
    ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
  }
  let total = 0;
  for (const queue = [pid]; queue.length > 0; ) {
    const next = queue.pop()!;
    total += ticks.get(next) ?? 0;
    queue.push(...(children.get(next) ?? []));
  }
  return total / 100;
}

/**
 * Seconds a process's main thread has spent on a core and waiting for one while runnable
 * (/proc/<pid>/schedstat, the kernel's scheduler accounting), or null when the kernel does not
 * keep it or the process is gone. The sink-app's JavaScript runs on its main thread, so the
 * waiting is what the other processes on the same cores cost its rate.
 */
export function mainThreadSchedOf(pid: number): { onCore: number; waiting: number } | null {
  try {
    const [onCoreNs, waitingNs] = readFileSync(`/proc/${pid}/schedstat`, "utf8").trim().split(/\s+/).map(Number);
    if (!Number.isFinite(onCoreNs) || !Number.isFinite(waitingNs)) return null;
    return { onCore: onCoreNs! / 1e9, waiting: waitingNs! / 1e9 };
  } catch {
    return null;
  }
}

/**
 * CPU seconds used so far by a process's threads whose name matches (/proc/<pid>/task/<tid>/stat;
 * the kernel keeps 15 characters of a name: a JVM's "C2 CompilerThread0" reads "C2 CompilerThre").
 * Threads that already ended no longer count. 0 once the process is gone.
 */
export function threadsCpuSecondsOf(pid: number, name: RegExp): number {
  let ticks = 0;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tids) {
    // null: the thread ended between the listing and the read
    const stat = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (stat && name.test(stat.name)) ticks += Number(stat.fields[11]) + Number(stat.fields[12]);
  }
  return ticks / 100;
}

/** CPU seconds the machine's cores have spent busy, and in all, since boot (/proc/stat). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const [, ...values] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const n = values.slice(0, 8).map(Number);
  const idle = n[3]! + n[4]!;
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

export interface QuietOptions {
  /** below this many busy cores, averaged over one window, the machine counts as quiet */
  busyCores: number;
  windowMs: number;
  /** gives up after this long, and says so */
  maxWaitMs: number;
  /** busy CPU seconds of the machine so far; @default machineCpuSeconds().busy */
  busySeconds?: () => number;
  /** @default setTimeout of node:timers/promises */
  sleep?: (ms: number) => Promise<unknown>;
  now?: () => number;
}

export interface QuietResult {
  quiet: boolean;
  waitedMs: number;
  /** busy cores in the last window measured, to two decimals */
  busyCores: number;
}

/**
 * Waits until the machine's cores are quiet: the JVMs' compilers and collectors keep working for
 * a while after a burst of load, and a benchmark phase started meanwhile shares the cores with them.
 */
export async function untilMachineQuiet(options: QuietOptions): Promise<QuietResult> {
  const busySeconds = options.busySeconds ?? (() => machineCpuSeconds().busy);
  const sleep = options.sleep ?? delay;
  const now = options.now ?? Date.now;
  const started = now();
  for (;;) {
    const [busy0, at0] = [busySeconds(), now()];
    await sleep(options.windowMs);
    const busyCores = Math.round(((busySeconds() - busy0) / ((now() - at0) / 1000)) * 100) / 100;
    const waitedMs = now() - started;
    if (busyCores < options.busyCores) return { quiet: true, waitedMs, busyCores };
    if (waitedMs >= options.maxWaitMs) return { quiet: false, waitedMs, busyCores };
  }
}
