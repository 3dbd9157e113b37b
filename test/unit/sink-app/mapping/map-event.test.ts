import { beforeAll, describe, expect, it } from "vitest";
import meterMasterConfig from "../../../../connector-configs/meter-master.js";
import { DecodeError, decodeRecord } from "../../../../sink-app/src/decode/envelope.js";
import { MapError, mapEvent, type NamedSourceMapping } from "../../../../sink-app/src/mapping/map-event.js";
import { type MeterMasterMapping, parseMeterMasterMapping, parseSourceMapping } from "../../../../sink-app/src/mapping/schema.js";
import { ConfigError } from "../../../../sink-app/src/validation.js";
import { fixtureJson, fixtureRecord, record } from "../fixtures.js";

let mappings: MeterMasterMapping;
const named = (source: string): NamedSourceMapping => ({ ...mappings.sources[source]!, sourceSystem: source });

/** The MySQL mapping for a connector running with decimal.handling.mode=string. */
function mysqlDecimalText(): NamedSourceMapping {
  const mysql = named("mysql");
  return {
    ...mysql,
    columns: { ...mysql.columns, last_reading: { ...(mysql.columns.last_reading as object), encoding: "decimal-text" } },
  } as NamedSourceMapping;
}

function mapFixture(source: string, name: string, options: Parameters<typeof fixtureRecord>[1] = {}) {
  return mapEvent(decodeRecord(fixtureRecord(`${source}/${name}.json`, options)), named(source));
}

beforeAll(() => {
  mappings = parseMeterMasterMapping(meterMasterConfig, "connector-configs/meter-master.ts");
});

