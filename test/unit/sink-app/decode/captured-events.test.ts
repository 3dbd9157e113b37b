// Events captured from the real Debezium 3.5 connectors (test/fixtures/capture.ts) through the
// decoder and the shipped mapping (connector-configs/meter-master.ts).
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import meterMasterConfig from "../../../../connector-configs/meter-master.js";
import { type DecodedEvent, decodeRecord, type RecordInput } from "../../../../sink-app/src/decode/envelope.js";
import { MapError, mapEvent, type NamedSourceMapping } from "../../../../sink-app/src/mapping/map-event.js";
import { type MeterMasterMapping, parseMeterMasterMapping, parseSourceMapping } from "../../../../sink-app/src/mapping/schema.js";
import { planWrite } from "../../../../sink-app/src/meter-master/plan.js";
import type { MeterMasterChange } from "../../../../sink-app/src/meter-master/row.js";
import { FIXTURES } from "../fixtures.js";

interface Captured {
  change: string;
  records: Array<{ topic: string; partition: number; offset: string; key: string | null; value: string | null; headers: Array<[string, string]> }>;
}

function captured(name: string): RecordInput[] {
  const fixture = JSON.parse(readFileSync(`${FIXTURES}captured/${name}.json`, "utf8")) as Captured;
  return fixture.records.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    offset: BigInt(r.offset),
    key: r.key === null ? null : Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
    headers: r.headers.map(([k, v]) => [k, Buffer.from(v)]),
  }));
}

let mappings: MeterMasterMapping;
const named = (source: string): NamedSourceMapping => ({ ...mappings.sources[source]!, sourceSystem: source });
const decoded = (name: string, i = 0): DecodedEvent => decodeRecord(captured(name)[i]!);

function mapped(name: string, source = "postgres", i = 0): MeterMasterChange {
  const change = mapEvent(decoded(name, i), named(source));
  if (change instanceof MapError) throw change;
  return change;
}

beforeAll(() => {
  mappings = parseMeterMasterMapping(meterMasterConfig, "connector-configs/meter-master.ts");
});

describe("PostgreSQL, REPLICA IDENTITY DEFAULT (captured)", () => {
  it("an unchanged TOASTed jsonb column arrives as the placeholder and keeps the stored attribute", () => {
    const event = decoded("postgres/default/update-toast-unchanged");
    if (event.type !== "change") throw new Error("not a change");
    expect(event.after!.tags).toEqual({ kind: "unavailable", text: "__debezium_unavailable_value" });
    const change = mapped("postgres/default/update-toast-unchanged");
    expect(change).toMatchObject({
      kind: "upsert",
      row: { source_key: "20", status: "inactive", last_reading: "20.1250", unchanged: { columns: [], attributes: ["tags"] } },
    });
    if (change.kind !== "upsert") throw new Error("not an upsert");
    expect(change.row.attributes).not.toHaveProperty("tags");
    expect(JSON.stringify(change)).not.toContain("__debezium_unavailable_value");
  });

  it("an unchanged TOASTed mapped column (address -> location) keeps the stored column", () => {
    expect(mapped("postgres/default/update-address-unchanged")).toMatchObject({
      kind: "upsert",
      row: { source_key: "21", location: null, last_reading: "21.5000", unchanged: { columns: ["location"], attributes: [] } },
    });
  });

  it("a placeholder update after its insert in the same batch gets the inserted value", () => {
    // the 13 kB address of the insert does not fit location (400): use the jsonb pair instead
    const insert = mapped("postgres/default/alter-and-insert-toasted");
    const update = mapped("postgres/default/update-toast-unchanged");
    const [step] = planWrite([insert, update], "soft");
    if (step?.kind !== "upsert") throw new Error("no upsert step");
    expect(step.rows).toHaveLength(1);
    expect(step.rows[0]!.status).toBe("inactive");
    expect((step.rows[0]!.attributes.tags as { blob: string }).blob).toHaveLength(12_800);
    expect(step.rows[0]!.unchanged).toBeUndefined();
  });

  it("a delete's before-image of fill values ('' for NOT NULL text, column defaults) is a key-only delete", () => {
    const event = decoded("postgres/default/delete");
    if (event.type !== "change") throw new Error("not a change");
    expect(event.before).toMatchObject({ serial_no: { kind: "string", text: "" }, state: { kind: "string", text: "active" } });
    expect(event.beforeIsKeyOnly).toBe(true);
    expect(mapped("postgres/default/delete")).toMatchObject({
      kind: "delete",
      hasValues: false,
      row: { source_key: "20", meter_id: null, meter_type: null, status: null, attributes: {}, is_deleted: true, source_op: "d" },
    });
  });

  it("a truncate is captured (skipped.operations=none) and empties the source in Meter Master", () => {
    const change = mapped("postgres/default/truncate");
    expect(change).toMatchObject({ kind: "truncate", sourceSystem: "postgres" });
    expect(planWrite([change], "soft")).toMatchObject([{ kind: "truncate", sourceSystem: "postgres", mode: "soft" }]);
  });
});

