// SQL Server (T-SQL) statements for Meter Master. Pure: text plus named parameters.
// A step's rows travel as ONE NVARCHAR(MAX) JSON parameter (@rows) read with OPENJSON, so a batch
// is one set-based MERGE, and no value is ever spliced into the SQL text.
//
// MERGE ... WITH (HOLDLOCK) takes key-range locks, so two writers cannot both decide "not
// matched" for the same key. Guard: an existing row changes only when the incoming
// source_position is strictly greater; positions compare in binary collation.

import { stringifyJsonExact } from "../decode/json.js";
import { COLUMNS, type ColumnSpec, column, DATA_COLUMNS, KEEPABLE_COLUMNS, METER_MASTER_COLUMNS, TOMBSTONE_COLUMNS } from "./columns.js";
import { mssqlName, type TableRef, tombstoneTable } from "./identifiers.js";
import type { WriteStep } from "./plan.js";
import type { MeterMasterRow } from "./row.js";

export type MssqlParamType = "nvarchar(max)" | "nvarchar(64)" | "varchar(128)" | "datetimeoffset(3)";

export interface MssqlStatement {
  text: string;
  params: Array<{ name: string; type: MssqlParamType; value: string | null }>;
}

const BIN = "COLLATE Latin1_General_BIN2";

/** `name  TYPE [COLLATE] NULL|NOT NULL [CONSTRAINT DF_ DEFAULT]` of a CREATE TABLE, from the column table. */
function mssqlColumnDefinition(table: string, c: ColumnSpec): string {
  const collate = c.name === "source_position" ? ` ${BIN}` : "";
  const dflt = c.default ? ` CONSTRAINT [DF_${table}_${c.name}] DEFAULT (${c.default.mssql})` : "";
  return `  ${c.name.padEnd(16)} ${c.mssql}${collate} ${c.notNull ? "NOT NULL" : "NULL"}${dflt},`;
}

