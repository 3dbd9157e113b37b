// The sink-app's runtime config (uploaded as /etc/sink-app/config.json), typed with the
// sink-app's own schema end to end. The config files give everything but the addresses; the
// stack adds those from the constructs that own them (Kafka's bootstrap servers, the Meter
// Master database's host, port, database and login) and parses the result at synth time.
import type { ConfigSet } from "../connector-configs/load.js";
import type { Deployment } from "../connector-configs/schemas/deployment.js";
import { type ConfigIssue, ConfigValidationError, checkConfig } from "../connector-configs/schemas/errors.js";
import {
  type KafkaSettingsInput,
  type MeterMasterTargetInput,
  type SinkAppConfig,
  type SinkAppConfigInput,
  SinkAppConfigSchema,
} from "../sink-app/src/config.js";

/** Port of the sink-app's /healthz, /readyz and /metrics inside its container. */
export const SINK_APP_HTTP_PORT = 9464;

/** What a construct (or the external server in deployment.ts) owns: where things are. */
export interface SinkAppAddresses {
  readonly kafkaBootstrapServers: string;
  readonly meterMaster: Readonly<Pick<MeterMasterTargetInput, ServerFields>> & { readonly port: number };
}

type ServerFields = "kind" | "host" | "port" | "database" | "user" | "passwordEnv" | "trustServerCertificate";

/** The sink-app config without the addresses the constructs own. */
export type SinkAppConfigDraft = Omit<SinkAppConfigInput, "kafka" | "meterMaster"> & {
  kafka: Omit<KafkaSettingsInput, "brokers">;
  meterMaster: Omit<MeterMasterTargetInput, ServerFields>;
};

/** Where each part of the sink-app config comes from, so its problems name the file to fix. */
export interface SinkAppConfigOrigins {
  readonly deploymentFile: string;
  readonly mappingFile: string;
  readonly endpointsFile: string;
}

/** The draft from the parsed config files and the sources in the pipeline (with their change topics). */
export function sinkAppConfigDraft(
  deployment: Deployment,
  set: Pick<ConfigSet, "mapping" | "endpoints">,
  sources: ReadonlyArray<{ name: string; topics: string[] }>,
): SinkAppConfigDraft {
  return {
    kafka: { clientId: `${deployment.name}-sink-app` },
    meterMaster: {},
    mapping: set.mapping?.config ?? { sources: {} },
    sources: sources.map((s) => ({ name: s.name, topics: s.topics, endpoint: set.endpoints?.config[s.name] })),
    http: { port: SINK_APP_HTTP_PORT },
    logLevel: deployment.sinkApp.logLevel,
    batching: deployment.sinkApp.batching,
  };
}

/**
 * The complete config, parsed with the sink-app's schema: what the container will read. Throws
 * ConfigValidationError whose issues name the config file each problem comes from.
 */
export function completeSinkAppConfig(draft: SinkAppConfigDraft, addresses: SinkAppAddresses, origins: SinkAppConfigOrigins): SinkAppConfig {
  const input: SinkAppConfigInput = {
    ...draft,
    kafka: { ...draft.kafka, brokers: addresses.kafkaBootstrapServers.split(",") },
    meterMaster: { ...draft.meterMaster, ...addresses.meterMaster },
  };
  const r = checkConfig(SinkAppConfigSchema, input, "(sink-app config)");
  if (r.ok) return r.value;
  throw new ConfigValidationError(r.issues.map((i) => toOrigin(i, input, origins)));
}

/** A sink-app config issue, moved to the file and field the value came from. */
function toOrigin(issue: ConfigIssue, input: SinkAppConfigInput, o: SinkAppConfigOrigins): ConfigIssue {
  const p = issue.path;
  const rest = (prefix: string) => p.slice(prefix.length).replace(/^\./, "");
  if (p.startsWith("mapping.")) return { ...issue, file: o.mappingFile, path: rest("mapping.") };
  const endpoint = /^sources\[(\d+)\]\.endpoint(.*)$/.exec(p);
  if (endpoint) {
    const name = input.sources[Number(endpoint[1])]?.name ?? "?";
    return { ...issue, file: o.endpointsFile, path: `${name}${endpoint[2]}` };
  }
  if (p.startsWith("kafka.brokers")) return { ...issue, file: o.deploymentFile, path: "kafka.bootstrapServers" };
  if (p.startsWith("meterMaster.")) return { ...issue, file: o.deploymentFile, path: `meterMaster.target.${rest("meterMaster.")}` };
  if (p === "logLevel") return { ...issue, file: o.deploymentFile, path: "sinkApp.logLevel" };
  return { ...issue, file: `${o.deploymentFile} (the sink-app config rendered from it)` };
}

/** The environment variables the config names for its secrets (passwordEnv, valueEnv, clientSecretEnv). */
export function sinkAppSecretEnv(config: SinkAppConfig): string[] {
  const names = new Set<string>();
  if (config.meterMaster.enabled) names.add(config.meterMaster.passwordEnv);
  for (const s of config.sources) {
    const auth = s.endpoint?.enabled ? s.endpoint.auth : undefined;
    if (auth?.type === "static") names.add(auth.valueEnv);
    if (auth?.type === "oauth2") names.add(auth.clientSecretEnv);
  }
  return [...names].sort();
}