describe("the demo mapping (connector-configs/meter-master.ts)", () => {
  it("maps a PostgreSQL snapshot row, unmapped columns into attributes", () => {
    expect(mapFixture("postgres", "snapshot-read")).toEqual({
      kind: "upsert",
      row: {
        source_system: "postgres",
        source_key: "1001",
        meter_id: "EM-100234",
        meter_type: "ELECTRIC",
        status: "active",
        customer_ref: "CUST-88121",
        location: "12 Harbour Road, Springfield",
        installed_at: "2021-04-15",
        last_reading: "48213.2500",
        last_reading_at: "2024-11-05T08:30:00.123456Z",
        attributes: { tags: { zone: "north", feeder: "F12" }, external_ref: "6f1c2a7e-3b1d-4c7a-9e5f-2d8b0c4a1e93", smart: true },
        is_deleted: false,
        source_op: "r",
        source_ts: "2024-11-05T08:30:00.000Z",
        source_position: "00000000000024023128/00000000000024023128",
      },
    });
  });

  it("trims serials and keeps nulls of a PostgreSQL insert", () => {
    const change = mapFixture("postgres", "create");
    expect(change).toMatchObject({
      kind: "upsert",
      row: { source_key: "1002", meter_id: "GM-220071", meter_type: "GAS", customer_ref: null, location: null, last_reading: "1520.0000" },
    });
    if (change instanceof MapError || change.kind !== "upsert") throw change;
    expect(change.row.attributes).toEqual({ tags: null, external_ref: null, smart: false });
  });

  it("maps MySQL's composite key to a JSON array and status codes through the value map", () => {
    expect(mapFixture("mysql", "update")).toMatchObject({
      kind: "upsert",
      row: {
        source_system: "mysql",
        source_key: '["NYC","M-1001"]',
        meter_id: "M-1001",
        meter_type: "ELECTRIC",
        status: "inactive",
        customer_ref: "AC-551200",
        installed_at: "2019-06-03",
        last_reading: "91300.0100",
        last_reading_at: "2024-11-06T09:12:00.001000Z",
        attributes: { notes: "replaced CT in 2022" },
        source_op: "u",
      },
    });
  });

  it("maps SQL Server DATETIMEOFFSET to UTC and BIT to a boolean attribute", () => {
    expect(mapFixture("mssql", "update")).toMatchObject({
      kind: "upsert",
      row: {
        source_key: "42",
        meter_id: "SN-00042-X",
        meter_type: "ELECTRIC",
        status: "inactive",
        installed_at: "2018-03-12",
        last_reading: "10301.0001",
        last_reading_at: "2024-11-06T08:30:00.000000Z",
        attributes: { IsSmart: true },
        source_position: "0000002d:00000310:0003/0000002d:00000310:0002/0000000002",
      },
    });
  });

  it("maps Oracle DATE (a zone-less timestamp) to a date and NUMBER(14,3) exactly", () => {
    expect(mapFixture("oracle", "create")).toMatchObject({
      kind: "upsert",
      row: {
        source_key: "700002",
        meter_id: "OR-7000-02",
        meter_type: "WATER",
        status: "active",
        installed_at: "2024-10-15",
        last_reading: "0.0000",
        last_reading_at: null,
        attributes: {},
        source_op: "c",
      },
    });
  });

  it.each(["postgres", "mysql", "mssql", "oracle"])("turns a %s delete with a full before-image into a deleted row with values", (source) => {
    const change = mapFixture(source, "delete");
    if (change instanceof MapError || change.kind !== "delete") throw new Error(`unexpected ${String(change)}`);
    expect(change.hasValues).toBe(true);
    expect(change.row.is_deleted).toBe(true);
    expect(change.row.source_op).toBe("d");
    expect(change.row.meter_id).not.toBeNull();
  });

  it("maps a delete that carries only the key (REPLICA IDENTITY DEFAULT) to a key-only delete", () => {
    const event = fixtureJson("postgres/delete.json");
    event.payload.before = {
      id: 1001,
      serial_no: null,
      kind: null,
      state: null,
      customer_id: null,
      address: null,
      installed_on: null,
      last_value: null,
      last_value_at: null,
      tags: null,
      external_ref: null,
      smart: false,
    };
    delete event.payload.before.serial_no;
    const change = mapEvent(decodeRecord(record(event)), named("postgres"));
    expect(change).toMatchObject({ kind: "delete", hasValues: false, row: { source_key: "1001", meter_id: null, is_deleted: true } });
  });

  it("takes a delete's key from the record key when the before-image is missing", () => {
    const event = fixtureJson("oracle/delete.json");
    event.payload.before = null;
    const change = mapEvent(decodeRecord(record(event, { key: { ASSET_ID: 700001 } })), named("oracle"));
    expect(change).toMatchObject({ kind: "delete", hasValues: false, row: { source_key: "700001" } });
  });

  it("maps both halves of a primary-key change: old key deleted, new key created", () => {
    expect(mapFixture("mysql", "key-change-delete")).toMatchObject({ kind: "delete", row: { source_key: '["NYC","M-1001"]' } });
    expect(mapFixture("mysql", "key-change-create")).toMatchObject({ kind: "upsert", row: { source_key: '["NYC","M-1001A"]', meter_id: "M-1001A" } });
  });

  it("reads schema-less events through the mapping's encodings (MariaDB, decimal.handling.mode=string)", () => {
    expect(mapEvent(decodeRecord(fixtureRecord("mysql/create-mariadb-schemaless.json")), mysqlDecimalText())).toMatchObject({
      kind: "upsert",
      row: {
        source_key: '["SEA","G-4410"]',
        meter_type: "GAS",
        installed_at: "2020-02-29",
        last_reading: "3310.4000",
        last_reading_at: "2024-11-07T23:59:59.999000Z",
        attributes: { notes: null },
      },
    });
  });

  it("reads schema-less PostgreSQL precise decimals with the mapping's scale", () => {
    expect(mapFixture("postgres", "update-schemaless")).toMatchObject({
      kind: "upsert",
      row: { status: "removed", installed_at: "2021-04-15", last_reading: "48300.0000", last_reading_at: "2024-11-05T08:30:00.123456Z" },
    });
  });

  it("skips tombstones and maps a truncate to a source-wide change", () => {
    expect(mapEvent(decodeRecord(record(null, { key: { id: 1 } })), named("postgres"))).toMatchObject({ kind: "skip" });
    expect(mapFixture("postgres", "truncate")).toEqual({
      kind: "truncate",
      sourceSystem: "postgres",
      position: "00000000000024029000/00000000000024029100",
      sourceTs: "2024-11-08T08:30:00.000Z",
    });
  });
});

