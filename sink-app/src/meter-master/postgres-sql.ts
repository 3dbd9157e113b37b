// PostgreSQL statements for Meter Master. Pure: each returns SQL text plus parameter values.
// A step's rows travel as one array parameter per column, read back into rows by unnest, so a
// batch is one statement per step and no value is ever spliced into the SQL text. Arrays, not one
// json document read by json_to_recordset: PostgreSQL's JSON parser took over half of the
// backend's CPU per change; with the arrays the backend spends a third less (docs/benchmarks.md, round 13).
//
// Guard: a row changes only when the incoming source_position is strictly greater than the
// stored one, so replaying an event (same position) or an older one changes nothing at all.
// source_position is declared COLLATE "C": byte order, which is the order positions are built for.

import { stringifyJsonExact } from "../decode/json.js";
import { COLUMNS, type ColumnSpec, column, DATA_COLUMNS, KEEPABLE_COLUMNS, METER_MASTER_COLUMNS, POSITION_COLLATION, TOMBSTONE_COLUMNS } from "./columns.js";
import { pgName, type TableRef, tombstoneTable } from "./identifiers.js";
import type { WriteStep } from "./plan.js";
import type { MeterMasterRow } from "./row.js";

export interface PgStatement {
  text: string;
  values: unknown[];
}

/** `name  type [COLLATE] [NOT NULL] [DEFAULT]` of a CREATE TABLE, from the column table. */
function pgColumnDefinition(c: ColumnSpec): string {
  const collate = c.name === "source_position" ? ` ${POSITION_COLLATION.pg}` : "";
  const notNull = c.notNull ? " NOT NULL" : "";
  const dflt = c.default ? ` DEFAULT ${c.default.pg}` : "";
  return `  ${c.name.padEnd(16)} ${c.pg}${collate}${notNull}${dflt},`;
}

export function pgCreateTable(ref: TableRef): string[] {
  const t = pgName(ref);
  const d = pgName(tombstoneTable(ref));
  return [
    `CREATE SCHEMA IF NOT EXISTS "${ref.schema}"`,
    `CREATE TABLE IF NOT EXISTS ${t} (
${COLUMNS.map(pgColumnDefinition).join("\n")}
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_system, source_key)
)`,
    // hard deletes: the position of the delete, so an older replayed event cannot bring the row back
    `CREATE TABLE IF NOT EXISTS ${d} (
${TOMBSTONE_COLUMNS.map((n) => pgColumnDefinition(column(n))).join("\n")}
  deleted_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_system, source_key)
)`,
  ];
}

type ElementValue = string | boolean | null;

/** JSON's escapes other than \" and \\ (control characters, lone surrogates), and anything that looks like one. */
const OTHER_JSON_ESCAPE = /\\[bfnrtu]/;

const quoteElement = (v: ElementValue) => (v === null ? "NULL" : typeof v === "boolean" ? String(v) : `"${v.replace(/[\\"]/g, "\\$&")}"`);

/**
 * A PostgreSQL array literal: `{"a","b\"c",NULL,true}`. In a quoted element PostgreSQL reads \x
 * as x, which is how JSON.stringify escapes " and \, so a column's values go through one native
 * JSON.stringify (a third of the CPU of quoting each element here, or of node-postgres' own
 * arrays). When the JSON holds any other escape (a newline, U+0000, a lone surrogate; or a
 * backslash the check cannot tell from one), the elements are quoted one by one instead.
 */
export function pgArrayLiteral(values: readonly ElementValue[]): string {
  const json = JSON.stringify(values);
  if (!OTHER_JSON_ESCAPE.test(json)) return `{${json.slice(1, -1)}}`;
  return `{${values.map(quoteElement).join(",")}}`;
}

/** A value a step's rows carry, and the type its array is read as: text for (var)char columns, the column type otherwise. */
interface RowField {
  name: string;
  type: string;
  of: (row: MeterMasterRow) => ElementValue;
}

