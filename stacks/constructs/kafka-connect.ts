import type { Container } from "@cdktf/provider-docker/lib/container/index.js";
import type { Construct } from "constructs";
import { BuiltImage } from "./built-image.js";
import { stackFile } from "./init-files.js";
import type { Secrets } from "./secrets.js";
import { ServiceContainer } from "./service-container.js";

/** Connector classes the worker must list before it counts as ready. */
export const REQUIRED_PLUGINS = [
  "io.debezium.connector.sqlserver.SqlServerConnector",
  "io.debezium.connector.oracle.OracleConnector",
  "io.debezium.connector.mysql.MySqlConnector",
  "io.debezium.connector.postgresql.PostgresConnector",
  "io.aiven.kafka.connect.http.HttpSinkConnector",
] as const;

/**
 * SHA-256 of the downloads baked into the Connect image, per version, checked during the image
 * build. Computed from the artifacts on Maven Central; a version not listed here is refused at
 * synth with the line to add. The Aiven archive (GitHub releases) has no pinned checksum yet: the
 * build prints its checksum so you can pin it here.
 */
export const PINNED_SHA256 = {
  ojdbc11: { "23.26.4.0.0": "df977e9291499cd4ceee7d577462c285987dd2ad0216637c0865eb98956a9e6e" } as Record<string, string>,
  aivenHttpSink: {} as Record<string, string>,
};

export interface KafkaConnectProps {
  readonly prefix: string;
  readonly network: string;
  readonly hostIp: string;
  readonly secrets: Secrets;
  readonly bootstrapServers: string;
  /** Debezium connect image the worker image is built from. */
  readonly baseImage: string;
  readonly aivenHttpSinkVersion: string;
  readonly oracleJdbcVersion: string;
  /** Kafka Connect plugin.discovery. */
  readonly pluginDiscovery: string;
  /** Replication factor of the worker's config, offset and status topics. */
  readonly internalTopicReplicationFactor: number;
  /** Environment variables the connector configs reference as `${env:NAME}`; each becomes a secret variable. */
  readonly secretEnv: string[];
  readonly hostPort: number | null;
  readonly waitTimeoutSeconds: number;
  /** @default no limit */
  readonly memoryMb?: number;
  /** @default no limit */
  readonly cpus?: number;
  readonly dependsOn: Container[];
}

/**
 * Kafka Connect in distributed mode with the Debezium source connectors, the Aiven HTTP Sink
 * and the Oracle JDBC driver. Secrets reach connectors through config providers
 * (`${env:NAME}`), so GET /connectors never shows a password.
 */
export class KafkaConnect extends ServiceContainer {
  /** REST URL for containers on the stack's network. */
  readonly restUrl = "http://connect:8083";

  constructor(scope: Construct, id: string, props: KafkaConnectProps) {
    const rf = String(props.internalTopicReplicationFactor);
    const ojdbcSha256 = PINNED_SHA256.ojdbc11[props.oracleJdbcVersion];
    if (!ojdbcSha256) {
      throw new Error(
        `no SHA-256 pinned for the Oracle JDBC driver ${props.oracleJdbcVersion}: add it to PINNED_SHA256.ojdbc11 in stacks/constructs/kafka-connect.ts ` +
          `(sha256sum of ojdbc11-${props.oracleJdbcVersion}.jar from Maven Central)`,
      );
    }
    const image = new BuiltImage(scope, `${id}-image`, {
      name: `${props.prefix}/kafka-connect:local`,
      context: stackFile("images/kafka-connect"),
      dockerfile: "Dockerfile",
      buildArgs: {
        BASE_IMAGE: props.baseImage,
        AIVEN_HTTP_SINK_VERSION: props.aivenHttpSinkVersion,
        AIVEN_HTTP_SINK_SHA256: PINNED_SHA256.aivenHttpSink[props.aivenHttpSinkVersion] ?? "",
        OJDBC_VERSION: props.oracleJdbcVersion,
        OJDBC_SHA256: ojdbcSha256,
      },
      sources: ["Dockerfile"],
    });
    const pluginCheck = REQUIRED_PLUGINS.map((c) => `echo "$p" | grep -q ${c}`).join(" && ");
    super(scope, id, {
      prefix: props.prefix,
      name: "connect",
      image: image.image,
      network: props.network,
      hostIp: props.hostIp,
      ports: [{ internal: 8083, external: props.hostPort }],
      env: [
        `BOOTSTRAP_SERVERS=${props.bootstrapServers}`,
        `GROUP_ID=${props.prefix}-connect`,
        `CONFIG_STORAGE_TOPIC=${props.prefix}-connect-configs`,
        `OFFSET_STORAGE_TOPIC=${props.prefix}-connect-offsets`,
        `STATUS_STORAGE_TOPIC=${props.prefix}-connect-status`,
        `CONFIG_STORAGE_REPLICATION_FACTOR=${rf}`,
        `OFFSET_STORAGE_REPLICATION_FACTOR=${rf}`,
        `STATUS_STORAGE_REPLICATION_FACTOR=${rf}`,
        "CONNECT_REST_ADVERTISED_HOST_NAME=connect",
        "CONNECT_CONFIG_PROVIDERS=env,file",
        "CONNECT_CONFIG_PROVIDERS_ENV_CLASS=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        "CONNECT_CONFIG_PROVIDERS_FILE_CLASS=org.apache.kafka.common.config.provider.FileConfigProvider",
        // Lets an HTTP sink set consumer.override.group.id=Group_<name>, as the previous system named its groups.
        "CONNECT_CONNECTOR_CLIENT_CONFIG_OVERRIDE_POLICY=All",
        `CONNECT_PLUGIN_DISCOVERY=${props.pluginDiscovery}`,
        "CONNECT_OFFSET_FLUSH_INTERVAL_MS=5000",
        // Change records are JSON with their schema inline: lz4 batches hold them in ~1/12 of the
        // bytes for the least CPU on both ends (docs/benchmarks.md, round 1: measured against zstd and gzip).
        "CONNECT_PRODUCER_COMPRESSION_TYPE=lz4",
        ...props.secretEnv.map((name) => props.secrets.env(name)),
      ],
      // REST answering is not enough: connectors registered before the plugins are loaded fail.
      healthCheck: {
        test: ["CMD-SHELL", `p=$(curl -fsS http://localhost:8083/connector-plugins) && ${pluginCheck}`],
        startPeriod: "20s",
        retries: 10,
      },
      waitTimeoutSeconds: props.waitTimeoutSeconds,
      memoryMb: props.memoryMb,
      cpus: props.cpus,
      dependsOn: props.dependsOn,
    });
  }
}
