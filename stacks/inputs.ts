import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BUILT_IN_SOURCES, DeploymentSchema, type BuiltInSource, type Deployment, type DeploymentInput } from "../connector-configs/schemas/deployment.js";
import { ConfigValidationError, parseConfig, type ConfigIssue } from "../connector-configs/schemas/errors.js";
import { crossFileIssues, loadConnectorConfigs, type Loaded } from "../connector-configs/load.js";
import { renderDesiredConnectors, sourceTopics } from "../connector-configs/render.js";
import type { SourceConnectorConfig } from "../connector-configs/schemas/debezium.js";
import { buildSinkAppConfig } from "./sink-app-config.js";
import type { PipelineStackProps } from "./pipeline-stack.js";

const CONFIG_DIR = fileURLToPath(new URL("../connector-configs/", import.meta.url));

/** Host name of each embedded database container on the stack's network. */
const EMBEDDED_HOST: Record<BuiltInSource, string> = { mssql: "mssql", oracle: "oracle", mysql: "mysql", postgres: "postgres" };

async function importDefault(file: string): Promise<unknown> {
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  return mod.default;
}

const display = (file: string) => path.relative(process.cwd(), file) || file;

/**
 * Everything the stack is built from, read from connector-configs/ and checked as a whole.
 * Every problem in every file is reported at once (file, field path, value, what was expected),
 * and nothing is synthesized from an invalid config.
 */
export async function loadPipelineInputs(
  configDir: string = CONFIG_DIR,
  /** Replaces the value of deployment.ts (tests, and tools that vary one setting). */
  overrides: { deployment?: DeploymentInput } = {},
): Promise<PipelineStackProps> {
  const issues: ConfigIssue[] = [];
  const collect = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ConfigValidationError) {
        issues.push(...e.issues);
        return undefined;
      }
      throw e;
    }
  };

  const deploymentFile = path.join(configDir, "deployment.ts");
  const rawDeployment = overrides.deployment ?? (await importDefault(deploymentFile));
  const parsedDeployment = collect(() => parseConfig(DeploymentSchema, rawDeployment ?? {}, display(deploymentFile)));

  let loaded: Awaited<ReturnType<typeof loadConnectorConfigs>> | undefined;
  try {
    loaded = await loadConnectorConfigs(configDir);
    issues.push(...crossFileIssues(loaded));
  } catch (e) {
    if (!(e instanceof ConfigValidationError)) throw e;
    issues.push(...e.issues);
  }

  if (parsedDeployment && loaded) issues.push(...deploymentIssues(parsedDeployment, loaded.sources));
  if (issues.length > 0 || !parsedDeployment || !loaded) throw new ConfigValidationError(issues);

  const d: Deployment = parsedDeployment;
  const inPipeline = (s: Loaded<SourceConnectorConfig>) =>
    s.config.enabled && (!isBuiltIn(s.config.name) || d.sources[s.config.name].enabled);
  const sources = loaded.sources.filter(inPipeline);
  const externalSources = sources
    .filter((s) => !isBuiltIn(s.config.name) || d.sources[s.config.name].database.mode === "external")
    .map((s) => s.config.name);

  const connectors = renderDesiredConnectors(
    [...sources.map((s) => s.config), ...loaded.httpSinks.map((h) => h.config)],
    { externalSources },
  );

  const sinkApp = await buildSinkAppConfig({
    configDir,
    deployment: d,
    kafkaBootstrap: d.kafka.mode === "embedded" ? "kafka:9092" : d.kafka.bootstrapServers,
    sources: sources.map((s) => ({ name: s.config.name, topics: sourceTopics(s.config) })),
  });

  return { deployment: d, connectors, sinkApp };
}

function isBuiltIn(name: string): name is BuiltInSource {
  return (BUILT_IN_SOURCES as readonly string[]).includes(name);
}

/** Rules that span deployment.ts and the connector files. */
function deploymentIssues(d: Deployment, sources: Loaded<SourceConnectorConfig>[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const s of sources) {
    const name = s.config.name;
    if (!isBuiltIn(name) || !s.config.enabled || !d.sources[name].enabled) continue;
    const embedded = d.sources[name].database.mode === "embedded";
    const host = s.config.connection.host;
    if (embedded && host !== EMBEDDED_HOST[name]) {
      issues.push({
        file: s.displayFile,
        path: "connection.host",
        value: JSON.stringify(host),
        expected: `"${EMBEDDED_HOST[name]}", the embedded container, because connector-configs/deployment.ts runs ${name} embedded (set sources.${name}.database.mode to "external" to use your own server)`,
      });
    }
    if (!embedded && host === EMBEDDED_HOST[name]) {
      issues.push({
        file: s.displayFile,
        path: "connection.host",
        value: JSON.stringify(host),
        expected: `your server's address: connector-configs/deployment.ts marks ${name} external, so no "${host}" container exists`,
      });
    }
  }
  return issues;
}
