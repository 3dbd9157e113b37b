// Loads the connector config files users edit (connector-configs/sources/*.ts
// and connector-configs/http-sinks/*.ts), validates each against its schema,
// checks rules that span files, and reports ALL problems at once.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { configIssuesFromZod, ConfigValidationError, displayValue, type ConfigIssue } from "./schemas/errors.js";
import { sourceConnectorSchema, type SourceConnectorConfig } from "./schemas/debezium.js";
import { httpSinkSchema, type HttpSinkConfig } from "./schemas/http-sink.js";
import { defaultMysqlServerId, schemaHistoryTopicOf, topicPrefixOf } from "./render.js";

export const CONNECTOR_CONFIG_DIR = path.dirname(fileURLToPath(import.meta.url));
export const SOURCES_SUBDIR = "sources";
export const HTTP_SINKS_SUBDIR = "http-sinks";

export interface Loaded<T> {
  /** Absolute path of the file. */
  file: string;
  /** Path shown in messages (relative to the working directory). */
  displayFile: string;
  config: T;
}

export interface LoadedConnectorConfigs {
  sources: Loaded<SourceConnectorConfig>[];
  httpSinks: Loaded<HttpSinkConfig>[];
}

type FileKind = "source" | "http-sink";

const isConfigFile = (f: string) => /\.(ts|mts|js|mjs)$/.test(f) && !f.endsWith(".d.ts") && !f.startsWith("_") && !f.includes(".test.");

async function listConfigFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && isConfigFile(e.name)).map((e) => path.join(dir, e.name)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

function display(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

/** Which schema a file is checked against: by its folder, else by its `kind`. */
function fileKindOf(file: string, value: unknown): FileKind {
  const folder = path.basename(path.dirname(file));
  if (folder === HTTP_SINKS_SUBDIR) return "http-sink";
  if (folder === SOURCES_SUBDIR) return "source";
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === "http-sink" ? "http-sink" : "source";
}

type FileResult =
  | { ok: true; kind: "source"; loaded: Loaded<SourceConnectorConfig> }
  | { ok: true; kind: "http-sink"; loaded: Loaded<HttpSinkConfig> }
  | { ok: false; issues: ConfigIssue[] };

/** Imports one config file and validates its default export. Never throws for a bad file: returns its issues. */
export async function loadConnectorFile(file: string): Promise<FileResult> {
  const abs = path.resolve(file);
  const shown = display(abs);
  let value: unknown;
  try {
    const mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
    value = mod.default;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return { ok: false, issues: [{ file: shown, path: "(module)", value: "(could not be imported)", expected: `a module that loads without error: ${msg}` }] };
  }
  if (value === undefined) {
    return {
      ok: false,
      issues: [{ file: shown, path: "(default export)", value: "(missing)", expected: "`export default defineSourceConnector({...})` or `export default defineHttpSink({...})`" }],
    };
  }
  const kind = fileKindOf(abs, value);
  if (kind === "http-sink") {
    // In http-sinks/ the kind is implied (defineHttpSink adds it; a plain object may omit it).
    if (typeof value === "object" && value !== null && !("kind" in value)) value = { ...value, kind: "http-sink" };
    const r = httpSinkSchema.safeParse(value, { reportInput: true });
    if (!r.success) return { ok: false, issues: configIssuesFromZod(shown, r.error, value) };
    return { ok: true, kind, loaded: { file: abs, displayFile: shown, config: r.data } };
  }
  const r = sourceConnectorSchema.safeParse(value, { reportInput: true });
  if (!r.success) return { ok: false, issues: configIssuesFromZod(shown, r.error, value) };
  return { ok: true, kind, loaded: { file: abs, displayFile: shown, config: r.data } };
}

/** Loads and validates the given files (any folder); throws ConfigValidationError with every problem. */
export async function loadConnectorFiles(files: readonly string[]): Promise<LoadedConnectorConfigs> {
  const issues: ConfigIssue[] = [];
  const out: LoadedConnectorConfigs = { sources: [], httpSinks: [] };
  for (const file of files) {
    const r = await loadConnectorFile(file);
    if (!r.ok) issues.push(...r.issues);
    else if (r.kind === "source") out.sources.push(r.loaded);
    else out.httpSinks.push(r.loaded);
  }
  issues.push(...crossFileIssues(out));
  if (issues.length > 0) throw new ConfigValidationError(issues);
  return out;
}

/** Every config file under `<dir>/sources` and `<dir>/http-sinks`, validated; throws ConfigValidationError listing all problems. */
export async function loadConnectorConfigs(dir: string = CONNECTOR_CONFIG_DIR): Promise<LoadedConnectorConfigs> {
  const files = [
    ...(await listConfigFiles(path.join(dir, SOURCES_SUBDIR))),
    ...(await listConfigFiles(path.join(dir, HTTP_SINKS_SUBDIR))),
  ];
  return loadConnectorFiles(files);
}

/** Rules across files, among enabled connectors: names, topic prefixes, slots, history topics and server ids must not clash. */
export function crossFileIssues(loaded: LoadedConnectorConfigs): ConfigIssue[] {
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
    clash(`prefix:${topicPrefixOf(c)}`, l, c.topicPrefix ? "topicPrefix" : "name", topicPrefixOf(c), "a topic prefix (the default prefix is the source name)");
    if (c.kind === "postgres") {
      const where = `${c.connection.host}:${c.connection.port}/${c.connection.database}`;
      clash(`slot:${where}:${c.slotName}`, l, "slotName", c.slotName, `a replication slot name on ${where} (two connectors cannot share a slot)`);
    } else {
      clash(`history:${schemaHistoryTopicOf(c)}`, l, "schemaHistory.topic", schemaHistoryTopicOf(c), "a schema history topic");
    }
    if (c.kind === "mysql") {
      const id = c.connection.serverId ?? defaultMysqlServerId(c.name);
      const where = `${c.connection.host}:${c.connection.port}`;
      clash(`serverid:${where}:${id}`, l, "connection.serverId", id, `a database.server.id on ${where} (each binlog reader needs its own)`);
    }
  }
  return issues;
}
