// Zod schemas for the Debezium 3.5 source connectors: SQL Server, Oracle
// (LogMiner), MySQL/MariaDB and PostgreSQL (pgoutput). Typed fields cover the
// options people actually set; each field's description names the Debezium
// key it renders and Debezium's default. Everything else goes through
// `passthrough`, which may not shadow a typed field.
import { z } from "zod";
import { OWNER_KEY, PG_DROP_SLOT_KEY } from "../../sink-app/src/connect/desired.js";
import {
  autoRestartSchema,
  connectorStateSchema,
  converterSchema,
  declareKeys,
  enabledSchema,
  errorsSchema,
  type KeyDeclaration,
  type KeyRenderContext,
  type KeySpec,
  type KeyTable,
  keyTableOf,
  passthroughSchema,
  predicateKeys,
  predicateSchema,
  refineCommon,
  sourceNameSchema,
  transformKeys,
  transformSchema,
} from "./common.js";
import { renderSecretRef, secretRefSchema } from "./secret.js";

// ---------------------------------------------------------------- shared parts

const IDENT = "[A-Za-z_][A-Za-z0-9_$#]*";
/** A literal, dot-qualified table name with exactly `parts` identifiers (Debezium takes regexes; we take names so topics are known). */
function tableNameSchema(parts: number, example: string) {
  const re = new RegExp(`^${Array.from({ length: parts }, () => IDENT).join("\\.")}$`);
  return z.string().regex(re, `a literal qualified table name like "${example}" (${parts} dot-separated identifiers, no regex)`);
}

const hostSchema = z
  .string()
  .min(1)
  .regex(/^[^\s/:]+$/, "a host name or IP address without scheme, port or path")
  .describe(
    "database.hostname: host name or IP of the database server as seen from the Kafka Connect container (a docker container name for the embedded databases).",
  );
const portSchema = (dflt: number) =>
  z.number().int().min(1).max(65535).default(dflt).describe(`database.port: TCP port of the database server. Default ${dflt}.`);
const userSchema = z.string().min(1).describe("database.user: the database login Debezium connects as.");
const passwordSchema = secretRefSchema.describe(
  "database.password: reference to the login's password (never the password itself); rendered as ${env:VAR} or ${file:path:key}.",
);

const snapshotModeBase = ["initial", "initial_only", "no_data", "when_needed", "always", "configuration_based"] as const;

function snapshotModeSchema<const M extends readonly ["initial", ...string[]]>(modes: M) {
  const recovery = modes.includes("recovery") ? "; `recovery` rebuilds a lost schema history topic" : "";
  const never = modes.includes("never") ? "; `never` streams only, without even capturing the schema (prefer no_data)" : "";
  return z
    .enum(modes)
    .default("initial")
    .describe(
      "snapshot.mode: `initial` (Debezium default) snapshots the tables once, then streams changes; `no_data` streams only (no existing rows); `when_needed` snapshots again if the stored offset is no longer available; `initial_only` snapshots and stops; `always` snapshots on every start; `configuration_based` follows the snapshot.mode.configuration.based.* options" +
        recovery +
        never +
        ".",
    );
}

const decimalHandlingModeSchema = z
  .enum(["precise", "double", "string"])
  .default("precise")
  .describe(
    "decimal.handling.mode: `precise` (Debezium default) encodes DECIMAL/NUMERIC as java.math.BigDecimal bytes (base64 in JSON, scale in the schema); `string` as exact decimal text, readable by any consumer; `double` loses precision.",
  );

const extendedHeadersSchema = z
  .boolean()
  .default(false)
  .describe(
    "extended.headers.enabled: Debezium 3 adds four `__debezium.context.*` headers (connector name, task, ...) to every record, for OpenLineage; nothing in this package reads them. Default here false (Debezium: true): measured, 6% fewer bytes per change in Kafka and 9-14% less sink-app CPU per change (docs/benchmarks.md). true brings them back.",
  );

const topicPrefixSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' or '-'")
  .optional()
  .describe("topic.prefix: first part of every change topic name (`<prefix>.<schema>.<table>`). Default: the source name. Must be unique per Kafka cluster.");

const tasksMaxOne = z.literal(1).default(1).describe("tasks.max: this connector always runs exactly one task, so only 1 is accepted.");