export function mssqlCreateTable(ref: TableRef): string[] {
  const t = mssqlName(ref);
  const d = mssqlName(tombstoneTable(ref));
  const quotedT = t.replace(/'/g, "''");
  const quotedD = d.replace(/'/g, "''");
  return [
    `IF SCHEMA_ID(N'${ref.schema}') IS NULL EXEC(N'CREATE SCHEMA [${ref.schema}]')`,
    `IF OBJECT_ID(N'${quotedT}', N'U') IS NULL
CREATE TABLE ${t} (
${COLUMNS.map((c) => mssqlColumnDefinition(ref.table, c)).join("\n")}
  updated_at       DATETIMEOFFSET(3) NOT NULL CONSTRAINT [DF_${ref.table}_updated_at] DEFAULT (SYSDATETIMEOFFSET()),
  CONSTRAINT [PK_${ref.table}] PRIMARY KEY (source_system, source_key),
  CONSTRAINT [CK_${ref.table}_attributes] CHECK (ISJSON(attributes) = 1)
)`,
    `IF OBJECT_ID(N'${quotedD}', N'U') IS NULL
CREATE TABLE ${d} (
${TOMBSTONE_COLUMNS.map((n) => mssqlColumnDefinition(`${ref.table}_tombstones`, column(n))).join("\n")}
  deleted_at       DATETIMEOFFSET(3) NOT NULL CONSTRAINT [DF_${ref.table}_tombstones_deleted_at] DEFAULT (SYSDATETIMEOFFSET()),
  CONSTRAINT [PK_${ref.table}_tombstones] PRIMARY KEY (source_system, source_key)
)`,
  ];
}

/** OPENJSON ... WITH columns: each column's own type, read from `$.<name>` (attributes as JSON). */
const withColumns = (names: readonly string[]) =>
  names.map((n) => column(n)).map((c) => `${c.name} ${c.mssql} '$.${c.name}'${c.name === "attributes" ? " AS JSON" : ""}`);
const ROW_COLUMNS = [
  ...withColumns(METER_MASTER_COLUMNS),
  "unchanged_columns NVARCHAR(MAX) '$.unchanged.columns' AS JSON",
  "unchanged_attributes NVARCHAR(MAX) '$.unchanged.attributes' AS JSON",
].join(",\n      ");
const KEY_COLUMNS = withColumns(TOMBSTONE_COLUMNS).join(",\n      ");

function rowsParam(rows: MeterMasterRow[]): MssqlStatement["params"][number] {
  // exact digits: JSON numbers of attributes (raw JSON text, bigint) are written verbatim
  return { name: "rows", type: "nvarchar(max)", value: stringifyJsonExact(rows) };
}

/**
 * The value a matched row gets: the incoming one, or the stored one for a column the event did
 * not carry; attributes keep the stored values of the keys listed as unchanged. OPENJSON's
 * type column says how to write each value back (1 string, 0 null, else JSON text as is).
 */
function matchedValue(name: ColumnSpec["name"]): string {
  if (KEEPABLE_COLUMNS.includes(name)) {
    return `CASE WHEN EXISTS (SELECT 1 FROM OPENJSON(s.unchanged_columns) AS u WHERE u.value = N'${name}') THEN t.${name} ELSE s.${name} END`;
  }
  if (name === "attributes") {
    return `CASE WHEN s.unchanged_attributes IS NULL THEN s.attributes ELSE (
      SELECT N'{' + COALESCE(STRING_AGG(CAST(N'"' + STRING_ESCAPE(a.[key], 'json') + N'":' +
        CASE a.[type] WHEN 0 THEN N'null' WHEN 1 THEN N'"' + STRING_ESCAPE(a.value, 'json') + N'"' ELSE a.value END AS NVARCHAR(MAX)), N','), N'') + N'}'
      FROM (
        SELECT [key], value, [type] FROM OPENJSON(s.attributes)
        UNION ALL
        SELECT o.[key], o.value, o.[type] FROM OPENJSON(t.attributes) AS o
        WHERE EXISTS (SELECT 1 FROM OPENJSON(s.unchanged_attributes) AS u WHERE u.value = o.[key])
      ) AS a) END`;
  }
  return `s.${name}`;
}

function keysParam(rows: MeterMasterRow[]): MssqlStatement["params"][number] {
  const keys = rows.map((r) => ({
    source_system: r.source_system,
    source_key: r.source_key,
    source_op: r.source_op,
    source_ts: r.source_ts,
    source_position: r.source_position,
  }));
  return { name: "rows", type: "nvarchar(max)", value: JSON.stringify(keys) };
}

export function mssqlUpsert(ref: TableRef, rows: MeterMasterRow[], guardTombstones: boolean): MssqlStatement {
  const t = mssqlName(ref);
  const guard = guardTombstones
    ? `
    WHERE NOT EXISTS (
      SELECT 1 FROM ${mssqlName(tombstoneTable(ref))} AS d
      WHERE d.source_system = r.source_system AND d.source_key = r.source_key
        AND d.source_position >= r.source_position ${BIN})`
    : "";
  const text = `MERGE INTO ${t} WITH (HOLDLOCK) AS t
USING (
  SELECT r.* FROM OPENJSON(@rows) WITH (
      ${ROW_COLUMNS}
    ) AS r${guard}
) AS s
ON t.source_system = s.source_system AND t.source_key = s.source_key
WHEN MATCHED AND t.source_position < s.source_position ${BIN} THEN
  UPDATE SET
    ${DATA_COLUMNS.map((c) => `t.${c} = ${matchedValue(c)}`).join(",\n    ")},
    t.updated_at = SYSDATETIMEOFFSET()
WHEN NOT MATCHED BY TARGET THEN
  INSERT (source_system, source_key, ${DATA_COLUMNS.join(", ")}, updated_at)
  VALUES (s.source_system, s.source_key, ${DATA_COLUMNS.map((c) => `s.${c}`).join(", ")}, SYSDATETIMEOFFSET());`;
  return { text, params: [rowsParam(rows)] };
}

/** Soft delete: a stored row keeps its columns; a key not stored yet gets the delete's values (a full before-image, or nulls). */
export function mssqlMarkDeleted(ref: TableRef, rows: MeterMasterRow[]): MssqlStatement {
  const text = `MERGE INTO ${mssqlName(ref)} WITH (HOLDLOCK) AS t
USING (
  SELECT r.* FROM OPENJSON(@rows) WITH (
      ${ROW_COLUMNS}
    ) AS r
) AS s
ON t.source_system = s.source_system AND t.source_key = s.source_key
WHEN MATCHED AND t.source_position < s.source_position ${BIN} THEN
  UPDATE SET
    t.is_deleted = 1,
    t.source_op = s.source_op,
    t.source_ts = s.source_ts,
    t.source_position = s.source_position,
    t.updated_at = SYSDATETIMEOFFSET()
WHEN NOT MATCHED BY TARGET THEN
  INSERT (source_system, source_key, ${DATA_COLUMNS.join(", ")}, updated_at)
  VALUES (s.source_system, s.source_key, ${DATA_COLUMNS.map((c) => (c === "is_deleted" ? "1" : c === "attributes" ? "COALESCE(s.attributes, N'{}')" : `s.${c}`)).join(", ")}, SYSDATETIMEOFFSET());`;
  return { text, params: [rowsParam(rows)] };
}

export function mssqlHardDelete(ref: TableRef, rows: MeterMasterRow[]): MssqlStatement {
  const t = mssqlName(ref);
  const d = mssqlName(tombstoneTable(ref));
  const text = `DELETE t
FROM ${t} AS t WITH (HOLDLOCK)
INNER JOIN OPENJSON(@rows) WITH (
      ${KEY_COLUMNS}
    ) AS r
  ON t.source_system = r.source_system AND t.source_key = r.source_key
WHERE t.source_position < r.source_position ${BIN};

MERGE INTO ${d} WITH (HOLDLOCK) AS d
USING (
  SELECT r.* FROM OPENJSON(@rows) WITH (
      ${KEY_COLUMNS}
    ) AS r
  WHERE NOT EXISTS (
    SELECT 1 FROM ${t} AS t
    WHERE t.source_system = r.source_system AND t.source_key = r.source_key
      AND t.source_position >= r.source_position ${BIN})
) AS s
ON d.source_system = s.source_system AND d.source_key = s.source_key
WHEN MATCHED AND d.source_position < s.source_position ${BIN} THEN
  UPDATE SET
    d.source_op = s.source_op,
    d.source_ts = s.source_ts,
    d.source_position = s.source_position,
    d.deleted_at = SYSDATETIMEOFFSET()
WHEN NOT MATCHED BY TARGET THEN
  INSERT (source_system, source_key, source_op, source_ts, source_position, deleted_at)
  VALUES (s.source_system, s.source_key, s.source_op, s.source_ts, s.source_position, SYSDATETIMEOFFSET());`;
  return { text, params: [keysParam(rows)] };
}

export function mssqlClearTombstones(ref: TableRef, rows: MeterMasterRow[]): MssqlStatement {
  const text = `DELETE d
FROM ${mssqlName(tombstoneTable(ref))} AS d
INNER JOIN OPENJSON(@rows) WITH (
      ${KEY_COLUMNS}
    ) AS r
  ON d.source_system = r.source_system AND d.source_key = r.source_key
WHERE d.source_position < r.source_position ${BIN};`;
  return { text, params: [keysParam(rows)] };
}

export function mssqlTruncate(ref: TableRef, step: Extract<WriteStep, { kind: "truncate" }>): MssqlStatement {
  const t = mssqlName(ref);
  const params: MssqlStatement["params"] = [
    { name: "source_system", type: "nvarchar(64)", value: step.sourceSystem },
    { name: "source_position", type: "varchar(128)", value: step.position },
    { name: "source_ts", type: "datetimeoffset(3)", value: step.sourceTs },
  ];
  if (step.mode === "soft") {
    return {
      text: `UPDATE ${t} WITH (HOLDLOCK)
SET is_deleted = 1, source_op = 't', source_ts = @source_ts, source_position = @source_position, updated_at = SYSDATETIMEOFFSET()
WHERE source_system = @source_system AND source_position < @source_position ${BIN};`,
      params,
    };
  }
  return {
    text: `DECLARE @removed TABLE (source_system ${column("source_system").mssql} NOT NULL, source_key ${column("source_key").mssql} NOT NULL);

DELETE FROM ${t} WITH (HOLDLOCK)
OUTPUT deleted.source_system, deleted.source_key INTO @removed
WHERE source_system = @source_system AND source_position < @source_position ${BIN};

MERGE INTO ${mssqlName(tombstoneTable(ref))} WITH (HOLDLOCK) AS d
USING @removed AS s
ON d.source_system = s.source_system AND d.source_key = s.source_key
WHEN MATCHED AND d.source_position < @source_position ${BIN} THEN
  UPDATE SET d.source_op = 't', d.source_ts = @source_ts, d.source_position = @source_position, d.deleted_at = SYSDATETIMEOFFSET()
WHEN NOT MATCHED BY TARGET THEN
  INSERT (source_system, source_key, source_op, source_ts, source_position, deleted_at)
  VALUES (s.source_system, s.source_key, 't', @source_ts, @source_position, SYSDATETIMEOFFSET());`,
    params,
  };
}

export function mssqlStatementFor(ref: TableRef, step: WriteStep): MssqlStatement {
  switch (step.kind) {
    case "upsert":
      return mssqlUpsert(ref, step.rows, step.guardTombstones);
    case "mark-deleted":
      return mssqlMarkDeleted(ref, step.rows);
    case "hard-delete":
      return mssqlHardDelete(ref, step.rows);
    case "clear-tombstones":
      return mssqlClearTombstones(ref, step.rows);
    case "truncate":
      return mssqlTruncate(ref, step);
  }
}

/** Rows per source system, live and soft-deleted. */
export function mssqlCounts(ref: TableRef): string {
  return `SELECT source_system, SUM(CASE WHEN is_deleted = 0 THEN 1 ELSE 0 END) AS live, SUM(CASE WHEN is_deleted = 1 THEN 1 ELSE 0 END) AS deleted
FROM ${mssqlName(ref)} WITH (NOLOCK) GROUP BY source_system ORDER BY source_system`;
}
