// The end-to-end pipeline on real servers: the demo source tables created by the stack's own
// init SQL, the project's own connector config files rendered and applied by the registrar's
// reconcile, the sink-app built and started as its container runs it (scripts/test-env/sink-app-process.ts),
// and the demo API receiver. Only hosts, ports and credentials differ from a deployment.

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import "../../scripts/test-env/kafkajs-lz4.js";
import mysql from "mysql2/promise";
import pg from "pg";
import { loadConnectorFile } from "../../connector-configs/load.js";
import { renderDesiredConnectors, sourceTopics } from "../../connector-configs/render.js";
import { type SourceConnectorConfig, sourceConnectorSchema } from "../../connector-configs/schemas/debezium.js";
import type { TestEnvironmentInfo } from "../../scripts/test-env/index.js";
import { sinkAppConfig as buildSinkAppConfig } from "../../scripts/test-env/sink-app-process.js";
import { waitFor } from "../../scripts/test-env/wait.js";
import type { SinkAppConfigInput } from "../../sink-app/src/config.js";
import { ConnectClient } from "../../sink-app/src/connect/client.js";
import { reconcile } from "../../sink-app/src/connect/reconcile.js";
import type { MeterMasterRow } from "../../sink-app/src/meter-master/row.js";
import { stackFile } from "../../stacks/constructs/init-files.js";

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, "../..");

export const PG_SOURCE_DB = "meters";
export const MYSQL_SOURCE_DB = "meterdb";
export const METER_MASTER_DB = "meter_master_e2e";
/** Owner marker of the connectors this file applies, so pruning never touches other tests' connectors. */
export const E2E_OWNER = "meter-master-e2e";

export async function pgClient(env: TestEnvironmentInfo, database: string): Promise<pg.Client> {
  const c = new pg.Client({ host: env.postgres.host, port: env.postgres.port, user: env.postgres.user, password: env.postgres.password, database });
  await c.connect();
  return c;
}

export async function mysqlClient(env: TestEnvironmentInfo, database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: env.mysql.host,
    port: env.mysql.port,
    user: env.mysql.rootUser,
    password: env.mysql.rootPassword,
    database,
    multipleStatements: true,
    dateStrings: true,
    timezone: "Z",
  });
}