const signalDataCollectionSchema = z
  .string()
  .min(1)
  .optional()
  .describe(
    "signal.data.collection: fully qualified signaling table used to trigger ad-hoc (incremental) snapshots, e.g. `public.debezium_signal` (PostgreSQL), `meterdb.debezium_signal` (MySQL), `MeterSource.dbo.debezium_signal` (SQL Server), `FREEPDB1.METERS.DEBEZIUM_SIGNAL` (Oracle). Unset: no signaling table.",
  );

function heartbeatIntervalSchema(dflt: number, why: string) {
  return z
    .number()
    .int()
    .min(0)
    .default(dflt)
    .describe(`heartbeat.interval.ms: how often the connector emits a heartbeat and commits its position, in ms; 0 disables. ${why}`);
}

const schemaHistorySchema = z
  .object({
    topic: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, "a Kafka topic name")
      .optional()
      .describe(
        "schema.history.internal.kafka.topic: topic holding the captured tables' DDL history. Default `schema-history.<source name>`. Debezium creates it on first start with one partition and infinite retention (retention.ms=Long.MAX_VALUE, retention.bytes=-1); never create it yourself with a finite retention, or the connector cannot restart after the DDL ages out.",
      ),
    bootstrapServers: z
      .string()
      .min(1)
      .default("kafka:9092")
      .describe(
        "schema.history.internal.kafka.bootstrap.servers: the Kafka cluster for the history topic, as seen from Kafka Connect. Default `kafka:9092` (the embedded broker).",
      ),
    storeOnlyCapturedTablesDdl: z
      .boolean()
      .default(false)
      .describe(
        "schema.history.internal.store.only.captured.tables.ddl: record DDL of captured tables only (smaller history, faster restarts on big schemas) instead of all tables. Debezium default false.",
      ),
  })
  .strict()
  .prefault({})
  .describe("Where Debezium keeps the schema history it needs to decode the log after a restart.");

const topicCreationSchema = z
  .object({
    replicationFactor: z
      .number()
      .int()
      .refine((n) => n === -1 || n >= 1, "-1 (broker default) or at least 1")
      .default(-1)
      .describe("topic.creation.default.replication.factor: replication factor of change topics Kafka Connect creates; -1 uses the broker default."),
    partitions: z
      .number()
      .int()
      .refine((n) => n === -1 || n >= 1, "-1 (broker default) or at least 1")
      .default(-1)
      .describe("topic.creation.default.partitions: partitions of change topics Kafka Connect creates; -1 uses the broker default."),
  })
  .strict()
  .prefault({})
  .describe(
    "Lets Kafka Connect create the change topics itself (worker topic.creation.enable=true, the default), so capture works on clusters where broker auto-creation is off.",
  );

/** Fields every Debezium source connector has. */
/**
 * poll.interval.ms, with the default that suits the connector kind: how long Debezium waits when
 * the source had nothing new before it looks again. Debezium's own default, 500 ms, adds up to
 * half a second to a change made while the source was quiet.
 */
function pollIntervalSchema(defaultMs: number, why: string) {
  return z
    .number()
    .int()
    .min(1)
    .max(60_000)
    .default(defaultMs)
    .describe(`poll.interval.ms: how long the connector waits before looking again when the source had nothing new. ${why}`);
}

/** The 100 ms default of the kinds whose wait was not measured otherwise (MySQL, SQL Server, Oracle). */
const POLL_INTERVAL_100 = pollIntervalSchema(
  100,
  "Debezium's default 500 adds up to half a second to every quiet-time change; 100 costs next to nothing. For SQL Server it is also the pause between queries of the CDC tables.",
);

function commonSourceShape(pollIntervalMs = POLL_INTERVAL_100) {
  return {
    name: sourceNameSchema,
    enabled: enabledSchema,
    state: connectorStateSchema,
    autoRestart: autoRestartSchema,
    description: z.string().optional().describe("Free text for people reading the file; not rendered."),
    topicPrefix: topicPrefixSchema,
    signalDataCollection: signalDataCollectionSchema,
    decimalHandlingMode: decimalHandlingModeSchema,
    pollIntervalMs,
    extendedHeaders: extendedHeadersSchema,
    converters: z.array(converterSchema).default([]).describe("converters: Debezium custom converters, applied in order."),
    transforms: z.array(transformSchema).default([]).describe("transforms: SMTs applied to every change event, in order."),
    predicates: z.array(predicateSchema).default([]).describe("predicates: predicates the transforms refer to."),
    errors: errorsSchema.prefault({}),
    topicCreation: topicCreationSchema,
    passthrough: passthroughSchema,
  };
}

