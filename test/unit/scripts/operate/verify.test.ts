// verify's pure part: source rows read as Debezium presents them go through the sink-app's own
// mapping, both sides are normalised alike, and the SQL Server statements (not runnable here) parse
// as T-SQL.
import nodeSqlParser from "node-sql-parser";
import { describe, expect, it } from "vitest";
import shipped from "../../../../connector-configs/meter-master.js";
import { comparePage, emptyReport, expectedRow, presentRow, type SourceColumn, storedRow } from "../../../../scripts/operate/verify-core.js";
import { mssqlMeterMasterKeys, mssqlMeterMasterMarkDeleted, mssqlMeterMasterRows, mysqlSourcePage } from "../../../../scripts/operate/verify-sql.js";
import type { NamedSourceMapping } from "../../../../sink-app/src/mapping/map-event.js";
import { MeterMasterMappingSchema } from "../../../../sink-app/src/mapping/schema.js";

// The shipped mapping as the config loader hands it over: parsed, defaults filled in.
const mapping = MeterMasterMappingSchema.parse(shipped);
const pgMapping = { ...mapping.sources.postgres!, sourceSystem: "postgres" } as NamedSourceMapping;
const myMapping = { ...mapping.sources.mysql!, sourceSystem: "mysql" } as NamedSourceMapping;

const col = (name: string, type: string, precision: number | null = null): SourceColumn => ({ name, type, precision });
const PG_COLUMNS = [
  col("id", "bigint"),
  col("serial_no", "text"),
  col("kind", "text"),
  col("state", "text"),
  col("customer_id", "text"),
  col("address", "text"),
  col("installed_on", "date"),
  col("last_value", "numeric"),
  col("last_value_at", "timestamp with time zone", 6),
  col("tags", "jsonb"),
  col("external_ref", "uuid"),
  col("smart", "boolean"),
];
const pgRow = {
  id: "1",
  serial_no: " EL-2019-000142 ",
  kind: "electric",
  state: "Active",
  customer_id: "CUST-88120",
  address: "14 Harbour Road",
  installed_on: "2019-04-02",
  last_value: "18234.512",
  last_value_at: "2026-11-01T06:00:00.000000Z",
  tags: '{"tariff": "E7", "phase": 1}',
  external_ref: "b3f1c9d2-5a4e-4c1b-9f3e-2a7d8c6e1f01",
  smart: "true",
};
const pgRef = { dialect: "postgres" as const, db: "meters", schema: "public", table: "meters" };

/** What PostgreSQL's Meter Master returns for that row (to_char, ::text). */
const pgStored = {
  meter_id: "EL-2019-000142",
  meter_type: "ELECTRIC",
  status: "active",
  customer_ref: "CUST-88120",
  location: "14 Harbour Road",
  installed_at: "2019-04-02",
  last_reading: "18234.5120",
  last_reading_at: "2026-11-01T06:00:00.000000Z",
  attributes: '{"tags": {"phase": 1, "tariff": "E7"}, "smart": true, "external_ref": "b3f1c9d2-5a4e-4c1b-9f3e-2a7d8c6e1f01"}',
};

