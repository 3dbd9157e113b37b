// Decoded Debezium event + the source's mapping -> the Meter Master change to apply. Pure.

import type { DecodedEvent, DecodedRow } from "../decode/envelope.js";
import { NULL_VALUE, type TypedValue } from "../decode/logical-types.js";
import { isoFromEpochMs } from "../decode/time.js";
import { TEXT_LIMITS, type TextColumnName } from "../meter-master/columns.js";
import type { MeterMasterChange, MeterMasterRow, Unchanged } from "../meter-master/row.js";
import { convertAttribute, type ReadHints, toDate, toMeterDecimal, toText, toTimestampTz } from "./conversions.js";
import { type ColumnRule, type ColumnRuleObject, MAPPED_COLUMNS, type MappedColumn, type SourceMapping } from "./schema.js";

export class MapError extends Error {
  override readonly name = "MapError";
}

/** A source's mapping together with the source system name it writes under. */
export type NamedSourceMapping = SourceMapping & { sourceSystem: string };

/** Every mapped Meter Master column, null: what a column without a rule (or a key-only delete) writes. */
const NULL_COLUMNS = Object.fromEntries(Object.keys(MAPPED_COLUMNS).map((c) => [c, null])) as Record<MappedColumn, string | null>;

function normalizeRule(rule: ColumnRule): ColumnRuleObject | { const: string | null } {
  if (typeof rule === "string") {
    return { from: rule, trim: false, unmappedValue: "error", ifNull: null, timezone: "UTC" };
  }
  return rule;
}

/** Source columns a mapping reads, so the rest can go to attributes. */
export function mappedSourceColumns(mapping: SourceMapping): Set<string> {
  const used = new Set(mapping.key);
  for (const rule of Object.values(mapping.columns)) {
    if (rule === undefined) continue;
    const r = normalizeRule(rule);
    if ("from" in r) used.add(r.from);
  }
  return used;
}

/** What each event of a source needs from its mapping, worked out once per mapping object. */
interface CompiledMapping {
  columns: Array<{ column: MappedColumn; rule: ColumnRule; normalized: ReturnType<typeof normalizeRule>; hints: ReadHints }>;
  /** source columns the mapping reads */
  used: Set<string>;
  exclude: Set<string>;
  /** the source block of the last event that matched the mapping's table: a source's events come from one table */
  lastMatchedSource?: Record<string, unknown>;
}

const compiledMappings = new WeakMap<SourceMapping, CompiledMapping>();

function compile(mapping: SourceMapping): CompiledMapping {
  let compiled = compiledMappings.get(mapping);
  if (!compiled) {
    const columns: CompiledMapping["columns"] = [];
    for (const column of Object.keys(MAPPED_COLUMNS) as MappedColumn[]) {
      const rule = mapping.columns[column];
      if (rule === undefined) continue;
      const normalized = normalizeRule(rule);
      const hints: ReadHints =
        "from" in normalized ? { encoding: normalized.encoding, scale: normalized.scale, timezone: normalized.timezone } : { timezone: "UTC" };
      columns.push({ column, rule, normalized, hints });
    }
    compiled = { columns, used: mappedSourceColumns(mapping), exclude: new Set(mapping.attributes.exclude) };
    compiledMappings.set(mapping, compiled);
  }
  return compiled;
}

function sameTable(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return a.db === b.db && a.schema === b.schema && a.table === b.table;
}

function tableMatchesMapping(mapping: SourceMapping, source: Record<string, unknown>): boolean {
  const compiled = compile(mapping);
  const last = compiled.lastMatchedSource;
  if (last !== undefined && sameTable(last, source)) return true;
  if (!tableMatches(mapping.table, source)) return false;
  compiled.lastMatchedSource = source;
  return true;
}

function tableMatches(mappingTable: string, source: Record<string, unknown>): boolean {
  const parts = [source.db, source.schema, source.table].map((p) => (typeof p === "string" && p !== "" ? p : undefined));
  const [db, schema, table] = parts;
  if (table === undefined) return false;
  const candidates = [[db, schema, table], [schema, table], [db, table], [table]]
    .filter((c) => c.every((p) => p !== undefined))
    .map((c) => c.join(".").toLowerCase());
  return candidates.includes(mappingTable.toLowerCase());
}

function describeSourceTable(source: Record<string, unknown>): string {
  return [source.db, source.schema, source.table].filter((p) => typeof p === "string" && p !== "").join(".");
}

