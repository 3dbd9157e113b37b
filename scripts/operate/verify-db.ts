// The thin adapters of verify and resync: a source table (PostgreSQL, MySQL/MariaDB) and the Meter
// Master table (PostgreSQL, SQL Server), each behind a small interface the comparison loop uses.

import sql from "mssql";
import mysql from "mysql2/promise";
import pg from "pg";
import type { TableRef } from "../../sink-app/src/meter-master/identifiers.js";
import { pgPoolConfig } from "../../sink-app/src/meter-master/postgres-store.js";
import type { ComparedColumn, SourceColumn, SourceDialect } from "./verify-core.js";
import { COMPARED_COLUMNS } from "./verify-core.js";
import {
  MYSQL_COLUMNS_SQL,
  mssqlMeterMasterKeys,
  mssqlMeterMasterMarkDeleted,
  mssqlMeterMasterRows,
  mysqlInsertSignal,
  mysqlSourceKeysIn,
  mysqlSourcePage,
  PG_COLUMNS_SQL,
  type PgColumn,
  pgInsertSignal,
  pgMeterMasterKeys,
  pgMeterMasterMarkDeleted,
  pgMeterMasterRows,
  pgSourceKeysIn,
  pgSourcePage,
  type Statement,
} from "./verify-sql.js";

export interface ServerAddress {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export type TextRow = Record<string, string | null>;

export interface SourceTable {
  readonly dialect: SourceDialect;
  columns(): Promise<SourceColumn[]>;
  /** Rows after `after` (key column texts), ordered by key. */
  page(key: readonly string[], after: readonly string[] | null, limit: number): Promise<TextRow[]>;
  /** The key columns of the rows among `keys` that exist. */
  keysIn(key: readonly string[], keys: readonly string[][]): Promise<TextRow[]>;
  insertSignal(signalTable: string, id: string, type: string, data: string): Promise<void>;
  close(): Promise<void>;
}

const asText = (row: Record<string, unknown>): TextRow =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString("utf8") : String(v)]));

export async function openPostgresSource(a: ServerAddress, schema: string, table: string): Promise<SourceTable> {
  const client = new pg.Client({
    host: a.host,
    port: a.port,
    user: a.user,
    password: a.password,
    database: a.database,
    application_name: "meter-master-verify",
  });
  await client.connect();
  let cols: PgColumn[] | undefined;
  const columns = async () => {
    if (cols) return cols;
    const { rows } = await client.query<{ name: string; type: string; precision: number | null; cast_to: string }>(PG_COLUMNS_SQL, [schema, table]);
    if (rows.length === 0)
      throw new Error(`table ${schema}.${table} not found in database ${a.database} at ${a.host}:${a.port} (or the login ${a.user} cannot see it)`);
    cols = rows.map((r) => ({ name: r.name, type: r.type.toLowerCase(), precision: r.precision, castTo: r.cast_to }));
    return cols;
  };
  const run = async (s: Statement) => (await client.query({ text: s.text, values: s.values })).rows.map(asText);
  return {
    dialect: "postgres",
    columns,
    page: async (key, after, limit) => run(pgSourcePage(schema, table, await columns(), key, after, limit)),
    keysIn: async (key, keys) => (keys.length ? run(pgSourceKeysIn(schema, table, await columns(), key, keys)) : []),
    insertSignal: async (t, id, type, data) => void (await client.query(pgInsertSignal(t, id, type, data))),
    close: () => client.end(),
  };
}

