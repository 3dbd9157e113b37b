// `npm run connectors -- validate` on the shipped files: each one alone, all of them named, and
// the whole folder; every run exits 0 and says OK for each file.
import { describe, expect, it } from "vitest";
import { configFilesIn, displayPath } from "../../../connector-configs/load.js";
import { runCli } from "../../../scripts/connectors/cli.js";

async function validate(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["validate", ...args], { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, interactive: false });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const shipped = await configFilesIn();

describe("validate on the shipped config files", () => {
  it("covers every kind of file: deployment, mapping, endpoints, sources and HTTP sinks", () => {
    const names = shipped.map(displayPath);
    expect(names).toEqual(
      expect.arrayContaining([
        "connector-configs/deployment.ts",
        "connector-configs/meter-master.ts",
        "connector-configs/api-endpoints.ts",
        "connector-configs/sources/postgres.ts",
        "connector-configs/http-sinks/example-postgres-api.ts",
      ]),
    );
  });

  it.each(shipped.map((f) => [displayPath(f), f]))("validate %s alone exits 0 and says OK", async (shown, file) => {
    const r = await validate([file]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toEqual([expect.stringMatching(new RegExp(`^OK  ${shown.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}  \\(.+\\)$`))]);
  });

  it("validate with every shipped file named exits 0 with one OK line per file", async () => {
    const r = await validate(shipped);
    expect(r.code).toBe(0);
    expect(r.out.split("\n").map((l) => l.split("  ")[1])).toEqual(shipped.map(displayPath));
  });

  it("validate without arguments checks the whole folder and exits 0", async () => {
    const r = await validate([]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toHaveLength(shipped.length);
  });
});
