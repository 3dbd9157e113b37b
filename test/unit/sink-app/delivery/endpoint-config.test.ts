import { describe, expect, it } from "vitest";
import { z } from "zod";
import apiEndpoints from "../../../../connector-configs/api-endpoints.js";
import {
  ApiEndpointsConfigError,
  createHttpDelivery,
  type EndpointConfigInput,
  EndpointConfigSchema,
  HttpDeliveryConfigError,
  parseApiEndpoints,
} from "../../../../sink-app/src/delivery/http/index.js";

const URL_OK = "https://meters-api.example.com/v1/meter-changes";

/** Messages of a failed parse, as "path: message" lines. */
function issues(input: unknown): string[] {
  const result = EndpointConfigSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("EndpointConfigSchema defaults", () => {
  it("fills every optional field with the documented default from just a url", () => {
    const cfg = EndpointConfigSchema.parse({ url: URL_OK });
    expect(cfg).toEqual({
      enabled: true,
      url: URL_OK,
      auth: { type: "none" },
      headers: {},
      batching: { enabled: true, maxItems: 100, format: "json-array", splitOnReject: true },
      timeoutMs: 10_000,
      retries: {
        maxAttempts: 5,
        initialBackoffMs: 500,
        maxBackoffMs: 30_000,
        jitter: "full",
        maxRetryAfterMs: 60_000,
        retryOnStatuses: [],
      },
      payload: "meter-master-row",
      idempotencyHeader: "Idempotency-Key",
      idempotencyKeyProperty: "idempotencyKey",
      allowInsecureAuth: false,
    });
  });

  it("applies nested defaults when only part of a nested object is given", () => {
    const cfg = EndpointConfigSchema.parse({ url: URL_OK, batching: { maxItems: 7 }, retries: { maxAttempts: 9 } });
    expect(cfg.batching).toEqual({ enabled: true, maxItems: 7, format: "json-array", splitOnReject: true });
    expect(cfg.retries.maxAttempts).toBe(9);
    expect(cfg.retries.initialBackoffMs).toBe(500);
  });

  it("fills static and oauth2 auth defaults (Authorization header, header mode, access_token)", () => {
    const stat = EndpointConfigSchema.parse({ url: URL_OK, auth: { type: "static", valueEnv: "MSSQL_API_TOKEN" } });
    expect(stat.auth).toEqual({ type: "static", headerName: "Authorization", valueEnv: "MSSQL_API_TOKEN", valuePrefix: "" });
    const oauth = EndpointConfigSchema.parse({
      url: URL_OK,
      auth: { type: "oauth2", tokenUrl: "https://login.example.com/token", clientId: "cdc", clientSecretEnv: "API_SECRET" },
    });
    expect(oauth.auth).toEqual({
      type: "oauth2",
      tokenUrl: "https://login.example.com/token",
      clientId: "cdc",
      clientSecretEnv: "API_SECRET",
      authorizationMode: "header",
      tokenProperty: "access_token",
      refreshSkewSeconds: 30,
    });
  });

  it("describes every user-facing field, nested ones and each auth variant included", () => {
    const undescribed: string[] = [];
    const visited: string[] = [];
    const walk = (schema: z.ZodType, path: string): void => {
      visited.push(path);
      if (path && !schema.description) undescribed.push(path);
      let inner: z.ZodType = schema;
      // Unwrap default/prefault/optional wrappers to reach objects and unions.
      while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional) {
        inner = inner.def.innerType as z.ZodType;
      }
      if (inner instanceof z.ZodObject) {
        for (const [name, field] of Object.entries(inner.shape)) walk(field as z.ZodType, path ? `${path}.${name}` : name);
      } else if (inner instanceof z.ZodDiscriminatedUnion) {
        for (const option of inner.options) walk(option as z.ZodType, `${path}<${String((option as z.ZodObject).shape.type.value)}>`);
      }
    };
    walk(EndpointConfigSchema, "");
    expect(visited).toEqual(expect.arrayContaining(["auth<oauth2>.tokenUrl", "auth<static>.valueEnv", "batching.maxItems", "retries.jitter"]));
    expect(undescribed).toEqual([]);
  });
});

