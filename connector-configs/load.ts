// Loads the config files users edit under connector-configs/ (deployment.ts, meter-master.ts,
// api-endpoints.ts, sources/*.ts, http-sinks/*.ts): one way to import a module, one schema per
// kind of file, and every problem reported at once in the one issue format.
import { access, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type ApiEndpoints, ApiEndpointsSchema } from "../sink-app/src/delivery/http/index.js";
import { type MeterMasterMapping, MeterMasterMappingSchema } from "../sink-app/src/mapping/schema.js";
import { connectorClashIssues } from "./rules.js";
import { type SourceConnectorConfig, sourceConnectorSchema } from "./schemas/debezium.js";
import { type Deployment, DeploymentSchema } from "./schemas/deployment.js";
import { type ConfigIssue, ConfigValidationError, checkConfig } from "./schemas/errors.js";
import { type HttpSinkConfig, httpSinkSchema } from "./schemas/http-sink.js";

export const CONNECTOR_CONFIG_DIR = path.dirname(fileURLToPath(import.meta.url));
export const SOURCES_SUBDIR = "sources";
export const HTTP_SINKS_SUBDIR = "http-sinks";
export const DEPLOYMENT_FILE = "deployment.ts";
export const MAPPING_FILE = "meter-master.ts";
export const ENDPOINTS_FILE = "api-endpoints.ts";

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

/** Every kind of config file, each loaded and parsed (final values: defaults resolved by the schemas). */
export interface ConfigSet extends LoadedConnectorConfigs {
  deployment?: Loaded<Deployment>;
  mapping?: Loaded<MeterMasterMapping>;
  endpoints?: Loaded<ApiEndpoints>;
}

export type ConfigFileKind = "deployment" | "meter-master" | "api-endpoints" | "source" | "http-sink";

const HOW_TO_EXPORT: Record<ConfigFileKind, string> = {
  deployment: "`export default defineDeployment({...})`",
  "meter-master": "`export default defineMeterMasterMapping({...})`",
  "api-endpoints": "`export default defineApiEndpoints({...})`",
  source: "`export default defineSourceConnector({...})`",
  "http-sink": "`export default defineHttpSink({...})`",
};

const isConfigFile = (f: string) => /\.(ts|mts|js|mjs)$/.test(f) && !f.endsWith(".d.ts") && !f.startsWith("_") && !f.includes(".test.");

async function listConfigFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && isConfigFile(e.name))
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** A path as shown in messages: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === "" || rel.startsWith("..") ? file : rel;
}

/** Every config file of a connector-configs directory, in a stable order. */
export async function configFilesIn(dir: string = CONNECTOR_CONFIG_DIR): Promise<string[]> {
  const top: string[] = [];
  for (const f of [DEPLOYMENT_FILE, MAPPING_FILE, ENDPOINTS_FILE]) if (await exists(path.join(dir, f))) top.push(path.join(dir, f));
  return [...top, ...(await listConfigFiles(path.join(dir, SOURCES_SUBDIR))), ...(await listConfigFiles(path.join(dir, HTTP_SINKS_SUBDIR)))];
}

/** Which schema a file is checked against: by its name or folder, else by its `kind`. */
export function configFileKind(file: string, value?: unknown): ConfigFileKind {
  const base = path.basename(file).replace(/\.(ts|mts|js|mjs)$/, "");
  if (base === "deployment") return "deployment";
  if (base === "meter-master") return "meter-master";
  if (base === "api-endpoints") return "api-endpoints";
  const folder = path.basename(path.dirname(file));
  if (folder === HTTP_SINKS_SUBDIR) return "http-sink";
  if (folder === SOURCES_SUBDIR) return "source";
  const kind = (value as { kind?: unknown } | null | undefined)?.kind;
  return kind === "http-sink" ? "http-sink" : "source";
}

/** The one way a config module is imported: its default export, or the issue saying why not. */
export async function importConfigModule(file: string): Promise<{ ok: true; value: unknown } | { ok: false; issues: ConfigIssue[] }> {
  const abs = path.resolve(file);
  const shown = displayPath(abs);
  let value: unknown;
  try {
    value = ((await import(pathToFileURL(abs).href)) as { default?: unknown }).default;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return { ok: false, issues: [{ file: shown, path: "(module)", value: "(could not be imported)", expected: `a module that loads without error: ${msg}` }] };
  }
  if (value === undefined) {
    return { ok: false, issues: [{ file: shown, path: "(default export)", value: "(missing)", expected: HOW_TO_EXPORT[configFileKind(abs)] }] };
  }
  return { ok: true, value };
}

type Parsed =
  | { kind: "deployment"; loaded: Loaded<Deployment> }
  | { kind: "meter-master"; loaded: Loaded<MeterMasterMapping> }
  | { kind: "api-endpoints"; loaded: Loaded<ApiEndpoints> }
  | { kind: "source"; loaded: Loaded<SourceConnectorConfig> }
  | { kind: "http-sink"; loaded: Loaded<HttpSinkConfig> };

