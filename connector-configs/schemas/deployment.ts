import { z } from "zod";
import { BatchingSchema } from "../../sink-app/src/config.js";

/**
 * The deployment config: which components run as containers on this Docker host, which are
 * the user's existing servers, and how the containers are built, published and sized.
 * Connection settings of a source live in its connector file (connector-configs/sources/);
 * this file only says whether the stack runs that database itself.
 */

export const BUILT_IN_SOURCES = ["mssql", "oracle", "mysql", "postgres"] as const;
export type BuiltInSource = (typeof BUILT_IN_SOURCES)[number];

/** Upstream images, overridable for private registries. */
export const DEFAULT_IMAGES = {
  mssql: "mcr.microsoft.com/mssql/server:2022-latest",
  oracle: "gvenzl/oracle-free:23-slim",
  mysql: "mysql:8.4",
  postgres: "postgres:16",
  kafka: "apache/kafka:4.1.1",
  connectBase: "quay.io/debezium/connect:3.5.0.Final",
} as const;

const hostPort = z.number().int().min(1).max(65535).nullable().describe("Port published on the Docker host (bound to hostIp). null publishes nothing.");

const resources = z
  .object({
    memoryMb: z.number().int().min(128).optional().describe("Memory limit in MiB. Unset means no limit."),
    cpus: z.number().positive().max(64).optional().describe("CPU limit (e.g. 1.5). Unset means no limit."),
  })
  .strict()
  .default({})
  .describe("Container resource limits.");

const waitTimeoutSeconds = (fallback: number) =>
  z.number().int().min(10).max(3600).default(fallback).describe("How long Terraform waits for the health check to pass before failing the deploy.");

const embeddedDatabase = (name: BuiltInSource, port: number, timeout: number, memoryMb?: number) =>
  z
    .object({
      mode: z.literal("embedded").describe("Run this database as a container of the stack."),
      image: z.string().min(1).default(DEFAULT_IMAGES[name]).describe("Container image."),
      hostPort: hostPort.default(port),
      resources: memoryMb ? resources.default({ memoryMb }) : resources,
      waitTimeoutSeconds: waitTimeoutSeconds(timeout),
    })
    .strict();

const externalDatabase = z
  .object({
    mode: z.literal("external").describe("Use an existing server: no container is declared; the connector file holds its address."),
  })
  .strict();

const sourceEntry = (name: BuiltInSource, port: number, timeout: number, memoryMb?: number) =>
  z
    .object({
      enabled: z.boolean().default(true).describe("Whether this source is part of the pipeline at all."),
      database: z
        .discriminatedUnion("mode", [embeddedDatabase(name, port, timeout, memoryMb), externalDatabase])
        .prefault({ mode: "embedded" })
        .describe("Embedded container or external server."),
    })
    .strict();

const kafka = z
  .discriminatedUnion("mode", [
    z
      .object({
        mode: z.literal("embedded").describe("Run a single-node KRaft Kafka broker as a container."),
        image: z.string().min(1).default(DEFAULT_IMAGES.kafka).describe("Container image."),
        hostPort: hostPort.default(9094).describe("Host port of the listener advertised as 127.0.0.1 (for tools on the host)."),
        clusterId: z
          .string()
          .regex(/^[A-Za-z0-9_-]{22}$/, "a 22-character base64url Kafka cluster id")
          // kafka-storage format's argument parser reads a leading '-' as an option; Kafka's own generator never makes one.
          .refine(
            (id) => !id.startsWith("-"),
            "a cluster id that does not start with '-' (kafka-storage would read it as an option); generate one with `kafka-storage random-uuid`",
          )
          .default("MkU3OEVBNTcwNTJENDM2Qg")
          .describe("KRaft cluster id used to format the data volume."),
        resources: resources.default({ memoryMb: 1024 }),
        waitTimeoutSeconds: waitTimeoutSeconds(180),
      })
      .strict(),
    z
      .object({
        mode: z.literal("external"),
        bootstrapServers: z
          .string()
          // No '@' or '/': credentials in an address would be copied into every container's config.
          .regex(/^[^\s,@/]+:\d+(,[^\s,@/]+:\d+)*$/, "host:port[,host:port...], without user:password")
          .describe("Bootstrap servers of an existing Kafka cluster, reachable from the containers."),
      })
      .strict(),
  ])
  .prefault({ mode: "embedded" });

const connect = z
  .object({
    baseImage: z.string().min(1).default(DEFAULT_IMAGES.connectBase).describe("Debezium Kafka Connect image the worker image is built from."),
    aivenHttpSinkVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, "a release version such as 0.8.0")
      .default("0.8.0")
      .describe("Release of the Aiven HTTP Sink connector installed into the worker image."),
    oracleJdbcVersion: z.string().min(1).default("23.26.4.0.0").describe("Version of com.oracle.database.jdbc:ojdbc11 added to the Oracle connector plugin."),
    pluginDiscovery: z
      .enum(["only_scan", "hybrid_warn", "hybrid_fail", "service_load"])
      .default("hybrid_warn")
      .describe("Kafka Connect plugin.discovery. service_load starts fastest but finds only plugins that ship ServiceLoader manifests."),
    internalTopicReplicationFactor: z
      .number()
      .int()
      .min(1)
      .max(5)
      .optional()
      .describe("Replication factor of Connect's config, offset and status topics. Unset: 1 with embedded Kafka, 3 with external Kafka."),
    hostPort: hostPort.default(8083).describe("Host port of the Kafka Connect REST API (used by `npm run connectors`)."),
    resources: resources.default({ memoryMb: 2048 }),
    waitTimeoutSeconds: waitTimeoutSeconds(300),
  })
  .strict()
  .prefault({});

