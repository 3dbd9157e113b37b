// Per-source HTTP API endpoints: where the sink-app delivers each source database's changes.
//
// One entry per source name (mssql, oracle, mysql, postgres, or your own). Hover a field in your
// editor for its description and default (from EndpointConfigSchema in
// sink-app/src/delivery/http/config.ts); only `url` is required. Defaults point at the demo API
// receiver inside the Docker network, which records what it gets: open
// http://localhost:<demo-api port>/api/<source> to see it.
//
// Secrets never go in this file: auth names the ENVIRONMENT VARIABLE that holds them (set it on
// the sink-app container, e.g. from a sensitive Terraform variable).
//
// Delivery contract for your API: POST, JSON; with batching (default) the body is a JSON array
// of events, each with an "idempotencyKey" property that is identical on every redelivery of
// the same change (at-least-once: dedupe on it). 2xx = accepted; 408/429/5xx = retried
// (Retry-After honoured); other 4xx = rejected for good: the event goes to the dead letter topic.
import { defineApiEndpoints } from "./define.js";

const demoApi = (source: string) => `http://demo-api:8080/api/${source}`;

export default defineApiEndpoints({
  mssql: {
    url: demoApi("mssql"),
    // Example: a static header whose value lives in an env var of the sink-app container.
    // auth: { type: "static", headerName: "Authorization", valueEnv: "MSSQL_API_TOKEN", valuePrefix: "Bearer " },
  },
  oracle: {
    url: demoApi("oracle"),
    // Example: OAuth2 client credentials; the secret is read from ORACLE_API_CLIENT_SECRET.
    // auth: {
    //   type: "oauth2",
    //   tokenUrl: "https://login.example.com/oauth2/token",
    //   clientId: "meter-master-cdc",
    //   clientSecretEnv: "ORACLE_API_CLIENT_SECRET",
    //   scope: "meters.write",
    //   authorizationMode: "header", // or "url" (client_id/client_secret as form fields)
    // },
  },
  mysql: {
    url: demoApi("mysql"),
    // Example: one request per event instead of batches, and a longer timeout.
    // batching: { enabled: false },
    // timeoutMs: 30_000,
  },
  postgres: {
    url: demoApi("postgres"),
    // Example: deliver the decoded Debezium change (op, before, after, source) instead of the Meter Master row.
    // payload: "change-event",
    // retries: { maxAttempts: 8, initialBackoffMs: 1_000, maxBackoffMs: 60_000 },
  },
});