// Defaults that depend on other fields are resolved by the schemas too (a transform after the
// object parses), so a parsed config carries the final value of every rendered field.

/** Default topic.prefix: the source name. */
function withTopicPrefix<C extends { name: string; topicPrefix?: string | undefined }>(c: C): C & { topicPrefix: string } {
  return { ...c, topicPrefix: c.topicPrefix ?? c.name };
}

/** Default schema history topic: `schema-history.<source name>`. */
function withHistoryTopic<C extends { name: string; schemaHistory: { topic?: string | undefined } }>(
  c: C,
): C & { schemaHistory: C["schemaHistory"] & { topic: string } } {
  return { ...c, schemaHistory: { ...c.schemaHistory, topic: c.schemaHistory.topic ?? `schema-history.${c.name}` } };
}

/** A stable database.server.id per source name (FNV-1a), in 1000000..1999999, clear of usual small replica ids. */
export function defaultMysqlServerId(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(name, "utf8")) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 1_000_000 + (h % 1_000_000);
}

// ---------------------------------------------------------------- keys every source renders

type AnySource = PostgresSourceConfig | MysqlSourceConfig | MssqlSourceConfig | OracleSourceConfig;

/** The connector class a source runs as (MySQL's depends on its flavor). */
export function sourceConnectorClass(c: AnySource): string {
  switch (c.kind) {
    case "postgres":
      return POSTGRES_CONNECTOR_CLASS;
    case "mysql":
      return c.flavor === "mariadb" ? MARIADB_CONNECTOR_CLASS : MYSQL_CONNECTOR_CLASS;
    case "mssql":
      return SQLSERVER_CONNECTOR_CLASS;
    case "oracle":
      return ORACLE_CONNECTOR_CLASS;
  }
}

/** Keys of commonSourceShape rendered first, in this order. */
const COMMON_HEAD = {
  "connector.class": { field: "kind", render: (_kind, c) => sourceConnectorClass(c) },
  name: "name",
  "tasks.max": "tasksMax",
  "topic.prefix": "topicPrefix",
  "database.hostname": "connection.host",
  "database.port": "connection.port",
  "database.user": "connection.user",
  "database.password": { field: "connection.password", render: (ref) => renderSecretRef(ref) },
  "table.include.list": { field: "tables", render: (tables) => tables.join(",") },
  "snapshot.mode": "snapshotMode",
  "heartbeat.interval.ms": "heartbeatIntervalMs",
  "signal.data.collection": "signalDataCollection",
  "decimal.handling.mode": "decimalHandlingMode",
  "poll.interval.ms": "pollIntervalMs",
  "extended.headers.enabled": "extendedHeaders",
  "time.precision.mode": "timePrecisionMode",
  "topic.creation.default.replication.factor": "topicCreation.replicationFactor",
  "topic.creation.default.partitions": "topicCreation.partitions",
} as const satisfies Record<string, KeySpec<AnySource>>;

/** Keys of commonSourceShape rendered after the kind's own, in this order. */
const COMMON_TAIL = {
  converters: {
    fields: ["converters"],
    render: (c: AnySource) => {
      const out: Record<string, string> = {};
      if (c.converters.length === 0) return out;
      out.converters = c.converters.map((conv) => conv.name).join(",");
      for (const conv of c.converters) {
        out[`${conv.name}.type`] = conv.type;
        for (const [k, v] of Object.entries(conv.config)) out[`${conv.name}.${k}`] = v;
      }
      return out;
    },
  },
  transforms: { fields: ["transforms"], prefix: "transforms.", render: (c: AnySource) => transformKeys(c.transforms) },
  predicates: { fields: ["predicates"], prefix: "predicates.", render: (c: AnySource) => predicateKeys(c.predicates) },
  "errors.tolerance": "errors.tolerance",
  "errors.log.enable": "errors.logEnable",
  "errors.log.include.messages": "errors.logIncludeMessages",
  "(passthrough)": { fields: ["passthrough"], free: true, render: (c: AnySource) => c.passthrough },
  [OWNER_KEY]: { fields: [], render: (_c: AnySource, ctx: KeyRenderContext) => ({ [OWNER_KEY]: ctx.owner }) },
} as const satisfies Record<string, KeySpec<AnySource>>;

