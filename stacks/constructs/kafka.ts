import type { Construct } from "constructs";
import { ServiceContainer } from "./service-container.js";

export interface KafkaProps {
  readonly prefix: string;
  readonly network: string;
  readonly hostIp: string;
  readonly image: string;
  readonly keepImageLocally: boolean;
  /** Host port of a listener advertised as hostIp:port for tools on the host; null publishes none. */
  readonly hostPort: number | null;
  /** KRaft cluster id the data volume is formatted with. */
  readonly clusterId: string;
  readonly waitTimeoutSeconds: number;
  readonly keepDataOnDestroy: boolean;
  /** @default no limit */
  readonly memoryMb?: number;
  /** @default no limit */
  readonly cpus?: number;
}

/** Single-node Apache Kafka in KRaft mode (combined broker and controller, no ZooKeeper). */
export class Kafka extends ServiceContainer {
  /** Bootstrap servers for containers on the stack's network. */
  readonly bootstrapServers = "kafka:9092";

  constructor(scope: Construct, id: string, props: KafkaProps) {
    const hostListener = props.hostPort === null ? [] : [`HOST://${props.hostIp}:${props.hostPort}`];
    super(scope, id, {
      prefix: props.prefix,
      name: "kafka",
      image: props.image,
      keepImageLocally: props.keepImageLocally,
      network: props.network,
      hostIp: props.hostIp,
      ports: [{ internal: 9094, external: props.hostPort }],
      env: [
        "KAFKA_NODE_ID=1",
        "KAFKA_PROCESS_ROLES=broker,controller",
        "KAFKA_LISTENERS=PLAINTEXT://:9092,CONTROLLER://:9093,HOST://:9094",
        `KAFKA_ADVERTISED_LISTENERS=${["PLAINTEXT://kafka:9092", ...hostListener].join(",")}`,
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,HOST:PLAINTEXT",
        "KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER",
        "KAFKA_INTER_BROKER_LISTENER_NAME=PLAINTEXT",
        "KAFKA_CONTROLLER_QUORUM_VOTERS=1@kafka:9093",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0",
        "KAFKA_LOG_DIRS=/var/lib/kafka/data",
        `CLUSTER_ID=${props.clusterId}`,
      ],
      dataVolumes: { data: "/var/lib/kafka/data" },
      // kafka-broker-api-versions exits 0 even when it cannot reach the broker: look at its output.
      healthCheck: {
        test: ["CMD-SHELL", "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092 2>&1 | grep -q '(id: 1 rack'"],
        startPeriod: "15s",
      },
      waitTimeoutSeconds: props.waitTimeoutSeconds,
      keepDataOnDestroy: props.keepDataOnDestroy,
      memoryMb: props.memoryMb,
      cpus: props.cpus,
    });
  }
}