describe("EndpointConfigSchema single-field checks", () => {
  it("rejects a url that is not http or https", () => {
    expect(issues({ url: "ftp://files.example.com/drop" })).toEqual(['url: url must use http or https, got "ftp:"']);
  });

  it("rejects a relative or malformed url with an example of a good one", () => {
    expect(issues({ url: "/api/mysql" })[0]).toMatch(/^url: url must be an absolute URL such as https:/);
  });

  it("rejects credentials embedded in the url without echoing them back", () => {
    const messages = issues({ url: "https://svc:hunter2@meters-api.example.com/v1" });
    expect(messages).toEqual(['url: url must not contain user:password; use auth.type "static" or "oauth2" with an env var name']);
    expect(messages.join()).not.toContain("hunter2");
  });

  it("rejects a secret pasted where an env var name belongs", () => {
    expect(issues({ url: URL_OK, auth: { type: "static", valueEnv: "Bearer eyJhbGciOi" } })).toEqual([
      "auth.valueEnv: must be the NAME of an environment variable (letters, digits, underscore), not the secret itself",
    ]);
  });

  it("rejects an unknown auth type, naming the allowed ones", () => {
    const [message] = issues({ url: URL_OK, auth: { type: "basic" } });
    expect(message).toMatch(/^auth.type: /);
    expect(message).toContain("'none' | 'static' | 'oauth2'");
  });

  it("rejects unknown keys (typos) instead of ignoring them", () => {
    expect(issues({ url: URL_OK, timeout: 5000 })[0]).toContain('Unrecognized key: "timeout"');
    expect(issues({ url: URL_OK, batching: { max: 5 } })[0]).toMatch(/^batching: Unrecognized key: "max"/);
  });

  it("bounds batching.maxItems to 1..10000", () => {
    expect(issues({ url: URL_OK, batching: { maxItems: 0 } })[0]).toMatch(/^batching.maxItems: Too small/);
    expect(issues({ url: URL_OK, batching: { maxItems: 10_001 } })[0]).toMatch(/^batching.maxItems: Too big/);
    expect(issues({ url: URL_OK, batching: { maxItems: 10_000 } })).toEqual([]);
  });

  it("rejects header names with spaces and header values with line breaks", () => {
    expect(issues({ url: URL_OK, headers: { "X Tenant": "a" } })).toEqual([
      "headers.X Tenant: a valid HTTP header name (token characters, no spaces or colons)",
    ]);
    expect(issues({ url: URL_OK, headers: { "X-Tenant": "a\r\nX-Evil: 1" } })).toEqual(["headers.X-Tenant: header values must not contain line breaks"]);
  });

  it("only accepts the two payload kinds", () => {
    expect(issues({ url: URL_OK, payload: "debezium" })[0]).toMatch(/^payload: .*"meter-master-row".*"change-event"/);
  });
});

describe("EndpointConfigSchema cross-field rules", () => {
  it("forbids an extra header that the static auth sets, case-insensitively, under the key as spelled", () => {
    expect(issues({ url: URL_OK, auth: { type: "static", valueEnv: "TOKEN" }, headers: { authorization: "Bearer x" } })).toEqual([
      'headers.authorization: header "Authorization" is set by auth.type "static"; remove it from headers',
    ]);
  });

  it("forbids an Authorization extra header with oauth2", () => {
    const messages = issues({
      url: URL_OK,
      auth: { type: "oauth2", tokenUrl: "https://login.example.com/token", clientId: "c", clientSecretEnv: "S" },
      headers: { Authorization: "Bearer fixed" },
    });
    expect(messages).toEqual(['headers.Authorization: header "Authorization" is set by auth.type "oauth2"; remove it from headers']);
  });

  it("allows an Authorization extra header when auth is none", () => {
    expect(issues({ url: URL_OK, headers: { Authorization: "Bearer public-demo" } })).toEqual([]);
  });

  it("forbids setting the idempotency header as an extra header", () => {
    expect(issues({ url: URL_OK, headers: { "idempotency-key": "x" } })).toEqual([
      'headers.idempotency-key: header "Idempotency-Key" is the idempotencyHeader; remove it from headers',
    ]);
  });

  it("forbids the idempotency header and the auth header being the same", () => {
    expect(issues({ url: URL_OK, auth: { type: "static", headerName: "X-Api-Key", valueEnv: "KEY" }, idempotencyHeader: "x-api-key" })).toEqual([
      'idempotencyHeader: idempotencyHeader must differ from the auth header "X-Api-Key"',
    ]);
  });

  it("forbids headers the HTTP client manages", () => {
    expect(issues({ url: URL_OK, headers: { "Content-Length": "10", Host: "other" } })).toEqual([
      'headers.Content-Length: header "content-length" is managed by the HTTP client and cannot be set',
      'headers.Host: header "host" is managed by the HTTP client and cannot be set',
    ]);
  });

  it("requires initialBackoffMs <= maxBackoffMs", () => {
    expect(issues({ url: URL_OK, retries: { initialBackoffMs: 5000, maxBackoffMs: 1000 } })).toEqual([
      "retries.initialBackoffMs: initialBackoffMs (5000) must not exceed maxBackoffMs (1000)",
    ]);
  });

  it("rejects 408 and 429 in retryOnStatuses since they are always retried", () => {
    expect(issues({ url: URL_OK, retries: { retryOnStatuses: [401, 429] } })).toEqual([
      "retries.retryOnStatuses.1: 429 is always retried; list only other 4xx statuses",
    ]);
    expect(issues({ url: URL_OK, retries: { retryOnStatuses: [500] } })[0]).toMatch(/^retries.retryOnStatuses.0: Too big/);
  });

  it("refuses to send credentials over plain http unless allowInsecureAuth is set", () => {
    const input: EndpointConfigInput = {
      url: "http://meters-api.internal:8080/v1",
      auth: { type: "oauth2", tokenUrl: "http://login.internal/token", clientId: "c", clientSecretEnv: "S" },
    };
    expect(issues(input)).toEqual([
      "url: credentials would be sent over plain http to http://meters-api.internal:8080/v1; use https, or set allowInsecureAuth: true for a local/demo network",
      "auth.tokenUrl: credentials would be sent over plain http to http://login.internal/token; use https, or set allowInsecureAuth: true for a local/demo network",
    ]);
    expect(issues({ ...input, allowInsecureAuth: true })).toEqual([]);
  });

  it("allows plain http without auth (the demo receiver inside the Docker network)", () => {
    expect(issues({ url: "http://demo-api:8080/api/mysql" })).toEqual([]);
  });
});