const HISTORY_KEYS = {
  "schema.history.internal.kafka.topic": "schemaHistory.topic",
  "schema.history.internal.kafka.bootstrap.servers": "schemaHistory.bootstrapServers",
  "schema.history.internal.store.only.captured.tables.ddl": "schemaHistory.storeOnlyCapturedTablesDdl",
} as const satisfies Record<string, KeySpec<MysqlSourceConfig | MssqlSourceConfig | OracleSourceConfig>>;

const COMMON_UNRENDERED = {
  enabled: "decides whether the connector is deployed at all",
  state: "the registrar holds the connector in this state",
  autoRestart: "read by the sink-app's connector supervisor",
  description: "free text for readers",
} as const;

const SOURCE_RESERVED = {
  // Alternate spellings a passthrough might use to sneak past a typed field.
  keys: { "table.whitelist": "tables", "table.exclude.list": "tables", topics: "(not valid on a source connector)" },
  prefixes: { "schema.history.internal.kafka.": "schemaHistory" },
} as const;

// ---------------------------------------------------------------- PostgreSQL

export const POSTGRES_CONNECTOR_CLASS = "io.debezium.connector.postgresql.PostgresConnector";

export const postgresSourceSchema = z
  .object({
    kind: z
      .literal("postgres")
      .describe("Connector type: Debezium PostgreSQL connector (io.debezium.connector.postgresql.PostgresConnector), logical decoding with pgoutput."),
    ...commonSourceShape(
      pollIntervalSchema(
        25,
        "PostgreSQL: after five empty reads of the replication stream the connector sleeps this long, so it is what a change made on a quiet database waits before Debezium sees it. Measured (docs/benchmarks.md): source-to-Kafka latency p50 136 ms at 100 and 19 ms at 10 (1,000 changes/s); Connect worker CPU while idle 3.2% of a core at 100, 4.5% at 50, 7.4% at 25, 13-14% at 10. 25 halves the wait for a few % of a core.",
      ),
    ),
    tasksMax: tasksMaxOne,
    connection: z
      .object({
        host: hostSchema,
        port: portSchema(5432),
        user: userSchema.describe("database.user: a role with LOGIN and REPLICATION, and SELECT on the captured tables."),
        password: passwordSchema,
        database: z.string().min(1).describe("database.dbname: the database that holds the captured tables (one connector per database)."),
        sslMode: z
          .enum(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"])
          .optional()
          .describe("database.sslmode: TLS to the server. Unset: Debezium default (prefer)."),
      })
      .strict()
      .describe("How Debezium reaches the PostgreSQL server."),
    tables: z
      .array(tableNameSchema(2, "public.meters"))
      .min(1)
      .describe("table.include.list: the captured tables as `schema.table`; change topic of each is `<topicPrefix>.<schema>.<table>`."),
    snapshotMode: snapshotModeSchema([...snapshotModeBase]),
    timePrecisionMode: z
      .enum(["adaptive", "adaptive_time_microseconds", "connect"])
      .optional()
      .describe("time.precision.mode: how date/time columns are encoded. Unset: Debezium default (adaptive). timestamptz is always an ISO-8601 string."),
    pluginName: z
      .literal("pgoutput")
      .default("pgoutput")
      .describe("plugin.name: the logical decoding plugin; pgoutput ships with PostgreSQL 10+, so nothing is installed on the server."),
    slotName: z
      .string()
      .regex(/^[a-z0-9_]{1,63}$/, "lowercase letters, digits and '_' (at most 63), as PostgreSQL requires for slot names")
      .default("debezium")
      .describe("slot.name: the replication slot this connector reads from. Debezium default `debezium`; give each connector on the same server its own."),
    publicationName: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "a PostgreSQL identifier")
      .default("dbz_publication")
      .describe("publication.name: the pgoutput publication. Debezium default `dbz_publication`."),
    publicationAutocreateMode: z
      .enum(["all_tables", "disabled", "filtered", "no_tables"])
      .default("all_tables")
      .describe(
        "publication.autocreate.mode: `all_tables` (Debezium default) creates the publication FOR ALL TABLES if missing (needs superuser) and uses an existing one as is; `filtered` creates/aligns it to `tables` (needs table ownership); `disabled` requires it to exist.",
      ),
    heartbeatIntervalMs: heartbeatIntervalSchema(
      10_000,
      "Default here 10000 (Debezium: 0): on a quiet database the slot's confirmed position otherwise never advances, and PostgreSQL keeps WAL for it without bound.",
    ),
    heartbeatActionQuery: z
      .string()
      .min(1)
      .optional()
      .describe(
        "heartbeat.action.query: SQL run on the source at each heartbeat, e.g. an UPDATE of a one-row heartbeat table. Needed when the captured tables are quiet but other databases on the server write WAL; the write makes the slot advance.",
      ),
    skippedOperations: z
      .array(z.enum(["c", "u", "d", "t"]))
      .optional()
      .describe(
        "skipped.operations: change types the connector does not emit (c create, u update, d delete, t truncate); [] renders `none`. Unset: Debezium default `t`, so a TRUNCATE never reaches the sink. The shipped config sets [] because Meter Master applies a source truncate (rows of that source older than the truncate are marked deleted, or removed with hard deletes).",
      ),
    dropSlotOnRemove: z
      .boolean()
      .default(true)
      .describe(
        "When the package removes this connector and the database is external, drop its replication slot and publication (a forgotten slot makes the server keep WAL forever). false keeps both.",
      ),
  })
  .strict()
  .describe("A Debezium PostgreSQL source connector.")
  .transform(withTopicPrefix);

