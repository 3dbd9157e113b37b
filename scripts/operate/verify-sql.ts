// SQL text of verify and resync, pure: keyset pages of a source table (PostgreSQL, MySQL/MariaDB),
// lookups by key on either side, and the Meter Master reads (PostgreSQL, SQL Server). Values are
// always parameters; identifiers come from the config files and are quoted.

import { mssqlName, pgName, type TableRef } from "../../sink-app/src/meter-master/identifiers.js";
import { COMPARED_COLUMNS, type SourceColumn, textForm } from "./verify-core.js";

export interface Statement {
  text: string;
  values: unknown[];
}

const pgId = (name: string) => `"${name.replace(/"/g, '""')}"`;
const myId = (name: string) => `\`${name.replace(/`/g, "``")}\``;

// ---------------------------------------------------------------- PostgreSQL source

/** Columns of a table with their type, its fraction digits and the type a text key is cast back to. */
export const PG_COLUMNS_SQL = `SELECT c.column_name AS name, c.data_type AS type, c.datetime_precision AS precision,
       format('%I.%I', c.udt_schema, c.udt_name) AS cast_to
  FROM information_schema.columns c
 WHERE c.table_schema = $1 AND c.table_name = $2
 ORDER BY c.ordinal_position`;

export interface PgColumn extends SourceColumn {
  castTo: string;
}