const meterMasterTarget = z
  .discriminatedUnion("mode", [
    z
      .object({
        mode: z.literal("embedded").describe("Database MeterMaster in the embedded SQL Server container."),
      })
      .strict(),
    z
      .object({
        mode: z.literal("external"),
        kind: z.enum(["mssql", "postgres"]).describe("Database engine of the target."),
        host: z.string().min(1).describe("Host name, as reachable from the sink-app container."),
        port: z.number().int().min(1).max(65535).describe("TCP port."),
        database: z.string().min(1).describe("Database holding the Meter Master table."),
        user: z.string().min(1).describe("Login with rights to create and write the table."),
      })
      .strict(),
  ])
  .prefault({ mode: "embedded" });

export const DeploymentSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,30}$/, "lowercase letters, digits and dashes, starting with a letter")
      .default("meter-master")
      .describe("Prefix of every container, volume, image and the network, so two stacks can share a host."),
    hostIp: z.union([z.ipv4(), z.ipv6()]).default("127.0.0.1").describe("Address published ports bind to. The default keeps every service off the network."),
    keepDataOnDestroy: z
      .boolean()
      .default(false)
      .describe("When true, data volumes are not Terraform resources, so `cdktf destroy` leaves them (and their data) in place."),
    keepUpstreamImages: z
      .boolean()
      .default(true)
      .describe("Keep pulled upstream images on destroy (they are large); images the stack builds are always removed."),
    sources: z
      .object({
        mssql: sourceEntry("mssql", 1433, 300, 2048).prefault({}),
        oracle: sourceEntry("oracle", 1521, 900, 2048).prefault({}),
        mysql: sourceEntry("mysql", 3306, 180).prefault({}),
        postgres: sourceEntry("postgres", 5432, 120).prefault({}),
      })
      .strict()
      .prefault({})
      .describe("The four built-in source systems."),
    kafka,
    connect,
    meterMaster: z
      .object({
        target: meterMasterTarget,
      })
      .strict()
      .prefault({}),
    sinkApp: z
      .object({
        hostPort: hostPort.default(9464).describe("Host port of the sink-app's /healthz, /readyz and /metrics."),
        logLevel: z.enum(["debug", "info", "warn", "error"]).default("info").describe("Log level."),
        resources: resources.default({ memoryMb: 512 }),
        waitTimeoutSeconds: waitTimeoutSeconds(120),
        batching: BatchingSchema.describe("How the sink-app groups records into batches: fewer records per batch hold less memory, more write more often."),
      })
      .strict()
      .prefault({}),
    registrar: z
      .object({
        timeoutSeconds: z.number().int().min(30).max(3600).default(300).describe("How long the registrar waits for every connector and task to be RUNNING."),
      })
      .strict()
      .prefault({}),
    demoApi: z
      .object({
        enabled: z.boolean().default(true).describe("Run the demo API receiver that records what the endpoints receive."),
        hostPort: hostPort.default(8080),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.meterMaster.target.mode === "embedded" && d.sources.mssql.database.mode === "external") {
      ctx.addIssue({
        code: "custom",
        path: ["meterMaster", "target", "mode"],
        message:
          "the embedded Meter Master target lives in the embedded SQL Server container, but sources.mssql.database.mode is external; set meterMaster.target to your external server",
      });
    }
    const ports = new Map<number, string>();
    const published: Array<[string, number | null]> = [
      ...BUILT_IN_SOURCES.map((s): [string, number | null] => {
        const db = d.sources[s].database;
        return [`sources.${s}.database.hostPort`, db.mode === "embedded" ? db.hostPort : null];
      }),
      ["kafka.hostPort", d.kafka.mode === "embedded" ? d.kafka.hostPort : null],
      ["connect.hostPort", d.connect.hostPort],
      ["sinkApp.hostPort", d.sinkApp.hostPort],
      ["demoApi.hostPort", d.demoApi.enabled ? d.demoApi.hostPort : null],
    ];
    for (const [path, port] of published) {
      if (port === null) continue;
      const other = ports.get(port);
      if (other) {
        ctx.addIssue({
          code: "custom",
          path: path.split("."),
          message: `host port ${port} is already used by ${other}`,
        });
      }
      ports.set(port, path);
    }
  });

export type DeploymentInput = z.input<typeof DeploymentSchema>;
export type Deployment = z.output<typeof DeploymentSchema>;

/** Gives editor completion and hover help in connector-configs/deployment.ts (see ../define.ts); validation happens when the stack loads it. */
export { defineDeployment } from "../define.js";

/** True when the stack must run the SQL Server container (demo source, Meter Master target, or both). */
export function runsEmbeddedMssql(d: Deployment): boolean {
  const source = d.sources.mssql;
  return (source.enabled && source.database.mode === "embedded") || d.meterMaster.target.mode === "embedded";
}
