// Delivers events to one source's HTTP API endpoint: batching, retries, auth, poison isolation.
//
// Delivery contract (what an endpoint can rely on):
//  - POST <url>, Content-Type: application/json.
//  - batching.enabled: body is a JSON array of event objects; otherwise a single event object.
//  - Every event object carries its own idempotency key in `idempotencyKeyProperty`
//    (default "idempotencyKey"): dedupe per event on that. The `idempotencyHeader`
//    (default "Idempotency-Key") holds the event key for single requests and, for batches,
//    `batch-<hash of the keys in order>`, identical on every retry of the same batch.
//  - At-least-once: an event may arrive more than once (retry after a timeout, redelivery
//    after a crash), never zero times unless dead-lettered; its key is always the same.
//  - 2xx = accepted. 408/429/5xx/network/timeout = retried with backoff (Retry-After honoured
//    on 429/503). Other 4xx = permanent: a rejected batch is split in halves until the
//    poison event(s) are alone, and only those are returned as rejected (dead letter topic).
import type { EndpointConfig, EndpointConfigInput } from "./config.js";
import { EndpointConfigSchema } from "./config.js";
import { assertValidIdempotencyKey } from "./idempotency.js";
import { createTokenProvider, type TokenProvider, TokenRequestError } from "./oauth2.js";
import { buildRequestBody, buildRequestHeaders, chunk, requestIdempotencyKey, staticAuthHeader } from "./request-shape.js";
import { classifyStatus, delayBeforeRetryMs } from "./retry-policy.js";
import {
  type DeliveryItem,
  type DeliveryLogger,
  type DeliveryResult,
  type HttpDelivery,
  HttpDeliveryConfigError,
  type HttpDeliveryDeps,
  HttpDeliveryTransientError,
  type TransientCause,
} from "./types.js";

const SNIPPET_BYTES = 1024;

type AttemptOutcome =
  | { type: "response"; status: number; retryAfter: string | null; snippet: string; token?: string }
  | { type: "failure"; cause: TransientCause };

type GroupOutcome = { type: "delivered" } | { type: "rejected"; status: number; snippet: string };

/** Thrown inside; converted to HttpDeliveryTransientError with the whole call's progress. */
class RetriesExhausted extends Error {
  constructor(
    readonly attempts: number,
    readonly lastCause: TransientCause,
  ) {
    super("retries exhausted");
  }
}

const silentLogger: DeliveryLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Builds the delivery for one endpoint. `config` may be the raw input (defaults are applied
 * here) or an already parsed EndpointConfig. Fails fast when a configured secret env var is missing.
 */