describe("connector-configs/api-endpoints.ts", () => {
  it("declares the four demo sources, each pointing at the demo receiver's path for that source", () => {
    const parsed = parseApiEndpoints(apiEndpoints);
    expect(Object.keys(parsed).sort()).toEqual(["mssql", "mysql", "oracle", "postgres"]);
    for (const [source, cfg] of Object.entries(parsed)) {
      expect(cfg.url).toBe(`http://demo-api:8080/api/${source}`);
      expect(cfg.auth).toEqual({ type: "none" });
      expect(cfg.payload).toBe("meter-master-row");
    }
  });

  it("reports the file, each field path and the expectation when invalid", () => {
    let error: unknown;
    try {
      parseApiEndpoints(
        { MySQL: { url: "https://x.example.com" }, oracle: { url: "https://y.example.com", timeoutMs: "10s" } },
        "connector-configs/api-endpoints.ts",
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApiEndpointsConfigError);
    const e = error as ApiEndpointsConfigError;
    expect(e.message.split("\n")[0]).toBe("2 configuration problems:");
    expect(e.issues).toEqual([
      { file: "connector-configs/api-endpoints.ts", path: "oracle.timeoutMs", value: '"10s"', expected: "a number" },
      {
        file: "connector-configs/api-endpoints.ts",
        path: "MySQL",
        value: '"MySQL"',
        expected: "a lowercase source name: a letter, then letters, digits, '_' or '-'",
      },
    ]);
  });

  it("accepts a user's own source name", () => {
    expect(Object.keys(parseApiEndpoints({ billing_db: { url: "https://billing.example.com/meters" } }))).toEqual(["billing_db"]);
  });
});

describe("createHttpDelivery configuration checks (no network)", () => {
  it("fails at creation, naming the variable, when the static auth env var is missing", () => {
    expect(() => createHttpDelivery({ url: URL_OK, auth: { type: "static", valueEnv: "MSSQL_API_TOKEN" } }, { env: {} })).toThrow(
      new HttpDeliveryConfigError(`environment variable MSSQL_API_TOKEN (auth header for ${URL_OK}) is not set or empty`),
    );
  });

  it("fails at creation when the OAuth2 client secret env var is empty", () => {
    expect(() =>
      createHttpDelivery(
        {
          url: URL_OK,
          auth: { type: "oauth2", tokenUrl: "https://login.example.com/token", clientId: "c", clientSecretEnv: "ORACLE_API_CLIENT_SECRET" },
        },
        { env: { ORACLE_API_CLIENT_SECRET: "" } },
      ),
    ).toThrow(/ORACLE_API_CLIENT_SECRET \(OAuth2 client secret for https:\/\/login.example.com\/token\) is not set or empty/);
  });

  it("skips every item of a disabled endpoint without touching the network or needing its secret", async () => {
    const delivery = createHttpDelivery(
      { url: URL_OK, enabled: false, auth: { type: "static", valueEnv: "UNSET_TOKEN" } },
      { env: {}, fetch: () => Promise.reject(new Error("fetch must not be called")) },
    );
    const result = await delivery.deliver([
      { idempotencyKey: "mysql-1", body: { meter_id: "M-1001" } },
      { idempotencyKey: "mysql-2", body: { meter_id: "M-1002" } },
    ]);
    expect(result).toEqual({ deliveredKeys: [], rejected: [], skipped: 2, requests: 0 });
  });

  it("refuses idempotency keys that cannot travel in a header", async () => {
    const delivery = createHttpDelivery({ url: URL_OK, enabled: false });
    await expect(delivery.deliver([{ idempotencyKey: "Zähler 7", body: {} }])).rejects.toThrow(
      /idempotency key "Zähler 7" is not 1..200 visible ASCII characters/,
    );
  });
});
