// Pure rendering of validated connector configs into the flat string map
// Kafka Connect takes, plus the change topics each source produces.
import { renderErrors, renderTransforms } from "./schemas/common.js";
import {
  MARIADB_CONNECTOR_CLASS,
  MYSQL_CONNECTOR_CLASS,
  MYSQL_KEYS,
  ORACLE_CONNECTOR_CLASS,
  ORACLE_KEYS,
  POSTGRES_CONNECTOR_CLASS,
  POSTGRES_KEYS,
  SQLSERVER_CONNECTOR_CLASS,
  SQLSERVER_KEYS,
  type MssqlSourceConfig,
  type MysqlSourceConfig,
  type OracleSourceConfig,
  type PostgresSourceConfig,
  type SourceConnectorConfig,
} from "./schemas/debezium.js";
import {
  HTTP_SINK_CONNECTOR_CLASS,
  HTTP_SINK_KEYS,
  TOMBSTONE_PREDICATE,
  TOMBSTONE_TRANSFORM,
  type HttpSinkConfig,
} from "./schemas/http-sink.js";
import { renderSecretRef } from "./schemas/secret.js";
import {
  DEFAULT_OWNER,
  OWNER_KEY,
  PG_DROP_SLOT_KEY,
  type DesiredConnectors,
  type RenderedConnector,
} from "../sink-app/src/connect/desired.js";

export { DEFAULT_OWNER, OWNER_KEY, PG_DROP_SLOT_KEY, type DesiredConnectors, type RenderedConnector };

export type ConnectorConfig = SourceConnectorConfig | HttpSinkConfig;

export interface RenderContext {
  /** Owner id written into `meter-master.managed-by`. Default `meter-master-cdc`. */
  owner?: string;
  /** The source database is the user's own (not an embedded container): enables slot cleanup on removal for PostgreSQL. */
  external?: boolean;
}

type Scalar = string | number | boolean | undefined;

/** Writes `value` under the Kafka Connect key that `table` maps `field` to; undefined writes nothing. */
function putter<T extends Record<string, string>>(out: Record<string, string>, table: T) {
  return (field: keyof T, value: Scalar): void => {
    if (value !== undefined) out[table[field]!] = String(value);
  };
}

export function topicPrefixOf(cfg: SourceConnectorConfig): string {
  return cfg.topicPrefix ?? cfg.name;
}

