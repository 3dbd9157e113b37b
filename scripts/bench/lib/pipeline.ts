// The real pipeline pieces a benchmark drives: the demo source database (the stack's own init
// SQL), the project's own Debezium source config (connector-configs/sources/postgres.ts, pointed
// at the local server) applied by the registrar's reconcile, and the sink-app bundled and started
// as its container runs it, with a config file, as deployed.

import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadConnectorFile } from "../../../connector-configs/load.js";
import { renderDesiredConnectors, sourceTopics } from "../../../connector-configs/render.js";
import { type SourceConnectorConfig, sourceConnectorSchema } from "../../../connector-configs/schemas/debezium.js";
import { ConnectClient } from "../../../sink-app/src/connect/client.js";
import { reconcile } from "../../../sink-app/src/connect/reconcile.js";
import type { PostgresInfo } from "../../test-env/postgres.js";
import { SinkAppProcess, sinkAppConfig } from "../../test-env/sink-app-process.js";
import { onCleanup, REPO } from "./common.js";

export const BENCH_OWNER = "meter-master-bench";

export async function pgClient(info: PostgresInfo, database: string): Promise<pg.Client> {
  const c = new pg.Client({ host: info.host, port: info.port, user: info.user, password: info.password, database });
  await c.connect();
  return c;
}

/** A fresh database holding the demo table exactly as the embedded container's init SQL creates it. */
export async function createSourceDatabase(info: PostgresInfo, database: string): Promise<void> {
  await createDatabase(info, database);
  const c = await pgClient(info, database);
  try {
    await c.query(await readFile(join(REPO, "stacks/init-sql/postgres/01-meters.sql"), "utf8"));
  } finally {
    await c.end();
  }
}

export async function createDatabase(info: PostgresInfo, database: string): Promise<void> {
  await dropDatabase(info, database);
  const admin = await pgClient(info, info.database);
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(info: PostgresInfo, database: string): Promise<void> {
  const admin = await pgClient(info, info.database);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** connector-configs/sources/postgres.ts as shipped, pointed at the local server and database. */
export async function projectPostgresSource(info: PostgresInfo, database: string, overrides: Record<string, unknown> = {}): Promise<SourceConnectorConfig> {
  const loaded = await loadConnectorFile(join(REPO, "connector-configs/sources/postgres.ts"));
  if (!loaded.ok || loaded.kind !== "source") throw new Error(`connector-configs/sources/postgres.ts does not load: ${JSON.stringify(loaded)}`);
  const cfg = structuredClone(loaded.loaded.config) as Record<string, unknown> & { connection: Record<string, unknown> };
  // cdc_test has REPLICATION (and superuser) on the local server; its password is the
  // POSTGRES_DEBEZIUM_PASSWORD variable the Connect worker has, as in a deployment.
  cfg.connection = { ...cfg.connection, host: info.host, port: info.port, user: info.debeziumUser, database };
  Object.assign(cfg, overrides);
  return sourceConnectorSchema.parse(cfg);
}

export function connectClient(url: string): ConnectClient {
  return new ConnectClient({ url, retry: { totalMs: 60_000 } });
}

/** What the registrar does at deploy time: render, PUT, wait until every task is RUNNING. */
export async function applySource(connectUrl: string, source: SourceConnectorConfig): Promise<string> {
  await reconcile(renderDesiredConnectors([source], { owner: BENCH_OWNER }), connectClient(connectUrl), {
    runningTimeoutMs: 120_000,
    settleMs: 1_000,
    keepPostgresSlots: true,
  });
  return sourceTopics(source)[0]!;
}

// ---------------------------------------------------------------------------------------------
// the sink-app process

/**
 * Where the benchmarks bundle the sink-app: outside the repository, as in the image, where no
 * node_modules is above the bundle. The Kafka client looks for an optional native CRC-32C addon
 * (@node-rs/crc32) at run time; bundled inside the repository it found the workspace's and loaded
 * it (0.4 MiB more RSS, 0.1-0.5 MiB idle), which the image never does.
 */
export const BENCH_APP_DIR = join(tmpdir(), "meter-master-bench", "sink-app");

export interface BenchSinkAppOptions {
  kafkaBootstrap: string;
  postgres: PostgresInfo;
  meterMasterDatabase: string;
  topic: string;
  groupIdPrefix: string;
  sessionTimeoutMs?: number;
  /** the sink-app's batching; unset = its shipped defaults */
  batching?: { maxEvents?: number; maxWaitMs?: number };
  endpoint?: Record<string, unknown> & { url: string };
  /** extra node flags, e.g. --cpu-prof */
  nodeFlags?: string[];
  /** another checkout's sink-app, bundled into its own folder (side-by-side drains) */
  bundle?: { appDir: string; sourceRepo: string };
}

/**
 * The sink-app as its container runs it (scripts/test-env/sink-app-process.ts), consuming the one
 * PostgreSQL source topic into a PostgreSQL Meter Master, RSS sampled every 250 ms; killed at cleanup.
 */
export async function benchSinkApp(opts: BenchSinkAppOptions): Promise<SinkAppProcess> {
  const app = await SinkAppProcess.create(
    (httpPort) =>
      sinkAppConfig({
        kafkaBootstrap: opts.kafkaBootstrap,
        clientId: "bench-sink-app",
        groupIdPrefix: opts.groupIdPrefix,
        sessionTimeoutMs: opts.sessionTimeoutMs,
        meterMaster: { host: opts.postgres.host, port: opts.postgres.port, user: opts.postgres.user, database: opts.meterMasterDatabase },
        sources: [{ name: "postgres", topics: [opts.topic], ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) }],
        batching: opts.batching,
        httpPort,
      }),
    { password: opts.postgres.password, appDir: BENCH_APP_DIR, ...opts.bundle, nodeFlags: opts.nodeFlags, sampleMemory: true },
  );
  onCleanup("sink-app", () => app.dispose());
  return app;
}