/** Checks a file's value against the schema of its kind. */
export function parseConfigValue(
  file: string,
  value: unknown,
  kind: ConfigFileKind = configFileKind(file, value),
): { ok: true; parsed: Parsed } | { ok: false; issues: ConfigIssue[] } {
  const abs = path.resolve(file);
  const shown = displayPath(abs);
  const done = <K extends ConfigFileKind, T>(k: K, r: { ok: true; value: T } | { ok: false; issues: ConfigIssue[] }) =>
    r.ok ? { ok: true as const, parsed: { kind: k, loaded: { file: abs, displayFile: shown, config: r.value } } as Parsed } : r;
  switch (kind) {
    case "deployment":
      return done(kind, checkConfig(DeploymentSchema, value ?? {}, shown));
    case "meter-master":
      return done(kind, checkConfig(MeterMasterMappingSchema, value, shown));
    case "api-endpoints":
      return done(kind, checkConfig(ApiEndpointsSchema, value, shown));
    case "http-sink":
      // In http-sinks/ the kind is implied (defineHttpSink adds it; a plain object may omit it).
      if (typeof value === "object" && value !== null && !("kind" in value)) value = { ...value, kind: "http-sink" };
      return done(kind, checkConfig(httpSinkSchema, value, shown));
    case "source":
      return done(kind, checkConfig(sourceConnectorSchema, value, shown));
  }
}

/** Imports and checks one file of any kind. Never throws for a bad file: returns its issues. */
export async function loadConfigFile(file: string, kind?: ConfigFileKind): Promise<{ ok: true; parsed: Parsed } | { ok: false; issues: ConfigIssue[] }> {
  const imported = await importConfigModule(file);
  if (!imported.ok) return imported;
  return parseConfigValue(file, imported.value, kind);
}

/** Loads the given files into one set; the issues of each file (not yet the rules across files). */
export async function loadConfigSet(files: readonly string[], overrides: { deployment?: unknown } = {}): Promise<{ set: ConfigSet; issues: ConfigIssue[] }> {
  const set: ConfigSet = { sources: [], httpSinks: [] };
  const issues: ConfigIssue[] = [];
  for (const file of files) {
    const kind = configFileKind(file);
    const r = kind === "deployment" && "deployment" in overrides ? parseConfigValue(file, overrides.deployment, kind) : await loadConfigFile(file);
    if (!r.ok) {
      issues.push(...r.issues);
      continue;
    }
    const p = r.parsed;
    if (p.kind === "source") set.sources.push(p.loaded);
    else if (p.kind === "http-sink") set.httpSinks.push(p.loaded);
    else if (p.kind === "deployment") set.deployment = p.loaded;
    else if (p.kind === "meter-master") set.mapping = p.loaded;
    else set.endpoints = p.loaded;
  }
  return { set, issues };
}

// ---------------------------------------------------------------- connector files only

type FileResult =
  | { ok: true; kind: "source"; loaded: Loaded<SourceConnectorConfig> }
  | { ok: true; kind: "http-sink"; loaded: Loaded<HttpSinkConfig> }
  | { ok: false; issues: ConfigIssue[] };

/** Imports one connector file (sources/ or http-sinks/) and validates its default export. */
export async function loadConnectorFile(file: string): Promise<FileResult> {
  const imported = await importConfigModule(file);
  if (!imported.ok) return imported;
  const kind = configFileKind(file, imported.value) === "http-sink" ? "http-sink" : "source";
  const r = parseConfigValue(file, imported.value, kind);
  if (!r.ok) return r;
  return r.parsed.kind === "http-sink"
    ? { ok: true, kind: "http-sink", loaded: r.parsed.loaded }
    : { ok: true, kind: "source", loaded: r.parsed.loaded as Loaded<SourceConnectorConfig> };
}

/** Loads and validates the given connector files; throws ConfigValidationError with every problem. */
export async function loadConnectorFiles(files: readonly string[]): Promise<LoadedConnectorConfigs> {
  const issues: ConfigIssue[] = [];
  const out: LoadedConnectorConfigs = { sources: [], httpSinks: [] };
  for (const file of files) {
    const r = await loadConnectorFile(file);
    if (!r.ok) issues.push(...r.issues);
    else if (r.kind === "source") out.sources.push(r.loaded);
    else out.httpSinks.push(r.loaded);
  }
  issues.push(...connectorClashIssues(out));
  if (issues.length > 0) throw new ConfigValidationError(issues);
  return out;
}

/** Every connector file under `<dir>/sources` and `<dir>/http-sinks`, validated; throws ConfigValidationError listing all problems. */
export async function loadConnectorConfigs(dir: string = CONNECTOR_CONFIG_DIR): Promise<LoadedConnectorConfigs> {
  return loadConnectorFiles([...(await listConfigFiles(path.join(dir, SOURCES_SUBDIR))), ...(await listConfigFiles(path.join(dir, HTTP_SINKS_SUBDIR)))]);
}

/** Rules across connector files (names, topic prefixes, slots, history topics, server ids). */
export { connectorClashIssues as crossFileIssues };
