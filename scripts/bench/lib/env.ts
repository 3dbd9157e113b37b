// The servers a benchmark needs, as local processes on free 127.0.0.1 ports, built from the same
// pieces as scripts/test-env (startTestEnvironment) but composed here so that (a) only what a run
// needs starts (no MariaDB; Kafka alone for the client benchmark) and (b) Kafka Connect can be
// restarted mid-run (chaos): the new worker joins the same group and storage topics, so its
// connectors resume from their committed offsets.

import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CACHE_DIR, ensureArtifacts } from "../../test-env/artifacts.js";
import { type ConnectInfo, startConnect } from "../../test-env/connect.js";
import { type KafkaInfo, startKafka } from "../../test-env/kafka.js";
import { type PostgresInfo, startPostgres } from "../../test-env/postgres.js";
import { type ManagedProcess, ProcessSupervisor } from "../../test-env/processes.js";
import { DEBEZIUM_CONNECTOR_CLASSES, type DebeziumPluginName } from "../../test-env/versions.js";
import { log, onCleanup } from "./common.js";

export interface BenchEnv {
  kafka: KafkaInfo;
  postgres: PostgresInfo | undefined;
  /** Current Connect worker (changes after restartConnect). */
  connect: ConnectInfo | undefined;
  /** Env var name -> value the Connect worker has (POSTGRES_DEBEZIUM_PASSWORD). */
  secrets: Record<string, string>;
  logsDir: string;
  processes: { kafka: ManagedProcess; postgres?: ManagedProcess; connect?: ManagedProcess };
  /** Stops the Connect worker (SIGTERM, then SIGKILL after graceMs) and starts a new one on the same cluster. */
  restartConnect(graceMs?: number): Promise<{ downMs: number; url: string }>;
  stop(): Promise<void>;
}

const secret = (): string => randomBytes(12).toString("base64url");

export async function startBenchEnv(options: { postgres: boolean; connect: boolean; plugins?: DebeziumPluginName[] }): Promise<BenchEnv> {
  const started = Date.now();
  const plugins = options.connect ? (options.plugins ?? ["postgres"]) : [];
  const artifacts = await ensureArtifacts(DEFAULT_CACHE_DIR, plugins);
  const rootDir = await mkdtemp(join(tmpdir(), "mm-bench-env-"));
  await chmod(rootDir, 0o755);
  const logsDir = join(rootDir, "logs");
  await mkdir(logsDir, { recursive: true });
  await chmod(logsDir, 0o777);
  const supervisor = new ProcessSupervisor(rootDir);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const keepAlive = setInterval(() => undefined, 1_000);
    try {
      await supervisor.stopAll(5_000);
      await rm(rootDir, { recursive: true, force: true });
    } finally {
      clearInterval(keepAlive);
    }
  };
  onCleanup("servers", async () => {
    log("stopping the servers");
    await stop();
  });

  const passwords = { postgres: secret(), postgresDebezium: secret() };
  const secrets: Record<string, string> = { POSTGRES_DEBEZIUM_PASSWORD: passwords.postgresDebezium };

  const kafkaDir = join(rootDir, "kafka");
  await mkdir(kafkaDir);
  const [pgStarted, kafka] = await Promise.all([
    options.postgres
      ? (async () => {
          const dir = join(rootDir, "postgres");
          await mkdir(dir);
          return startPostgres(supervisor, dir, logsDir, { password: passwords.postgres, debeziumPassword: passwords.postgresDebezium });
        })()
      : Promise.resolve(undefined),
    // the broker and Connect as their images run them: benchmarks measure what is deployed
    startKafka(supervisor, artifacts.java, artifacts.kafkaLibsDir, kafkaDir, logsDir, "as-deployed"),
  ]);

  let connectRuns = 0;
  const startWorker = () =>
    startConnect(supervisor, {
      java: artifacts.java,
      libsDir: artifacts.kafkaLibsDir,
      dir: join(rootDir, `connect-${++connectRuns}`),
      logsDir: join(logsDir, `connect-${connectRuns}`),
      bootstrap: kafka.info.bootstrap,
      pluginDirs: Object.values(artifacts.pluginDirs),
      expectedClasses: plugins.map((p) => DEBEZIUM_CONNECTOR_CLASSES[p]),
      secrets,
      jvmProfile: "as-deployed",
    });
  let connect: Awaited<ReturnType<typeof startWorker>> | undefined;
  if (options.connect) {
    await mkdir(join(logsDir, "connect-1"), { recursive: true });
    connect = await startWorker();
  }
  log(`servers up in ${((Date.now() - started) / 1000).toFixed(1)} s (logs: ${logsDir})`);

  const env: BenchEnv = {
    kafka: kafka.info,
    postgres: pgStarted?.info,
    connect: connect?.info,
    secrets,
    logsDir,
    processes: { kafka: kafka.process, postgres: pgStarted?.process, connect: connect?.process },
    async restartConnect(graceMs = 10_000) {
      if (!connect) throw new Error("this environment has no Kafka Connect");
      const t = Date.now();
      await supervisor.stopProcess(connect.process, graceMs);
      await mkdir(join(logsDir, `connect-${connectRuns + 1}`), { recursive: true });
      connect = await startWorker();
      env.connect = connect.info;
      env.processes.connect = connect.process;
      return { downMs: Date.now() - t, url: connect.info.url };
    },
    stop,
  };
  return env;
}
