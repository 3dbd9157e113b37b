// Schema of one per-source HTTP API endpoint, and of connector-configs/api-endpoints.ts.
// The schema is the single source of truth: types, defaults and docs come from here.
import { z } from "zod";
import { ConfigError, parseOrThrow, refineSourceNameKeys } from "../../validation.js";

// An env var NAME, never a value: rejects pasted secrets such as "Bearer abc123".
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// RFC 9110 token characters: what a header field name may contain.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const envVarName = (what: string) =>
  z
    .string()
    .regex(ENV_VAR_NAME, {
      message: `must be the NAME of an environment variable (letters, digits, underscore), not the secret itself`,
    })
    .describe(`Name of the environment variable (in the sink-app container) that holds ${what}.`);

const headerName = z.string().regex(HEADER_NAME, { message: "must be a valid HTTP header name (token characters, no spaces or colons)" });

const httpUrl = (what: string, description: string) =>
  z
    .string()
    .superRefine((value, ctx) => {
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        ctx.addIssue({ code: "custom", message: `${what} must be an absolute URL such as https://api.example.com/meters` });
        return;
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        ctx.addIssue({ code: "custom", message: `${what} must use http or https, got "${parsed.protocol}"` });
      }
      // Credentials in a URL end up in the repo, in logs and in Terraform state.
      if (parsed.username || parsed.password) {
        ctx.addIssue({
          code: "custom",
          message: `${what} must not contain user:password; use auth.type "static" or "oauth2" with an env var name`,
        });
      }
    })
    .describe(description);

export const NoAuthSchema = z
  .object({
    type: z.literal("none").describe("No authentication header is sent."),
  })
  .strict()
  .describe("No authentication.");

export const StaticAuthSchema = z
  .object({
    type: z.literal("static").describe("A fixed header value read from an environment variable."),
    headerName: headerName.default("Authorization").describe("Header that carries the credential."),
    valueEnv: envVarName("the full header value (for example `Bearer eyJ...` or `Basic dXNlcjpwYXNz`)"),
    valuePrefix: z.string().default("").describe('Text put before the env var value, e.g. "Bearer " when the variable holds only the token.'),
  })
  .strict()
  .describe("Static header authentication (like the Aiven connector's http.authorization.type=static).");

export const OAuth2AuthSchema = z
  .object({
    type: z.literal("oauth2").describe("OAuth2 client-credentials grant; the access token is sent as `Authorization: Bearer <token>`."),
    tokenUrl: httpUrl("tokenUrl", "URL of the OAuth2 token endpoint (client credentials grant)."),
    clientId: z.string().min(1).describe("OAuth2 client id (not a secret)."),
    clientSecretEnv: envVarName("the OAuth2 client secret"),
    scope: z.string().min(1).optional().describe("Scope requested with the token (omitted when not set)."),
    authorizationMode: z
      .enum(["header", "url"])
      .default("header")
      .describe(
        "How client id and secret reach the token endpoint: `header` = HTTP Basic `Authorization` header, `url` = form parameters client_id/client_secret (as the Aiven connector's oauth2.client.authorization.mode).",
      ),
    tokenProperty: z.string().min(1).default("access_token").describe("Name of the JSON property of the token response that holds the access token."),
    refreshSkewSeconds: z.number().int().min(0).max(3600).default(30).describe("A cached token is refreshed this many seconds before its expires_in runs out."),
  })
  .strict()
  .describe("OAuth2 client-credentials authentication.");

export const EndpointAuthSchema = z
  .discriminatedUnion("type", [NoAuthSchema, StaticAuthSchema, OAuth2AuthSchema])
  .describe("How the sink-app authenticates to the endpoint. Secrets are always read from environment variables.");

export const BatchingSchema = z
  .object({
    enabled: z.boolean().default(true).describe("Send up to maxItems events in one request whose body is a JSON array; otherwise one request per event."),
    maxItems: z.number().int().min(1).max(10_000).default(100).describe("Most events in one batch request."),
    format: z
      .literal("json-array")
      .default("json-array")
      .describe("Batch body format: a JSON array of events, each carrying its idempotency key (see idempotencyKeyProperty)."),
    splitOnReject: z
      .boolean()
      .default(true)
      .describe(
        "When a batch is rejected as a whole with a permanent 4xx (or 413), split it in halves and resend to isolate the poison event(s), so only those go to the dead letter topic.",
      ),
  })
  .strict()
  .describe("Batching of events into one HTTP request.");

