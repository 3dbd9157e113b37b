// `npm run map-event` reads stdin as the service reads records: integers beyond 2^53 stay exact.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "./fixtures.js";

const REPO = resolve(import.meta.dirname, "../../..");

describe("sink map CLI", () => {
  it("prints a captured 64-bit key above 2^53 with all its digits", () => {
    const { records } = JSON.parse(readFileSync(`${FIXTURES}captured/postgres/full/insert-key-above-2-53.json`, "utf8")) as {
      records: Array<{ key: string; value: string }>;
    };
    // the {key, value} form of stdin, with the captured texts spliced in verbatim
    const stdin = `{"key":${records[0]!.key},"value":${records[0]!.value}}`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "sink-app/src/cli.ts", "map", "--source", "postgres"], {
      cwd: REPO,
      input: stdin,
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toMatchObject({ kind: "upsert", row: { source_key: "9007199254740993", meter_id: "EL-BIGKEY-0001" } });
  }, 30_000);
});
