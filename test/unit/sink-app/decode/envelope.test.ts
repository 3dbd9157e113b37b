import { describe, expect, it } from "vitest";
import { type ChangeEvent, DecodeError, decodeRecord } from "../../../../sink-app/src/decode/envelope.js";
import { fixtureJson, fixtureRecord, record } from "../fixtures.js";

function change(path: string, options: Parameters<typeof fixtureRecord>[1] = {}): ChangeEvent {
  const event = decodeRecord(fixtureRecord(path, options));
  if (event.type !== "change") throw new Error(`expected a change event, got ${event.type}`);
  return event;
}

describe("decoding Debezium envelopes with the JSON schema", () => {
  it.each([
    ["postgres/snapshot-read.json", "r", "postgresql"],
    ["postgres/create.json", "c", "postgresql"],
    ["postgres/update.json", "u", "postgresql"],
    ["postgres/delete.json", "d", "postgresql"],
    ["mysql/snapshot-read.json", "r", "mysql"],
    ["mysql/create.json", "c", "mysql"],
    ["mysql/update.json", "u", "mysql"],
    ["mysql/delete.json", "d", "mysql"],
    ["mssql/snapshot-read.json", "r", "sqlserver"],
    ["mssql/create.json", "c", "sqlserver"],
    ["mssql/update.json", "u", "sqlserver"],
    ["mssql/delete.json", "d", "sqlserver"],
    ["oracle/snapshot-read.json", "r", "oracle"],
    ["oracle/create.json", "c", "oracle"],
    ["oracle/update.json", "u", "oracle"],
    ["oracle/delete.json", "d", "oracle"],
  ] as const)("%s decodes as op %s from the %s connector", (path, op, connector) => {
    const event = change(path);
    expect(event.op).toBe(op);
    expect(event.connector).toBe(connector);
    expect(event.hasSchema).toBe(true);
    if (op === "d") {
      expect(event.after).toBeNull();
      expect(event.before).not.toBeNull();
    } else {
      expect(event.after).not.toBeNull();
    }
  });

  it("decodes each column of a PostgreSQL row by its Connect schema", () => {
    const after = change("postgres/snapshot-read.json").after!;
    expect(after).toEqual({
      id: { kind: "integer", value: 1001 },
      serial_no: { kind: "string", text: "EM-100234" },
      kind: { kind: "string", text: "ELECTRIC" },
      state: { kind: "string", text: "active" },
      customer_id: { kind: "string", text: "CUST-88121" },
      address: { kind: "string", text: "12 Harbour Road, Springfield" },
      installed_on: { kind: "date", text: "2021-04-15" },
      last_value: { kind: "decimal", text: "48213.250", decimal: { unscaled: 48213250n, scale: 3 } },
      last_value_at: { kind: "zoned-datetime", text: "2024-11-05T08:30:00.123456Z" },
      tags: { kind: "json", text: '{"zone": "north", "feeder": "F12"}' },
      external_ref: { kind: "string", text: "6f1c2a7e-3b1d-4c7a-9e5f-2d8b0c4a1e93" },
      smart: { kind: "boolean", value: true },
    });
  });

  it("decodes MySQL DATETIME as a zone-less timestamp and DECIMAL exactly", () => {
    const after = change("mysql/update.json").after!;
    expect(after.last_read_time).toEqual({ kind: "local-datetime", text: "2024-11-06T09:12:00.001" });
    expect(after.last_read_kwh).toMatchObject({ kind: "decimal", text: "91300.01" });
    expect(after.status_code).toEqual({ kind: "integer", value: 0 });
    expect(after.meter_kind).toEqual({ kind: "string", text: "ELECTRIC" });
  });

  it("decodes SQL Server BIT as boolean and DATETIMEOFFSET as zoned text", () => {
    const after = change("mssql/snapshot-read.json").after!;
    expect(after.IsSmart).toEqual({ kind: "boolean", value: true });
    expect(after.LastReadingAt).toEqual({ kind: "zoned-datetime", text: "2024-11-05T09:30:00.123+01:00" });
    expect(after.LastReading).toMatchObject({ text: "10234.5678" });
    expect(after.InstalledAt).toEqual({ kind: "local-datetime", text: "2018-03-12T10:15:00.000" });
  });

  it("decodes the record key and marks the delete/create pair of a primary-key change", () => {
    const moved = change("mysql/key-change-delete.json", {
      key: { region_code: "NYC", meter_no: "M-1001" },
      headers: [["__debezium.newkey", '{"region_code":"NYC","meter_no":"M-1001A"}']],
    });
    expect(moved.keyChange).toBe("moved-away");
    expect(moved.key).toEqual({ region_code: { kind: "raw", value: "NYC" }, meter_no: { kind: "raw", value: "M-1001" } });
    const arrived = change("mysql/key-change-create.json", { headers: [["__debezium.oldkey", '{"region_code":"NYC","meter_no":"M-1001"}']] });
    expect(arrived.keyChange).toBe("moved-here");
    expect(change("mysql/create.json").keyChange).toBeNull();
  });

  it("decodes a key written with its schema", () => {
    const event = change("postgres/delete.json", {
      key: { schema: { type: "struct", name: "postgres.public.meters.Key", fields: [{ type: "int64", optional: false, field: "id" }] }, payload: { id: 1001 } },
    });
    expect(event.key).toEqual({ id: { kind: "integer", value: 1001 } });
  });
});

