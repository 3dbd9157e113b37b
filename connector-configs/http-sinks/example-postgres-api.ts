// Example HTTP sink: delivers every change of the PostgreSQL meters table to an HTTP endpoint
// with the Aiven HTTP Sink connector. Disabled: the sink-app already delivers each source to its
// API (connector-configs/api-endpoints.ts); use a file like this one when you want Kafka Connect
// to do the delivery instead. Hover a field in your editor for its description and default
// (from connector-configs/schemas/http-sink.ts).
//
// `npm run connectors -- add-http-sink` writes new files like this one; `cdktf deploy` applies them.
// The consumer group is Group_<name>, as in the previous version of this system.
import { defineHttpSink } from "../define.js";

export default defineHttpSink({
  name: "example-postgres-api",
  enabled: false,
  topics: ["postgres.public.meters"],
  url: "http://demo-api:8080/api/postgres",
  authorization: { type: "none" },
  // Static token instead (the header value is read from the Connect worker's environment):
  // authorization: { type: "static", header: { env: "POSTGRES_API_AUTHORIZATION" } },
  // OAuth2 client credentials:
  // authorization: {
  //   type: "oauth2",
  //   oauth2: {
  //     accessTokenUrl: "https://login.example.com/oauth2/token",
  //     clientId: "meter-master-cdc",
  //     clientSecret: { env: "POSTGRES_API_CLIENT_SECRET" },
  //   },
  // },
  contentType: "application/json",
  // One JSON array per request; batching cannot be combined with errors.tolerance "all".
  batching: { enabled: true, maxSize: 500, prefix: "[", separator: ",", suffix: "]" },
  delivery: { maxRetries: 10, retryBackoffMs: 3000 },
  timeoutSeconds: 30,
  // Debezium writes a tombstone after each delete; the Aiven sink fails on null values, so they are dropped.
  dropTombstones: true,
});
