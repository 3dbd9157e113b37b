// Proof of sync, the pure part: a source row becomes the Meter Master row the pipeline would write,
// a stored Meter Master row becomes the same comparable form, and the two are compared by digest.
//
// Why map source rows instead of comparing normalised text in SQL: the mapping is code (trim, case,
// value maps, time zones, attributes of unmapped columns), and a second SQL version of it would
// drift from what the sink-app does. So each source row is read as Debezium presents it (the
// TypedValue the sink-app's decoder gives for that column type) and handed to the sink-app's own
// mapEvent with the shipped mapping (connector-configs/meter-master.ts). Both sides then go
// through one normaliser per column type, so formatting never counts (7 vs 6 fraction digits,
// "12.5" vs "12.5000") while any difference of value does: decimals are compared at Meter
// Master's scale 4 as exact integers, timestamps to the microsecond as instants in UTC.
import { createHash } from "node:crypto";
import { formatDecimal, parseDecimal, rescale } from "../../sink-app/src/decode/decimal.js";
import type { ChangeEvent, DecodedRow } from "../../sink-app/src/decode/envelope.js";
import { isRawJsonNumber, parseJsonDocumentExact, stringifyJsonExact } from "../../sink-app/src/decode/json.js";
import type { TypedValue } from "../../sink-app/src/decode/logical-types.js";
import { formatInstantUtc, parseZonedDateTime } from "../../sink-app/src/decode/time.js";
import { canonicalKey, MapError, mapEvent, type NamedSourceMapping } from "../../sink-app/src/mapping/map-event.js";
import { MAPPED_COLUMNS, type MappedColumn } from "../../sink-app/src/mapping/schema.js";

// ---------------------------------------------------------------- source rows as Debezium presents them

export type SourceDialect = "postgres" | "mysql";

/** A source column: its name, its type as the catalog names it (lower case), and its fraction digits for times. */
export interface SourceColumn {
  name: string;
  type: string;
  /** datetime precision (fraction digits) of time/timestamp columns, when the catalog says */
  precision: number | null;
}

const INTEGER = new Set(["smallint", "integer", "bigint", "int2", "int4", "int8", "tinyint", "mediumint", "int", "year"]);
const DECIMAL = new Set(["numeric", "decimal"]);
const FLOAT = new Set(["real", "double precision", "float4", "float8", "float", "double"]);
const JSON_TYPES = new Set(["json", "jsonb"]);
const BYTES = new Set(["bytea", "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"]);

/** How a column is selected as text so that presentValue can read it exactly (the adapters build SELECTs from it). */
export type TextForm = "plain" | "date" | "local-datetime" | "zoned-datetime" | "base64";

export function textForm(c: SourceColumn): TextForm {
  if (c.type === "date") return "date";
  if (c.type === "timestamp without time zone" || c.type === "datetime") return "local-datetime";
  if (c.type === "timestamp with time zone") return "zoned-datetime";
  // MySQL TIMESTAMP is an instant (Debezium: ZonedTimestamp in UTC); the adapter reads it in a UTC session.
  if (c.type === "timestamp") return "zoned-datetime";
  if (BYTES.has(c.type)) return "base64";
  return "plain";
}

/** Debezium's adaptive time precision: up to 3 fraction digits travel as milliseconds, more as microseconds. */
function fractionDigits(c: SourceColumn): number {
  return c.precision !== null && c.precision <= 3 ? 3 : 6;
}

/** "2026-11-01T05:00:00.250000" -> the digits Debezium's Timestamp/MicroTimestamp decode to. */
function withFraction(text: string, digits: number): string {
  const [whole, frac = ""] = text.split(".");
  return `${whole}.${frac.padEnd(digits, "0").slice(0, digits)}`;
}

/**
 * One column value, read as text by the adapter (see textForm), as the TypedValue the sink-app's
 * decoder makes of the same value in a Debezium change event (decode/logical-types.ts).
 */