export type PostgresSourceConfig = z.output<typeof postgresSourceSchema>;

export const POSTGRES_KEYS = declareKeys<PostgresSourceConfig>()({
  keys: {
    ...COMMON_HEAD,
    "database.dbname": "connection.database",
    "database.sslmode": "connection.sslMode",
    "plugin.name": "pluginName",
    "slot.name": "slotName",
    "publication.name": "publicationName",
    "publication.autocreate.mode": "publicationAutocreateMode",
    "heartbeat.action.query": "heartbeatActionQuery",
    "skipped.operations": { field: "skippedOperations", render: (ops) => ops && (ops.length ? ops.join(",") : "none") },
    ...COMMON_TAIL,
    // Only external databases outlive the connector; embedded ones go with the stack.
    [PG_DROP_SLOT_KEY]: { field: "dropSlotOnRemove", render: (drop, _c, ctx) => (ctx.external && drop ? "true" : undefined) },
  },
  unrendered: COMMON_UNRENDERED,
  reserved: SOURCE_RESERVED,
});

export const POSTGRES_KEY_TABLE: KeyTable = keyTableOf(POSTGRES_KEYS);

// ---------------------------------------------------------------- MySQL / MariaDB

export const MYSQL_CONNECTOR_CLASS = "io.debezium.connector.mysql.MySqlConnector";
export const MARIADB_CONNECTOR_CLASS = "io.debezium.connector.mariadb.MariaDbConnector";

export const mysqlSourceSchema = z
  .object({
    kind: z.literal("mysql").describe("Connector type: Debezium binlog connector for MySQL or MariaDB (see `flavor`)."),
    flavor: z
      .enum(["mysql", "mariadb"])
      .default("mysql")
      .describe(
        "Which Debezium connector reads the binlog: `mysql` = io.debezium.connector.mysql.MySqlConnector, `mariadb` = io.debezium.connector.mariadb.MariaDbConnector (required for MariaDB servers since Debezium 3).",
      ),
    ...commonSourceShape(),
    tasksMax: tasksMaxOne,
    connection: z
      .object({
        host: hostSchema,
        port: portSchema(3306),
        user: userSchema.describe("database.user: a login with SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE and REPLICATION CLIENT."),
        password: passwordSchema,
        serverId: z
          .number()
          .int()
          .min(1)
          .max(4_294_967_295)
          .optional()
          .describe(
            "database.server.id: the replica id Debezium uses on the binlog; must differ from every server and replica id in the topology. Default: a stable number in 1000000..1999999 derived from the source name.",
          ),
      })
      .strict()
      .describe("How Debezium reaches the MySQL/MariaDB server."),
    tables: z
      .array(tableNameSchema(2, "meterdb.meter_registry"))
      .min(1)
      .describe(
        "table.include.list: the captured tables as `database.table`; database.include.list is derived from them. Change topic of each is `<topicPrefix>.<database>.<table>`.",
      ),
    snapshotMode: snapshotModeSchema([...snapshotModeBase, "recovery", "never"]),
    timePrecisionMode: z
      .enum(["adaptive_time_microseconds", "connect"])
      .optional()
      .describe("time.precision.mode: how date/time columns are encoded. Unset: Debezium default (adaptive_time_microseconds)."),
    heartbeatIntervalMs: heartbeatIntervalSchema(
      0,
      "Debezium default 0; a heartbeat keeps the stored binlog position fresh when the captured tables are quiet but the server is busy.",
    ),
    heartbeatActionQuery: z.string().min(1).optional().describe("heartbeat.action.query: SQL run on the source at each heartbeat."),
    schemaHistory: schemaHistorySchema,
  })
  .strict()
  .describe("A Debezium MySQL or MariaDB source connector.")
  .transform((c) => {
    const resolved = withHistoryTopic(withTopicPrefix(c));
    return { ...resolved, connection: { ...c.connection, serverId: c.connection.serverId ?? defaultMysqlServerId(c.name) } };
  });

