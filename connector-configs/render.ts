// Pure rendering of parsed connector configs into the flat string map Kafka Connect takes, plus
// the change topics each source produces. Every default is already resolved by the schemas;
// which key each field renders is declared once, next to each schema (declareKeys).

import { DEFAULT_OWNER, type DesiredConnectors, OWNER_KEY, PG_DROP_SLOT_KEY, type RenderedConnector } from "../sink-app/src/connect/desired.js";
import { renderKeys } from "./schemas/common.js";
import { type SourceConnectorConfig, sourceConnectorClass, sourceKeys } from "./schemas/debezium.js";
import { HTTP_SINK_CONNECTOR_CLASS, HTTP_SINK_KEYS, type HttpSinkConfig, httpSinkGroupId } from "./schemas/http-sink.js";

export { defaultMysqlServerId } from "./schemas/debezium.js";
export { DEFAULT_OWNER, type DesiredConnectors, httpSinkGroupId, OWNER_KEY, PG_DROP_SLOT_KEY, type RenderedConnector };

export type ConnectorConfig = SourceConnectorConfig | HttpSinkConfig;

export interface RenderContext {
  /** Owner id written into `meter-master.managed-by`. Default `meter-master-cdc`. */
  owner?: string;
  /** The source database is the user's own (not an embedded container): enables slot cleanup on removal for PostgreSQL. */
  external?: boolean;
}

export function connectorClassOf(cfg: ConnectorConfig): string {
  return cfg.kind === "http-sink" ? HTTP_SINK_CONNECTOR_CLASS : sourceConnectorClass(cfg);
}

/** The Kafka Connect form of one connector: its name and a flat config of strings. */
export function renderConnector(cfg: ConnectorConfig, context: RenderContext = {}): RenderedConnector {
  const ctx: Required<RenderContext> = { owner: context.owner ?? DEFAULT_OWNER, external: context.external ?? false };
  const config = cfg.kind === "http-sink" ? renderKeys(HTTP_SINK_KEYS, cfg, ctx) : renderKeys(sourceKeys(cfg.kind), cfg, ctx);
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
  const prefix = cfg.topicPrefix;
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
export function renderDesiredConnectors(configs: readonly ConnectorConfig[], options: RenderDeploymentOptions = {}): DesiredConnectors {
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
