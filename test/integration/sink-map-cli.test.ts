// `npm run map-event`: a user checks a mapping on a real event before deploying.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../..");

function mapCli(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, ["--import", "tsx", join(REPO, "sink-app/src/cli.ts"), "map", ...args], { cwd: REPO }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

const fixture = (path: string) => readFileSync(join(REPO, "test/fixtures/debezium", path), "utf8");

describe("npm run map-event", () => {
  it("prints the Meter Master row a PostgreSQL update becomes, with the shipped mapping", async () => {
    const r = await mapCli(["--source", "postgres"], fixture("postgres/update.json"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.kind).toBe("upsert");
    expect(out.row).toMatchObject({ source_system: "postgres", source_key: "1001", meter_type: "ELECTRIC", last_reading: "48299.8750", source_op: "u" });
  });

  it("maps a composite-key MySQL delete to a delete of the JSON-array key", async () => {
    const r = await mapCli(["--source", "mysql"], fixture("mysql/delete.json"));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.kind).toBe("delete");
    expect(JSON.parse(out.row.source_key)).toHaveLength(2);
  });

  it("says why an event cannot be decoded and exits 1", async () => {
    const r = await mapCli(["--source", "postgres"], JSON.stringify({ op: "u", after: { id: 1 } }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot decode the event");
  });

  it("names the mapped sources when the source is unknown, and exits 2", async () => {
    const r = await mapCli(["--source", "billing"], "{}");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no mapping for source "billing"');
    expect(r.stderr).toContain("mapped: postgres, mysql, mssql, oracle");
  });
});