export type MysqlSourceConfig = z.output<typeof mysqlSourceSchema>;

export const MYSQL_KEYS = declareKeys<MysqlSourceConfig>()({
  keys: {
    ...COMMON_HEAD,
    "database.server.id": "connection.serverId",
    // Limiting the databases keeps other databases' DDL out of the schema history.
    "database.include.list": { field: "tables", render: (tables) => [...new Set(tables.map((t) => t.split(".")[0]))].join(",") },
    "heartbeat.action.query": "heartbeatActionQuery",
    ...HISTORY_KEYS,
    ...COMMON_TAIL,
  },
  unrendered: { ...COMMON_UNRENDERED, flavor: "selects connector.class (MySqlConnector or MariaDbConnector)" },
  reserved: SOURCE_RESERVED,
});

export const MYSQL_KEY_TABLE: KeyTable = keyTableOf(MYSQL_KEYS);

// ---------------------------------------------------------------- SQL Server

export const SQLSERVER_CONNECTOR_CLASS = "io.debezium.connector.sqlserver.SqlServerConnector";

export const mssqlSourceSchema = z
  .object({
    kind: z
      .literal("mssql")
      .describe("Connector type: Debezium SQL Server connector (io.debezium.connector.sqlserver.SqlServerConnector), reading SQL Server CDC tables."),
    ...commonSourceShape(),
    tasksMax: z.number().int().min(1).default(1).describe("tasks.max: with several databases, up to one task per database. Default 1."),
    connection: z
      .object({
        host: hostSchema,
        port: portSchema(1433),
        user: userSchema.describe("database.user: a login with db_datareader (or SELECT on the captured and CDC tables) and VIEW SERVER STATE."),
        password: passwordSchema,
        databases: z
          .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_$#@]*$/, "a SQL Server database name"))
          .min(1)
          .describe("database.names: the databases to capture from (CDC enabled in each)."),
        encrypt: z.boolean().optional().describe("database.encrypt: TLS to the server. Unset: the JDBC driver default (true, encrypted)."),
        trustServerCertificate: z
          .boolean()
          .optional()
          .describe(
            "database.trustServerCertificate (passed to the JDBC driver): accept the server's certificate without checking it — needed for self-signed certificates such as the embedded demo server's. Unset: false.",
          ),
      })
      .strict()
      .describe("How Debezium reaches SQL Server."),
    tables: z
      .array(tableNameSchema(2, "dbo.Meters"))
      .min(1)
      .describe("table.include.list: the captured tables as `schema.table`; change topic of each is `<topicPrefix>.<database>.<schema>.<table>`."),
    snapshotMode: snapshotModeSchema([...snapshotModeBase, "recovery"]),
    timePrecisionMode: z
      .enum(["adaptive", "connect"])
      .optional()
      .describe("time.precision.mode: how date/time columns are encoded. Unset: Debezium default (adaptive)."),
    heartbeatIntervalMs: heartbeatIntervalSchema(0, "Debezium default 0."),
    schemaHistory: schemaHistorySchema,
  })
  .strict()
  .describe("A Debezium SQL Server source connector.")
  .transform((c) => withHistoryTopic(withTopicPrefix(c)));

