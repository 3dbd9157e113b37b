import { execFile } from "node:child_process";
import { promisify } from "node:util";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stackFile } from "../../stacks/constructs/init-files.js";
import { testEnv } from "../support/env.js";

const run = promisify(execFile);

/**
 * The init scripts the embedded PostgreSQL and MySQL containers run, executed here the same way
 * (psql with -v, and the bash hook with the mysql client) against real servers: PostgreSQL from
 * Debian, and MariaDB standing in for MySQL 8.4, which Debian does not ship.
 */
describe("PostgreSQL init scripts against a real PostgreSQL", () => {
  const database = "meters_init_sql_test";
  let admin: pg.Client;

  async function psql(file: string, vars: Record<string, string> = {}) {
    const env = testEnv().postgres;
    const args = [
      "-v",
      "ON_ERROR_STOP=1",
      "-h",
      env.host,
      "-p",
      String(env.port),
      "-U",
      env.user,
      "-d",
      database,
      "-f",
      stackFile(`init-sql/postgres/${file}`),
    ];
    for (const [k, v] of Object.entries(vars)) args.unshift("-v", `${k}=${v}`);
    return run("psql", args, { env: { ...process.env, PGPASSWORD: env.password } });
  }

  beforeAll(async () => {
    const env = testEnv().postgres;
    admin = new pg.Client({ host: env.host, port: env.port, user: env.user, password: env.password, database: env.database });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  });
  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });

  it("creates the demo table with seed rows, full replica identity and Debezium's publication, and runs twice without harm", async () => {
    const password = testEnv().postgres.debeziumPassword;
    for (let pass = 0; pass < 2; pass++) {
      await psql("01-meters.sql");
      await psql("debezium-user.sql", { debezium_password: password });
    }
    const env = testEnv().postgres;
    const db = new pg.Client({ host: env.host, port: env.port, user: env.user, password: env.password, database });
    await db.connect();
    try {
      const rows = await db.query("SELECT serial_no, kind, address, last_value::text, tags FROM public.meters ORDER BY id");
      expect(rows.rows).toHaveLength(4);
      expect(rows.rows[1]).toEqual({
        serial_no: "GA-2021-003318",
        kind: "GAS",
        address: "Müllerstraße 12, 50667 Köln",
        last_value: "4411.070",
        tags: { tariff: "standard" },
      });
      const identity = await db.query("SELECT relreplident FROM pg_class WHERE oid = 'public.meters'::regclass");
      expect(identity.rows[0].relreplident).toBe("f");
      const publication = await db.query("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = 'dbz_publication'");
      // the demo table and Debezium's signal table (resync's incremental snapshots)
      expect(publication.rows).toEqual(
        expect.arrayContaining([
          { schemaname: "public", tablename: "meters" },
          { schemaname: "public", tablename: "debezium_signal" },
        ]),
      );
      expect(publication.rows).toHaveLength(2);
    } finally {
      await db.end();
    }
  });

  it("lets the debezium login replicate and read the demo table with the password it was given", async () => {
    const env = testEnv().postgres;
    const role = await admin.query("SELECT rolreplication, rolsuper FROM pg_roles WHERE rolname = 'debezium'");
    expect(role.rows[0]).toEqual({ rolreplication: true, rolsuper: false });
    const dbz = new pg.Client({ host: env.host, port: env.port, user: "debezium", password: env.debeziumPassword, database });
    await dbz.connect();
    try {
      const count = await dbz.query("SELECT count(*)::int AS n FROM public.meters");
      expect(count.rows[0].n).toBe(4);
    } finally {
      await dbz.end();
    }
  });
});

describe("MySQL init scripts against a real MariaDB (standing in for MySQL 8.4)", () => {
  const database = "meterdb_init_sql_test";
  let root: mysql.Connection;

  beforeAll(async () => {
    const env = testEnv().mysql;
    root = await mysql.createConnection({ host: env.host, port: env.port, user: env.rootUser, password: env.rootPassword, multipleStatements: true });
    await root.query(`DROP DATABASE IF EXISTS ${database}`);
    await root.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
  });
  afterAll(async () => {
    await root?.query(`DROP DATABASE IF EXISTS ${database}`);
    await root?.end();
  });

  it("creates meter_registry with its composite key and seed rows, and runs twice without harm", async () => {
    const { readFile } = await import("node:fs/promises");
    const sql = await readFile(stackFile("init-sql/mysql/01-meter-registry.sql"), "utf8");
    await root.query(`USE ${database}`);
    await root.query(sql);
    await root.query(sql);
    const [rows] = await root.query(
      "SELECT region_code, meter_no, meter_kind, status_code, CAST(last_read_kwh AS CHAR) AS kwh, notes FROM meter_registry ORDER BY region_code, meter_no",
    );
    expect(rows).toHaveLength(4);
    expect((rows as any[])[2]).toEqual({
      region_code: "NYC",
      meter_no: "M-1002",
      meter_kind: "GAS",
      status_code: 1,
      kwh: "1200.00",
      notes: "Meter behind locked gate — call ahead",
    });
    const [keys] = await root.query(
      "SELECT column_name AS c FROM information_schema.key_column_usage WHERE table_schema = ? AND table_name = 'meter_registry' AND constraint_name = 'PRIMARY' ORDER BY ordinal_position",
      [database],
    );
    expect((keys as any[]).map((k) => k.c ?? k.C ?? k.COLUMN_NAME)).toEqual(["region_code", "meter_no"]);
  });

  it("grants the debezium login what Debezium's binlog reader needs, through the container's own hook script", async () => {
    const env = testEnv().mysql;
    await run("bash", [stackFile("init-sql/mysql/02-debezium-user.sh")], {
      env: {
        ...process.env,
        MYSQL_HOST: env.host,
        MYSQL_TCP_PORT: String(env.port),
        MYSQL_ROOT_PASSWORD: env.rootPassword,
        MYSQL_DEBEZIUM_PASSWORD: env.debeziumPassword,
      },
    });
    const dbz = await mysql.createConnection({ host: env.host, port: env.port, user: "debezium", password: env.debeziumPassword });
    try {
      const [grants] = await dbz.query("SHOW GRANTS FOR CURRENT_USER()");
      const text = (grants as any[]).map((g) => Object.values(g)[0]).join("\n");
      for (const privilege of ["SELECT", "RELOAD", "SHOW DATABASES", "REPLICATION SLAVE"]) expect(text).toContain(privilege);
      // MariaDB 10.5+ reports REPLICATION CLIENT under its new name.
      expect(text).toMatch(/REPLICATION CLIENT|BINLOG MONITOR/);
      const [status] = await dbz.query("SHOW BINARY LOGS");
      expect((status as any[]).length).toBeGreaterThan(0);
    } finally {
      await dbz.end();
    }
  });
});
