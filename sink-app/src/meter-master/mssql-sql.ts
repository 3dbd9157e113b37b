// SQL Server (T-SQL) statements for Meter Master. Pure: text plus named parameters.
// A step's rows travel as ONE NVARCHAR(MAX) JSON parameter (@rows) read with OPENJSON, so a batch
// is one set-based MERGE, and no value is ever spliced into the SQL text.
//
// MERGE ... WITH (HOLDLOCK) takes key-range locks, so two writers cannot both decide "not
// matched" for the same key. Guard: an existing row changes only when the incoming
// source_position is strictly greater; positions compare in binary collation.

import { stringifyJsonExact } from "../decode/json.js";
import { mssqlName, tombstoneTable, TEXT_LIMITS, type TableRef } from "./identifiers.js";
import type { WriteStep } from "./plan.js";
import type { MeterMasterRow } from "./row.js";

export type MssqlParamType = "nvarchar(max)" | "nvarchar(64)" | "varchar(128)" | "datetimeoffset(3)";

export interface MssqlStatement {
  text: string;
  params: Array<{ name: string; type: MssqlParamType; value: string | null }>;
}

const BIN = "COLLATE Latin1_General_BIN2";

export function mssqlCreateTable(ref: TableRef): string[] {
  const t = mssqlName(ref);
  const d = mssqlName(tombstoneTable(ref));
  const quotedT = t.replace(/'/g, "''");
  const quotedD = d.replace(/'/g, "''");
  return [
    `IF SCHEMA_ID(N'${ref.schema}') IS NULL EXEC(N'CREATE SCHEMA [${ref.schema}]')`,
    `IF OBJECT_ID(N'${quotedT}', N'U') IS NULL
CREATE TABLE ${t} (
  source_system    NVARCHAR(${TEXT_LIMITS.source_system}) NOT NULL,
  source_key       NVARCHAR(${TEXT_LIMITS.source_key}) NOT NULL,
  meter_id         NVARCHAR(${TEXT_LIMITS.meter_id}) NULL,
  meter_type       NVARCHAR(${TEXT_LIMITS.meter_type}) NULL,
  status           NVARCHAR(${TEXT_LIMITS.status}) NULL,
  customer_ref     NVARCHAR(${TEXT_LIMITS.customer_ref}) NULL,
  location         NVARCHAR(${TEXT_LIMITS.location}) NULL,
  installed_at     DATE NULL,
  last_reading     DECIMAL(18,4) NULL,
  last_reading_at  DATETIMEOFFSET(6) NULL,
  attributes       NVARCHAR(MAX) NOT NULL CONSTRAINT [DF_${ref.table}_attributes] DEFAULT (N'{}'),
  is_deleted       BIT NOT NULL CONSTRAINT [DF_${ref.table}_is_deleted] DEFAULT (0),
  source_op        CHAR(1) NOT NULL,
  source_ts        DATETIMEOFFSET(3) NULL,
  source_position  VARCHAR(128) ${BIN} NOT NULL,
  updated_at       DATETIMEOFFSET(3) NOT NULL CONSTRAINT [DF_${ref.table}_updated_at] DEFAULT (SYSDATETIMEOFFSET()),
  CONSTRAINT [PK_${ref.table}] PRIMARY KEY (source_system, source_key),
  CONSTRAINT [CK_${ref.table}_attributes] CHECK (ISJSON(attributes) = 1)
)`,
    `IF OBJECT_ID(N'${quotedD}', N'U') IS NULL
CREATE TABLE ${d} (
  source_system    NVARCHAR(${TEXT_LIMITS.source_system}) NOT NULL,
  source_key       NVARCHAR(${TEXT_LIMITS.source_key}) NOT NULL,
  source_op        CHAR(1) NOT NULL,
  source_ts        DATETIMEOFFSET(3) NULL,
  source_position  VARCHAR(128) ${BIN} NOT NULL,
  deleted_at       DATETIMEOFFSET(3) NOT NULL CONSTRAINT [DF_${ref.table}_tombstones_deleted_at] DEFAULT (SYSDATETIMEOFFSET()),
  CONSTRAINT [PK_${ref.table}_tombstones] PRIMARY KEY (source_system, source_key)
)`,
  ];
}

const ROW_COLUMNS = `source_system NVARCHAR(${TEXT_LIMITS.source_system}) '$.source_system',
      source_key NVARCHAR(${TEXT_LIMITS.source_key}) '$.source_key',
      meter_id NVARCHAR(${TEXT_LIMITS.meter_id}) '$.meter_id',
      meter_type NVARCHAR(${TEXT_LIMITS.meter_type}) '$.meter_type',
      status NVARCHAR(${TEXT_LIMITS.status}) '$.status',
      customer_ref NVARCHAR(${TEXT_LIMITS.customer_ref}) '$.customer_ref',
      location NVARCHAR(${TEXT_LIMITS.location}) '$.location',
      installed_at DATE '$.installed_at',
      last_reading DECIMAL(18,4) '$.last_reading',
      last_reading_at DATETIMEOFFSET(6) '$.last_reading_at',
      attributes NVARCHAR(MAX) '$.attributes' AS JSON,
      is_deleted BIT '$.is_deleted',
      source_op CHAR(1) '$.source_op',
      source_ts DATETIMEOFFSET(3) '$.source_ts',
      source_position VARCHAR(128) '$.source_position',
      unchanged_columns NVARCHAR(MAX) '$.unchanged.columns' AS JSON,
      unchanged_attributes NVARCHAR(MAX) '$.unchanged.attributes' AS JSON`;

const KEY_COLUMNS = `source_system NVARCHAR(${TEXT_LIMITS.source_system}) '$.source_system',
      source_key NVARCHAR(${TEXT_LIMITS.source_key}) '$.source_key',
      source_op CHAR(1) '$.source_op',
      source_ts DATETIMEOFFSET(3) '$.source_ts',
      source_position VARCHAR(128) '$.source_position'`;

const DATA_COLUMNS = [
  "meter_id",
  "meter_type",
  "status",
  "customer_ref",
  "location",
  "installed_at",
  "last_reading",
  "last_reading_at",
  "attributes",
  "is_deleted",
  "source_op",
  "source_ts",
  "source_position",
] as const;

function rowsParam(rows: MeterMasterRow[]): MssqlStatement["params"][number] {
  // exact digits: JSON numbers of attributes (raw JSON text, bigint) are written verbatim
  return { name: "rows", type: "nvarchar(max)", value: stringifyJsonExact(rows) };
}

/** Mapped columns an update may leave unchanged (Debezium's unavailable-value placeholder). */
const KEEPABLE_COLUMNS = ["meter_id", "meter_type", "status", "customer_ref", "location", "installed_at", "last_reading", "last_reading_at"];

/**
 * The value a matched row gets: the incoming one, or the stored one for a column the event did
 * not carry; attributes keep the stored values of the keys listed as unchanged. OPENJSON's
 * type column says how to write each value back (1 string, 0 null, else JSON text as is).
 */
function matchedValue(column: (typeof DATA_COLUMNS)[number]): string {
  if (KEEPABLE_COLUMNS.includes(column)) {
    return `CASE WHEN EXISTS (SELECT 1 FROM OPENJSON(s.unchanged_columns) AS u WHERE u.value = N'${column}') THEN t.${column} ELSE s.${column} END`;
  }
  if (column === "attributes") {
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
  return `s.${column}`;
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
    text: `DECLARE @removed TABLE (source_system NVARCHAR(${TEXT_LIMITS.source_system}) NOT NULL, source_key NVARCHAR(${TEXT_LIMITS.source_key}) NOT NULL);

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