export type MssqlSourceConfig = z.output<typeof mssqlSourceSchema>;

export const SQLSERVER_KEYS = declareKeys<MssqlSourceConfig>()({
  keys: {
    ...COMMON_HEAD,
    "database.names": { field: "connection.databases", render: (dbs) => dbs.join(",") },
    "database.encrypt": "connection.encrypt",
    "database.trustServerCertificate": "connection.trustServerCertificate",
    ...HISTORY_KEYS,
    ...COMMON_TAIL,
  },
  unrendered: COMMON_UNRENDERED,
  reserved: SOURCE_RESERVED,
});

export const SQLSERVER_KEY_TABLE: KeyTable = keyTableOf(SQLSERVER_KEYS);

// ---------------------------------------------------------------- Oracle

export const ORACLE_CONNECTOR_CLASS = "io.debezium.connector.oracle.OracleConnector";

export const oracleSourceSchema = z
  .object({
    kind: z.literal("oracle").describe("Connector type: Debezium Oracle connector (io.debezium.connector.oracle.OracleConnector) with the LogMiner adapter."),
    ...commonSourceShape(),
    tasksMax: tasksMaxOne,
    connection: z
      .object({
        host: hostSchema,
        port: portSchema(1521),
        user: userSchema.describe("database.user: the LogMiner user (a common user such as c##dbzuser in a CDB)."),
        password: passwordSchema,
        database: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_$#]*$/, "an Oracle database (SID/CDB) name")
          .describe("database.dbname: the database name; with a multitenant database, the CDB name (e.g. FREE)."),
        pdb: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_$#]*$/, "a pluggable database name")
          .optional()
          .describe("database.pdb.name: the pluggable database holding the tables (e.g. FREEPDB1). Unset for a non-CDB database."),
      })
      .strict()
      .describe("How Debezium reaches Oracle."),
    adapter: z
      .literal("logminer")
      .default("logminer")
      .describe("database.connection.adapter: this package uses Oracle LogMiner (needs no extra licence), which is Debezium's default adapter."),
    logMiningStrategy: z
      .enum(["online_catalog", "redo_log_catalog", "hybrid"])
      .optional()
      .describe(
        "log.mining.strategy: where LogMiner takes the data dictionary from. `online_catalog` is fastest but cannot follow DDL on captured tables; `redo_log_catalog` follows DDL but writes the dictionary to the redo logs at every log switch; `hybrid` combines both. Unset: Debezium default.",
      ),
    tables: z
      .array(tableNameSchema(2, "METERS.METER_ASSETS"))
      .min(1)
      .describe(
        "table.include.list: the captured tables as `SCHEMA.TABLE` (Oracle stores unquoted names in upper case); change topic of each is `<topicPrefix>.<SCHEMA>.<TABLE>`.",
      ),
    snapshotMode: snapshotModeSchema([...snapshotModeBase, "recovery"]),
    timePrecisionMode: z
      .enum(["adaptive", "adaptive_time_microseconds", "connect"])
      .optional()
      .describe("time.precision.mode: how date/time columns are encoded. Unset: Debezium default (adaptive)."),
    heartbeatIntervalMs: heartbeatIntervalSchema(0, "Debezium default 0."),
    schemaHistory: schemaHistorySchema,
  })
  .strict()
  .describe("A Debezium Oracle (LogMiner) source connector.")
  .transform((c) => withHistoryTopic(withTopicPrefix(c)));

export type OracleSourceConfig = z.output<typeof oracleSourceSchema>;

export const ORACLE_KEYS = declareKeys<OracleSourceConfig>()({
  keys: {
    ...COMMON_HEAD,
    "database.dbname": "connection.database",
    "database.pdb.name": "connection.pdb",
    "database.connection.adapter": "adapter",
    "log.mining.strategy": "logMiningStrategy",
    ...HISTORY_KEYS,
    ...COMMON_TAIL,
  },
  unrendered: COMMON_UNRENDERED,
  reserved: SOURCE_RESERVED,
});

export const ORACLE_KEY_TABLE: KeyTable = keyTableOf(ORACLE_KEYS);

// ---------------------------------------------------------------- the union

