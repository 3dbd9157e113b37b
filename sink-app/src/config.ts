// The sink-app's runtime configuration: the JSON file the container reads (path in SINK_APP_CONFIG).
// The deployment renders it at synth time and validates it with this same schema.

import { readFileSync } from "node:fs";
import { z } from "zod";
import { autoRestartSchema, connectorStateSchema } from "./connect/desired.js";
import { EndpointConfigSchema } from "./delivery/http/index.js";
import { MeterMasterMappingSchema } from "./mapping/schema.js";
import { IDENTIFIER } from "./meter-master/identifiers.js";
import { ConfigError, parseOrThrow, SourceNameSchema } from "./validation.js";

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
/** A topic name in which "{source}" stands for the source name. */
const TOPIC_TEMPLATE = /^[A-Za-z0-9._{}-]{1,249}$/;

const identifier = (what: string) => z.string().regex(IDENTIFIER, `${what} must be a plain SQL identifier (letters, digits, _; at most 63)`);

export const KafkaSettingsSchema = z
  .object({
    brokers: z.array(z.string().min(1)).min(1).describe("bootstrap brokers, host:port"),
    clientId: z.string().min(1).default("meter-master-sink").describe("Kafka client id of every consumer and producer"),
    groupIdPrefix: z
      .string()
      .default("")
      .describe('prefix of the consumer group ids "meter-master.<source>" and "api.<source>" (one group per sink and source)'),
    sessionTimeoutMs: z.number().int().min(6_000).max(300_000).default(30_000).describe("consumer group session timeout"),
  })
  .strict();

export const MeterMasterTargetSchema = z
  .object({
    enabled: z.boolean().default(true).describe("write the Meter Master table at all"),
    kind: z.enum(["mssql", "postgres"]).default("mssql").describe("target database: SQL Server (default) or PostgreSQL"),
    host: z.string().min(1).describe("database host"),
    port: z.number().int().min(1).max(65_535).optional().describe("database port; default 1433 (mssql) or 5432 (postgres)"),
    database: z.string().min(1).describe("database holding the Meter Master table"),
    user: z.string().min(1).describe("login of the sink-app"),
    passwordEnv: z
      .string()
      .regex(ENV_VAR_NAME, "must be an environment variable NAME (the password itself never goes in the config)")
      .describe("name of the environment variable holding the password"),
    schema: identifier("schema").optional().describe("schema of the table; default dbo (mssql) or public (postgres)"),
    table: identifier("table").default("meter_master").describe("Meter Master table name (hard deletes also use <table>_tombstones)"),
    encrypt: z.boolean().default(true).describe("mssql: encrypt the connection (TLS)"),
    trustServerCertificate: z
      .boolean()
      .default(false)
      .describe("accept a server certificate that does not verify (self-signed); off, certificates are checked (mssql with encrypt, postgres with ssl)"),
    ssl: z.boolean().default(false).describe("postgres: connect with TLS"),
    deleteMode: z
      .enum(["soft", "hard"])
      .default("soft")
      .describe("soft: keep deleted rows with is_deleted = true; hard: remove them (their delete position is kept in <table>_tombstones)"),
    createTable: z.boolean().default(true).describe("create the table at start if it does not exist"),
  })
  .strict()
  // Defaults that depend on the engine are resolved here, so a parsed config carries final values.
  .transform((t) => ({ ...t, port: t.port ?? (t.kind === "mssql" ? 1433 : 5432), schema: t.schema ?? (t.kind === "mssql" ? "dbo" : "public") }));

export const SourceSettingsSchema = z
  .object({
    name: SourceNameSchema.describe("source system name"),
    topics: z
      .array(z.string().regex(KAFKA_TOPIC, "not a valid Kafka topic name"))
      .min(1)
      .describe("Debezium change topics of this source, e.g. mysql.meterdb.meter_registry"),
    endpoint: EndpointConfigSchema.optional().describe("HTTP API endpoint of this source; none = no API delivery"),
  })
  .strict();

/** How records are grouped into batches (also in connector-configs/deployment.ts as sinkApp.batching). */
export const BatchingSchema = z
  .object({
    maxEvents: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(500)
      .describe(
        "most records in one batch; under load, batches fill from what Kafka already delivered. One batch fills while the one before it is written, so this bounds the rows in memory: 500 instead of 1,000 took the peak RSS of a drain from 130 to 117-122 MiB for the same CPU per change; 250 keeps it near 112 MiB for ~12% less throughput (docs/benchmarks.md)",
      ),
    maxWaitMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(10)
      .describe(
        "once a record arrived, how long to wait for more before handing the batch on (time spent preparing its records does not count): adds to latency when quiet",
      ),
    commitIntervalMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(1_000)
      .describe(
        "commit the Kafka offsets of written batches at most this often (0: after every batch). A restart reads again what was written since the last commit, which changes nothing: Meter Master keeps a change it already holds by its position, and an endpoint gets the same idempotency key again. A commit per batch of 500 cost the broker 4-10 µs per change (docs/benchmarks.md, round 12)",
      ),
  })
  .strict()
  .prefault({});

