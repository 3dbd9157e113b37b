// What a mapped change costs the heap while it waits in a batch for its write. Built texts must be
// flat strings: V8 keeps a concatenation of 13 or more characters as a tree of its pieces (a
// rope), several times larger, and every young-generation collection copies that tree.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import meterMasterConfig from "../../../../connector-configs/meter-master.js";
import { decodeRecord } from "../../../../sink-app/src/decode/envelope.js";
import { binlogPosition, oraclePosition, postgresPosition, sqlServerPosition } from "../../../../sink-app/src/decode/positions.js";
import { formatInstantUtc, isoFromEpochMs, localDateTimeFromEpoch, timeOfDay } from "../../../../sink-app/src/decode/time.js";
import { MapError, mapEvent, type NamedSourceMapping } from "../../../../sink-app/src/mapping/map-event.js";
import { parseMeterMasterMapping } from "../../../../sink-app/src/mapping/schema.js";
import { fixtureJson, record } from "../fixtures.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const COUNT = 5_000;

/** Heap bytes that `make(i)` for COUNT values of i holds, per value, after full collections. */
function retainedBytesEach(make: (i: number) => unknown): number {
  const kept: unknown[] = new Array(COUNT);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < COUNT; i++) kept[i] = make(i);
  gc();
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / COUNT;
  expect(kept[COUNT - 1]).toBeDefined(); // keeps `kept` alive up to the measurement
  return bytes;
}

/** Bytes a flat one-byte string of this length takes (header 16, 8-byte aligned), plus its array slot. */
const flatBytes = (length: number) => Math.ceil((16 + length) / 8) * 8 + 8;

describe("texts the sink-app builds are flat strings", () => {
  it.each([
    ["a PostgreSQL position", 41, (i: number) => postgresPosition({ sequence: `["${24025512 + i}","${24025600 + i}"]`, lsn: 24025600 + i })],
    ["a MySQL position", 42, (i: number) => binlogPosition({ file: "mysql-bin.000003", pos: 1000 + i, row: 0 })],
    [
      "a SQL Server position",
      56,
      (i: number) => sqlServerPosition({ commit_lsn: "0000002a:00000128:0002", change_lsn: "0000002a:00000128:0003", event_serial_no: i }),
    ],
    [
      "an Oracle position",
      80,
      (i: number) => oraclePosition({ commit_scn: String(9000 + i), scn: String(9000 + i), rs_id: " 0x000012.0000abcd.0010 ", ssn: 0 }),
    ],
    ["source_ts", 24, (i: number) => isoFromEpochMs(1730881800020 + i * 1001)],
    ["a timestamptz column", 27, (i: number) => formatInstantUtc({ epochSeconds: 1730881800 + i, fraction: "123456" })],
    ["a local date-time", 26, (i: number) => localDateTimeFromEpoch(1730881800020000 + i * 1001, "us")],
    ["a time of day", 15, (i: number) => timeOfDay(3600_000_000 + i * 1001, "us")],
  ])("%s (%i characters)", (_what, length, make) => {
    expect((make(1) as string).length).toBe(length);
    // as ropes these took 91-651 bytes, 2-6 times as much
    expect(retainedBytesEach(make)).toBeLessThan(flatBytes(length) + 8);
  });
});

describe("a mapped change waiting in a batch", () => {
  let mapping: NamedSourceMapping;
  beforeAll(() => {
    const mappings = parseMeterMasterMapping(meterMasterConfig, "connector-configs/meter-master.ts");
    mapping = { ...mappings.sources.postgres!, sourceSystem: "postgres" };
  });

  it("holds under 1,000 bytes: its row and texts, not the decoded event", () => {
    const value = fixtureJson("postgres/update.json");
    const records = Array.from({ length: COUNT }, (_, i) => {
      const source = { ...value.payload.source, lsn: 24025600 + i, sequence: `["${24025512 + i}","${24025600 + i}"]`, ts_ms: 1730881800020 + i };
      const after = { ...value.payload.after, id: 1001 + i, last_value_at: `2024-11-05T08:30:${String(i % 60).padStart(2, "0")}.123456Z` };
      return record({ ...value, payload: { ...value.payload, source, after } });
    });
    const bytes = retainedBytesEach((i) => {
      const change = mapEvent(decodeRecord(records[i]!), mapping);
      if (change instanceof MapError) throw change;
      return change;
    });
    // measured: 1,229 bytes with the positions and timestamps kept as ropes, 769 flat
    expect(bytes).toBeLessThan(1_000);
  });
});