export function presentValue(c: SourceColumn, text: string | null): TypedValue {
  if (text === null) return { kind: "null" };
  const t = c.type;
  if (INTEGER.has(t) || /^(tiny|small|medium|big)?int( unsigned)?$/.test(t)) {
    const n = BigInt(text);
    return { kind: "integer", value: n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n };
  }
  if (DECIMAL.has(t)) {
    if (!/^-?\d/.test(text)) return { kind: "string", text }; // NaN, Infinity
    const d = parseDecimal(text);
    return { kind: "decimal", text: formatDecimal(d), decimal: d };
  }
  if (FLOAT.has(t)) return { kind: "float", value: Number(text) };
  if (t === "boolean" || t === "bool") return { kind: "boolean", value: text === "t" || text === "true" || text === "1" };
  if (JSON_TYPES.has(t)) return { kind: "json", text };
  switch (textForm(c)) {
    case "date":
      return { kind: "date", text };
    case "local-datetime":
      return { kind: "local-datetime", text: withFraction(text, fractionDigits(c)) };
    case "zoned-datetime":
      // Debezium's ZonedTimestamp writes the fraction without trailing zeros ("...:59.5Z", "...:00Z")
      return { kind: "zoned-datetime", text: text.replace(/\.?0+Z$/, "Z") };
    case "base64":
      return { kind: "bytes", text: text.replace(/\s+/g, "") };
    case "plain":
      return { kind: "string", text };
  }
}

export function presentRow(columns: readonly SourceColumn[], texts: Record<string, string | null>): DecodedRow {
  const row: DecodedRow = {};
  for (const c of columns) row[c.name] = presentValue(c, texts[c.name] ?? null);
  return row;
}

/** Where the source table sits, as Debezium's source block names it (what mapEvent matches the mapping's table on). */
export interface SourceTableRef {
  dialect: SourceDialect;
  /** PostgreSQL: the database; MySQL: the database the table is in */
  db: string;
  /** PostgreSQL only */
  schema?: string;
  table: string;
}

// ---------------------------------------------------------------- the comparable form

export const COMPARED_COLUMNS = [...(Object.keys(MAPPED_COLUMNS) as MappedColumn[]), "attributes"] as const;
export type ComparedColumn = (typeof COMPARED_COLUMNS)[number];
export type Comparable = Record<ComparedColumn, string | null>;

/** Sorted keys, exact numbers: two JSON documents with the same content give the same text. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (typeof v === "bigint" || isRawJsonNumber(v)) return v;
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return stringifyJsonExact(sort(value));
}

/** One normaliser per Meter Master column type, applied to both sides. */
export function normalise(column: ComparedColumn, value: string | null): string | null {
  if (value === null) return null;
  if (column === "attributes") return canonicalJson(parseJsonDocumentExact(value));
  switch (MAPPED_COLUMNS[column]) {
    case "text":
      return value;
    case "date":
      return value.slice(0, 10);
    case "decimal":
      return formatDecimal(rescale(parseDecimal(value), 4));
    case "timestamptz":
      return formatInstantUtc(parseZonedDateTime(value));
  }
}

export function digest(c: Comparable): string {
  return createHash("sha256")
    .update(JSON.stringify(COMPARED_COLUMNS.map((k) => c[k])))
    .digest("hex");
}

export function differingColumns(a: Comparable, b: Comparable): ComparedColumn[] {
  return COMPARED_COLUMNS.filter((k) => a[k] !== b[k]);
}

export type Expected = { ok: true; key: string; row: Comparable } | { ok: false; key: string | null; reason: string };

/** The Meter Master row the sink-app would write for this source row (a snapshot read through mapEvent). */
export function expectedRow(mapping: NamedSourceMapping, ref: SourceTableRef, row: DecodedRow): Expected {
  const source = ref.dialect === "postgres" ? { db: ref.db, schema: ref.schema, table: ref.table } : { db: ref.db, table: ref.table };
  const event: ChangeEvent = {
    type: "change",
    topic: "(verify)",
    partition: 0,
    offset: 0n,
    key: null,
    op: "r",
    connector: ref.dialect === "postgres" ? "postgresql" : "mysql",
    before: null,
    after: row,
    source,
    position: "",
    sourceTsMs: null,
    beforeIsKeyOnly: false,
    keyChange: null,
    hasSchema: true,
    payload: {},
  };
  const change = mapEvent(event, mapping);
  if (change instanceof MapError) {
    let key: string | null = null;
    try {
      key = canonicalKey(mapping.key, row);
    } catch {
      key = null;
    }
    return { ok: false, key, reason: change.message };
  }
  if (change.kind !== "upsert") return { ok: false, key: null, reason: `mapped to ${change.kind}` };
  const r = change.row;
  const out = {} as Comparable;
  for (const c of COMPARED_COLUMNS) out[c] = c === "attributes" ? canonicalJson(r.attributes) : normalise(c, r[c]);
  return { ok: true, key: r.source_key, row: out };
}