function textValue(rule: ColumnRuleObject, v: TypedValue): string | null {
  let text = toText(v);
  if (text === null) return rule.ifNull;
  if (rule.trim) text = text.trim();
  if (rule.case === "upper") text = text.toUpperCase();
  if (rule.case === "lower") text = text.toLowerCase();
  if (rule.values !== undefined) {
    if (Object.hasOwn(rule.values, text)) return rule.values[text] ?? null;
    if (rule.unmappedValue === "null") return null;
    if (rule.unmappedValue === "error") {
      throw new Error(`value ${JSON.stringify(text)} has no entry in the value map (${Object.keys(rule.values).join(", ")})`);
    }
  }
  return text;
}

/** A source value Debezium could not read: the Meter Master column keeps what it holds. */
const UNCHANGED = Symbol("unchanged");

function mapColumn({ column, normalized: r, hints }: CompiledMapping["columns"][number], row: DecodedRow): string | null | typeof UNCHANGED {
  if ("const" in r) return r.const;
  const v = row[r.from] ?? NULL_VALUE;
  if (v.kind === "unavailable") return UNCHANGED;
  if (v.kind === "null") return r.ifNull;
  switch (MAPPED_COLUMNS[column]) {
    case "text":
      return textValue(r, v);
    case "date":
      return toDate(v, hints);
    case "decimal":
      return toMeterDecimal(v, hints);
    case "timestamptz":
      return toTimestampTz(v, hints);
  }
}

function keyPart(v: TypedValue): string | number {
  if (v.kind === "integer") return typeof v.value === "bigint" ? v.value.toString() : v.value;
  if (v.kind === "raw" && typeof v.value === "number" && Number.isInteger(v.value)) return v.value;
  const text = toText(v);
  if (text === null) throw new Error("is null");
  return text;
}

function present(row: DecodedRow | null, column: string): TypedValue | undefined {
  const v = row?.[column];
  return v === undefined || v.kind === "null" ? undefined : v;
}

/**
 * source_key: text of a single key column, or a JSON array of the parts for a composite key.
 * A column the image lacks comes from the record key, read only then: an event decodes its key
 * on first read (envelope.ts).
 */
export function canonicalKey(keyColumns: string[], image: DecodedRow | null, event?: { readonly key: DecodedRow | null }): string {
  const parts = keyColumns.map((column) => {
    const v = present(image, column) ?? (event ? present(event.key, column) : undefined);
    if (v === undefined) throw new MapError(`key column "${column}" is missing or null in the event`);
    try {
      return keyPart(v);
    } catch (err) {
      throw new MapError(`key column "${column}" ${(err as Error).message}`);
    }
  });
  return parts.length === 1 ? String(parts[0]) : JSON.stringify(parts);
}

function attributesOf(mapping: SourceMapping, row: DecodedRow, unchanged: string[]): Record<string, unknown> {
  const { used, exclude } = compile(mapping);
  const include = mapping.attributes.include;
  const columns = include === "unmapped" ? Object.keys(row).filter((c) => !used.has(c)) : include;
  const out: Record<string, unknown> = {};
  for (const column of columns) {
    if (exclude.has(column) || !(column in row)) continue;
    if (row[column]!.kind === "unavailable") {
      unchanged.push(column);
      continue;
    }
    const rule = mapping.attributes.convert[column];
    try {
      out[column] = convertAttribute(row[column]!, rule?.as ?? "auto", {
        encoding: rule?.encoding,
        scale: rule?.scale,
        timezone: rule?.timezone ?? "UTC",
      });
    } catch (err) {
      throw new MapError(`attribute "${column}": ${(err as Error).message}`);
    }
  }
  return out;
}

/** What a row carries besides its mapped values: the event's operation, time and position. */
type RowMeta = Pick<MeterMasterRow, "is_deleted" | "source_op" | "source_ts" | "source_position">;

/** A row with every mapped column null (a key-only delete). One object: rows are made per event. */
function emptyRow(mapping: NamedSourceMapping, sourceKey: string, meta: RowMeta): MeterMasterRow {
  return { ...NULL_COLUMNS, source_system: mapping.sourceSystem, source_key: sourceKey, attributes: {}, ...meta };
}

function rowFrom(mapping: NamedSourceMapping, image: DecodedRow, sourceKey: string, meta: RowMeta): MeterMasterRow {
  const row = emptyRow(mapping, sourceKey, meta);
  const values = row as unknown as Record<MappedColumn, string | null>;
  const unchanged: Unchanged = { columns: [], attributes: [] };
  for (const compiled of compile(mapping).columns) {
    const { column, rule } = compiled;
    try {
      const value = mapColumn(compiled, image);
      if (value === UNCHANGED) unchanged.columns.push(column);
      else values[column] = value;
    } catch (err) {
      const from = typeof rule === "string" ? rule : "from" in rule ? rule.from : "const";
      throw new MapError(`${column} (from ${from}): ${(err as Error).message}`);
    }
  }
  row.attributes = attributesOf(mapping, image, unchanged.attributes);
  if (unchanged.columns.length || unchanged.attributes.length) row.unchanged = unchanged;
  return row;
}