export const SinkAppConfigSchema = z
  .object({
    kafka: KafkaSettingsSchema,
    meterMaster: MeterMasterTargetSchema,
    mapping: MeterMasterMappingSchema.describe("per-source Meter Master mapping (connector-configs/meter-master.ts)"),
    sources: z.array(SourceSettingsSchema).min(1).describe("the source systems to consume"),
    batching: BatchingSchema,
    retry: z
      .object({
        initialDelayMs: z.number().int().min(10).default(500).describe("first wait after a failed batch write or delivery"),
        maxDelayMs: z.number().int().min(100).default(30_000).describe("longest wait between attempts; a failing batch is retried until it succeeds"),
      })
      .strict()
      .prefault({}),
    deadLetter: z
      .object({
        meterMasterTopic: z
          .string()
          .regex(TOPIC_TEMPLATE, "not a valid Kafka topic name")
          .default("meter-master.dlq")
          .describe('dead letter topic of the Meter Master sink; "{source}" is replaced by the source name'),
        apiTopic: z
          .string()
          .regex(TOPIC_TEMPLATE, "not a valid Kafka topic name")
          .default("api.{source}.dlq")
          .describe('dead letter topic of each API endpoint sink; "{source}" is replaced by the source name'),
      })
      .strict()
      .prefault({}),
    http: z
      .object({
        port: z.number().int().min(1).max(65_535).default(9464).describe("port of /healthz, /readyz and /metrics"),
        host: z.string().default("0.0.0.0").describe("address to listen on"),
      })
      .strict()
      .prefault({}),
    status: z
      .object({
        lagThresholdSeconds: z
          .number()
          .int()
          .min(1)
          .default(60)
          .describe("a sink whose newest processed change is older than this while records wait turns red on the status page"),
        sampleSeconds: z.number().int().min(1).max(60).default(5).describe("how often the status page's charts take a sample"),
        rowCountSeconds: z
          .number()
          .int()
          .min(5)
          .default(30)
          .describe("how often Meter Master's row counts are refreshed, at most (only while the page is watched)"),
      })
      .strict()
      .prefault({})
      .describe("the status page at / (and its JSON at /status)"),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info").describe("log level of the JSON logs"),
    connect: z
      .object({
        url: z.string().url().describe("Kafka Connect REST URL as the sink-app reaches it, e.g. http://connect:8083"),
        owner: z.string().min(1).describe("ownership marker (meter-master.managed-by) of this deployment's connectors; others are never touched"),
        pollSeconds: z.number().int().min(1).max(3_600).default(15).describe("how often the supervisor reads the connectors' status"),
        connectors: z
          .array(z.object({ name: z.string().min(1).describe("connector name"), state: connectorStateSchema, autoRestart: autoRestartSchema }).strict())
          .describe("the connectors this deployment declares, with their declared state and restart policy"),
      })
      .strict()
      .optional()
      .describe("the connector supervisor: restarts FAILED connectors and tasks with a growing backoff; absent = no supervisor"),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    const topicOwner = new Map<string, string>();
    for (const [i, source] of cfg.sources.entries()) {
      if (seen.has(source.name)) {
        ctx.addIssue({ code: "custom", path: ["sources", i, "name"], message: `a source listed once ("${source.name}" is listed twice)` });
      }
      seen.add(source.name);
      for (const [j, topic] of source.topics.entries()) {
        const owner = topicOwner.get(topic);
        if (owner !== undefined && owner !== source.name) {
          ctx.addIssue({ code: "custom", path: ["sources", i, "topics", j], message: `a topic not already consumed for source "${owner}"` });
        }
        topicOwner.set(topic, source.name);
      }
      const needsMapping = cfg.meterMaster.enabled || (source.endpoint?.enabled === true && source.endpoint.payload === "meter-master-row");
      if (needsMapping && !Object.hasOwn(cfg.mapping.sources, source.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["mapping", "sources", source.name],
          message: `a mapping for source "${source.name}", which is consumed (mapped: ${Object.keys(cfg.mapping.sources).join(", ") || "none"})`,
        });
      }
    }
  });

export type SinkAppConfig = z.output<typeof SinkAppConfigSchema>;
export type SinkAppConfigInput = z.input<typeof SinkAppConfigSchema>;
export type KafkaSettingsInput = z.input<typeof KafkaSettingsSchema>;
export type MeterMasterTargetInput = z.input<typeof MeterMasterTargetSchema>;
export type SourceSettings = SinkAppConfig["sources"][number];
export type MeterMasterTarget = SinkAppConfig["meterMaster"];

/** Validate a parsed config; throws ConfigError naming the file, each field path, what was expected and the value. */
export function parseSinkAppConfig(json: unknown, file: string): SinkAppConfig {
  return parseOrThrow(SinkAppConfigSchema, json, file);
}

export function loadSinkAppConfig(file: string): SinkAppConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([{ file, path: "(file)", value: "(unreadable)", expected: `a readable file: ${(err as Error).message}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ file, path: "(file)", value: "(not JSON)", expected: `valid JSON: ${(err as Error).message}` }]);
  }
  return parseSinkAppConfig(json, file);
}

export function targetPort(target: MeterMasterTarget): number {
  return target.port;
}

export function targetSchema(target: MeterMasterTarget): string {
  return target.schema;
}

export function deadLetterTopic(template: string, source: string): string {
  return template.replaceAll("{source}", source);
}

export function meterMasterGroupId(cfg: SinkAppConfig, source: string): string {
  return `${cfg.kafka.groupIdPrefix}meter-master.${source}`;
}

export function apiGroupId(cfg: SinkAppConfig, source: string): string {
  return `${cfg.kafka.groupIdPrefix}api.${source}`;
}