function pgSelectExpr(c: SourceColumn): string {
  const id = pgId(c.name);
  switch (textForm(c)) {
    case "date":
      return `to_char(${id}, 'YYYY-MM-DD')`;
    case "local-datetime":
      return `to_char(${id}, 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
    case "zoned-datetime":
      return `to_char(${id} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    case "base64":
      return `encode(${id}, 'base64')`;
    case "plain":
      return `${id}::text`;
  }
}

const pgSelectList = (columns: readonly SourceColumn[]) => columns.map((c) => `${pgSelectExpr(c)} AS ${pgId(c.name)}`).join(", ");

/** One page of rows ordered by key, after `after` (the previous page's last key, as text). */
export function pgSourcePage(
  schema: string,
  table: string,
  columns: readonly PgColumn[],
  key: readonly string[],
  after: readonly string[] | null,
  limit: number,
): Statement {
  const keyCols = key.map((k) => columns.find((c) => c.name === k)!);
  const order = keyCols.map((c) => pgId(c.name)).join(", ");
  const where = after ? ` WHERE (${order}) > (${keyCols.map((c, i) => `$${i + 1}::${c.castTo}`).join(", ")})` : "";
  return {
    text: `SELECT ${pgSelectList(columns)} FROM ${pgId(schema)}.${pgId(table)}${where} ORDER BY ${order} LIMIT ${Math.trunc(limit)}`,
    values: after ? [...after] : [],
  };
}

/** The key columns (as text) of the rows whose keys are among `keys` (each a list of key column texts). */
export function pgSourceKeysIn(schema: string, table: string, columns: readonly PgColumn[], key: readonly string[], keys: readonly string[][]): Statement {
  const keyCols = key.map((k) => columns.find((c) => c.name === k)!);
  const tuple = keyCols.map((c) => pgId(c.name)).join(", ");
  const unnest = keyCols.map((_c, i) => `$${i + 1}::text[]`).join(", ");
  const casts = keyCols.map((c, i) => `u.k${i}::${c.castTo}`).join(", ");
  return {
    text: `SELECT ${keyCols.map((c) => `${pgSelectExpr(c)} AS ${pgId(c.name)}`).join(", ")} FROM ${pgId(schema)}.${pgId(table)} WHERE (${tuple}) IN (SELECT ${casts} FROM unnest(${unnest}) AS u(${keyCols.map((_c, i) => `k${i}`).join(", ")}))`,
    values: keyCols.map((_c, i) => keys.map((k) => k[i])),
  };
}

export function pgInsertSignal(signalTable: string, id: string, type: string, data: string): Statement {
  const [schema, table] = signalTable.split(".");
  return { text: `INSERT INTO ${pgId(schema!)}.${pgId(table!)} (id, type, data) VALUES ($1, $2, $3)`, values: [id, type, data] };
}

// ---------------------------------------------------------------- MySQL / MariaDB source

export const MYSQL_COLUMNS_SQL = `SELECT COLUMN_NAME AS name, LOWER(DATA_TYPE) AS type, DATETIME_PRECISION AS \`precision\`
  FROM information_schema.columns
 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
 ORDER BY ORDINAL_POSITION`;

function mySelectExpr(c: SourceColumn): string {
  const id = myId(c.name);
  switch (textForm(c)) {
    case "date":
      return `DATE_FORMAT(${id}, '%Y-%m-%d')`;
    case "local-datetime":
      return `DATE_FORMAT(${id}, '%Y-%m-%dT%H:%i:%s.%f')`;
    case "zoned-datetime":
      // read in a session with time_zone '+00:00' (the adapter sets it)
      return `DATE_FORMAT(${id}, '%Y-%m-%dT%H:%i:%s.%fZ')`;
    case "base64":
      return `TO_BASE64(${id})`;
    case "plain":
      return `CAST(${id} AS CHAR)`;
  }
}

const mySelectList = (columns: readonly SourceColumn[]) => columns.map((c) => `${mySelectExpr(c)} AS ${myId(c.name)}`).join(", ");

/** `(a > ?) OR (a = ? AND b > ?) ...`: the index-friendly form of a row comparison. */
function myAfter(key: readonly string[], after: readonly string[]): { text: string; values: string[] } {
  const ors: string[] = [];
  const values: string[] = [];
  key.forEach((k, i) => {
    const eqs = key.slice(0, i).map((p) => `${myId(p)} = ?`);
    ors.push(`(${[...eqs, `${myId(k)} > ?`].join(" AND ")})`);
    values.push(...after.slice(0, i), after[i]!);
  });
  return { text: ors.join(" OR "), values };
}

export function mysqlSourcePage(
  db: string,
  table: string,
  columns: readonly SourceColumn[],
  key: readonly string[],
  after: readonly string[] | null,
  limit: number,
): Statement {
  const order = key.map(myId).join(", ");
  const w = after ? myAfter(key, after) : null;
  return {
    text: `SELECT ${mySelectList(columns)} FROM ${myId(db)}.${myId(table)}${w ? ` WHERE ${w.text}` : ""} ORDER BY ${order} LIMIT ${Math.trunc(limit)}`,
    values: w ? w.values : [],
  };
}

export function mysqlSourceKeysIn(db: string, table: string, columns: readonly SourceColumn[], key: readonly string[], keys: readonly string[][]): Statement {
  const keyCols = key.map((k) => columns.find((c) => c.name === k)!);
  const tuple = `(${key.map(myId).join(", ")})`;
  const placeholders = keys.map(() => `(${key.map(() => "?").join(", ")})`).join(", ");
  return {
    text: `SELECT ${mySelectList(keyCols)} FROM ${myId(db)}.${myId(table)} WHERE ${tuple} IN (${placeholders})`,
    values: keys.flat(),
  };
}

export function mysqlInsertSignal(signalTable: string, id: string, type: string, data: string): Statement {
  const [db, table] = signalTable.split(".");
  return { text: `INSERT INTO ${myId(db!)}.${myId(table!)} (id, type, data) VALUES (?, ?, ?)`, values: [id, type, data] };
}

// ---------------------------------------------------------------- Meter Master, PostgreSQL

const PG_COMPARED = COMPARED_COLUMNS.map((c) => {
  switch (c) {
    case "installed_at":
      return `to_char(installed_at, 'YYYY-MM-DD') AS installed_at`;
    case "last_reading":
      return `last_reading::text AS last_reading`;
    case "last_reading_at":
      return `to_char(last_reading_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_reading_at`;
    case "attributes":
      return `attributes::text AS attributes`;
    default:
      return c;
  }
}).join(", ");

/** Live keys of one source system, one page after `after`, in the order of the primary key index. */
export function pgMeterMasterKeys(ref: TableRef, sourceSystem: string, after: string | null, limit: number): Statement {
  return after === null
    ? {
        text: `SELECT source_key FROM ${pgName(ref)} WHERE source_system = $1 AND NOT is_deleted ORDER BY source_key LIMIT ${Math.trunc(limit)}`,
        values: [sourceSystem],
      }
    : {
        text: `SELECT source_key FROM ${pgName(ref)} WHERE source_system = $1 AND source_key > $2 AND NOT is_deleted ORDER BY source_key LIMIT ${Math.trunc(limit)}`,
        values: [sourceSystem, after],
      };
}

export function pgMeterMasterRows(ref: TableRef, sourceSystem: string, keys: readonly string[]): Statement {
  return {
    text: `SELECT source_key, ${PG_COMPARED}, is_deleted FROM ${pgName(ref)} WHERE source_system = $1 AND source_key = ANY($2::text[])`,
    values: [sourceSystem, [...keys]],
  };
}

/** Soft-deletes rows the source does not have (resync --remove-extra); the stored position stays, so a later real event still wins. */
export function pgMeterMasterMarkDeleted(ref: TableRef, sourceSystem: string, keys: readonly string[]): Statement {
  return {
    text: `UPDATE ${pgName(ref)} SET is_deleted = true, source_op = 'd', updated_at = now() WHERE source_system = $1 AND source_key = ANY($2::text[]) AND NOT is_deleted`,
    values: [sourceSystem, [...keys]],
  };
}

// ---------------------------------------------------------------- Meter Master, SQL Server

const MSSQL_COMPARED = COMPARED_COLUMNS.map((c) => {
  switch (c) {
    case "installed_at":
      return `CONVERT(char(10), installed_at, 23) AS installed_at`;
    case "last_reading":
      return `CONVERT(varchar(40), last_reading) AS last_reading`;
    case "last_reading_at":
      // as UTC wall-clock with 6 digits, then marked as UTC
      return `CONVERT(varchar(40), CAST(SWITCHOFFSET(last_reading_at, '+00:00') AS datetime2(6)), 126) + 'Z' AS last_reading_at`;
    default:
      return c;
  }
}).join(", ");

/** @keys is a JSON array of source keys; OPENJSON expands it (one parameter, any page size). */
const MSSQL_KEYS_IN = "source_key IN (SELECT CAST([value] AS NVARCHAR(300)) FROM OPENJSON(@keys))";

export function mssqlMeterMasterKeys(ref: TableRef, sourceSystem: string, after: string | null, limit: number): Statement {
  const afterClause = after === null ? "" : " AND source_key > @after";
  return {
    text: `SELECT TOP (${Math.trunc(limit)}) source_key FROM ${mssqlName(ref)} WHERE source_system = @source${afterClause} AND is_deleted = 0 ORDER BY source_key`,
    values: after === null ? [sourceSystem] : [sourceSystem, after],
  };
}

export function mssqlMeterMasterRows(ref: TableRef, sourceSystem: string, keys: readonly string[]): Statement {
  return {
    text: `SELECT source_key, ${MSSQL_COMPARED}, CAST(is_deleted AS int) AS is_deleted FROM ${mssqlName(ref)} WHERE source_system = @source AND ${MSSQL_KEYS_IN}`,
    values: [sourceSystem, JSON.stringify(keys)],
  };
}

export function mssqlMeterMasterMarkDeleted(ref: TableRef, sourceSystem: string, keys: readonly string[]): Statement {
  return {
    text: `UPDATE ${mssqlName(ref)} SET is_deleted = 1, source_op = 'd', updated_at = SYSDATETIMEOFFSET() WHERE source_system = @source AND is_deleted = 0 AND ${MSSQL_KEYS_IN}`,
    values: [sourceSystem, JSON.stringify(keys)],
  };
}