describe("mapping errors become MapError values (dead letter), never exceptions", () => {
  it("rejects a status code the value map does not know", () => {
    const event = fixtureJson("mysql/update.json");
    event.payload.after.status_code = 7;
    const result = mapEvent(decodeRecord(record(event)), named("mysql"));
    expect(result).toBeInstanceOf(MapError);
    expect((result as MapError).message).toMatch(/status \(from status_code\): value "7" has no entry in the value map/);
  });

  it("rejects an event from another table than the mapping's", () => {
    const result = mapFixture("postgres", "create");
    expect(result).not.toBeInstanceOf(MapError);
    const wrong = mapEvent(decodeRecord(fixtureRecord("mysql/create.json")), named("postgres"));
    expect((wrong as MapError).message).toMatch(/event is for table meterdb.meter_registry but the postgres mapping is for public.meters/);
  });

  it("rejects a reading that does not fit decimal(18,4)", () => {
    const event = fixtureJson("mysql/create-mariadb-schemaless.json");
    event.after.last_read_kwh = "123456789012345.5";
    const result = mapEvent(decodeRecord(record(event)), mysqlDecimalText());
    expect((result as MapError).message).toMatch(/last_reading .*does not fit decimal\(18,4\)/);
  });

  it("rejects a NUL character anywhere in the row, which PostgreSQL cannot store", () => {
    const inColumn = fixtureJson("mysql/update.json");
    inColumn.payload.after.meter_no = "M-10\u000001";
    expect((mapEvent(decodeRecord(record(inColumn)), named("mysql")) as MapError).message).toBe(
      "meter_id holds a NUL character (U+0000), which PostgreSQL cannot store",
    );
    const inAttribute = fixtureJson("mysql/update.json");
    inAttribute.payload.after.notes = "replaced\u0000";
    expect((mapEvent(decodeRecord(record(inAttribute)), named("mysql")) as MapError).message).toMatch(/^attributes\.notes holds a NUL character/);
    const inJson = fixtureJson("postgres/update.json");
    inJson.payload.after.tags = '{"tariff":{"name":"E7\\u0000"}}';
    expect((mapEvent(decodeRecord(record(inJson)), named("postgres")) as MapError).message).toMatch(/^attributes\.tags\.tariff\.name holds a NUL character/);
  });

  it("rejects a missing key column", () => {
    const event = fixtureJson("mssql/create.json");
    delete event.payload.after.MeterKey;
    expect((mapEvent(decodeRecord(record(event)), named("mssql")) as MapError).message).toMatch(/key column "MeterKey" is missing/);
  });

  it("maps an update without reading its before-image or record key (they are decoded when first read)", () => {
    const event = fixtureJson("postgres/update.json");
    event.payload.before.installed_on = "not a day";
    const key = { schema: { type: "struct", fields: [{ field: "id", type: "int64" }] }, payload: { id: "not an integer" } };
    expect(mapEvent(decodeRecord(record(event, { key })), named("postgres"))).toMatchObject({ kind: "upsert", row: { source_key: "1001" } });
  });

  it("takes a key column the row lacks from the record key, and names a key that cannot be decoded", () => {
    const event = fixtureJson("postgres/update.json");
    delete event.payload.after.id;
    expect(mapEvent(decodeRecord(record(event, { key: { id: 1001 } })), named("postgres"))).toMatchObject({ row: { source_key: "1001" } });
    const key = { schema: { type: "struct", fields: [{ field: "id", type: "int64" }] }, payload: { id: "not an integer" } };
    const result = mapEvent(decodeRecord(record(event, { key })), named("postgres"));
    expect(result).toBeInstanceOf(MapError);
    expect((result as MapError).message).toMatch(/^key\.id: int64 expects an integer/);
    // the sinks dead-letter it as a decode failure (sink-common.ts, BatchDeadLetters.unmappable)
    expect((result as MapError).cause).toBeInstanceOf(DecodeError);
  });

  it("asks for an encoding when a schema-less date arrives as a number", () => {
    const mapping = { ...named("postgres"), columns: { ...named("postgres").columns, installed_at: "installed_on" } };
    const result = mapEvent(decodeRecord(fixtureRecord("postgres/update-schemaless.json")), mapping);
    expect((result as MapError).message).toMatch(/installed_at .*set encoding epoch-days/);
  });
});

