import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CACHE_DIR, ensureArtifacts } from "./artifacts.js";
import { type ConnectInfo, startConnect } from "./connect.js";
import { type KafkaInfo, startKafka } from "./kafka.js";
import { progress } from "./log.js";
import { type MySqlInfo, startMariaDb } from "./mariadb.js";
import { type PostgresInfo, startPostgres } from "./postgres.js";
import { type ManagedProcess, ProcessSupervisor } from "./processes.js";
import { DEBEZIUM_CONNECTOR_CLASSES, DEFAULT_DEBEZIUM_PLUGINS, type DebeziumPluginName } from "./versions.js";

export { DEBEZIUM_CONNECTOR_CLASSES, DEBEZIUM_VERSION, KAFKA_VERSION } from "./versions.js";
export type { ConnectInfo, KafkaInfo, MySqlInfo, PostgresInfo };

/** Connection info of a running environment. Plain JSON, so vitest can `provide` it to test workers. */
export interface TestEnvironmentInfo {
  kafka: KafkaInfo;
  connect: ConnectInfo;
  postgres: PostgresInfo;
  mysql: MySqlInfo;
  /** Env var name -> value, as set in the Connect worker's environment (e.g. POSTGRES_DEBEZIUM_PASSWORD). */
  secrets: Record<string, string>;
  /** Components of the product that cannot run here, by name (tests that need them must say NOT RUN). */
  missing: string[];
  logsDir: string;
  /** Temp dir holding all server data; removed by stop(). */
  rootDir: string;
}

export interface RunningTestEnvironment extends TestEnvironmentInfo {
  /** Stop every process and remove the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Stop just one component (e.g. to simulate a Connect outage). */
  processes: Record<"postgres" | "mariadb" | "kafka" | "connect", ManagedProcess>;
}

export interface TestEnvironmentOptions {
  /** Where downloaded artifacts are kept between runs. Default `<repo>/.cache/test-env`. */
  cacheDir?: string;
  /** Debezium plugins on Connect's plugin.path. Default: postgres, mysql, mariadb, sqlserver, oracle. */
  plugins?: readonly DebeziumPluginName[];
  /** Also load the Debezium JDBC sink (benchmarks); off by default because each plugin slows Connect's start. */
  withJdbcSink?: boolean;
  /** Keep the temp dir after stop() (debugging). */
  keepData?: boolean;
}

/** Components this machine cannot run (no container registry, no licensed images). */
export const MISSING_COMPONENTS = ["SQL Server", "Oracle", "MySQL server (MariaDB runs in its place)", "Aiven HTTP Sink plugin"] as const;

const secret = (): string => randomBytes(12).toString("base64url");

/**
 * Start PostgreSQL, MariaDB, Kafka (KRaft) and Kafka Connect with the Debezium
 * plugins as local processes on free 127.0.0.1 ports. Artifacts come from
 * Maven Central into the cache on first use; servers' data lives in a fresh
 * temp dir that stop() removes.
 */
export async function startTestEnvironment(options: TestEnvironmentOptions = {}): Promise<RunningTestEnvironment> {
  const started = Date.now();
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const plugins = [...(options.plugins ?? DEFAULT_DEBEZIUM_PLUGINS), ...(options.withJdbcSink ? (["jdbc"] as const) : [])];

  const artifacts = await ensureArtifacts(cacheDir, plugins);
  progress(`artifacts ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  const rootDir = await mkdtemp(join(tmpdir(), "mm-test-env-"));
  // Service users (postgres, mysql) must be able to enter their subdirs.
  await chmod(rootDir, 0o755);
  const logsDir = join(rootDir, "logs");
  await mkdir(logsDir, { recursive: true });
  await chmod(logsDir, 0o777);
  const supervisor = new ProcessSupervisor(rootDir);

  const passwords = {
    postgres: secret(),
    postgresDebezium: secret(),
    mysqlRoot: secret(),
    mysqlDebezium: secret(),
  };
  const secrets: Record<string, string> = {
    POSTGRES_DEBEZIUM_PASSWORD: passwords.postgresDebezium,
    MYSQL_DEBEZIUM_PASSWORD: passwords.mysqlDebezium,
    // No SQL Server / Oracle here, but connector configs that reference these still resolve.
    MSSQL_DEBEZIUM_PASSWORD: secret(),
    ORACLE_DEBEZIUM_PASSWORD: secret(),
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await supervisor.stopAll(5_000);
    if (!options.keepData) await rm(rootDir, { recursive: true, force: true });
  };

  try {
    // The databases start while Kafka boots: the JVMs are the slow part.
    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const t = Date.now();
      const value = await fn();
      progress(`${name} ready (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      return value;
    };
    const kafkaDir = join(rootDir, "kafka");
    await mkdir(kafkaDir);
    const [pgStarted, mariadb, kafka] = await Promise.all([
      step("PostgreSQL", async () => {
        const dir = join(rootDir, "postgres");
        await mkdir(dir);
        return startPostgres(supervisor, dir, logsDir, { password: passwords.postgres, debeziumPassword: passwords.postgresDebezium });
      }),
      step("MariaDB", async () => {
        const dir = join(rootDir, "mariadb");
        await mkdir(dir);
        return startMariaDb(supervisor, dir, logsDir, { rootPassword: passwords.mysqlRoot, debeziumPassword: passwords.mysqlDebezium });
      }),
      step("Kafka", () => startKafka(supervisor, artifacts.java, artifacts.kafkaLibsDir, kafkaDir, logsDir)),
    ]);
    const connect = await step("Kafka Connect", () =>
      startConnect(supervisor, {
        java: artifacts.java,
        libsDir: artifacts.kafkaLibsDir,
        dir: join(rootDir, "connect"),
        logsDir,
        bootstrap: kafka.info.bootstrap,
        pluginDirs: Object.values(artifacts.pluginDirs),
        expectedClasses: plugins.map((p) => DEBEZIUM_CONNECTOR_CLASSES[p]),
        secrets,
      }),
    );
    progress(`environment up in ${((Date.now() - started) / 1000).toFixed(1)} s (logs: ${logsDir})`);
    return {
      kafka: kafka.info,
      connect: connect.info,
      postgres: pgStarted.info,
      mysql: mariadb.info,
      secrets,
      missing: [...MISSING_COMPONENTS],
      logsDir,
      rootDir,
      processes: { postgres: pgStarted.process, mariadb: mariadb.process, kafka: kafka.process, connect: connect.process },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The JSON-safe part of a running environment (what globalSetup provides to tests). */
export function environmentInfo(env: RunningTestEnvironment): TestEnvironmentInfo {
  const { kafka, connect, postgres, mysql, secrets, missing, logsDir, rootDir } = env;
  return { kafka, connect, postgres, mysql, secrets, missing, logsDir, rootDir };
}