export async function openMysqlSource(a: Omit<ServerAddress, "database">, db: string, table: string): Promise<SourceTable> {
  // dateStrings and text casts: nothing is converted by the driver; a UTC session for TIMESTAMP columns
  const conn = await mysql.createConnection({
    host: a.host,
    port: a.port,
    user: a.user,
    password: a.password,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  await conn.query("SET time_zone = '+00:00'");
  let cols: SourceColumn[] | undefined;
  const columns = async () => {
    if (cols) return cols;
    const [rows] = await conn.query<mysql.RowDataPacket[]>(MYSQL_COLUMNS_SQL, [db, table]);
    if (rows.length === 0) throw new Error(`table ${db}.${table} not found at ${a.host}:${a.port} (or the login ${a.user} cannot see it)`);
    cols = rows.map((r) => ({ name: String(r.name), type: String(r.type), precision: r.precision === null ? null : Number(r.precision) }));
    return cols;
  };
  const run = async (s: Statement) => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(s.text, s.values);
    return rows.map((r) => asText(r));
  };
  return {
    dialect: "mysql",
    columns,
    page: async (key, after, limit) => run(mysqlSourcePage(db, table, await columns(), key, after, limit)),
    keysIn: async (key, keys) => (keys.length ? run(mysqlSourceKeysIn(db, table, await columns(), key, keys)) : []),
    insertSignal: async (t, id, type, data) => {
      const s = mysqlInsertSignal(t, id, type, data);
      await conn.query(s.text, s.values);
    },
    close: () => conn.end(),
  };
}

export interface StoredRow {
  texts: Record<ComparedColumn, string | null>;
  deleted: boolean;
}

export interface MeterMasterTable {
  readonly kind: "postgres" | "mssql";
  /** Live (not deleted) keys of one source system after `after`, ordered. */
  keys(sourceSystem: string, after: string | null, limit: number): Promise<string[]>;
  rows(sourceSystem: string, keys: readonly string[]): Promise<Map<string, StoredRow>>;
  markDeleted(sourceSystem: string, keys: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

function stored(r: Record<string, unknown>): StoredRow {
  const texts = {} as Record<ComparedColumn, string | null>;
  for (const c of COMPARED_COLUMNS) texts[c] = r[c] === null || r[c] === undefined ? null : String(r[c]);
  return { texts, deleted: r.is_deleted === true || r.is_deleted === 1 };
}

export interface MeterMasterAddress extends ServerAddress {
  kind: "postgres" | "mssql";
  table: TableRef;
  tls: { enabled: boolean; trustServerCertificate: boolean };
}

export async function openMeterMaster(a: MeterMasterAddress): Promise<MeterMasterTable> {
  if (a.kind === "postgres") {
    // The sink-app's own connection settings (its TLS rule included), under verify's name.
    const client = new pg.Client({ ...pgPoolConfig(a), application_name: "meter-master-verify" });
    await client.connect();
    return {
      kind: "postgres",
      keys: async (s, after, limit) => (await client.query<{ source_key: string }>(pgMeterMasterKeys(a.table, s, after, limit))).rows.map((r) => r.source_key),
      rows: async (s, keys) => new Map((await client.query(pgMeterMasterRows(a.table, s, keys))).rows.map((r) => [String(r.source_key), stored(r)])),
      markDeleted: async (s, keys) => (await client.query(pgMeterMasterMarkDeleted(a.table, s, keys))).rowCount ?? 0,
      close: () => client.end(),
    };
  }
  // SQL Server: the same statements as text (test/unit/operate/verify-sql.test.ts parses them); not run in this repository's tests.
  const pool = await new sql.ConnectionPool({
    server: a.host,
    port: a.port,
    database: a.database,
    user: a.user,
    password: a.password,
    options: { encrypt: a.tls.enabled, trustServerCertificate: a.tls.trustServerCertificate, appName: "meter-master-verify" },
  }).connect();
  const request = (s: Statement, names: string[]) => {
    const r = pool.request();
    for (const [i, n] of names.entries()) r.input(n, n === "keys" ? sql.NVarChar(sql.MAX) : sql.NVarChar(300), s.values[i]);
    return r.query(s.text);
  };
  return {
    kind: "mssql",
    keys: async (s, after, limit) =>
      (await request(mssqlMeterMasterKeys(a.table, s, after, limit), after === null ? ["source"] : ["source", "after"])).recordset.map((r) =>
        String(r.source_key),
      ),
    rows: async (s, keys) =>
      new Map((await request(mssqlMeterMasterRows(a.table, s, keys), ["source", "keys"])).recordset.map((r) => [String(r.source_key), stored(r)])),
    markDeleted: async (s, keys) => (await request(mssqlMeterMasterMarkDeleted(a.table, s, keys), ["source", "keys"])).rowsAffected[0] ?? 0,
    close: () => pool.close(),
  };
}
