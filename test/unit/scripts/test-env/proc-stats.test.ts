import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { cpuSecondsOf, machineCpuSeconds, treeCpuSecondsOf } from "../../../../scripts/test-env/proc-stats.js";

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

  it("read the machine's busy CPU time as part of its total, both growing while a core works", () => {
    const before = machineCpuSeconds();
    const end = process.cpuUsage().user + 200_000;
    while (process.cpuUsage().user < end);
    const after = machineCpuSeconds();
    expect(after.busy).toBeLessThanOrEqual(after.total);
    expect(after.busy - before.busy).toBeGreaterThanOrEqual(0.15);
  });
});
