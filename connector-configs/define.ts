// Helpers users wrap their config in: `export default defineSourceConnector({...})`.
// They only give the editor the types: completion, excess-key errors, and on hover each field's
// description and default (the generated types carry them as JSDoc, from the zod schemas).
// Validation happens in the loader, with the zod schemas, so errors name the file.
import type { ApiEndpointsFile, DeploymentFile, HttpSinkFile, MeterMasterMappingFile, SourceConnectorFile } from "./schemas/config-types.generated.js";

export type { SourceConnectorInput } from "./schemas/debezium.js";
export type { HttpSinkInput } from "./schemas/http-sink.js";
export type { ApiEndpointsFile, DeploymentFile, HttpSinkFile, MeterMasterMappingFile, SourceConnectorFile };

/** Declares one Debezium source connector (kind: "mssql" | "oracle" | "mysql" | "postgres"). */
export function defineSourceConnector(config: SourceConnectorFile): SourceConnectorFile {
  return config;
}

/** Declares one Aiven HTTP Sink connector; `kind` is implied. */
export function defineHttpSink(config: Omit<HttpSinkFile, "kind">): HttpSinkFile {
  return { ...config, kind: "http-sink" };
}

/** Declares what runs where (connector-configs/deployment.ts). */
export function defineDeployment(config: DeploymentFile): DeploymentFile {
  return config;
}

/** Declares how each source table becomes Meter Master rows (connector-configs/meter-master.ts). */
export function defineMeterMasterMapping(mapping: MeterMasterMappingFile): MeterMasterMappingFile {
  return mapping;
}

/** One source's HTTP API endpoint in connector-configs/api-endpoints.ts. */
export type ApiEndpointFile = ApiEndpointsFile[string];

/**
 * Declares each source's HTTP API endpoint (connector-configs/api-endpoints.ts). Generic in the
 * source names only: a generic endpoint type would hide the fields' descriptions from hover.
 */
export function defineApiEndpoints<const K extends string>(endpoints: Record<K, ApiEndpointFile>): Record<K, ApiEndpointFile> {
  return endpoints;
}