const KEY_TABLES = {
  postgres: POSTGRES_KEY_TABLE,
  mysql: MYSQL_KEY_TABLE,
  mssql: SQLSERVER_KEY_TABLE,
  oracle: ORACLE_KEY_TABLE,
} as const;

export const sourceConnectorSchema = z
  .discriminatedUnion("kind", [mssqlSourceSchema, oracleSourceSchema, mysqlSourceSchema, postgresSourceSchema], {
    error: 'a `kind` of "mssql", "oracle", "mysql" or "postgres"',
  })
  .superRefine((cfg, ctx) => {
    const table = KEY_TABLES[cfg.kind];
    refineCommon(cfg, ctx, table);
    // A converter's options render as `<name>.*` top-level keys; they must not land on typed keys.
    const firstSegments = new Set(Object.keys(table.keys).map((k) => k.split(".")[0]));
    const seen = new Set<string>();
    cfg.converters.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: "custom", path: ["converters", i, "name"], input: c.name, message: "a converter name not used twice" });
      seen.add(c.name);
      if (firstSegments.has(c.name) || c.name === "meter-master") {
        ctx.addIssue({
          code: "custom",
          path: ["converters", i, "name"],
          input: c.name,
          message: `a converter name that is not the first part of a connector key (\`${c.name}.type\` would collide with \`${c.name}.*\` options)`,
        });
      }
      if ("type" in c.config) {
        ctx.addIssue({
          code: "custom",
          path: ["converters", i, "config", "type"],
          input: c.config.type,
          message: "`type` as the converter's own field, not inside `config`",
        });
      }
    });
    for (const key of Object.keys(cfg.passthrough)) {
      const owner = cfg.converters.find((c) => key === `${c.name}.type` || key.startsWith(`${c.name}.`));
      if (owner) {
        ctx.addIssue({
          code: "custom",
          path: ["passthrough", key],
          input: cfg.passthrough[key],
          message: `a key outside converter \`${owner.name}\`'s options; set it in converters[].config`,
        });
      }
    }
    if (cfg.kind === "mysql" || cfg.kind === "postgres") {
      if (cfg.heartbeatActionQuery !== undefined && cfg.heartbeatIntervalMs === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["heartbeatActionQuery"],
          input: cfg.heartbeatActionQuery,
          message: "heartbeatIntervalMs > 0 together with heartbeatActionQuery (with 0 there are no heartbeats, so the query never runs)",
        });
      }
    }
    if (cfg.kind === "mysql") {
      const dbs = new Set(cfg.tables.map((t) => t.split(".")[0]));
      if (cfg.signalDataCollection !== undefined && !dbs.has(cfg.signalDataCollection.split(".")[0])) {
        ctx.addIssue({
          code: "custom",
          path: ["signalDataCollection"],
          input: cfg.signalDataCollection,
          message: `a table in one of the captured databases (${[...dbs].join(", ")}): the derived database.include.list would hide the signal table otherwise`,
        });
      }
    }
    if (cfg.kind === "mssql" && cfg.tasksMax > cfg.connection.databases.length) {
      ctx.addIssue({
        code: "custom",
        path: ["tasksMax"],
        input: cfg.tasksMax,
        message: `at most one task per database (${cfg.connection.databases.length} database(s) configured)`,
      });
    }
    if (cfg.kind === "mssql" && cfg.connection.encrypt === false && cfg.connection.trustServerCertificate !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["connection", "trustServerCertificate"],
        input: cfg.connection.trustServerCertificate,
        message: "unset when `encrypt` is false (there is no certificate to trust without encryption)",
      });
    }
  });

export type SourceConnectorInput = z.input<typeof sourceConnectorSchema>;
export type SourceConnectorConfig = z.output<typeof sourceConnectorSchema>;
export type SourceKind = SourceConnectorConfig["kind"];

export function sourceKeyTable(kind: SourceKind): KeyTable {
  return KEY_TABLES[kind];
}

/** The declaration that renders a source of this kind. */
export function sourceKeys<K extends SourceKind>(kind: K): KeyDeclaration<Extract<SourceConnectorConfig, { kind: K }>> {
  const all = { postgres: POSTGRES_KEYS, mysql: MYSQL_KEYS, mssql: SQLSERVER_KEYS, oracle: ORACLE_KEYS };
  return all[kind] as unknown as KeyDeclaration<Extract<SourceConnectorConfig, { kind: K }>>;
}
