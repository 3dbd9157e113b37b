// Rules that span config files. Pure: they read parsed configs and return issues in the one
// issue format, each naming the file the fix goes in (and the other file in the message).
import type { ConfigSet, Loaded, LoadedConnectorConfigs } from "./load.js";
import type { SourceConnectorConfig } from "./schemas/debezium.js";
import { BUILT_IN_SOURCES, type BuiltInSource, type Deployment } from "./schemas/deployment.js";
import { type ConfigIssue, displayValue } from "./schemas/errors.js";
import { SECRET_ENV_EXPECTED, SECRET_ENV_NAME } from "./schemas/secret.js";

/** Host name of each embedded database container on the stack's network (the construct's `host`). */
export const EMBEDDED_HOST: Readonly<Record<BuiltInSource, string>> = { mssql: "mssql", oracle: "oracle", mysql: "mysql", postgres: "postgres" };

export function isBuiltIn(name: string): name is BuiltInSource {
  return (BUILT_IN_SOURCES as readonly string[]).includes(name);
}

/** Among enabled connectors: names, topic prefixes, slots, history topics and server ids must not clash. */
export function connectorClashIssues(loaded: LoadedConnectorConfigs): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const all = [...loaded.sources, ...loaded.httpSinks].filter((l) => l.config.enabled);
  const firstBy = new Map<string, Loaded<unknown>>();
  const clash = (key: string, l: Loaded<unknown>, field: string, value: unknown, what: string) => {
    const prev = firstBy.get(key);
    if (prev) issues.push({ file: l.displayFile, path: field, value: displayValue(value), expected: `${what} not already used by ${prev.displayFile}` });
    else firstBy.set(key, l);
  };
  for (const l of all) clash(`name:${l.config.name}`, l, "name", l.config.name, "a connector name");
  for (const l of loaded.sources.filter((s) => s.config.enabled)) {
    const c = l.config;
    // The schema resolved the default prefix (the name); point at `name` when that is what it is.
    clash(
      `prefix:${c.topicPrefix}`,
      l,
      c.topicPrefix === c.name ? "name" : "topicPrefix",
      c.topicPrefix,
      "a topic prefix (the default prefix is the source name)",
    );
    if (c.kind === "postgres") {
      const where = `${c.connection.host}:${c.connection.port}/${c.connection.database}`;
      clash(`slot:${where}:${c.slotName}`, l, "slotName", c.slotName, `a replication slot name on ${where} (two connectors cannot share a slot)`);
    } else {
      clash(`history:${c.schemaHistory.topic}`, l, "schemaHistory.topic", c.schemaHistory.topic, "a schema history topic");
    }
    if (c.kind === "mysql") {
      const id = c.connection.serverId;
      const where = `${c.connection.host}:${c.connection.port}`;
      clash(`serverid:${where}:${id}`, l, "connection.serverId", id, `a database.server.id on ${where} (each binlog reader needs its own)`);
    }
  }
  return issues;
}

/** Whether a source is part of the pipeline: its connector is enabled and deployment.ts does not turn it off. */
export function inPipeline(s: SourceConnectorConfig, d: Deployment | undefined): boolean {
  return s.enabled && (!isBuiltIn(s.name) || d === undefined || d.sources[s.name].enabled);
}

/** deployment.ts against the connector files: an embedded source must point at its container, an external one must not. */
export function deploymentIssues(set: ConfigSet): ConfigIssue[] {
  const d = set.deployment;
  if (!d) return [];
  const issues: ConfigIssue[] = [];
  for (const s of set.sources) {
    const name = s.config.name;
    if (!isBuiltIn(name) || !inPipeline(s.config, d.config)) continue;
    const embedded = d.config.sources[name].database.mode === "embedded";
    const host = s.config.connection.host;
    if (embedded && host !== EMBEDDED_HOST[name]) {
      issues.push({
        file: s.displayFile,
        path: "connection.host",
        value: displayValue(host),
        expected: `"${EMBEDDED_HOST[name]}", the embedded container, because ${d.displayFile} runs ${name} embedded (set sources.${name}.database.mode to "external" to use your own server)`,
      });
    }
    if (!embedded && host === EMBEDDED_HOST[name]) {
      issues.push({
        file: s.displayFile,
        path: "connection.host",
        value: displayValue(host),
        expected: `your server's address: ${d.displayFile} marks ${name} external, so no "${host}" container exists`,
      });
    }
  }
  return issues;
}

