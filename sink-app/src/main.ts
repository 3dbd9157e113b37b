// Entry point of the sink-app container: `node sink-app/dist/main.js` with SINK_APP_CONFIG
// naming the JSON config (rendered by the stack), and the passwords in the environment
// variables the config names. SIGTERM/SIGINT stop it gracefully (in-flight batches finish and
// commit); a second signal exits at once.

import { getHeapSpaceStatistics } from "node:v8";
import { pino } from "pino";
import { Registry } from "prom-client";
import { loadSinkAppConfig, type SinkAppConfig, targetPort, targetSchema } from "./config.js";
import { type ExposedGc, startIdleMemoryTrim } from "./idle-memory.js";
import { createPlatformaticKafka } from "./kafka/platformatic.js";
import type { MeterMasterStore } from "./meter-master/store.js";
import { startHealthServer } from "./observability/http-server.js";
import { startingStatus } from "./observability/status.js";
import { type RunningSinkApp, startSinkApp } from "./service.js";
import { ConfigError } from "./validation.js";

export const CONFIG_ENV = "SINK_APP_CONFIG";

// Each target's driver is loaded only when it is the target: mssql alone adds ~30 MB of memory.
async function createStore(cfg: SinkAppConfig, env: NodeJS.ProcessEnv): Promise<MeterMasterStore | null> {
  const target = cfg.meterMaster;
  if (!target.enabled) return null;
  const password = env[target.passwordEnv];
  if (!password) {
    throw new ConfigError([
      {
        file: "environment",
        path: target.passwordEnv,
        value: "(not set or empty)",
        expected: "the Meter Master login's password (meterMaster.passwordEnv names this variable)",
      },
    ]);
  }
  const common = {
    host: target.host,
    port: targetPort(target),
    database: target.database,
    user: target.user,
    password,
    table: { schema: targetSchema(target), table: target.table },
  };
  if (target.kind === "mssql") {
    const { createMssqlStore } = await import("./meter-master/mssql-store.js");
    return createMssqlStore({ ...common, tls: { enabled: target.encrypt, trustServerCertificate: target.trustServerCertificate } });
  }
  const { createPostgresStore } = await import("./meter-master/postgres-store.js");
  return createPostgresStore({ ...common, tls: { enabled: target.ssl, trustServerCertificate: target.trustServerCertificate } });
}

async function main(): Promise<void> {
  const file = process.env[CONFIG_ENV];
  if (!file) {
    process.stderr.write(`${CONFIG_ENV} is not set: it must name the sink-app's JSON config file\n`);
    process.exit(2);
  }
  let cfg: SinkAppConfig;
  let store: MeterMasterStore | null;
  try {
    cfg = loadSinkAppConfig(file);
    store = await createStore(cfg, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const logger = pino({ name: "sink-app", level: cfg.logLevel });
  let app: RunningSinkApp | undefined;
  // Served from the start; not ready until the consumers have joined.
  const registry = new Registry();
  const health = await startHealthServer({
    host: cfg.http.host,
    port: cfg.http.port,
    registry,
    readiness: async () => (app ? app.readiness() : { ready: false, checks: { startup: "connecting to Kafka and the Meter Master target" } }),
    status: async () => (app ? app.status() : startingStatus(Date.now(), cfg.status.lagThresholdSeconds)),
  });
  logger.info(
    { url: health.url, sources: cfg.sources.map((s) => s.name), target: cfg.meterMaster.enabled ? cfg.meterMaster.kind : "disabled" },
    "sink-app starting",
  );

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, "second signal: exiting now (uncommitted batches are redelivered on restart)");
      process.exit(1);
    }
    logger.info({ signal }, "stopping: finishing in-flight batches");
    // Docker sends SIGKILL after its stop timeout (10 s by default); stop before that.
    const graceMs = 8_000;
    setTimeout(() => process.exit(1), graceMs + 1_500).unref();
    (app ? app.stop(graceMs) : Promise.resolve())
      .then(() => health.close())
      .then(
        () => {
          logger.info({}, "stopped");
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, "error while stopping");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  // The image's CMD starts node with --expose-gc for this (sink-app/Dockerfile).
  const trim = startIdleMemoryTrim({
    gc: (globalThis as { gc?: ExposedGc }).gc,
    youngGenerationBytes: () => getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0,
    onTrim: ({ beforeBytes, afterBytes, ms }) =>
      logger.info({ youngGenerationMiB: [beforeBytes / 2 ** 20, afterBytes / 2 ** 20], ms: Math.round(ms) }, "idle: young generation handed back"),
  });
  const kafka = createPlatformaticKafka({ brokers: cfg.kafka.brokers, clientId: cfg.kafka.clientId, sessionTimeoutMs: cfg.kafka.sessionTimeoutMs });
  app = await startSinkApp(cfg, { kafka, store, logger, registry, onBatch: trim.busy });
  logger.info({}, "sink-app running");
}

main().catch((err: unknown) => {
  process.stderr.write(`sink-app failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