export const RetriesSchema = z
  .object({
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(5)
      .describe(
        "Attempts per request (first try included) before a transient failure is raised to the caller, which then retries later without committing offsets.",
      ),
    initialBackoffMs: z.number().int().min(0).default(500).describe("Backoff ceiling before the 2nd attempt; doubles per attempt."),
    maxBackoffMs: z.number().int().min(0).default(30_000).describe("Upper bound of the exponential backoff."),
    jitter: z
      .enum(["full", "equal", "none"])
      .default("full")
      .describe("`full`: wait random(0, backoff); `equal`: backoff/2 + random(0, backoff/2); `none`: wait exactly backoff."),
    maxRetryAfterMs: z
      .number()
      .int()
      .min(0)
      .default(60_000)
      .describe("Longest wait honoured from a Retry-After header (429/503); longer values are capped to this."),
    retryOnStatuses: z
      .array(z.number().int().min(400).max(499))
      .default([])
      .describe(
        "Extra 4xx statuses to treat as transient instead of permanent, e.g. [401, 403, 404] if you would rather stall than dead-letter while credentials or routes are being fixed. 408 and 429 are always transient.",
      ),
  })
  .strict()
  .describe("Retry policy for transient failures: network errors, timeouts, 5xx, 408 and 429.");

export const EndpointConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe("Deliver this source's changes to the endpoint at all."),
    url: httpUrl("url", "Endpoint URL the changes are POSTed to."),
    auth: EndpointAuthSchema.prefault({ type: "none" }).describe(
      "How the sink-app authenticates to the endpoint (none, static header, OAuth2 client credentials). Default none.",
    ),
    headers: z
      .record(z.string(), z.string().regex(/^[^\r\n]*$/, { message: "header values must not contain line breaks" }))
      // Names are checked here, not as the record's key schema, so the message says what is wrong.
      .superRefine(
        (headers, ctx) => {
          for (const name of Object.keys(headers)) {
            if (!HEADER_NAME.test(name)) {
              ctx.addIssue({ code: "custom", path: [name], input: name, message: "a valid HTTP header name (token characters, no spaces or colons)" });
            }
          }
        },
        { when: () => true },
      )
      .default({})
      .describe("Extra headers sent with every request (no secrets here: use auth)."),
    batching: BatchingSchema.prefault({}).describe("Batching of events into one HTTP request (on by default, 100 events)."),
    timeoutMs: z.number().int().min(100).max(600_000).default(10_000).describe("Per-request timeout, response body included."),
    retries: RetriesSchema.prefault({}).describe("Retry policy for transient failures (network errors, timeouts, 5xx, 408, 429)."),
    payload: z
      .enum(["meter-master-row", "change-event"])
      .default("meter-master-row")
      .describe("What each event is: the resulting Meter Master row, or the decoded Debezium change (op, before, after, source)."),
    idempotencyHeader: headerName
      .default("Idempotency-Key")
      .describe("Header carrying the idempotency key: the event's key for single requests, a stable hash of the batch's keys for batch requests."),
    idempotencyKeyProperty: z
      .string()
      .min(1)
      .default("idempotencyKey")
      .describe("Property added to each event object in the body holding its idempotency key, so the receiver can dedupe each event, also inside batches."),
    allowInsecureAuth: z
      .boolean()
      .default(false)
      .describe("Allow sending credentials over plain http (url or tokenUrl). Only for local tests and demo networks."),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const lower = (s: string) => s.toLowerCase();
    const extraNames = Object.keys(cfg.headers);
    const extra = extraNames.map(lower);
    // Report under the key as the user spelled it.
    const spelled = (name: string) => extraNames.find((n) => lower(n) === lower(name)) ?? name;
    const authHeader = cfg.auth.type === "static" ? cfg.auth.headerName : cfg.auth.type === "oauth2" ? "Authorization" : undefined;

    if (authHeader && extra.includes(lower(authHeader))) {
      ctx.addIssue({
        code: "custom",
        path: ["headers", spelled(authHeader)],
        message: `header "${authHeader}" is set by auth.type "${cfg.auth.type}"; remove it from headers`,
      });
    }
    if (extra.includes(lower(cfg.idempotencyHeader))) {
      ctx.addIssue({
        code: "custom",
        path: ["headers", spelled(cfg.idempotencyHeader)],
        message: `header "${cfg.idempotencyHeader}" is the idempotencyHeader; remove it from headers`,
      });
    }
    if (authHeader && lower(authHeader) === lower(cfg.idempotencyHeader)) {
      ctx.addIssue({
        code: "custom",
        path: ["idempotencyHeader"],
        message: `idempotencyHeader must differ from the auth header "${authHeader}"`,
      });
    }
    for (const reserved of ["content-length", "host", "transfer-encoding", "connection"]) {
      if (extra.includes(reserved)) {
        ctx.addIssue({ code: "custom", path: ["headers", spelled(reserved)], message: `header "${reserved}" is managed by the HTTP client and cannot be set` });
      }
    }
    if (cfg.retries.initialBackoffMs > cfg.retries.maxBackoffMs) {
      ctx.addIssue({
        code: "custom",
        path: ["retries", "initialBackoffMs"],
        message: `initialBackoffMs (${cfg.retries.initialBackoffMs}) must not exceed maxBackoffMs (${cfg.retries.maxBackoffMs})`,
      });
    }
    for (const [i, status] of cfg.retries.retryOnStatuses.entries()) {
      if (status === 408 || status === 429) {
        ctx.addIssue({
          code: "custom",
          path: ["retries", "retryOnStatuses", i],
          message: `${status} is always retried; list only other 4xx statuses`,
        });
      }
    }
    if (cfg.auth.type !== "none" && !cfg.allowInsecureAuth) {
      const plain: Array<[string, (string | number)[]]> = [];
      if (isPlainHttp(cfg.url)) plain.push([cfg.url, ["url"]]);
      if (cfg.auth.type === "oauth2" && isPlainHttp(cfg.auth.tokenUrl)) plain.push([cfg.auth.tokenUrl, ["auth", "tokenUrl"]]);
      for (const [url, path] of plain) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `credentials would be sent over plain http to ${safeOrigin(url)}; use https, or set allowInsecureAuth: true for a local/demo network`,
        });
      }
    }
  })
  .describe("HTTP API endpoint that receives one source database's changes.");