describe("verify compares what the mapping makes of a source row with what Meter Master holds", () => {
  it("a PostgreSQL row maps through the shipped mapping (trim, case, scale 4, UTC, attributes) and equals the stored row", () => {
    const e = expectedRow(pgMapping, pgRef, presentRow(PG_COLUMNS, pgRow));
    expect(e).toMatchObject({ ok: true, key: "1" });
    if (!e.ok) throw new Error(e.reason);
    expect(e.row).toEqual(storedRow(pgStored));
  });

  it("SQL Server's formatting (7 fraction digits, offset, unsorted JSON) is no difference, a changed digit is", () => {
    const e = expectedRow(pgMapping, pgRef, presentRow(PG_COLUMNS, pgRow));
    if (!e.ok) throw new Error(e.reason);
    const mssqlText = {
      ...pgStored,
      last_reading_at: "2026-11-01T07:00:00.0000000+01:00",
      attributes: '{"smart":true,"external_ref":"b3f1c9d2-5a4e-4c1b-9f3e-2a7d8c6e1f01","tags":{"tariff":"E7","phase":1}}',
    };
    const report = emptyReport("postgres", "public.meters");
    comparePage(report, [e], new Map([["1", { row: storedRow(mssqlText), deleted: false }]]), 5);
    expect(report.different.count).toBe(0);
    comparePage(report, [e], new Map([["1", { row: storedRow({ ...pgStored, last_reading: "18234.5130" }), deleted: false }]]), 5);
    expect(report.different.examples).toEqual([{ key: "1", columns: [{ column: "last_reading", source: "18234.5120", meterMaster: "18234.5130" }] }]);
  });

  it("a MySQL row with a composite key, a status code and DATETIME(3) maps to its JSON key; a soft-deleted row counts as missing", () => {
    const columns = [
      col("region_code", "char"),
      col("meter_no", "varchar"),
      col("meter_kind", "enum"),
      col("status_code", "tinyint"),
      col("account_no", "varchar"),
      col("site_address", "varchar"),
      col("install_date", "date"),
      col("last_read_kwh", "decimal"),
      col("last_read_time", "datetime", 3),
      col("notes", "text"),
    ];
    const row = {
      region_code: "NYC",
      meter_no: "M-1002",
      meter_kind: "GAS",
      status_code: "1",
      account_no: "ACC-552101",
      site_address: "1 Wall St",
      install_date: "2020-02-29",
      last_read_kwh: "1200.00",
      last_read_time: "2026-11-01T05:00:00.250000",
      notes: null,
    };
    const e = expectedRow(myMapping, { dialect: "mysql", db: "meterdb", table: "meter_registry" }, presentRow(columns, row));
    expect(e).toMatchObject({
      ok: true,
      key: '["NYC","M-1002"]',
      row: { status: "active", last_reading: "1200.0000", last_reading_at: "2026-11-01T05:00:00.250000Z", attributes: '{"notes":null}' },
    });
    const report = emptyReport("mysql", "meterdb.meter_registry");
    if (!e.ok) throw new Error(e.reason);
    comparePage(report, [e], new Map([[e.key, { row: e.row, deleted: true }]]), 5);
    expect(report.missing).toEqual({ count: 1, examples: ['["NYC","M-1002"]'] });
  });

  it("a value the mapping refuses is reported with its key and reason, as the sink-app would dead-letter it", () => {
    const row = { region_code: "BOS", meter_no: "M-1", meter_kind: "GAS", status_code: "7" };
    const columns = [col("region_code", "char"), col("meter_no", "varchar"), col("meter_kind", "enum"), col("status_code", "tinyint")];
    const e = expectedRow(myMapping, { dialect: "mysql", db: "meterdb", table: "meter_registry" }, presentRow(columns, row));
    expect(e).toMatchObject({ ok: false, key: '["BOS","M-1"]' });
    expect(e.ok ? "" : e.reason).toMatch(/status.*"7"/);
  });

  it("MySQL keyset pages use the index-friendly OR form of a row comparison", () => {
    const s = mysqlSourcePage(
      "meterdb",
      "meter_registry",
      [col("region_code", "char"), col("meter_no", "varchar")],
      ["region_code", "meter_no"],
      ["NYC", "M-1001"],
      5000,
    );
    expect(s.text).toContain("WHERE (`region_code` > ?) OR (`region_code` = ? AND `meter_no` > ?) ORDER BY `region_code`, `meter_no` LIMIT 5000");
    expect(s.values).toEqual(["NYC", "NYC", "M-1001"]);
  });
});

describe("verify's SQL Server statements (NOT RUN: no SQL Server here), parsed as T-SQL", () => {
  const { Parser } = nodeSqlParser as unknown as { Parser: new () => { astify(sql: string, opt: object): unknown } };
  const parser = new Parser();
  const ref = { schema: "dbo", table: "meter_master" };
  it.each([
    ["first page of live keys", mssqlMeterMasterKeys(ref, "postgres", null, 5000).text],
    ["next page of live keys", mssqlMeterMasterKeys(ref, "postgres", "42", 5000).text],
    ["rows by key", mssqlMeterMasterRows(ref, "postgres", ["1", "2"]).text],
    ["mark extra rows deleted", mssqlMeterMasterMarkDeleted(ref, "postgres", ["9"]).text],
  ])("%s parses", (_what, text) => {
    expect(() => parser.astify(text, { database: "TransactSQL" })).not.toThrow();
  });
});
