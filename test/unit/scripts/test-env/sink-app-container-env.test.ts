// The e2e tests and the benchmarks run the sink-app with the memory settings of its image
// (scripts/test-env/sink-app-process.ts reads them from sink-app/Dockerfile), so what they
// measure is what the image runs.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { containerEnv, containerNodeFlags } from "../../../../scripts/test-env/sink-app-process.js";

const REPO = resolve(import.meta.dirname, "../../../..");

/** Every NAME=value of the Dockerfile's ENV instructions (continuation lines joined). */
function envInstructions(dockerfile: string): Map<string, string> {
  const out = new Map<string, string>();
  const instructions = dockerfile
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n");
  for (const line of instructions.filter((l) => l.startsWith("ENV "))) {
    for (const m of line.slice(4).matchAll(/([A-Z_][A-Z0-9_]*)=("([^"]*)"|\S+)/g)) out.set(m[1]!, m[3] ?? m[2]!);
  }
  return out;
}

describe("the sink-app's container settings in tests and benchmarks", () => {
  it("are NODE_OPTIONS and every malloc setting the image's ENV instructions set", () => {
    const env = envInstructions(readFileSync(join(REPO, "sink-app/Dockerfile"), "utf8"));
    const expected = Object.fromEntries([...env].filter(([name]) => name === "NODE_OPTIONS" || name.startsWith("MALLOC_")));
    expect(Object.keys(expected)).toContain("NODE_OPTIONS");
    expect(containerEnv()).toEqual(expected);
  });

  it("leave out a setting a comment only quotes", () => {
    const dockerfile = [
      '# tried and not shipped: MALLOC_ARENA_MAX=1, NODE_OPTIONS="--max-semi-space-size=1"',
      'ENV NODE_OPTIONS="--max-old-space-size=128" \\',
      "    MALLOC_TRIM_THRESHOLD_=131072",
    ].join("\n");
    expect(containerEnv(dockerfile)).toEqual({ NODE_OPTIONS: "--max-old-space-size=128", MALLOC_TRIM_THRESHOLD_: "131072" });
  });

  it("start node with the flags of the image's CMD, between node and the script", () => {
    const dockerfile = ['# CMD ["node", "--commented-out", "x.js"]', 'CMD ["node", "--initial-old-space-size=36", "sink-app/dist/main.js"]'].join("\n");
    expect(containerNodeFlags(dockerfile)).toEqual(["--initial-old-space-size=36"]);
    expect(containerNodeFlags('CMD ["node", "sink-app/dist/main.js"]')).toEqual([]);
  });

  it("are all accepted by Node, and the CMD carries the flag NODE_OPTIONS refuses outright (exit 9)", () => {
    const run = (args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, [...args, "-e", ""], { env: { ...process.env, ...env }, encoding: "utf8" });
    const asImage = run(containerNodeFlags(), containerEnv());
    expect(asImage.stderr).toBe("");
    expect(asImage.status).toBe(0);
    const initialOldSpace = containerNodeFlags().find((flag) => flag.startsWith("--initial-old-space-size="));
    expect(initialOldSpace).toBeDefined();
    expect(run([], { NODE_OPTIONS: initialOldSpace! }).status).toBe(9);
  });

  it("give the sink-app's young generation room and its idle trim a gc(): V8 hands the room back on a last-resort collection", () => {
    // what sink-app/src/idle-memory.ts relies on, with the image's own settings
    const script = `
      const v8 = require("node:v8");
      const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
      let keep = [];
      for (let i = 0; i < 400000; i++) { keep.push({ i, s: "x" + i }); if (keep.length > 20000) keep = []; }
      const grown = young();
      globalThis.gc({ type: "major", execution: "sync", flavor: "last-resort" });
      process.stdout.write(JSON.stringify({ grown, trimmed: young() }));`;
    const child = spawnSync(process.execPath, [...containerNodeFlags(), "-e", script], { env: { ...process.env, ...containerEnv() }, encoding: "utf8" });
    expect(child.stderr).toBe("");
    const { grown, trimmed } = JSON.parse(child.stdout) as { grown: number; trimmed: number };
    expect(grown).toBeGreaterThan(4 * 2 ** 20);
    expect(trimmed).toBeLessThanOrEqual(2 * 2 ** 20);
  });
});
