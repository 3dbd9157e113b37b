// Executes the T-SQL statements with `mssql` (tedious). The only module here that talks to SQL Server.

import sql from "mssql";
import { type MssqlParamType, mssqlCounts, mssqlCreateTable, mssqlStatementFor } from "./mssql-sql.js";
import type { WriteStep } from "./plan.js";
import type { MeterMasterStore, StoreConnection } from "./store.js";

function sqlType(type: MssqlParamType): sql.ISqlType | (() => sql.ISqlType) {
  switch (type) {
    case "nvarchar(max)":
      return sql.NVarChar(sql.MAX);
    case "nvarchar(64)":
      return sql.NVarChar(64);
    case "varchar(128)":
      return sql.VarChar(128);
    case "datetimeoffset(3)":
      return sql.DateTimeOffset(3);
  }
}

export function createMssqlStore(options: StoreConnection): MeterMasterStore {
  const pool = new sql.ConnectionPool({
    server: options.host,
    port: options.port,
    database: options.database,
    user: options.user,
    password: options.password,
    pool: { max: options.poolSize ?? 4, min: 0 },
    connectionTimeout: 15_000,
    requestTimeout: 60_000,
    options: {
      encrypt: options.tls.enabled,
      trustServerCertificate: options.tls.trustServerCertificate,
      appName: "meter-master-sink",
    },
  });
  // reconnects happen on the next request; a dropped idle connection must not crash the process
  pool.on("error", () => undefined);
  let connecting: Promise<sql.ConnectionPool> | null = null;
  const connected = (): Promise<sql.ConnectionPool> => {
    if (pool.connected) return Promise.resolve(pool);
    connecting ??= pool.connect().finally(() => (connecting = null));
    return connecting;
  };

  return {
    target: "mssql",
    async ensureTable() {
      const p = await connected();
      for (const ddl of mssqlCreateTable(options.table)) await p.request().batch(ddl);
    },
    async apply(steps: WriteStep[]) {
      if (steps.length === 0) return;
      const p = await connected();
      const tx = new sql.Transaction(p);
      await tx.begin(sql.ISOLATION_LEVEL.READ_COMMITTED);
      try {
        for (const step of steps) {
          const statement = mssqlStatementFor(options.table, step);
          const request = new sql.Request(tx);
          for (const param of statement.params) {
            // datetimeoffset values arrive as ISO text; tedious wants a Date for that type
            const value = param.type === "datetimeoffset(3)" && param.value !== null ? new Date(param.value) : param.value;
            request.input(param.name, sqlType(param.type), value);
          }
          await request.query(statement.text);
        }
        await tx.commit();
      } catch (err) {
        // As for PostgreSQL: the batch's error is rethrown; a dead connection rolls back server-side.
        await tx.rollback().catch(() => undefined);
        throw err;
      }
    },
    async ping() {
      const p = await connected();
      await p.request().query("SELECT 1 AS ok");
    },
    async counts() {
      const p = await connected();
      const r = await p.request().query<{ source_system: string; live: number; deleted: number }>(mssqlCounts(options.table));
      return r.recordset.map((x) => ({ sourceSystem: x.source_system, live: Number(x.live), deleted: Number(x.deleted) }));
    },
    async close() {
      await pool.close();
    },
  };
}