/** The demo source databases, created by the init scripts the embedded containers run, from a clean slate. */
export async function createSourceDatabases(env: TestEnvironmentInfo): Promise<void> {
  // A file that stopped half-way must not leave connectors, offsets or topics to the next one.
  await removeConnectors(env);
  const admin = await pgClient(env, env.postgres.database);
  try {
    for (const db of [PG_SOURCE_DB, METER_MASTER_DB]) {
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${db}`);
    }
  } finally {
    await admin.end();
  }
  const psql = (file: string, vars: Record<string, string> = {}) =>
    run(
      "psql",
      [
        ...Object.entries(vars).flatMap(([k, v]) => ["-v", `${k}=${v}`]),
        "-v",
        "ON_ERROR_STOP=1",
        "-q",
        "-h",
        env.postgres.host,
        "-p",
        String(env.postgres.port),
        "-U",
        env.postgres.user,
        "-d",
        PG_SOURCE_DB,
        "-f",
        stackFile(`init-sql/postgres/${file}`),
      ],
      { env: { ...process.env, PGPASSWORD: env.postgres.password } },
    );
  await psql("01-meters.sql");
  await psql("debezium-user.sql", { debezium_password: env.secrets.POSTGRES_DEBEZIUM_PASSWORD! });

  const my = await mysqlClient(env);
  try {
    await my.query(`DROP DATABASE IF EXISTS ${MYSQL_SOURCE_DB}; CREATE DATABASE ${MYSQL_SOURCE_DB} CHARACTER SET utf8mb4; USE ${MYSQL_SOURCE_DB}`);
    await my.query(await readFile(stackFile("init-sql/mysql/01-meter-registry.sql"), "utf8"));
  } finally {
    await my.end();
  }
}

/**
 * connector-configs/sources/{postgres,mysql}.ts as users ship them, pointed at the test servers.
 * MariaDB stands in for MySQL here, so the mysql source uses its `flavor: "mariadb"` switch.
 */
export async function projectSourceConfigs(env: TestEnvironmentInfo): Promise<SourceConnectorConfig[]> {
  const out: SourceConnectorConfig[] = [];
  for (const name of ["postgres", "mysql"]) {
    const loaded = await loadConnectorFile(join(REPO, "connector-configs/sources", `${name}.ts`));
    if (!loaded.ok || loaded.kind !== "source") throw new Error(`connector-configs/sources/${name}.ts does not load: ${JSON.stringify(loaded)}`);
    const cfg = structuredClone(loaded.loaded.config) as Record<string, unknown> & { connection: Record<string, unknown> };
    if (name === "postgres") {
      cfg.connection = { ...cfg.connection, host: env.postgres.host, port: env.postgres.port };
      // Shorter than the shipped 10 s, so the slot's progress shows within a test.
      cfg.heartbeatIntervalMs = 1_000;
    } else {
      cfg.flavor = "mariadb";
      cfg.connection = { ...cfg.connection, host: env.mysql.host, port: env.mysql.port, user: env.mysql.debeziumUser };
      cfg.schemaHistory = { ...(cfg.schemaHistory as object), bootstrapServers: env.kafka.bootstrap };
    }
    out.push(sourceConnectorSchema.parse(cfg));
  }
  return out;
}

/** Everything a pipeline test made, removed: connectors and their Kafka state, then the demo and Meter Master databases. */
export async function removePipeline(env: TestEnvironmentInfo): Promise<void> {
  await removeConnectors(env);
  const admin = await pgClient(env, env.postgres.database);
  try {
    for (const db of [PG_SOURCE_DB, METER_MASTER_DB]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const my = await mysqlClient(env);
  try {
    await my.query(`DROP DATABASE IF EXISTS ${MYSQL_SOURCE_DB}`);
  } finally {
    await my.end();
  }
}

/** What the registrar container does at deploy time: render, PUT, wait for RUNNING. */
export async function applyConnectors(env: TestEnvironmentInfo, configs: SourceConnectorConfig[]) {
  const client = new ConnectClient({ url: env.connect.url, retry: { totalMs: 60_000 } });
  return reconcile(renderDesiredConnectors(configs, { owner: E2E_OWNER }), client, { runningTimeoutMs: 120_000, settleMs: 2_000, keepPostgresSlots: true });
}

/**
 * Leaves nothing of a pipeline test for the next file that uses the same connector names: each
 * connector of this owner is stopped, its offsets are deleted (a new connector with the same name
 * would otherwise resume from a position of a database that no longer exists) and it is removed;
 * then its change, schema history and dead letter topics, and the sink-app's consumer groups.
 */
export async function removeConnectors(env: TestEnvironmentInfo): Promise<void> {
  const client = new ConnectClient({ url: env.connect.url, retry: { totalMs: 30_000 } });
  const prefixes = new Set<string>();
  for (const [name, c] of Object.entries(await client.listConnectors())) {
    if (c.info.config["meter-master.managed-by"] !== E2E_OWNER) continue;
    prefixes.add(c.info.config["topic.prefix"] ?? name);
    await client.stop(name);
    await waitUntil(`${name} STOPPED`, async () => ((await client.status(name)).connector.state === "STOPPED" ? true : undefined), 30_000);
    await client.resetOffsets(name);
    await client.delete(name);
  }
  const admin = await pgClient(env, env.postgres.database);
  try {
    await admin.query("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'meter_master_postgres' AND NOT active");
  } finally {
    await admin.end();
  }
  const kafka = new Kafka({ clientId: "e2e-cleanup", brokers: [env.kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await kafka.connect();
  try {
    const ours = (t: string) => [...prefixes].some((p) => t.startsWith(`${p}.`) || t === `schema-history.${p}`) || /(^|\.)dlq(\.|$)/.test(t);
    const topics = (await kafka.listTopics()).filter(ours);
    if (topics.length > 0) await kafka.deleteTopics({ topics });
    // A member of a stopped sink-app stays in its group until its session times out (6 s here).
    await waitUntil(
      "the sink-app's consumer groups deleted",
      async () => {
        const groups = (await kafka.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith("e2e."));
        if (groups.length === 0) return true;
        // A group with a member left refuses; it is tried again on the next poll, up to the deadline.
        await kafka.deleteGroups(groups).catch(() => undefined);
        return undefined;
      },
      30_000,
      1_000,
    );
  } finally {
    await kafka.disconnect();
  }
}

export function sinkAppConfig(env: TestEnvironmentInfo, configs: SourceConnectorConfig[], apiBaseUrl: string, httpPort: number): SinkAppConfigInput {
  return buildSinkAppConfig({
    kafkaBootstrap: env.kafka.bootstrap,
    clientId: "e2e-sink-app",
    groupIdPrefix: "e2e.",
    // A killed member holds its partitions until the session times out: the shortest allowed.
    sessionTimeoutMs: 6_000,
    meterMaster: { host: env.postgres.host, port: env.postgres.port, user: env.postgres.user, database: METER_MASTER_DB },
    sources: configs.map((c) => ({
      name: c.name,
      topics: sourceTopics(c),
      endpoint: { url: `${apiBaseUrl}/api/${c.name}`, timeoutMs: 2_000, retries: { maxAttempts: 2, initialBackoffMs: 100, maxBackoffMs: 500 } },
    })),
    retry: { initialDelayMs: 200, maxDelayMs: 1_000 },
    httpPort,
  });
}

/** Every record of `topic` from the beginning, with headers as text. */
export async function readTopic(
  env: TestEnvironmentInfo,
  topic: string,
  expectAtLeast: number,
): Promise<Array<{ value: string | null; headers: Record<string, string> }>> {
  const kafka = new Kafka({ clientId: "e2e-reader", brokers: [env.kafka.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await waitUntil(
      `${expectAtLeast} record(s) on ${topic}`,
      async () => {
        const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
        const end = offsets.reduce((n, p) => n + Number(p.high), 0);
        if (end < expectAtLeast) return undefined;
        const consumer = kafka.consumer({ groupId: `e2e-reader-${Date.now()}` });
        const out: Array<{ value: string | null; headers: Record<string, string> }> = [];
        await consumer.connect();
        try {
          await consumer.subscribe({ topic, fromBeginning: true });
          await new Promise<void>((done) => {
            void consumer.run({
              eachMessage: async ({ message }) => {
                const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
                out.push({ value: message.value ? message.value.toString() : null, headers });
                if (out.length >= end) done();
              },
            });
          });
        } finally {
          await consumer.disconnect();
        }
        return out;
      },
      30_000,
      500,
    );
  } finally {
    await admin.disconnect();
  }
}

export async function produceRaw(env: TestEnvironmentInfo, topic: string, key: string, value: string): Promise<void> {
  const producer = new Kafka({ clientId: "e2e-poison", brokers: [env.kafka.bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key, value }] });
  } finally {
    await producer.disconnect();
  }
}

/** Polls until `probe` returns a value (the test environment's own wait, without a process). */
export function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  return waitFor(what, probe, { timeoutMs, intervalMs });
}

/** Meter Master columns compared with the sources, formatted by PostgreSQL itself. */
export type MeterMasterView = Pick<
  MeterMasterRow,
  "source_key" | "meter_id" | "meter_type" | "status" | "customer_ref" | "location" | "installed_at" | "last_reading" | "last_reading_at"
>;

const ts = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export async function meterMasterRows(mm: pg.Client, source: string): Promise<{ live: MeterMasterView[]; deleted: string[] }> {
  const res = await mm
    .query<MeterMasterView & { is_deleted: boolean }>(
      `SELECT source_key, meter_id, meter_type, status, customer_ref, location, installed_at::text AS installed_at,
            last_reading::text AS last_reading, ${ts("last_reading_at")} AS last_reading_at, is_deleted
       FROM public.meter_master WHERE source_system = $1 ORDER BY source_key COLLATE "C"`,
      [source],
    )
    .catch((err: { code?: string }) => {
      if (err.code === "42P01") return { rows: [] }; // table not created yet
      throw err;
    });
  const live = res.rows.filter((r) => !r.is_deleted).map(({ is_deleted: _d, ...rest }) => rest);
  return { live, deleted: res.rows.filter((r) => r.is_deleted).map((r) => r.source_key) };
}

/** What Meter Master must hold for the PostgreSQL source, per connector-configs/meter-master.ts, computed by SQL. */
export async function expectedFromPostgres(src: pg.Client): Promise<MeterMasterView[]> {
  const res = await src.query<MeterMasterView>(
    `SELECT id::text AS source_key, btrim(serial_no) AS meter_id, upper(btrim(kind)) AS meter_type, lower(btrim(state)) AS status,
            btrim(customer_id) AS customer_ref, address AS location, installed_on::text AS installed_at,
            last_value::numeric(18,4)::text AS last_reading, ${ts("last_value_at")} AS last_reading_at
       FROM public.meters ORDER BY id::text COLLATE "C"`,
  );
  return res.rows;
}

const MYSQL_STATUS: Record<string, string> = { "1": "active", "0": "inactive", "9": "removed" };

/** To numeric(18,4) text without floating point: "55021.75" -> "55021.7500". */
export function scale4(text: string | null): string | null {
  if (text === null) return null;
  const [int, frac = ""] = text.split(".");
  return `${int}.${frac.padEnd(4, "0").slice(0, 4)}`;
}

/** The same for the MySQL (MariaDB) source. Keys are JSON arrays: the table's key is composite. */
export async function expectedFromMysql(src: mysql.Connection): Promise<MeterMasterView[]> {
  const [rows] = await src.query<mysql.RowDataPacket[]>(
    `SELECT region_code, meter_no, meter_kind, CAST(status_code AS CHAR) AS status_code, account_no, site_address,
            CAST(install_date AS CHAR) AS install_date, CAST(last_read_kwh AS CHAR) AS last_read_kwh,
            DATE_FORMAT(last_read_time, '%Y-%m-%dT%H:%i:%s.%fZ') AS last_read_time
       FROM ${MYSQL_SOURCE_DB}.meter_registry`,
  );
  return rows
    .map((r) => ({
      source_key: JSON.stringify([r.region_code, r.meter_no]),
      meter_id: String(r.meter_no).trim(),
      meter_type: String(r.meter_kind).toUpperCase(),
      status: MYSQL_STATUS[String(r.status_code)] ?? null,
      customer_ref: r.account_no === null ? null : String(r.account_no).trim(),
      location: r.site_address as string | null,
      installed_at: r.install_date as string | null,
      last_reading: scale4(r.last_read_kwh as string | null),
      // %f gives microseconds; Meter Master keeps milliseconds
      last_reading_at: r.last_read_time === null ? null : String(r.last_read_time).replace(/(\.\d{3})\d{3}Z$/, "$1Z"),
    }))
    .sort((a, b) => (a.source_key < b.source_key ? -1 : a.source_key > b.source_key ? 1 : 0));
}

export { buildSinkApp, SinkAppProcess, sinkAppHealthcheck } from "../../scripts/test-env/sink-app-process.js";
