// A secret typed into a config file where it does not belong is refused, and never printed:
// not by validate (text or --json), not by synth's report. Every field that holds or names a
// secret, and every URL, gets one.
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../../scripts/connectors/cli.js";
import { loadPipelineInputs } from "../../../stacks/inputs.js";
import { configDir, type Edit, removeScratch } from "./config-dir.js";

afterAll(removeScratch);

async function validate(args: string[]) {
  const lines: string[] = [];
  const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t), env: {}, interactive: false };
  const code = await runCli(["validate", ...args], io);
  return { code, text: lines.join("\n") };
}

const source = (from: string, to: string): Edit => ({ file: "sources/postgres.ts", replace: [[from, to]] });
const sink = (from: string, to: string): Edit => ({ file: "http-sinks/example-postgres-api.ts", replace: [[from, to]] });
const endpoint = (text: string): Edit => ({ file: "api-endpoints.ts", replace: [['    url: demoApi("mssql"),\n', `    url: demoApi("mssql"),\n${text}\n`]] });
const PG_PASSWORD = '{ env: "POSTGRES_DEBEZIUM_PASSWORD" }';
const NO_AUTH = 'authorization: { type: "none" },';

// [where, the secret, the edit that puts it there, the field the report must name]
const cases: Array<[string, string, Edit, string]> = [
  ["a literal password in a connector", "Winter2026!pg", source(PG_PASSWORD, '"Winter2026!pg"'), "connection.password"],
  ["a password pasted as the env name", "hunter2-pg-env", source(PG_PASSWORD, '{ env: "hunter2-pg-env" }'), "connection.password.env"],
  [
    "a password pasted as the properties key",
    "hunter 2 key",
    source(PG_PASSWORD, '{ file: "/etc/kafka/secrets.properties", key: "hunter 2 key" }'),
    "connection.password.key",
  ],
  [
    "a password in passthrough",
    "Passthrough-Secret-4",
    source("  heartbeatIntervalMs: 10_000,", '  heartbeatIntervalMs: 10_000,\n  passthrough: { "database.password": "Passthrough-Secret-4" },'),
    'passthrough["database.password"]',
  ],
  [
    "a literal Authorization header on an HTTP sink",
    "Bearer abcSinkToken5",
    sink(NO_AUTH, 'authorization: { type: "static", header: "Bearer abcSinkToken5" } as any,'),
    "authorization.header",
  ],
  [
    "user:password in an HTTP sink URL",
    "SinkUrlPass6",
    sink('url: "http://demo-api:8080/api/postgres",', 'url: "https://meters:SinkUrlPass6@api.example.com/in",'),
    "url",
  ],
  [
    "a literal OAuth2 client secret on an HTTP sink",
    "OauthSecret7",
    sink(
      NO_AUTH,
      'authorization: { type: "oauth2", oauth2: { accessTokenUrl: "https://login.example.com/t", clientId: "c", clientSecret: "OauthSecret7" } } as any,',
    ),
    "authorization.oauth2.clientSecret",
  ],
  [
    "user:password in an OAuth2 token URL",
    "TokenUrlPass8",
    sink(
      NO_AUTH,
      'authorization: { type: "oauth2", oauth2: { accessTokenUrl: "https://c:TokenUrlPass8@login.example.com/t", clientId: "c", clientSecret: { env: "API_SECRET" } } },',
    ),
    "authorization.oauth2.accessTokenUrl",
  ],
  [
    "an API key in an additional header",
    "ApiKey:Nine9",
    sink(NO_AUTH, `${NO_AUTH}\n  additionalHeaders: { "X-Api-Key": "ApiKey:Nine9" },`),
    'additionalHeaders["X-Api-Key"]',
  ],
  [
    "a token pasted into valueEnv",
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMCJ9.c2lnbmF0dXJl",
    endpoint('    auth: { type: "static", valueEnv: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMCJ9.c2lnbmF0dXJl" },'),
    "mssql.auth.valueEnv",
  ],
  [
    "a client secret pasted into clientSecretEnv",
    "client secret 11",
    endpoint('    auth: { type: "oauth2", tokenUrl: "https://login.example.com/t", clientId: "c", clientSecretEnv: "client secret 11" },'),
    "mssql.auth.clientSecretEnv",
  ],
  [
    "user:password in an endpoint URL",
    "EndpointPass12",
    { file: "api-endpoints.ts", replace: [['url: demoApi("mysql"),', 'url: "https://meters:EndpointPass12@api.example.com/mysql",']] },
    "mysql.url",
  ],
  [
    "user:password in an endpoint token URL",
    "TokenPass13",
    endpoint('    auth: { type: "oauth2", tokenUrl: "https://c:TokenPass13@login.example.com/t", clientId: "c", clientSecretEnv: "MSSQL_API_SECRET" },'),
    "mssql.auth.tokenUrl",
  ],
  [
    "a bearer token in an endpoint's extra headers",
    "Bearer HeaderToken14",
    endpoint('    auth: { type: "static", valueEnv: "MSSQL_API_TOKEN" },\n    headers: { Authorization: "Bearer HeaderToken14" },'),
    "mssql.headers.Authorization",
  ],
  [
    "user:password in external Kafka's bootstrap servers",
    "KafkaPass15",
    { file: "deployment.ts", replace: [['kafka: { mode: "embedded" },', 'kafka: { mode: "external", bootstrapServers: "app:KafkaPass15@broker-1:9092" },']] },
    "kafka.bootstrapServers",
  ],
];

describe("secrets in the wrong place are refused and never printed", () => {
  it.each(cases)("%s", async (_what, secret, edit, field) => {
    const dir = await configDir([edit]);
    const fileOfEdit = path.join(dir, edit.file);
    const runs = [await validate(["--dir", dir]), await validate(["--dir", dir, "--json"]), await validate([fileOfEdit])];
    for (const r of runs) {
      expect(r.code).toBe(1);
      // The problem is reported at the field, yet the secret is in none of the output.
      expect(r.text).toContain(field.replace(/^mssql\.|^mysql\./, ""));
      expect(r.text).not.toContain(secret);
    }
    const synth = await loadPipelineInputs(dir).then(
      () => undefined,
      (e: unknown) => e as Error & { issues: unknown[] },
    );
    expect(synth?.message).toContain(field);
    expect(synth?.message).not.toContain(secret);
    expect(JSON.stringify(synth?.issues)).not.toContain(secret);
  });

  it("a passthrough value that is no secret is shown as it is, not hidden as a password", async () => {
    const dir = await configDir([source("  heartbeatIntervalMs: 10_000,", '  heartbeatIntervalMs: 10_000,\n  passthrough: { "snapshot.mode": "never" },')]);
    const r = await validate(["--dir", dir]);
    expect(r.text).toContain('passthrough["snapshot.mode"]: got "never"; expected a key no typed field renders');
  });
});