/** A Meter Master row as read (every compared column as text, attributes as JSON text), normalised. */
export function storedRow(texts: Record<ComparedColumn, string | null>): Comparable {
  const out = {} as Comparable;
  for (const c of COMPARED_COLUMNS) out[c] = normalise(c, texts[c] ?? null);
  return out;
}

/** source_key -> the key column values as text, for looking the row up in the source (JSON array for composite keys). */
export function keyParts(sourceKey: string, keyColumns: number): string[] | null {
  if (keyColumns === 1) return [sourceKey];
  try {
    const parts = JSON.parse(sourceKey) as unknown;
    if (!Array.isArray(parts) || parts.length !== keyColumns) return null;
    return parts.map((p) => String(p));
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- the report

export interface Difference {
  key: string;
  columns: Array<{ column: ComparedColumn; source: string | null; meterMaster: string | null }>;
}

export interface SourceReport {
  source: string;
  table: string;
  sourceRows: number;
  meterMasterRows: number;
  missing: { count: number; examples: string[] };
  extra: { count: number; examples: string[] };
  different: { count: number; examples: Difference[] };
  unmappable: { count: number; examples: Array<{ key: string | null; reason: string }> };
}

export function emptyReport(source: string, table: string): SourceReport {
  return {
    source,
    table,
    sourceRows: 0,
    meterMasterRows: 0,
    missing: { count: 0, examples: [] },
    extra: { count: 0, examples: [] },
    different: { count: 0, examples: [] },
    unmappable: { count: 0, examples: [] },
  };
}

export const differencesOf = (r: SourceReport) => r.missing.count + r.extra.count + r.different.count + r.unmappable.count;

/** Adds to a bucket, keeping at most `limit` examples. */
export function note<T>(bucket: { count: number; examples: T[] }, example: T, limit: number): void {
  bucket.count++;
  if (bucket.examples.length < limit) bucket.examples.push(example);
}

/** Compares one page: the expected rows of a page of source keys with what Meter Master holds for those keys. */
export function comparePage(
  report: SourceReport,
  expected: readonly Expected[],
  stored: ReadonlyMap<string, { row: Comparable; deleted: boolean }>,
  examples: number,
): void {
  for (const e of expected) {
    report.sourceRows++;
    if (!e.ok) {
      note(report.unmappable, { key: e.key, reason: e.reason }, examples);
      continue;
    }
    const s = stored.get(e.key);
    if (!s || s.deleted) {
      note(report.missing, e.key, examples);
      continue;
    }
    if (digest(s.row) !== digest(e.row)) {
      note(
        report.different,
        { key: e.key, columns: differingColumns(e.row, s.row).map((column) => ({ column, source: e.row[column], meterMaster: s.row[column] })) },
        examples,
      );
    }
  }
}

const clip = (v: string | null) => (v === null ? "null" : JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v));

export function formatReport(r: SourceReport): string {
  const n = differencesOf(r);
  const head = `${r.source} (${r.table}): ${r.sourceRows} source row(s), ${r.meterMasterRows} live Meter Master row(s): ${n === 0 ? "in sync" : `${n} difference(s)`}`;
  const lines = [head];
  const more = (count: number, shown: number) => (count > shown ? ` (and ${count - shown} more)` : "");
  if (r.missing.count)
    lines.push(`  missing in Meter Master: ${r.missing.count}: ${r.missing.examples.join(", ")}${more(r.missing.count, r.missing.examples.length)}`);
  if (r.extra.count)
    lines.push(`  extra in Meter Master (no source row): ${r.extra.count}: ${r.extra.examples.join(", ")}${more(r.extra.count, r.extra.examples.length)}`);
  if (r.different.count) {
    lines.push(`  different: ${r.different.count}${more(r.different.count, r.different.examples.length)}`);
    for (const d of r.different.examples) {
      lines.push(`    ${d.key}: ${d.columns.map((c) => `${c.column} source ${clip(c.source)} / Meter Master ${clip(c.meterMaster)}`).join("; ")}`);
    }
  }
  if (r.unmappable.count) {
    lines.push(`  source rows the mapping refuses (the sink-app dead-letters them): ${r.unmappable.count}`);
    for (const u of r.unmappable.examples) lines.push(`    ${u.key ?? "(no key)"}: ${u.reason}`);
  }
  return lines.join("\n");
}