export function schemaHistoryTopicOf(cfg: MssqlSourceConfig | OracleSourceConfig | MysqlSourceConfig): string {
  return cfg.schemaHistory.topic ?? `schema-history.${cfg.name}`;
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

export function connectorClassOf(cfg: ConnectorConfig): string {
  switch (cfg.kind) {
    case "postgres":
      return POSTGRES_CONNECTOR_CLASS;
    case "mysql":
      return cfg.flavor === "mariadb" ? MARIADB_CONNECTOR_CLASS : MYSQL_CONNECTOR_CLASS;
    case "mssql":
      return SQLSERVER_CONNECTOR_CLASS;
    case "oracle":
      return ORACLE_CONNECTOR_CLASS;
    case "http-sink":
      return HTTP_SINK_CONNECTOR_CLASS;
  }
}

type Put = (field: string, value: Scalar) => void;

function renderSourceCommon(p: Put, cfg: SourceConnectorConfig): void {
  p("kind", connectorClassOf(cfg));
  p("name", cfg.name);
  p("tasksMax", cfg.tasksMax);
  p("topicPrefix", topicPrefixOf(cfg));
  p("connection.host", cfg.connection.host);
  p("connection.port", cfg.connection.port);
  p("connection.user", cfg.connection.user);
  p("connection.password", renderSecretRef(cfg.connection.password));
  p("tables", cfg.tables.join(","));
  p("snapshotMode", cfg.snapshotMode);
  p("heartbeatIntervalMs", cfg.heartbeatIntervalMs);
  p("signalDataCollection", cfg.signalDataCollection);
  p("decimalHandlingMode", cfg.decimalHandlingMode);
  p("pollIntervalMs", cfg.pollIntervalMs);
  p("timePrecisionMode", cfg.timePrecisionMode);
  p("topicCreation.replicationFactor", cfg.topicCreation.replicationFactor);
  p("topicCreation.partitions", cfg.topicCreation.partitions);
}

function renderTail(out: Record<string, string>, cfg: SourceConnectorConfig, owner: string): void {
  if (cfg.converters.length > 0) {
    out["converters"] = cfg.converters.map((c) => c.name).join(",");
    for (const c of cfg.converters) {
      out[`${c.name}.type`] = c.type;
      for (const [k, v] of Object.entries(c.config)) out[`${c.name}.${k}`] = v;
    }
  }
  renderTransforms(out, cfg.transforms, cfg.predicates);
  renderErrors(out, cfg.errors);
  Object.assign(out, cfg.passthrough);
  out[OWNER_KEY] = owner;
}

function renderHistory(put: Put, cfg: MssqlSourceConfig | OracleSourceConfig | MysqlSourceConfig): void {
  put("schemaHistory.topic", schemaHistoryTopicOf(cfg));
  put("schemaHistory.bootstrapServers", cfg.schemaHistory.bootstrapServers);
  put("schemaHistory.storeOnlyCapturedTablesDdl", cfg.schemaHistory.storeOnlyCapturedTablesDdl);
}

function renderPostgres(cfg: PostgresSourceConfig, ctx: Required<RenderContext>): Record<string, string> {
  const out: Record<string, string> = {};
  const put = putter(out, POSTGRES_KEYS);
  renderSourceCommon(put as Put, cfg);
  put("connection.database", cfg.connection.database);
  put("connection.sslMode", cfg.connection.sslMode);
  put("pluginName", cfg.pluginName);
  put("slotName", cfg.slotName);
  put("publicationName", cfg.publicationName);
  put("publicationAutocreateMode", cfg.publicationAutocreateMode);
  put("heartbeatActionQuery", cfg.heartbeatActionQuery);
  put("skippedOperations", cfg.skippedOperations && (cfg.skippedOperations.length ? cfg.skippedOperations.join(",") : "none"));
  renderTail(out, cfg, ctx.owner);
  // Only external databases outlive the connector; embedded ones go with the stack.
  if (ctx.external && cfg.dropSlotOnRemove) out[PG_DROP_SLOT_KEY] = "true";
  return out;
}

function renderMysql(cfg: MysqlSourceConfig, ctx: Required<RenderContext>): Record<string, string> {
  const out: Record<string, string> = {};
  const put = putter(out, MYSQL_KEYS);
  renderSourceCommon(put as Put, cfg);
  put("connection.serverId", cfg.connection.serverId ?? defaultMysqlServerId(cfg.name));
  // Limiting the databases keeps other databases' DDL out of the schema history.
  put("tables (databases)", [...new Set(cfg.tables.map((t) => t.split(".")[0]))].join(","));
  put("heartbeatActionQuery", cfg.heartbeatActionQuery);
  renderHistory(put as Put, cfg);
  renderTail(out, cfg, ctx.owner);
  return out;
}

function renderMssql(cfg: MssqlSourceConfig, ctx: Required<RenderContext>): Record<string, string> {
  const out: Record<string, string> = {};
  const put = putter(out, SQLSERVER_KEYS);
  renderSourceCommon(put as Put, cfg);
  put("connection.databases", cfg.connection.databases.join(","));
  put("connection.encrypt", cfg.connection.encrypt);
  put("connection.trustServerCertificate", cfg.connection.trustServerCertificate);
  renderHistory(put as Put, cfg);
  renderTail(out, cfg, ctx.owner);
  return out;
}

function renderOracle(cfg: OracleSourceConfig, ctx: Required<RenderContext>): Record<string, string> {
  const out: Record<string, string> = {};
  const put = putter(out, ORACLE_KEYS);
  renderSourceCommon(put as Put, cfg);
  put("connection.database", cfg.connection.database);
  put("connection.pdb", cfg.connection.pdb);
  put("adapter", cfg.adapter);
  put("logMiningStrategy", cfg.logMiningStrategy);
  renderHistory(put as Put, cfg);
  renderTail(out, cfg, ctx.owner);
  return out;
}

const CONVERTER_CLASS = {
  string: "org.apache.kafka.connect.storage.StringConverter",
  json: "org.apache.kafka.connect.json.JsonConverter",
  bytes: "org.apache.kafka.connect.converters.ByteArrayConverter",
} as const;

/** The consumer group of an HTTP sink, as the previous version of this system named it. */
export function httpSinkGroupId(name: string): string {
  return `Group_${name}`;
}

function renderHttpSink(cfg: HttpSinkConfig, ctx: Required<RenderContext>): Record<string, string> {
  const out: Record<string, string> = {};
  const put = putter(out, HTTP_SINK_KEYS);
  put("kind", HTTP_SINK_CONNECTOR_CLASS);
  put("name", cfg.name);
  put("tasksMax", cfg.tasksMax);
  put("topics", cfg.topics.join(","));
  put("url", cfg.url);
  const auth = cfg.authorization;
  put("authorization.type", auth.type);
  if (auth.type === "static" && auth.header) put("authorization.header", renderSecretRef(auth.header));
  if (auth.type === "oauth2" && auth.oauth2) {
    const o = auth.oauth2;
    put("authorization.oauth2.accessTokenUrl", o.accessTokenUrl);
    put("authorization.oauth2.clientId", o.clientId);
    put("authorization.oauth2.clientSecret", o.clientSecret && renderSecretRef(o.clientSecret));
    put("authorization.oauth2.clientAuthorizationMode", o.clientAuthorizationMode);
    put("authorization.oauth2.clientScope", o.clientScope);
    put("authorization.oauth2.responseTokenProperty", o.responseTokenProperty);
  }
  put("contentType", cfg.contentType);
  const headers = Object.entries(cfg.additionalHeaders);
  if (headers.length > 0) put("additionalHeaders", headers.map(([k, v]) => `${k}:${v}`).join(","));
  put("batching.enabled", cfg.batching.enabled);
  if (cfg.batching.enabled) {
    put("batching.maxSize", cfg.batching.maxSize);
    put("batching.prefix", cfg.batching.prefix);
    put("batching.suffix", cfg.batching.suffix);
    put("batching.separator", cfg.batching.separator);
  }
  put("delivery.maxRetries", cfg.delivery.maxRetries);
  put("delivery.retryBackoffMs", cfg.delivery.retryBackoffMs);
  put("delivery.kafkaRetryBackoffMs", cfg.delivery.kafkaRetryBackoffMs);
  put("timeoutSeconds", cfg.timeoutSeconds);
  put("name_group", httpSinkGroupId(cfg.name));
  put("keyConverter", CONVERTER_CLASS[cfg.keyConverter]);
  if (cfg.keyConverter === "json") out["key.converter.schemas.enable"] = "false";
  put("valueConverter", CONVERTER_CLASS[cfg.valueConverter]);
  if (cfg.valueConverter === "json") out["value.converter.schemas.enable"] = "false";
  const transforms = cfg.dropTombstones
    ? [
        {
          name: TOMBSTONE_TRANSFORM,
          type: "org.apache.kafka.connect.transforms.Filter",
          predicate: TOMBSTONE_PREDICATE,
          negate: undefined,
          config: {},
        },
        ...cfg.transforms,
      ]
    : cfg.transforms;
  const predicates = cfg.dropTombstones
    ? [{ name: TOMBSTONE_PREDICATE, type: "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone", config: {} }, ...cfg.predicates]
    : cfg.predicates;
  renderTransforms(out, transforms, predicates);
  put("errors.tolerance", cfg.errors.tolerance);
  const dlq = cfg.errors.deadLetterQueue;
  if (dlq) {
    put("errors.deadLetterQueue.topic", dlq.topic);
    put("errors.deadLetterQueue.replicationFactor", dlq.replicationFactor);
    put("errors.deadLetterQueue.contextHeadersEnable", dlq.contextHeadersEnable);
  }
  put("errors.logEnable", cfg.errors.logEnable);
  put("errors.logIncludeMessages", cfg.errors.logIncludeMessages);
  Object.assign(out, cfg.passthrough);
  out[OWNER_KEY] = ctx.owner;
  return out;
}

/** The Kafka Connect form of one connector: its name and a flat config of strings. */
export function renderConnector(cfg: ConnectorConfig, context: RenderContext = {}): RenderedConnector {
  const ctx: Required<RenderContext> = { owner: context.owner ?? DEFAULT_OWNER, external: context.external ?? false };
  let config: Record<string, string>;
  switch (cfg.kind) {
    case "postgres":
      config = renderPostgres(cfg, ctx);
      break;
    case "mysql":
      config = renderMysql(cfg, ctx);
      break;
    case "mssql":
      config = renderMssql(cfg, ctx);
      break;
    case "oracle":
      config = renderOracle(cfg, ctx);
      break;
    case "http-sink":
      config = renderHttpSink(cfg, ctx);
      break;
  }
  return { name: cfg.name, config };
}

// Debezium replaces characters Kafka does not allow in topic names with '_'.
const sanitizeTopic = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");

/**
 * The change topics a source's tables produce under Debezium's default topic
 * naming (`<prefix>.<schema-or-db>.<table>`; SQL Server adds the database).
 * SMTs that reroute topics are not reflected.
 */
export function sourceTopics(cfg: SourceConnectorConfig): string[] {
  const prefix = topicPrefixOf(cfg);
  if (cfg.kind === "mssql") {
    return cfg.connection.databases.flatMap((db) => cfg.tables.map((t) => sanitizeTopic(`${prefix}.${db}.${t}`)));
  }
  return cfg.tables.map((t) => sanitizeTopic(`${prefix}.${t}`));
}

export interface RenderDeploymentOptions {
  owner?: string;
  /** Names of sources whose databases are external (the user's own servers). */
  externalSources?: ReadonlySet<string> | readonly string[];
}

/** Renders every enabled connector into the registrar's input (the REGISTRAR_CONNECTORS_FILE content). */
export function renderDesiredConnectors(
  configs: readonly ConnectorConfig[],
  options: RenderDeploymentOptions = {},
): DesiredConnectors {
  const owner = options.owner ?? DEFAULT_OWNER;
  const external = new Set(options.externalSources ?? []);
  return {
    owner,
    connectors: configs
      .filter((c) => c.enabled)
      .map((c) => ({
        ...renderConnector(c, { owner, external: c.kind !== "http-sink" && external.has(c.name) }),
        state: c.state,
        autoRestart: c.autoRestart,
      })),
  };
}
