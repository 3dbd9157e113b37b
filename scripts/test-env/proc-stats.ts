// Memory and CPU of a process from Linux /proc: what the benchmarks report for the processes they start.

import { readFileSync } from "node:fs";

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
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11], [12] are utime, stime (fields 14 and 15 of the whole line), in clock ticks
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