/** True when the image has every source column the mapping reads (a full before-image). */
function isCompleteImage(mapping: SourceMapping, image: DecodedRow): boolean {
  for (const column of compile(mapping).used) if (!(column in image)) return false;
  return true;
}

/**
 * Map one decoded event. Returns a MapError (never throws it) when the event cannot become a
 * Meter Master change; the caller sends the record to the dead letter topic.
 */
export function mapEvent(event: DecodedEvent, mapping: NamedSourceMapping): MeterMasterChange | MapError {
  try {
    return mapEventOrThrow(event, mapping);
  } catch (err) {
    if (err instanceof MapError) return err;
    // a DecodeError here comes from a key or before-image decoded on first read (envelope.ts)
    return new MapError((err as Error).message, { cause: err });
  }
}

const TEXT_LIMIT_ENTRIES = Object.entries(TEXT_LIMITS) as Array<[TextColumnName, number]>;

/** PostgreSQL's text and jsonb cannot store U+0000; MySQL, SQL Server and Oracle sources can send it. */
function holdsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (value === null || typeof value !== "object") return false;
  for (const key in value) if (key.includes("\u0000") || holdsNul((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** The path to the first NUL in a value that holds one (`attributes.tags.note`): worked out only for the error. */
function nulPath(value: unknown, at: string): string {
  if (value === null || typeof value !== "object") return at;
  for (const key in value) {
    if (key.includes("\u0000")) return `${at}.${key}`;
    const v = (value as Record<string, unknown>)[key];
    if (holdsNul(v)) return nulPath(v, `${at}.${key}`);
  }
  return at;
}

/**
 * Values the target would refuse fail the whole batch in the database, and the batch would be
 * retried for ever: reject the event instead (dead letter). Text longer than its column; a NUL
 * character anywhere in the row, for either target, so Meter Master holds the same rows on both.
 */
function checkLimits(change: MeterMasterChange): MeterMasterChange {
  if (change.kind !== "upsert" && change.kind !== "delete") return change;
  for (const [column, limit] of TEXT_LIMIT_ENTRIES) {
    const value = change.row[column];
    if (value !== null && value.length > limit) {
      throw new MapError(`${column} is ${value.length} characters, the Meter Master column holds ${limit}: ${JSON.stringify(value.slice(0, 40))}...`);
    }
  }
  for (const column in change.row) {
    const value = change.row[column as keyof MeterMasterRow];
    if (holdsNul(value)) throw new MapError(`${nulPath(value, column)} holds a NUL character (U+0000), which PostgreSQL cannot store`);
  }
  return change;
}

function mapEventOrThrow(event: DecodedEvent, mapping: NamedSourceMapping): MeterMasterChange {
  return checkLimits(mapChange(event, mapping));
}

function mapChange(event: DecodedEvent, mapping: NamedSourceMapping): MeterMasterChange {
  if (event.type === "tombstone") return { kind: "skip", reason: "tombstone (the delete event before it was applied)" };
  if (!tableMatchesMapping(mapping, event.source)) {
    throw new MapError(`event is for table ${describeSourceTable(event.source)} but the ${mapping.sourceSystem} mapping is for ${mapping.table}`);
  }
  const sourceTs = event.sourceTsMs === null ? null : isoFromEpochMs(event.sourceTsMs);
  if (event.type === "truncate") {
    return { kind: "truncate", sourceSystem: mapping.sourceSystem, position: event.position, sourceTs };
  }

  if (event.op === "d") {
    const sourceKey = canonicalKey(mapping.key, event.before, event);
    const meta: RowMeta = { is_deleted: true, source_op: "d", source_ts: sourceTs, source_position: event.position };
    // a key-only before-image (REPLICA IDENTITY DEFAULT) carries fill values, not data
    if (event.before !== null && !event.beforeIsKeyOnly && isCompleteImage(mapping, event.before)) {
      return { kind: "delete", hasValues: true, row: rowFrom(mapping, event.before, sourceKey, meta) };
    }
    return { kind: "delete", hasValues: false, row: emptyRow(mapping, sourceKey, meta) };
  }
  const after = event.after!;
  const sourceKey = canonicalKey(mapping.key, after, event);
  const meta: RowMeta = { is_deleted: false, source_op: event.op, source_ts: sourceTs, source_position: event.position };
  return { kind: "upsert", row: rowFrom(mapping, after, sourceKey, meta) };
}
