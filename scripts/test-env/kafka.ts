import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { reportCleanup } from "./cleanup.js";
import { type JvmProfile, javaArgs, toProperties, writeLog4j2Config } from "./java.js";
import { freePorts } from "./ports.js";
import type { ManagedProcess, ProcessSupervisor } from "./processes.js";
import { run } from "./system.js";
import { waitFor } from "./wait.js";

export interface KafkaInfo {
  bootstrap: string;
  clusterId: string;
}

export interface StartedKafka {
  info: KafkaInfo;
  process: ManagedProcess;
}

/**
 * A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (what `kafka-storage
 * random-uuid` prints). Like Kafka's Uuid.randomUuid(), never one that starts with "-" (about one
 * in 64 would), which a command-line parser takes for an option.
 */
export function randomClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/** Single-node KRaft (combined broker + controller), replication factor 1 everywhere. */
export async function startKafka(
  supervisor: ProcessSupervisor,
  java: string,
  libsDir: string,
  dir: string,
  logsDir: string,
  jvmProfile: JvmProfile = "quick",
): Promise<StartedKafka> {
  const [brokerPort, controllerPort] = await freePorts(2);
  const dataDir = join(dir, "data");
  await mkdir(dataDir, { recursive: true });
  const config = join(dir, "server.properties");
  await writeFile(
    config,
    toProperties({
      "process.roles": "broker,controller",
      "node.id": 1,
      "controller.quorum.voters": `1@127.0.0.1:${controllerPort}`,
      listeners: `PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      "advertised.listeners": `PLAINTEXT://127.0.0.1:${brokerPort}`,
      "controller.listener.names": "CONTROLLER",
      "inter.broker.listener.name": "PLAINTEXT",
      "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "log.dirs": dataDir,
      "num.partitions": 1,
      "default.replication.factor": 1,
      "min.insync.replicas": 1,
      "offsets.topic.replication.factor": 1,
      "offsets.topic.num.partitions": 5,
      "transaction.state.log.replication.factor": 1,
      "transaction.state.log.min.isr": 1,
      "transaction.state.log.num.partitions": 5,
      "share.coordinator.state.topic.replication.factor": 1,
      "share.coordinator.state.topic.min.isr": 1,
      "auto.create.topics.enable": true,
      "group.initial.rebalance.delay.ms": 0,
      "log.flush.interval.messages": 1_000_000,
      "num.network.threads": 2,
      "num.io.threads": 2,
      "background.threads": 2,
    }),
  );
  const log4j2 = await writeLog4j2Config(dir, "kafka");
  const clusterId = randomClusterId();
  const jvm = javaArgs({ heap: "512m", classpathDir: libsDir, log4j2, tmpDir: dir, profile: jvmProfile });

  // Format storage (what `kafka-storage.sh format` does).
  await run(java, [...jvm, "kafka.tools.StorageTool", "format", `--cluster-id=${clusterId}`, "--config", config, "--ignore-formatted"]);

  const logFile = join(logsDir, "kafka.log");
  const proc = supervisor.start("kafka", java, [...jvm, "kafka.Kafka", config], logFile, { cwd: dir });
  const bootstrap = `127.0.0.1:${brokerPort}`;

  // Ready when the broker really answers a metadata request, not just when the port is open.
  const kafka = new Kafka({ clientId: "test-env-probe", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2000 });
  await waitFor(
    "Kafka broker",
    async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0 ? cluster : undefined;
      } finally {
        await admin.disconnect().catch(reportCleanup("admin.disconnect()"));
      }
    },
    { timeoutMs: 90_000, intervalMs: 500, process: proc },
  );
  return { info: { bootstrap, clusterId }, process: proc };
}
