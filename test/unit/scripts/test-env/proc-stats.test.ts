import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import {
  cpuSecondsOf,
  machineCpuSeconds,
  mainThreadSchedOf,
  threadsCpuSecondsOf,
  treeCpuSecondsOf,
  untilMachineQuiet,
} from "../../../../scripts/test-env/proc-stats.js";

describe("the benchmarks' CPU readings", () => {
  it("count what a server's forked processes used, also those that left its process group, as PostgreSQL's backends do", async () => {
    // the child starts a grandchild in a session of its own that burns 0.5 s of CPU, reaps it, reports, and waits
    const child = spawn(
      process.execPath,
      [
        "-e",
        `const { spawn } = require("node:child_process");
         const g = spawn(process.execPath, ["-e", "while (process.cpuUsage().user + process.cpuUsage().system < 500000);"], { detached: true, stdio: "ignore" });
         g.on("exit", () => { process.stdout.write("reaped\\n"); setTimeout(() => {}, 10000); });`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await once(child.stdout, "data");
      const own = cpuSecondsOf(child.pid!)!;
      const tree = treeCpuSecondsOf(child.pid!);
      expect(tree - own).toBeGreaterThanOrEqual(0.45);
      expect(treeCpuSecondsOf(child.pid!)).toBeGreaterThanOrEqual(tree);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("read how long a process's main thread ran, and none of its other threads' time", async () => {
    // CPU time, not wall time, so a busy machine cannot shorten the work: the main thread burns
    // until the process has used 0.3 s, then waits while a worker thread burns 0.5 s more
    const child = spawn(
      process.execPath,
      [
        "-e",
        `const { Worker } = require("node:worker_threads");
         const used = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
         while (used() < 0.3);
         const w = new Worker("const used = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; }; const end = used() + 0.5; while (used() < end);", { eval: true });
         w.on("exit", () => { process.stdout.write("done\\n"); setTimeout(() => {}, 10000); });`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await once(child.stdout, "data");
      const main = mainThreadSchedOf(child.pid!)!;
      expect(main.onCore).toBeGreaterThanOrEqual(0.2);
      // the whole process used the worker's time as well, the main thread did not
      expect(cpuSecondsOf(child.pid!)! - main.onCore).toBeGreaterThanOrEqual(0.4);
      expect(main.waiting).toBeGreaterThanOrEqual(0);
    } finally {
      child.kill("SIGKILL");
    }
    expect(mainThreadSchedOf(2 ** 22 + 1)).toBeNull();
  });

  it("read the CPU of a process's threads by their name, as a JVM's compiler threads are read", async () => {
    // PBKDF2 runs on libuv's thread pool ("libuv-worker"): a fixed amount of work, whatever the machine's load
    const child = spawn(
      process.execPath,
      ["-e", `require("node:crypto").pbkdf2("x", "y", 1_000_000, 32, "sha256", () => { process.stdout.write("done\\n"); setTimeout(() => {}, 10000); });`],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await once(child.stdout, "data");
      const pool = threadsCpuSecondsOf(child.pid!, /^libuv-worker$/);
      expect(pool).toBeGreaterThanOrEqual(0.1);
      expect(pool).toBeLessThanOrEqual(cpuSecondsOf(child.pid!)!);
      // the main thread's name is the program's ("node"), and it did not do that work
      expect(threadsCpuSecondsOf(child.pid!, /^node$/)).toBeLessThan(cpuSecondsOf(child.pid!)! - pool + 0.02);
      expect(threadsCpuSecondsOf(child.pid!, /^no such thread$/)).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
    expect(threadsCpuSecondsOf(2 ** 22 + 1, /./)).toBe(0);
  });

  it("read the machine's busy CPU time as part of its total, both growing while a core works", () => {
    const before = machineCpuSeconds();
    const end = process.cpuUsage().user + 200_000;
    while (process.cpuUsage().user < end);
    const after = machineCpuSeconds();
    expect(after.busy).toBeLessThanOrEqual(after.total);
    expect(after.busy - before.busy).toBeGreaterThanOrEqual(0.15);
  });
});

describe("waiting for a quiet machine before a benchmark phase", () => {
  /** a fake clock and a machine whose busy cores per window are given in turn */
  function machine(busyPerWindow: number[]) {
    let t = 0;
    let busy = 0;
    let window = 0;
    return {
      now: () => t,
      busySeconds: () => busy,
      sleep: async (ms: number) => {
        busy += (busyPerWindow[Math.min(window++, busyPerWindow.length - 1)]! * ms) / 1000;
        t += ms;
      },
    };
  }

  it("returns at the first window below the threshold, with the time it waited", async () => {
    const result = await untilMachineQuiet({ busyCores: 0.5, windowMs: 2000, maxWaitMs: 60_000, ...machine([1.6, 1.1, 0.7, 0.3, 1.9]) });
    expect(result).toEqual({ quiet: true, waitedMs: 8000, busyCores: 0.3 });
  });

  it("gives up after the longest wait and reports the machine as not quiet", async () => {
    const result = await untilMachineQuiet({ busyCores: 0.5, windowMs: 2000, maxWaitMs: 6000, ...machine([1.2]) });
    expect(result).toEqual({ quiet: false, waitedMs: 6000, busyCores: 1.2 });
  });

  it("measures the real machine when no readings are given", async () => {
    const result = await untilMachineQuiet({ busyCores: 64, windowMs: 50, maxWaitMs: 1000 });
    expect(result.quiet).toBe(true);
    expect(result.busyCores).toBeGreaterThanOrEqual(0);
  });
});
