// The one validation of the config files, used by `cdktf synth` (main.ts), `npm run deploy` and
// `npm run connectors -- validate`: every file against its schema, every rule across files, and
// the sink-app's runtime config as the stack builds it, parsed with the sink-app's own schema.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { App } from "cdktf";
import {
  type ConfigSet,
  configFilesIn,
  DEPLOYMENT_FILE,
  displayPath,
  ENDPOINTS_FILE,
  HTTP_SINKS_SUBDIR,
  loadConfigSet,
  MAPPING_FILE,
  SOURCES_SUBDIR,
} from "../connector-configs/load.js";
import { renderDesiredConnectors, sourceTopics } from "../connector-configs/render.js";
import { crossFileRules, inPipeline, isBuiltIn } from "../connector-configs/rules.js";
import type { DeploymentInput } from "../connector-configs/schemas/deployment.js";
import { type ConfigIssue, ConfigValidationError } from "../connector-configs/schemas/errors.js";
import { PipelineStack, type PipelineStackProps } from "./pipeline-stack.js";
import { SINK_APP_HTTP_PORT, sinkAppConfigDraft } from "./sink-app-config.js";

const CONFIG_DIR = fileURLToPath(new URL("../connector-configs/", import.meta.url));

export interface PipelineCheck {
  /** Every problem found, in the order of the files, then the rules across files, then the sink-app config. */
  readonly issues: ConfigIssue[];
  /** The parsed files (those that parsed). */
  readonly set: ConfigSet;
  /** The stack's inputs, when there is no problem. */
  readonly inputs?: PipelineStackProps;
  /** Whether the rules across files ran (they need every file to parse). */
  readonly crossFileChecked: boolean;
}

/**
 * Checks a whole connector-configs directory as synth does, and reports every problem at once.
 * `overrides.deployment` replaces the value of deployment.ts (tests, tools that vary one setting).
 */
export async function checkPipelineConfig(
  configDir: string = CONFIG_DIR,
  overrides: { deployment?: DeploymentInput } = {},
  extraFiles: readonly string[] = [],
): Promise<PipelineCheck> {
  const deploymentFile = path.join(configDir, DEPLOYMENT_FILE);
  const files = [...new Set([...(await configFilesIn(configDir)), ...extraFiles.map((f) => path.resolve(f))])];
  // Without a deployment.ts every default applies: parse an empty one, so the rules still see it.
  const deployment = "deployment" in overrides ? overrides.deployment : files.includes(deploymentFile) ? undefined : {};
  if (!files.includes(deploymentFile)) files.unshift(deploymentFile);
  const { set, issues } = await loadConfigSet(files, deployment === undefined ? {} : { deployment });
  // Rules across files need every file: over a set missing one they would report false problems.
  const crossFileChecked = issues.length === 0;
  if (crossFileChecked) issues.push(...crossFileRules(set));
  if (issues.length > 0 || !set.deployment) return { issues, set, crossFileChecked };

  const inputs = stackInputs(set, configDir);
  // Build the stack once without synthesizing it: the sink-app config it assembles from the
  // constructs is parsed there, and its problems belong in this report too.
  try {
    new PipelineStack(new App({ outdir: path.join(configDir, ".check-never-written") }), "config-check", inputs);
  } catch (e) {
    if (!(e instanceof ConfigValidationError)) throw e;
    return { issues: [...e.issues], set, crossFileChecked };
  }
  return { issues, set, inputs, crossFileChecked };
}

/** The stack's inputs from a valid set of config files. */
function stackInputs(set: ConfigSet, configDir: string): PipelineStackProps {
  const d = set.deployment!.config;
  const sources = set.sources.filter((s) => inPipeline(s.config, d));
  const externalSources = sources.filter((s) => !isBuiltIn(s.config.name) || d.sources[s.config.name].database.mode === "external").map((s) => s.config.name);
  const connectors = renderDesiredConnectors([...sources.map((s) => s.config), ...set.httpSinks.map((h) => h.config)], { externalSources });
  const config = sinkAppConfigDraft(
    d,
    set,
    sources.map((s) => ({ name: s.config.name, topics: sourceTopics(s.config) })),
  );
  const origins = {
    deploymentFile: set.deployment!.displayFile,
    mappingFile: set.mapping?.displayFile ?? displayPath(path.join(configDir, MAPPING_FILE)),
    endpointsFile: set.endpoints?.displayFile ?? displayPath(path.join(configDir, ENDPOINTS_FILE)),
  };
  return { deployment: d, connectors, sinkApp: { config, origins, httpPort: SINK_APP_HTTP_PORT } };
}

/**
 * Everything the stack is built from, read from connector-configs/ and checked as a whole.
 * Throws ConfigValidationError with every problem (file, field path, value, what was expected);
 * nothing is synthesized from an invalid config.
 */
export async function loadPipelineInputs(configDir: string = CONFIG_DIR, overrides: { deployment?: DeploymentInput } = {}): Promise<PipelineStackProps> {
  const check = await checkPipelineConfig(configDir, overrides);
  if (!check.inputs) throw new ConfigValidationError(check.issues);
  return check.inputs;
}

/** The connector-configs directory a config file belongs to (its folder, or the parent of sources/ and http-sinks/). */
export function configDirOf(file: string): string {
  const dir = path.dirname(path.resolve(file));
  const folder = path.basename(dir);
  return folder === SOURCES_SUBDIR || folder === HTTP_SINKS_SUBDIR ? path.dirname(dir) : dir;
}

/**
 * Checks the given files in the context of their connector-configs directory (so a mapping is
 * checked against the connectors next to it), reporting the problems of those files and of
 * rules that name them.
 */
export async function checkConfigFiles(files: readonly string[]): Promise<PipelineCheck & { files: string[] }> {
  const abs = [...new Set(files.map((f) => path.resolve(f)))];
  const shown = new Set(abs.map(displayPath));
  const issues: ConfigIssue[] = [];
  const set: ConfigSet = { sources: [], httpSinks: [] };
  for (const dir of [...new Set(abs.map(configDirOf))]) {
    const mine = abs.filter((f) => configDirOf(f) === dir);
    const check = await checkPipelineConfig(dir, {}, mine);
    const concerns = (i: ConfigIssue) => shown.has(i.file) || [...shown].some((f) => i.expected.includes(f));
    issues.push(...check.issues.filter(concerns));
    // Another file's problem kept the rules across files from running: say so rather than "OK".
    if (!check.crossFileChecked && !check.issues.every(concerns)) {
      const others = [...new Set(check.issues.filter((i) => !concerns(i)).map((i) => i.file))].join(", ");
      for (const f of mine) {
        issues.push({
          file: displayPath(f),
          path: "(rules across files)",
          value: "(not checked)",
          expected: `valid neighbours first: ${others} has problems (run validate without arguments to see them)`,
        });
      }
    }
    const given = <T extends { file: string }>(l: T | undefined) => (l && mine.includes(l.file) ? l : undefined);
    set.sources.push(...check.set.sources.filter((l) => mine.includes(l.file)));
    set.httpSinks.push(...check.set.httpSinks.filter((l) => mine.includes(l.file)));
    set.deployment ??= given(check.set.deployment);
    set.mapping ??= given(check.set.mapping);
    set.endpoints ??= given(check.set.endpoints);
  }
  return { issues, set, files: abs, crossFileChecked: issues.length === 0 };
}
