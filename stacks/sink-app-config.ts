import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Deployment } from "../connector-configs/schemas/deployment.js";
import { parseConfig } from "../connector-configs/schemas/errors.js";
import { ApiEndpointsSchema } from "../sink-app/src/delivery/http/index.js";

/** Port of the sink-app's /healthz, /readyz and /metrics inside its container. */
export const SINK_APP_HTTP_PORT = 9464;

export interface SinkAppConfigInputs {
  readonly configDir: string;
  readonly deployment: Deployment;
  readonly kafkaBootstrap: string;
  /** Sources in the pipeline and the change topics their connectors produce. */
  readonly sources: ReadonlyArray<{ name: string; topics: string[] }>;
}

async function importDefault(file: string): Promise<unknown> {
  return ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
}

/**
 * The sink-app's runtime config (uploaded as /etc/sink-app/config.json): what to consume, the
 * Meter Master target, the mapping and the API endpoint of each source. Secrets appear only as
 * names of environment variables (`...Env` fields), which become sensitive Terraform variables.
 */
export async function buildSinkAppConfig(inputs: SinkAppConfigInputs) {
  const endpointsFile = path.join(inputs.configDir, "api-endpoints.ts");
  const endpoints = parseConfig(ApiEndpointsSchema, await importDefault(endpointsFile), path.relative(process.cwd(), endpointsFile));
  const mappingFile = path.join(inputs.configDir, "meter-master.ts");
  const mapping = existsSync(mappingFile) ? await importDefault(mappingFile) : undefined;

  const target = inputs.deployment.meterMaster.target;
  const config = {
    kafka: { brokers: inputs.kafkaBootstrap.split(","), clientId: `${inputs.deployment.name}-sink-app` },
    meterMaster:
      target.mode === "embedded"
        ? { kind: "mssql", host: "mssql", port: 1433, database: "MeterMaster", user: "meter_master_writer", passwordEnv: "MSSQL_METER_MASTER_PASSWORD", trustServerCertificate: true }
        : { kind: target.kind, host: target.host, port: target.port, database: target.database, user: target.user, passwordEnv: "METER_MASTER_PASSWORD" },
    mapping,
    sources: inputs.sources.map((s) => ({ name: s.name, topics: s.topics, endpoint: endpoints[s.name] })),
    http: { port: SINK_APP_HTTP_PORT },
    logLevel: inputs.deployment.sinkApp.logLevel,
  };
  return { config, secretEnv: secretEnvNames(config), httpPort: SINK_APP_HTTP_PORT };
}

/** Values of every `...Env` field: the environment variables the config names for its secrets. */
export function secretEnvNames(value: unknown, names = new Set<string>()): string[] {
  if (Array.isArray(value)) value.forEach((v) => secretEnvNames(v, names));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (/Env$/.test(k) && typeof v === "string") names.add(v);
      else secretEnvNames(v, names);
    }
  }
  return [...names].sort();
}
