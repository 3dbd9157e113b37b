import type { Container } from "@cdktf/provider-docker/lib/container/index.js";
import { Network } from "@cdktf/provider-docker/lib/network/index.js";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider/index.js";
import { App, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { type Deployment, runsEmbeddedMssql } from "../connector-configs/schemas/deployment.js";
import { type DesiredConnectors, type RenderedConnector, supervisedConnectors } from "../sink-app/src/connect/desired.js";
import { type DatabaseProps, MssqlDatabase, MysqlDatabase, OracleDatabase, PostgresDatabase } from "./constructs/databases.js";
import { Kafka } from "./constructs/kafka.js";
import { KafkaConnect } from "./constructs/kafka-connect.js";
import { envReferences, type SecretKind, Secrets } from "./constructs/secrets.js";
import { DemoApi, Registrar, SinkApp, SinkAppImage } from "./constructs/sink-app.js";
import { completeSinkAppConfig, type SinkAppAddresses, type SinkAppConfigDraft, type SinkAppConfigOrigins, sinkAppSecretEnv } from "./sink-app-config.js";

export type { DesiredConnectors, RenderedConnector };

export interface PipelineStackProps {
  /** The validated deployment config (connector-configs/deployment.ts). */
  readonly deployment: Deployment;
  /** Rendered Kafka Connect configs of every enabled connector (sources and HTTP sinks), as the registrar applies them. */
  readonly connectors: DesiredConnectors;
  /** The sink-app's runtime config from the config files (typed by its schema); the stack adds the addresses its constructs own. */
  readonly sinkApp: { readonly config: SinkAppConfigDraft; readonly origins: SinkAppConfigOrigins; readonly httpPort: number };
}

/**
 * The whole pipeline on one Docker host. The stack only composes components; each construct
 * owns its container, health check and volumes. Start order comes from health checks that
 * Terraform waits on and from depends_on: databases and Kafka, then Connect, then the
 * registrar, then the sink-app.
 */
export class PipelineStack extends TerraformStack {
  /** Every secret the stack declares, as sensitive variables. */
  readonly secrets: Secrets;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id);
    const d = props.deployment;
    new DockerProvider(this, "docker", {});
    const network = new Network(this, "network", { name: d.name, driver: "bridge" });
    const secrets = new Secrets(this, "secrets");
    this.secrets = secrets;

    const base = {
      prefix: d.name,
      network: network.name,
      hostIp: d.hostIp,
      secrets,
      keepImageLocally: d.keepUpstreamImages,
      keepDataOnDestroy: d.keepDataOnDestroy,
    };
    const databases: Container[] = [];
    const dbProps = (name: keyof Deployment["sources"]): DatabaseProps | undefined => {
      const entry = d.sources[name];
      if (!entry.enabled || entry.database.mode !== "embedded") return undefined;
      const db = entry.database;
      return { ...base, image: db.image, hostPort: db.hostPort, waitTimeoutSeconds: db.waitTimeoutSeconds, ...limits(db.resources) };
    };

    // Where the sink-app finds Meter Master: the embedded SQL Server construct, or the server deployment.ts names.
    const target = d.meterMaster.target;
    let meterMaster: SinkAppAddresses["meterMaster"] | undefined =
      target.mode === "external"
        ? { kind: target.kind, host: target.host, port: target.port, database: target.database, user: target.user, passwordEnv: "METER_MASTER_PASSWORD" }
        : undefined;
    if (runsEmbeddedMssql(d)) {
      const db = d.sources.mssql.database;
      if (db.mode !== "embedded") throw new Error("unreachable: schema refuses an embedded target with an external mssql source");
      const mssql = new MssqlDatabase(this, "mssql", {
        ...base,
        image: db.image,
        hostPort: db.hostPort,
        waitTimeoutSeconds: db.waitTimeoutSeconds,
        ...limits(db.resources),
        demoSource: d.sources.mssql.enabled,
        meterMasterTarget: d.meterMaster.target.mode === "embedded",
      });
      databases.push(mssql.container);
      // The embedded server has a self-signed certificate.
      if (target.mode === "embedded") meterMaster = { kind: "mssql", host: mssql.host, port: mssql.port, ...mssql.meterMaster, trustServerCertificate: true };
    }
    const oracle = dbProps("oracle");
    if (oracle) databases.push(new OracleDatabase(this, "oracle", oracle).container);
    const mysql = dbProps("mysql");
    if (mysql) databases.push(new MysqlDatabase(this, "mysql", mysql).container);
    const postgres = dbProps("postgres");
    if (postgres) databases.push(new PostgresDatabase(this, "postgres", postgres).container);

    let bootstrapServers: string;
    const kafkaContainers: Container[] = [];
    if (d.kafka.mode === "embedded") {
      const kafka = new Kafka(this, "kafka", {
        ...base,
        image: d.kafka.image,
        hostPort: d.kafka.hostPort,
        clusterId: d.kafka.clusterId,
        waitTimeoutSeconds: d.kafka.waitTimeoutSeconds,
        ...limits(d.kafka.resources),
      });
      bootstrapServers = kafka.bootstrapServers;
      kafkaContainers.push(kafka.container);
    } else {
      bootstrapServers = d.kafka.bootstrapServers;
    }

    const connectorSecretEnv = envReferences(props.connectors.connectors.map((c) => c.config));
    const connect = new KafkaConnect(this, "connect", {
      ...base,
      bootstrapServers,
      baseImage: d.connect.baseImage,
      aivenHttpSinkVersion: d.connect.aivenHttpSinkVersion,
      oracleJdbcVersion: d.connect.oracleJdbcVersion,
      pluginDiscovery: d.connect.pluginDiscovery,
      internalTopicReplicationFactor: d.connect.internalTopicReplicationFactor ?? (d.kafka.mode === "embedded" ? 1 : 3),
      secretEnv: connectorSecretEnv,
      hostPort: d.connect.hostPort,
      waitTimeoutSeconds: d.connect.waitTimeoutSeconds,
      ...limits(d.connect.resources),
      dependsOn: kafkaContainers,
    });

    const sinkAppImage = new SinkAppImage(this, "sink-app-image", { prefix: d.name });
    // The registrar resolves the same secrets as Connect: it drops replication slots of removed PostgreSQL connectors.
    // Connectors snapshot their tables at registration, so the databases must be ready first.
    const registrar = new Registrar(this, "registrar", {
      prefix: d.name,
      network: network.name,
      image: sinkAppImage.image,
      connectUrl: connect.restUrl,
      connectors: props.connectors,
      secretEnv: connectorSecretEnv,
      secrets,
      timeoutSeconds: d.registrar.timeoutSeconds,
      dependsOn: [connect.container, ...databases],
    });

    const demoApi = d.demoApi.enabled ? new DemoApi(this, "demo-api", { ...base, image: sinkAppImage.image, hostPort: d.demoApi.hostPort }) : undefined;

    if (!meterMaster) throw new Error("unreachable: an embedded Meter Master target always runs the SQL Server construct");
    // Parsed with the sink-app's own schema: its problems are config problems, reported like any other.
    // The sink-app also supervises the connectors (restarts FAILED ones, never a declared pause or stop).
    const supervised = { url: connect.restUrl, ...supervisedConnectors(props.connectors) };
    const sinkAppConfig = completeSinkAppConfig(
      { ...props.sinkApp.config, connect: supervised },
      { kafkaBootstrapServers: bootstrapServers, meterMaster },
      props.sinkApp.origins,
    );
    new SinkApp(this, "sink-app", {
      ...base,
      image: sinkAppImage.image,
      config: sinkAppConfig,
      secretEnv: sinkAppSecretEnv(sinkAppConfig),
      httpPort: props.sinkApp.httpPort,
      hostPort: d.sinkApp.hostPort,
      waitTimeoutSeconds: d.sinkApp.waitTimeoutSeconds,
      ...limits(d.sinkApp.resources),
      dependsOn: [registrar.container, ...databases, ...kafkaContainers, ...(demoApi ? [demoApi.container] : [])],
    });

    const url = (port: number | null, path = "") => (port === null ? "not published" : `http://${d.hostIp}:${port}${path}`);
    new TerraformOutput(this, "connect_rest_url", { value: url(d.connect.hostPort), description: "Kafka Connect REST API (npm run connectors)" });
    new TerraformOutput(this, "status_page_url", { value: url(d.sinkApp.hostPort, "/"), description: "The whole pipeline on one screen (JSON at /status)" });
    new TerraformOutput(this, "sink_app_metrics_url", { value: url(d.sinkApp.hostPort, "/metrics"), description: "sink-app Prometheus metrics" });
    if (d.demoApi.enabled) {
      new TerraformOutput(this, "demo_api_url", { value: url(d.demoApi.hostPort, "/api"), description: "What the API endpoints received" });
    }
  }
}

/** Environment variable names of the secrets a deployment with these inputs needs (TF_VAR_<lowercase name>). */
export function requiredSecrets(props: PipelineStackProps): string[] {
  return Object.keys(secretKinds(props));
}

/** Each secret a deployment with these inputs needs, and whether the stack can generate it. */
export function secretKinds(props: PipelineStackProps): Record<string, SecretKind> {
  return new PipelineStack(new App(), "secrets-probe", props).secrets.kinds();
}

function limits(r: { memoryMb?: number; cpus?: number }) {
  return { memoryMb: r.memoryMb, cpus: r.cpus };
}