/** The names a mapping's `table` may use for each captured table (as the sink-app matches events: case-insensitive). */
export function capturedTableNames(c: SourceConnectorConfig): string[] {
  const names = new Set<string>();
  const add = (...parts: string[]) => names.add(parts.join(".").toLowerCase());
  for (const t of c.tables) {
    add(t);
    add(t.split(".").at(-1)!);
    if (c.kind === "postgres") add(c.connection.database, t);
    if (c.kind === "mssql") for (const db of c.connection.databases) add(db, t);
    if (c.kind === "oracle") add(c.connection.pdb ?? c.connection.database, t);
  }
  return [...names];
}

/** meter-master.ts against the connectors: every mapped source exists and captures the mapped table; every consumed source is mapped. */
export function mappingIssues(set: ConfigSet): ConfigIssue[] {
  const m = set.mapping;
  if (!m) return [];
  const issues: ConfigIssue[] = [];
  const byName = new Map(set.sources.map((s) => [s.config.name, s]));
  const known = [...byName.keys()].join(", ") || "none";
  for (const [name, mapping] of Object.entries(m.config.sources)) {
    const source = byName.get(name);
    if (!source) {
      issues.push({
        file: m.displayFile,
        path: `sources.${name}`,
        value: displayValue(name),
        expected: `the name of a source connector (connector files declare: ${known})`,
      });
      continue;
    }
    const captured = capturedTableNames(source.config);
    if (!captured.includes(mapping.table.toLowerCase())) {
      issues.push({
        file: m.displayFile,
        path: `sources.${name}.table`,
        value: displayValue(mapping.table),
        expected: `a table that ${source.displayFile} captures (tables: ${source.config.tables.join(", ")}); events of any other table never reach this mapping`,
      });
    }
  }
  for (const s of set.sources) {
    if (!inPipeline(s.config, set.deployment?.config) || Object.hasOwn(m.config.sources, s.config.name)) continue;
    issues.push({
      file: m.displayFile,
      path: `sources.${s.config.name}`,
      value: "(missing)",
      expected: `a mapping for source "${s.config.name}": ${s.displayFile} is enabled, so the sink-app consumes it into Meter Master (or set enabled: false there)`,
    });
  }
  return issues;
}

/** api-endpoints.ts against the connectors: endpoints only for declared sources; secret env names the stack can pass. */
export function endpointIssues(set: ConfigSet): ConfigIssue[] {
  const e = set.endpoints;
  if (!e) return [];
  const issues: ConfigIssue[] = [];
  const names = new Set(set.sources.map((s) => s.config.name));
  for (const [name, endpoint] of Object.entries(e.config)) {
    if (!names.has(name)) {
      issues.push({
        file: e.displayFile,
        path: name,
        value: displayValue(name),
        expected: `the name of a source connector (connector files declare: ${[...names].join(", ") || "none"})`,
      });
    }
    // Each named variable becomes a sensitive Terraform variable of the sink-app container.
    const auth = endpoint.auth;
    const envFields: Array<[string, string]> =
      auth.type === "static" ? [["valueEnv", auth.valueEnv]] : auth.type === "oauth2" ? [["clientSecretEnv", auth.clientSecretEnv]] : [];
    for (const [field, value] of envFields) {
      if (!SECRET_ENV_NAME.test(value)) {
        issues.push({ file: e.displayFile, path: `${name}.auth.${field}`, value: displayValue(value, ["auth", field]), expected: SECRET_ENV_EXPECTED });
      }
    }
  }
  return issues;
}

/** Every rule across files whose files are present in the set. */
export function crossFileRules(set: ConfigSet): ConfigIssue[] {
  return [...connectorClashIssues(set), ...deploymentIssues(set), ...mappingIssues(set), ...endpointIssues(set)];
}
