import { mkdir, symlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { type JvmProfile, javaArgs, toProperties, writeLog4j2Config } from "./java.js";
import { freePort } from "./ports.js";
import type { ManagedProcess, ProcessSupervisor } from "./processes.js";
import { waitFor } from "./wait.js";

export interface ConnectInfo {
  url: string;
  groupId: string;
  pluginPath: string[];
  /** Connector classes GET /connector-plugins listed at startup. */
  connectorClasses: string[];
}

export interface StartedConnect {
  info: ConnectInfo;
  process: ManagedProcess;
}

/** Connect's producer compression, as the stack's Connect container sets it (CONNECT_PRODUCER_COMPRESSION_TYPE). */
export const PRODUCER_COMPRESSION = "lz4";

export const CONFIG_PROVIDER_CLASSES = {
  env: "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
  file: "org.apache.kafka.common.config.provider.FileConfigProvider",
} as const;

/**
 * A real distributed-mode worker (ConnectDistributed), configured like the
 * Debezium connect image: JSON converters with schemas, env/file config
 * providers, client override policy All, lz4-compressed source records.
 */
export async function startConnect(
  supervisor: ProcessSupervisor,
  opts: {
    java: string;
    libsDir: string;
    dir: string;
    logsDir: string;
    bootstrap: string;
    pluginDirs: string[];
    expectedClasses: string[];
    secrets: Record<string, string>;
    /**
     * The Connect cluster this worker joins: its group and internal topics. A second worker with
     * its own cluster lets a test restart it without touching the shared one.
     * @default { groupId: "test-env-connect", topicPrefix: "_connect" }
     */
    cluster?: { groupId: string; topicPrefix: string };
    /** @default "quick" */
    jvmProfile?: JvmProfile;
  },
): Promise<StartedConnect> {
  const port = await freePort();
  await mkdir(opts.dir, { recursive: true });
  // plugin.path names a folder whose subfolders are plugins, one class loader each. Naming a
  // plugin folder itself would make every jar in it a separate plugin (slow, and its classes
  // could not see each other), so the requested plugins are linked into one folder of our own.
  const pluginRoot = join(opts.dir, "plugins");
  await mkdir(pluginRoot, { recursive: true });
  for (const dir of opts.pluginDirs) await symlink(dir, join(pluginRoot, basename(dir)));
  const { groupId, topicPrefix } = opts.cluster ?? { groupId: "test-env-connect", topicPrefix: "_connect" };
  const config = join(opts.dir, "worker.properties");
  await writeFile(
    config,
    toProperties({
      "bootstrap.servers": opts.bootstrap,
      "group.id": groupId,
      listeners: `http://127.0.0.1:${port}`,
      "rest.advertised.host.name": "127.0.0.1",
      "rest.advertised.port": port,
      "key.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "key.converter.schemas.enable": true,
      "value.converter.schemas.enable": true,
      "producer.compression.type": PRODUCER_COMPRESSION,
      "config.storage.topic": `${topicPrefix}-configs`,
      "offset.storage.topic": `${topicPrefix}-offsets`,
      "status.storage.topic": `${topicPrefix}-status`,
      "config.storage.replication.factor": 1,
      "offset.storage.replication.factor": 1,
      "status.storage.replication.factor": 1,
      "offset.storage.partitions": 5,
      "status.storage.partitions": 1,
      // Commit source offsets every second so restart tests are quick.
      "offset.flush.interval.ms": 1000,
      "plugin.path": pluginRoot,
      // Read the plugins' ServiceLoader manifests instead of scanning every class: a much shorter start.
      "plugin.discovery": "service_load",
      "config.providers": "env,file",
      "config.providers.env.class": CONFIG_PROVIDER_CLASSES.env,
      "config.providers.file.class": CONFIG_PROVIDER_CLASSES.file,
      "connector.client.config.override.policy": "All",
      "scheduled.rebalance.max.delay.ms": 0,
      "task.shutdown.graceful.timeout.ms": 5000,
    }),
  );
  const log4j2 = await writeLog4j2Config(opts.dir, "connect");
  const args = [
    ...javaArgs({
      heap: "768m",
      profile: opts.jvmProfile,
      classpathDir: opts.libsDir,
      log4j2,
      tmpDir: opts.dir,
      systemProperties: {
        // Kafka honours only the config providers listed here when the property
        // is set (unset = any class). List exactly the two we use.
        "org.apache.kafka.automatic.config.providers": Object.values(CONFIG_PROVIDER_CLASSES).join(","),
      },
    }),
    "org.apache.kafka.connect.cli.ConnectDistributed",
    config,
  ];
  const logFile = join(opts.logsDir, "connect.log");
  const proc = supervisor.start("connect", opts.java, args, logFile, {
    cwd: opts.dir,
    env: { ...process.env, ...opts.secrets },
  });
  const url = `http://127.0.0.1:${port}`;

  // Ready when REST answers and the Debezium plugins are loaded.
  const connectorClasses = await waitFor(
    "Kafka Connect",
    async () => {
      const res = await fetch(`${url}/connector-plugins?connectorsOnly=true`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`GET /connector-plugins -> HTTP ${res.status}`);
      const plugins = (await res.json()) as { class: string }[];
      const classes = plugins.map((p) => p.class);
      const missing = opts.expectedClasses.filter((c) => !classes.includes(c));
      if (missing.length) throw new Error(`plugins not loaded: ${missing.join(", ")}`);
      return classes;
    },
    { timeoutMs: 180_000, intervalMs: 500, process: proc },
  );
  return { info: { url, groupId, pluginPath: opts.pluginDirs, connectorClasses }, process: proc };
}