describe("mapping options", () => {
  it("reads zone-less timestamps in the configured time zone", () => {
    const mapping = {
      ...parseSourceMapping(
        {
          table: "meterdb.meter_registry",
          key: ["region_code", "meter_no"],
          columns: { meter_id: "meter_no", last_reading_at: { from: "last_read_time", timezone: "America/New_York" } },
          attributes: { include: ["status_code"], convert: { status_code: { as: "boolean" } } },
        },
        "inline",
      ),
      sourceSystem: "mysql",
    };
    const change = mapEvent(decodeRecord(fixtureRecord("mysql/snapshot-read.json")), mapping);
    // 14:45:10.250 New York (EST, UTC-5) = 19:45:10.250 UTC
    expect(change).toMatchObject({ kind: "upsert", row: { last_reading_at: "2024-11-05T19:45:10.250000Z", attributes: { status_code: true } } });
  });

  it("fills a column from a constant", () => {
    const mapping = { ...named("mssql"), columns: { ...named("mssql").columns, meter_type: { const: "ELECTRIC" } } };
    expect(mapEvent(decodeRecord(fixtureRecord("mssql/create.json")), mapping)).toMatchObject({ row: { meter_type: "ELECTRIC" } });
  });
});

describe("mapping schema validation", () => {
  it("reports the file, the field path and what was expected", () => {
    const bad = {
      sources: {
        Postgres: { table: "public.meters", key: ["id"], columns: { meter_id: "serial_no" } },
        mysql: {
          table: "meterdb.meter_registry",
          key: [],
          columns: { meter_id: "meter_no", installed_at: { from: "install_date", trim: true }, last_reading: { from: "x", encoding: "decimal-bytes" } },
          extra: 1,
        },
      },
    };
    let error: unknown;
    try {
      parseMeterMasterMapping(bad, "connector-configs/meter-master.ts");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain("connector-configs/meter-master.ts");
    expect(message).toMatch(/sources\.Postgres: got "Postgres"; expected a lowercase source name/);
    expect(message).toMatch(/sources\.mysql\.extra: got 1; expected no such field here/);
    expect(message).toMatch(/sources\.mysql\.key: .*(>=1|at least 1)/i);
  });

  it("rejects conversions that do not fit the target column", () => {
    expect(() =>
      parseSourceMapping(
        {
          table: "t",
          key: ["id"],
          columns: { meter_id: "id", installed_at: { from: "d", trim: true }, last_reading: { from: "x", encoding: "decimal-bytes" } },
        },
        "inline",
      ),
    ).toThrow(
      /columns\.installed_at\.trim: got true; expected no trim: trim, case and values apply to text columns only[\s\S]*columns\.last_reading\.scale: got \(missing\); expected the column's scale/,
    );
    expect(() => parseSourceMapping({ table: "t", key: ["id"], columns: { meter_id: { from: "id", timezone: "Mars/Olympus" } } }, "inline")).toThrow(
      /columns\.meter_id\.timezone: got "Mars\/Olympus"; expected an IANA time zone/,
    );
  });
});