describe("decoding Debezium envelopes without the JSON schema", () => {
  it("keeps values raw when the converter wrote no schema", () => {
    const event = change("postgres/update-schemaless.json");
    expect(event.hasSchema).toBe(false);
    expect(event.after!.installed_on).toEqual({ kind: "raw", value: 18732 });
    expect(event.after!.smart).toEqual({ kind: "raw", value: true });
    expect(event.position).toBe("00000000000024027200/00000000000024027288");
  });

  it("reads the MariaDB connector's binlog position", () => {
    const event = change("mysql/create-mariadb-schemaless.json");
    expect(event.connector).toBe("mariadb");
    expect(event.position).toBe("0000000012/00000000000000087211/0000000000");
  });
});

/** postgres/update.json with a before-image and a record key that cannot be decoded by their schemas. */
function malformedImages(op: "u" | "d") {
  const value = fixtureJson("postgres/update.json");
  value.payload.op = op;
  value.payload.before.installed_on = "not a day";
  if (op === "d") value.payload.after = null;
  const key = { schema: { type: "struct", fields: [{ field: "id", type: "int64" }] }, payload: { id: "not an integer" } };
  return record(value, { key });
}

describe("images decoded when first read", () => {
  it("decodes an update whose before-image and key are malformed, and throws only when one is read", () => {
    const event = decodeRecord(malformedImages("u"));
    if (event.type !== "change") throw new Error(`expected a change event, got ${event.type}`);
    expect(event.after!.installed_on).toEqual({ kind: "date", text: "2021-04-15" });
    expect(() => event.before).toThrow(DecodeError);
    expect(() => event.before).toThrow(/^before\.installed_on: io\.debezium\.time\.Date expects an integer/);
    expect(() => event.key).toThrow(/^key\.id: int64 expects an integer/);
  });

  it("reads a delete's before-image and key while decoding: they identify the deleted row", () => {
    expect(() => decodeRecord(malformedImages("d"))).toThrow(DecodeError);
  });

  it("decodes each image once, however often it is read", () => {
    const event = change("postgres/update.json", { key: { id: 1001 } });
    expect(event.before).toBe(event.before);
    expect(event.key).toBe(event.key);
    expect(event.key).toEqual({ id: { kind: "raw", value: 1001 } });
  });
});

describe("tombstones, truncates and records that are not change events", () => {
  it("treats a null value as the tombstone that follows a delete", () => {
    const event = decodeRecord(record(null, { key: { id: 1001 } }));
    expect(event.type).toBe("tombstone");
    expect(event.key).toEqual({ id: { kind: "raw", value: 1001 } });
  });

  it("decodes a truncate (op t) with its position and no key", () => {
    const event = decodeRecord(fixtureRecord("postgres/truncate.json"));
    expect(event).toMatchObject({ type: "truncate", connector: "postgresql", key: null, sourceTsMs: 1731054600000 });
    if (event.type === "truncate") expect(event.position).toBe("00000000000024029000/00000000000024029100");
  });

  it("rejects a value that is not JSON", () => {
    expect(() => decodeRecord(record("{not json"))).toThrow(DecodeError);
  });

  it("explains an ExtractNewRecordState-flattened value", () => {
    expect(() => decodeRecord(record({ id: 1, __op: "c", __deleted: "false" }))).toThrow(/no "op" field.*ExtractNewRecordState/);
  });

  it("rejects events of an unknown connector or op", () => {
    const event = fixtureJson("postgres/create.json");
    event.payload.source.connector = "mongodb";
    expect(() => decodeRecord(record(event))).toThrow(/unsupported source.connector "mongodb"/);
    const message = fixtureJson("postgres/create.json");
    message.payload.op = "m";
    expect(() => decodeRecord(record(message))).toThrow(/unsupported op "m"/);
  });

  it("rejects a create without an after row and a value that breaks its schema", () => {
    const broken = fixtureJson("mssql/create.json");
    broken.payload.after = null;
    expect(() => decodeRecord(record(broken))).toThrow(/op "c" without "after"/);
    const badDate = fixtureJson("postgres/create.json");
    badDate.payload.after.installed_on = "2023-09-01";
    expect(() => decodeRecord(record(badDate))).toThrow(/after.installed_on: io.debezium.time.Date expects an integer/);
  });

  it("rejects a source block whose position fields are malformed", () => {
    const event = fixtureJson("mssql/update.json");
    event.payload.source.commit_lsn = "not-an-lsn";
    expect(() => decodeRecord(record(event))).toThrow(/cannot build source_position: source.commit_lsn/);
  });
});
