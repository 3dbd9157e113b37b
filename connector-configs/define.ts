// Helpers users wrap their config in: `export default defineSourceConnector({...})`.
// They only give the editor the types (completion, descriptions, excess-key
// errors); validation happens in the loader, so errors name the file.
import type { SourceConnectorInput } from "./schemas/debezium.js";
import type { HttpSinkInput } from "./schemas/http-sink.js";

export type { SourceConnectorInput, HttpSinkInput };

/** Declares one Debezium source connector (kind: "mssql" | "oracle" | "mysql" | "postgres"). */
export function defineSourceConnector(config: SourceConnectorInput): SourceConnectorInput {
  return config;
}

/** Declares one Aiven HTTP Sink connector; `kind` is implied. */
export function defineHttpSink(config: Omit<HttpSinkInput, "kind">): HttpSinkInput {
  return { ...config, kind: "http-sink" };
}