describe("PostgreSQL, REPLICA IDENTITY FULL (captured)", () => {
  it("an update carries the TOASTed value itself, no placeholder", () => {
    const change = mapped("postgres/full/update-toast-unchanged");
    if (change.kind !== "upsert") throw new Error("not an upsert");
    expect(change.row.unchanged).toBeUndefined();
    expect((change.row.attributes.tags as { blob: string }).blob).toHaveLength(12_800);
  });

  it("a delete carries the full before-image", () => {
    const event = decoded("postgres/full/delete");
    expect(event).toMatchObject({ type: "change", op: "d", beforeIsKeyOnly: false });
    expect(mapped("postgres/full/delete")).toMatchObject({
      kind: "delete",
      hasValues: true,
      row: { source_key: "11", meter_id: "GA-JSON-0011", is_deleted: true },
    });
  });

  it("keeps every digit of big and exact numbers inside jsonb", () => {
    const change = mapped("postgres/full/insert-jsonb-big-numbers");
    if (change.kind !== "upsert") throw new Error("not an upsert");
    const text = JSON.stringify(change.row.attributes.tags);
    for (const digits of ["12345678901234567890", "-9223372036854775809", "1.10", "18446744073709551615", "2.50"]) expect(text).toContain(digits);
    expect(text).toMatch(/"tiny":(1e-21|0\.000000000000000000001)/);
    expect(change.row.attributes.external_ref).toBe("ffffffff-ffff-ffff-ffff-ffffffffffff");
  });

  it("maps numeric(14,3) at both limits and timestamptz at year and DST edges exactly", () => {
    expect(mapped("postgres/full/insert-numeric-max-year-edge")).toMatchObject({
      row: { last_reading: "99999999999.9990", last_reading_at: "1999-12-31T23:59:59.999999Z", installed_at: "2000-02-29" },
    });
    expect(mapped("postgres/full/update-numeric-min-year-edge")).toMatchObject({
      row: { last_reading: "-99999999999.9990", last_reading_at: "2025-01-01T04:59:59.999999Z" },
    });
    expect(mapped("postgres/full/update-timestamptz-dst-gap")).toMatchObject({ row: { last_reading_at: "2024-03-31T00:59:59.999999Z" } });
    expect(mapped("postgres/full/update-timestamptz-dst-overlap")).toMatchObject({ row: { last_reading_at: "2024-10-27T01:30:00.500000Z" } });
  });

  it("keeps a 64-bit key above 2^53 exact", () => {
    expect(mapped("postgres/full/insert-key-above-2-53")).toMatchObject({ row: { source_key: "9007199254740993" } });
  });

  it("maps a primary-key change to the old key's delete (and tombstone) and the new key's create", () => {
    const [del, tomb, create] = [0, 1, 2].map((i) => mapped("postgres/full/primary-key-change", "postgres", i));
    expect(del).toMatchObject({ kind: "delete", hasValues: true, row: { source_key: "12" } });
    expect(tomb).toMatchObject({ kind: "skip" });
    expect(create).toMatchObject({ kind: "upsert", row: { source_key: "13", meter_id: "WA-EDGE-0012" } });
  });
});

describe("MariaDB (captured)", () => {
  /** The shipped MySQL mapping, reading DATETIME(3) as Europe/Berlin wall-clock time. */
  function berlin(): NamedSourceMapping {
    const mysql = mappings.sources.mysql!;
    const rule = mysql.columns.last_reading_at as object;
    return { ...mysql, columns: { ...mysql.columns, last_reading_at: { ...rule, timezone: "Europe/Berlin" } }, sourceSystem: "mysql" } as NamedSourceMapping;
  }
  const readAt = (name: string) => {
    const change = mapEvent(decoded(`mariadb/${name}`), berlin());
    if (change instanceof MapError || change.kind !== "upsert") throw new Error(String(change));
    return change.row.last_reading_at;
  };

  it("java.time rule, normal: the last millisecond before the spring-forward gap has the winter offset", () => {
    expect(readAt("datetime-before-gap")).toBe("2024-03-31T00:59:59.999000Z");
  });

  it("java.time rule, gap: a time inside the gap is shifted forward by the gap's length", () => {
    expect(readAt("datetime-in-gap")).toBe("2024-03-31T01:30:00.250000Z");
  });

  it("java.time rule, overlap: a time inside the autumn overlap takes the earlier offset", () => {
    expect(readAt("datetime-in-overlap")).toBe("2024-10-27T00:30:00.500000Z");
    expect(readAt("datetime-after-overlap")).toBe("2024-10-27T02:00:00.000000Z");
  });

  it("maps ENUM, TINYINT status codes and DECIMAL(12,2) at its limits", () => {
    expect(mapped("mariadb/datetime-before-gap", "mysql")).toMatchObject({
      row: { meter_type: "ELECTRIC", status: "active", last_reading: "9999999999.9900" },
    });
    expect(mapped("mariadb/datetime-in-gap", "mysql")).toMatchObject({ row: { meter_type: "GAS", status: "inactive", last_reading: "-9999999999.9900" } });
  });

  it("keeps DECIMAL(65,30) at max precision, TINYINT limits and ENUM exact in attributes", () => {
    const probe = parseSourceMapping(
      { table: "meterdb.type_probe", key: ["id"], columns: { meter_id: { from: "kind" }, last_reading_at: { from: "read_at", timezone: "Europe/Berlin" } } },
      "probe",
    );
    const map = (name: string) => {
      const change = mapEvent(decoded(`mariadb/${name}`), { ...probe, sourceSystem: "mysql" });
      if (change instanceof MapError || change.kind !== "upsert") throw new Error(String(change));
      return change.row;
    };
    expect(map("types-at-limits")).toMatchObject({
      meter_id: "WATER",
      last_reading_at: "2024-03-31T01:00:00.000000Z",
      attributes: { amount: "99999999999999999999999999999999999.999999999999999999999999999999", tiny: -128, utiny: 255 },
    });
    expect(map("types-at-negative-limits")).toMatchObject({
      meter_id: "ELECTRIC",
      attributes: { amount: "-99999999999999999999999999999999999.999999999999999999999999999999", tiny: 127, utiny: 0 },
    });
  });
});