function columnField(name: ColumnSpec["name"]): RowField {
  const c = column(name);
  const type = /^(var)?char\(/.test(c.pg) ? "text" : c.pg;
  // exact digits: JSON numbers of attributes (raw JSON text, bigint) are written verbatim
  const of = name === "attributes" ? (r: MeterMasterRow) => stringifyJsonExact(r.attributes) : (r: MeterMasterRow) => r[name] as ElementValue;
  return { name, type, of };
}

const ROW_FIELDS: readonly RowField[] = [
  ...METER_MASTER_COLUMNS.map(columnField),
  { name: "unchanged", type: "jsonb", of: (r) => (r.unchanged === undefined ? null : JSON.stringify(r.unchanged)) },
];
const KEY_FIELDS: readonly RowField[] = TOMBSTONE_COLUMNS.map(columnField);

/** The FROM item `unnest($1::text[], ...) AS alias(name, ...)` and its parameters: one array per field. */
function rowsFrom(fields: readonly RowField[], rows: readonly MeterMasterRow[], alias: string): { from: string; values: string[] } {
  const arrays = fields.map((f, i) => `$${i + 1}::${f.type}[]`).join(", ");
  return {
    from: `unnest(${arrays}) AS ${alias}(${fields.map((f) => f.name).join(", ")})`,
    values: fields.map((f) => pgArrayLiteral(rows.map(f.of))),
  };
}

/**
 * The value a row writes for a column: its own, or, when the event did not carry it, the one
 * stored (cur is the stored row, null when the key is new). Attribute keys the same way.
 */
function incoming(name: ColumnSpec["name"]): string {
  if (KEEPABLE_COLUMNS.includes(name)) {
    return `CASE WHEN r.unchanged->'columns' ? '${name}' THEN cur.${name} ELSE r.${name} END`;
  }
  if (name === "attributes") {
    return `CASE WHEN r.unchanged IS NULL THEN r.attributes
    ELSE COALESCE((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(cur.attributes) AS e
                   WHERE r.unchanged->'attributes' ? e.key), '{}'::jsonb) || r.attributes END`;
  }
  return `r.${name}`;
}

export function pgUpsert(ref: TableRef, rows: MeterMasterRow[], guardTombstones: boolean): PgStatement {
  const t = pgName(ref);
  // The stored row is read only for a batch where a change left values out (an unchanged TOASTed
  // column): a lookup per row that most batches do not need. Both lookups below end in OFFSET 0,
  // PostgreSQL's optimisation fence, so each stays a primary-key lookup per row: planned as joins,
  // a full batch against a table grown since ANALYZE last counted it became a scan of that table.
  const keepsStored = rows.some((r) => r.unchanged !== undefined);
  const join = keepsStored
    ? `\nLEFT JOIN LATERAL (SELECT * FROM ${t} AS cur WHERE cur.source_system = r.source_system AND cur.source_key = r.source_key OFFSET 0) AS cur ON true`
    : "";
  const guard = guardTombstones
    ? `
WHERE NOT EXISTS (
  SELECT 1 FROM ${pgName(tombstoneTable(ref))} AS d
  WHERE d.source_system = r.source_system AND d.source_key = r.source_key
    AND d.source_position >= r.source_position COLLATE "C"
  OFFSET 0)`
    : "";
  // One writer per source system, so the stored row read here is the one the upsert replaces.
  const r = rowsFrom(ROW_FIELDS, rows, "r");
  const text = `INSERT INTO ${t} AS t (source_system, source_key, ${DATA_COLUMNS.join(", ")}, updated_at)
SELECT r.source_system, r.source_key, ${DATA_COLUMNS.map((c) => (keepsStored ? incoming(c) : `r.${c}`)).join(",\n  ")}, now()
FROM ${r.from}${join}${guard}
ON CONFLICT (source_system, source_key) DO UPDATE SET
  ${DATA_COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(",\n  ")},
  updated_at = EXCLUDED.updated_at
WHERE t.source_position < EXCLUDED.source_position`;
  return { text, values: r.values };
}

/** Soft delete: a stored row keeps its columns; a key not stored yet gets the delete's values (a full before-image, or nulls). */
export function pgMarkDeleted(ref: TableRef, rows: MeterMasterRow[]): PgStatement {
  const t = pgName(ref);
  const r = rowsFrom(ROW_FIELDS, rows, "r");
  const text = `INSERT INTO ${t} AS t (source_system, source_key, ${DATA_COLUMNS.join(", ")}, updated_at)
SELECT r.source_system, r.source_key, ${DATA_COLUMNS.map((c) => (c === "is_deleted" ? "true" : c === "attributes" ? "COALESCE(r.attributes, '{}'::jsonb)" : `r.${c}`)).join(", ")}, now()
FROM ${r.from}
ON CONFLICT (source_system, source_key) DO UPDATE SET
  is_deleted = true,
  source_op = EXCLUDED.source_op,
  source_ts = EXCLUDED.source_ts,
  source_position = EXCLUDED.source_position,
  updated_at = EXCLUDED.updated_at
WHERE t.source_position < EXCLUDED.source_position`;
  return { text, values: r.values };
}

export function pgHardDelete(ref: TableRef, rows: MeterMasterRow[]): PgStatement {
  const t = pgName(ref);
  const d = pgName(tombstoneTable(ref));
  const keys = rowsFrom(KEY_FIELDS, rows, "x");
  // Data-modifying CTEs share one snapshot: the NOT EXISTS below sees the rows as they were
  // before the DELETE, so a delete older than the stored row leaves no tombstone either.
  const text = `WITH r AS (
  SELECT * FROM ${keys.from}
), removed AS (
  DELETE FROM ${t} AS t USING r
  WHERE t.source_system = r.source_system AND t.source_key = r.source_key
    AND t.source_position < r.source_position COLLATE "C"
  RETURNING t.source_key
)
INSERT INTO ${d} AS d (source_system, source_key, source_op, source_ts, source_position, deleted_at)
SELECT r.source_system, r.source_key, r.source_op, r.source_ts, r.source_position, now()
FROM r
WHERE NOT EXISTS (
  SELECT 1 FROM ${t} AS t
  WHERE t.source_system = r.source_system AND t.source_key = r.source_key
    AND t.source_position >= r.source_position COLLATE "C")
ON CONFLICT (source_system, source_key) DO UPDATE SET
  source_op = EXCLUDED.source_op,
  source_ts = EXCLUDED.source_ts,
  source_position = EXCLUDED.source_position,
  deleted_at = EXCLUDED.deleted_at
WHERE d.source_position < EXCLUDED.source_position`;
  return { text, values: keys.values };
}

export function pgClearTombstones(ref: TableRef, rows: MeterMasterRow[]): PgStatement {
  const keys = rowsFrom(KEY_FIELDS, rows, "r");
  const text = `DELETE FROM ${pgName(tombstoneTable(ref))} AS d
USING ${keys.from}
WHERE d.source_system = r.source_system AND d.source_key = r.source_key
  AND d.source_position < r.source_position COLLATE "C"`;
  return { text, values: keys.values };
}

export function pgTruncate(ref: TableRef, step: Extract<WriteStep, { kind: "truncate" }>): PgStatement {
  const t = pgName(ref);
  const values = [step.sourceSystem, step.position, step.sourceTs];
  if (step.mode === "soft") {
    return {
      text: `UPDATE ${t}
SET is_deleted = true, source_op = 't', source_ts = $3::timestamptz, source_position = $2::text, updated_at = now()
WHERE source_system = $1::text AND source_position < $2::text COLLATE "C"`,
      values,
    };
  }
  return {
    text: `WITH removed AS (
  DELETE FROM ${t} WHERE source_system = $1::text AND source_position < $2::text COLLATE "C"
  RETURNING source_system, source_key
)
INSERT INTO ${pgName(tombstoneTable(ref))} AS d (source_system, source_key, source_op, source_ts, source_position, deleted_at)
SELECT source_system, source_key, 't', $3::timestamptz, $2::text, now() FROM removed
ON CONFLICT (source_system, source_key) DO UPDATE SET
  source_op = EXCLUDED.source_op,
  source_ts = EXCLUDED.source_ts,
  source_position = EXCLUDED.source_position,
  deleted_at = EXCLUDED.deleted_at
WHERE d.source_position < EXCLUDED.source_position`,
    values,
  };
}

export function pgStatementFor(ref: TableRef, step: WriteStep): PgStatement {
  switch (step.kind) {
    case "upsert":
      return pgUpsert(ref, step.rows, step.guardTombstones);
    case "mark-deleted":
      return pgMarkDeleted(ref, step.rows);
    case "hard-delete":
      return pgHardDelete(ref, step.rows);
    case "clear-tombstones":
      return pgClearTombstones(ref, step.rows);
    case "truncate":
      return pgTruncate(ref, step);
  }
}

/** Rows per source system, live and soft-deleted. */
export function pgCounts(ref: TableRef): string {
  return `SELECT source_system, count(*) FILTER (WHERE NOT is_deleted)::int AS live, count(*) FILTER (WHERE is_deleted)::int AS deleted
FROM ${pgName(ref)} GROUP BY source_system ORDER BY source_system`;
}