// Never echo a URL's user:password back into an error message or log.
function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(invalid url)";
  }
}

function isPlainHttp(url: string): boolean {
  try {
    return new URL(url).protocol === "http:";
  } catch {
    return false; // reported by the url check itself
  }
}

export const ApiEndpointsSchema = z
  .record(z.string(), EndpointConfigSchema)
  // Checked here rather than as the record's key schema so the message names the key, and
  // (when: always) also when some values have errors of their own.
  .superRefine(refineSourceNameKeys, { when: () => true })
  .describe("Per-source HTTP API endpoint, keyed by source name (mssql, oracle, mysql, postgres, or your own).");

export type EndpointConfig = z.infer<typeof EndpointConfigSchema>;
export type EndpointConfigInput = z.input<typeof EndpointConfigSchema>;
export type EndpointAuth = z.infer<typeof EndpointAuthSchema>;
export type OAuth2Auth = z.infer<typeof OAuth2AuthSchema>;
export type StaticAuth = z.infer<typeof StaticAuthSchema>;
export type RetriesConfig = z.infer<typeof RetriesSchema>;
export type ApiEndpoints = z.infer<typeof ApiEndpointsSchema>;
export type ApiEndpointsInput = z.input<typeof ApiEndpointsSchema>;

/**
 * Typed identity for connector-configs/api-endpoints.ts: gives editor completion and
 * type errors while leaving validation (with file name and field path) to parseApiEndpoints.
 */
export function defineApiEndpoints<const T extends ApiEndpointsInput>(endpoints: T): T {
  return endpoints;
}

/** Config problems of api-endpoints.ts are reported like those of every other config file. */
export { ConfigError as ApiEndpointsConfigError };

/** Validates the api-endpoints file's value; the error names the file, each field path, the bad value and what was expected. */
export function parseApiEndpoints(value: unknown, file = "connector-configs/api-endpoints.ts"): ApiEndpoints {
  return parseOrThrow(ApiEndpointsSchema, value, file);
}
