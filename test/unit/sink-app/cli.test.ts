// `npm run map-event` (sink-app/src/cli.ts map): usage on request, one line for a mapping file it
// cannot use, and a word when it waits for the event on a terminal.

import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../../..");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mm-cli-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[], input = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, ["--import", "tsx", "sink-app/src/cli.ts", ...args], { cwd: REPO, timeout: 30_000 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

const NO_STACK = /\n\s+at |node:internal|^\s*\^/m;

describe("sink-app CLI", () => {
  it("--help prints the usage and exits 0, at the top and for map", async () => {
    for (const args of [["--help"], ["map", "--help"]]) {
      const r = await cli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("usage: npm run map-event -- --source NAME");
      expect(r.stdout).toContain("--mapping FILE");
    }
  }, 60_000);

  it("a --mapping file that does not exist is one line naming it, exit 2", async () => {
    const r = await cli(["map", "--source", "postgres", "--mapping", join(dir, "nope.ts")], "{}");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([`--mapping ${join(dir, "nope.ts")}: no such file`]);
  }, 30_000);

  it("a --mapping file that does not compile is one line with the compiler's reason", async () => {
    const file = join(dir, "broken.ts");
    await writeFile(file, "export default { sources: ;\n");
    const r = await cli(["map", "--source", "postgres", "--mapping", file], "{}");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^--mapping .*broken\.ts: cannot be loaded: .*Unexpected/);
    expect(r.stderr).not.toMatch(NO_STACK);
  }, 30_000);

  it("a --mapping file that is not a mapping is one line with its first problem", async () => {
    const file = join(dir, "not-a-mapping.json");
    await writeFile(file, "{}");
    const r = await cli(["map", "--source", "postgres", "--mapping", file], "{}");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([`--mapping ${file}: not a Meter Master mapping: sources: got (missing); expected a record`]);
  }, 30_000);

  it("an unknown flag names it with the usage, exit 2", async () => {
    const r = await cli(["map", "--sauce", "postgres"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--sauce");
    expect(r.stderr).toContain("usage: npm run map-event");
  }, 30_000);

  it.skipIf(spawnSync("script", ["--version"]).status !== 0)(
    "on a terminal, says it is waiting for the event on stdin",
    () => {
      // `script` gives the CLI a terminal as stdin; Ctrl-D ends the input as a user would
      const r = spawnSync("script", ["-qec", `${process.execPath} --import tsx sink-app/src/cli.ts map --source postgres`, "/dev/null"], {
        cwd: REPO,
        input: "{}\n\u0004",
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(r.stdout).toContain("waiting for the Debezium event on stdin");
    },
    30_000,
  );
});