export function createHttpDelivery(config: EndpointConfig | EndpointConfigInput, deps: HttpDeliveryDeps = {}): HttpDelivery {
  const cfg = EndpointConfigSchema.parse(config);
  const fetchFn = deps.fetch ?? globalThis.fetch;
  const env = deps.env ?? process.env;
  const logger = deps.logger ?? silentLogger;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;

  let staticHeader: { name: string; value: string } | undefined;
  let tokens: TokenProvider | undefined;
  if (cfg.enabled && cfg.auth.type === "static") {
    staticHeader = staticAuthHeader(cfg.auth, env);
    if (!staticHeader) {
      throw new HttpDeliveryConfigError(`environment variable ${cfg.auth.valueEnv} (auth header for ${cfg.url}) is not set or empty`);
    }
  }
  if (cfg.enabled && cfg.auth.type === "oauth2") {
    const clientSecret = env[cfg.auth.clientSecretEnv];
    if (!clientSecret) {
      throw new HttpDeliveryConfigError(`environment variable ${cfg.auth.clientSecretEnv} (OAuth2 client secret for ${cfg.auth.tokenUrl}) is not set or empty`);
    }
    tokens = createTokenProvider({ auth: cfg.auth, clientSecret, timeoutMs: cfg.timeoutMs, fetch: fetchFn, now });
  }

  async function attemptOnce(group: readonly DeliveryItem[]): Promise<AttemptOutcome> {
    let auth = staticHeader;
    let token: string | undefined;
    if (tokens) {
      try {
        token = await tokens.getToken();
      } catch (err) {
        // Our own credential/token trouble is never the items' fault: retry, never dead-letter.
        const message = err instanceof TokenRequestError ? err.message : String(err);
        return { type: "failure", cause: { kind: "token", message } };
      }
      auth = { name: "Authorization", value: `Bearer ${token}` };
    }
    const headers = buildRequestHeaders({
      config: cfg,
      idempotencyKey: requestIdempotencyKey(group, cfg.batching.enabled),
      batchSize: cfg.batching.enabled ? group.length : undefined,
      auth,
    });
    const body = buildRequestBody(group, cfg);
    try {
      // One deadline covers connect, headers and reading the response body.
      const res = await fetchFn(cfg.url, { method: "POST", headers, body, signal: AbortSignal.timeout(cfg.timeoutMs) });
      const snippet = await readSnippet(res);
      return { type: "response", status: res.status, retryAfter: res.headers.get("retry-after"), snippet, token };
    } catch (err) {
      if (isTimeout(err)) return { type: "failure", cause: { kind: "timeout", timeoutMs: cfg.timeoutMs } };
      return { type: "failure", cause: { kind: "network", message: errorMessage(err) } };
    }
  }

  async function sendWithRetries(group: readonly DeliveryItem[], result: DeliveryResult): Promise<GroupOutcome> {
    let attempt = 0;
    let refreshedAfter401 = false;
    for (;;) {
      attempt++;
      const outcome = await attemptOnce(group);
      let cause: TransientCause;
      let status: number | undefined;
      let retryAfter: string | null = null;
      if (outcome.type === "response") {
        result.requests++;
        status = outcome.status;
        if (status === 401 && tokens && outcome.token !== undefined && !refreshedAfter401) {
          // The token may have been revoked or rotated early: refresh once, right away, for free.
          refreshedAfter401 = true;
          tokens.invalidate(outcome.token);
          attempt--;
          logger.info({ url: cfg.url }, "endpoint answered 401; refreshing OAuth2 token and retrying");
          continue;
        }
        const cls = classifyStatus(status, cfg.retries);
        if (cls === "success") return { type: "delivered" };
        if (cls === "permanent") return { type: "rejected", status, snippet: outcome.snippet };
        cause = { kind: "status", status, responseSnippet: outcome.snippet };
        retryAfter = outcome.retryAfter;
      } else {
        if (outcome.cause.kind !== "token") result.requests++;
        cause = outcome.cause;
      }
      if (attempt >= cfg.retries.maxAttempts) throw new RetriesExhausted(attempt, cause);
      const { delayMs, source } = delayBeforeRetryMs({
        attempt,
        status,
        retryAfter,
        nowMs: now(),
        retries: cfg.retries,
        random,
      });
      logger.warn(
        { url: cfg.url, attempt, maxAttempts: cfg.retries.maxAttempts, items: group.length, cause, delayMs, delaySource: source },
        "transient delivery failure; retrying",
      );
      await sleep(delayMs);
    }
  }

  async function sendGroup(group: readonly DeliveryItem[], result: DeliveryResult): Promise<void> {
    const outcome = await sendWithRetries(group, result);
    if (outcome.type === "delivered") {
      for (const item of group) result.deliveredKeys.push(item.idempotencyKey);
      return;
    }
    if (cfg.batching.enabled && cfg.batching.splitOnReject && group.length > 1) {
      // Binary split: at most 2n-1 requests to isolate every poison event; the good halves
      // are delivered (again, if the endpoint applied part of the batch: keys make that safe).
      logger.warn(
        { url: cfg.url, status: outcome.status, items: group.length, response: outcome.snippet.slice(0, 200) },
        "batch rejected permanently; splitting to isolate the rejected events",
      );
      const mid = Math.ceil(group.length / 2);
      await sendGroup(group.slice(0, mid), result);
      await sendGroup(group.slice(mid), result);
      return;
    }
    for (const item of group) {
      result.rejected.push({
        idempotencyKey: item.idempotencyKey,
        body: item.body,
        status: outcome.status,
        responseSnippet: outcome.snippet,
        requestSize: group.length,
      });
    }
    logger.warn(
      { url: cfg.url, status: outcome.status, keys: group.map((i) => i.idempotencyKey), response: outcome.snippet.slice(0, 200) },
      "events rejected permanently by the endpoint",
    );
  }

  return {
    async deliver(items) {
      for (const item of items) assertValidIdempotencyKey(item.idempotencyKey);
      const result: DeliveryResult = { deliveredKeys: [], rejected: [], skipped: 0, requests: 0 };
      if (!cfg.enabled) {
        result.skipped = items.length;
        return result;
      }
      const groups = cfg.batching.enabled ? chunk(items, cfg.batching.maxItems) : items.map((item) => [item]);
      for (const group of groups) {
        try {
          await sendGroup(group, result);
        } catch (err) {
          if (!(err instanceof RetriesExhausted)) throw err;
          const done = new Set([...result.deliveredKeys, ...result.rejected.map((r) => r.idempotencyKey)]);
          const pending = items.map((i) => i.idempotencyKey).filter((k) => !done.has(k));
          const error = new HttpDeliveryTransientError(cfg.url, err.attempts, err.lastCause, [...result.deliveredKeys], pending);
          logger.error({ url: cfg.url, attempts: err.attempts, pending: pending.length, cause: err.lastCause }, error.message);
          throw error;
        }
      }
      return result;
    },
  };
}

/** Reads at most SNIPPET_BYTES of the body and releases the rest (keeps the connection reusable for small bodies). */
async function readSnippet(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Only the snippet is needed; a cancel that fails means the body is already gone.
    if (size >= SNIPPET_BYTES) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  return Buffer.concat(chunks).toString("utf8", 0, Math.min(size, SNIPPET_BYTES));
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === "TimeoutError" || (err as { cause?: Error }).cause?.name === "TimeoutError");
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
