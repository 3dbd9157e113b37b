// The contract between the sink-app's per-source delivery loop and this module.

/** One event to deliver. The key must be stable across retries and redeliveries of the same change. */
export interface DeliveryItem {
  /** Visible ASCII, 1..200 chars (see idempotencyKeyFor). Same change => same key, always. */
  idempotencyKey: string;
  /** JSON-serialisable event: a Meter Master row or a change event, per EndpointConfig.payload. */
  body: unknown;
}

/** An item the endpoint refused permanently (4xx other than 408/429): the caller dead-letters it. */
export interface RejectedItem {
  idempotencyKey: string;
  body: unknown;
  status: number;
  /** First bytes of the response body, for the dead letter record and the log. */
  responseSnippet: string;
  /** How many items were in the request that got this answer (1 once a batch was split down). */
  requestSize: number;
}

export interface DeliveryResult {
  /** Items the endpoint accepted (2xx), in input order. */
  deliveredKeys: string[];
  /** Items refused permanently; the caller sends them to the dead letter topic. */
  rejected: RejectedItem[];
  /** Items not sent because the endpoint is disabled (enabled: false). */
  skipped: number;
  /** HTTP requests made to the endpoint, retries and split halves included. */
  requests: number;
}

export type TransientCause =
  | { kind: "network"; message: string }
  | { kind: "timeout"; timeoutMs: number }
  | { kind: "status"; status: number; responseSnippet: string }
  | { kind: "token"; message: string };

/**
 * Raised when a request still fails transiently after retries.maxAttempts: the caller must
 * not commit offsets and should retry the whole delivery later (at-least-once; the endpoint
 * dedupes by idempotency key). Items delivered before the failure are listed so the caller
 * can log them; redelivering them is safe.
 */
export class HttpDeliveryTransientError extends Error {
  override readonly name = "HttpDeliveryTransientError";
  constructor(
    readonly url: string,
    readonly attempts: number,
    readonly lastCause: TransientCause,
    readonly deliveredKeys: readonly string[],
    readonly pendingKeys: readonly string[],
  ) {
    super(`delivery to ${url} failed after ${attempts} attempt(s): ${describeCause(lastCause)}`);
  }
}

/** Raised by createHttpDelivery when the runtime environment lacks a configured secret. */
export class HttpDeliveryConfigError extends Error {
  override readonly name = "HttpDeliveryConfigError";
}

export function describeCause(cause: TransientCause): string {
  switch (cause.kind) {
    case "network":
      return `network error: ${cause.message}`;
    case "timeout":
      return `no response within ${cause.timeoutMs} ms`;
    case "status":
      return `HTTP ${cause.status}${cause.responseSnippet ? `: ${cause.responseSnippet.slice(0, 200)}` : ""}`;
    case "token":
      return `OAuth2 token request failed: ${cause.message}`;
  }
}

/** pino's Logger satisfies this; so does a console-based stub. */
export interface DeliveryLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** Everything with side effects is injected so tests control time and randomness. */
export interface HttpDeliveryDeps {
  fetch?: typeof globalThis.fetch;
  /** Where secrets are read from (static header value, OAuth2 client secret). Default process.env. */
  env?: Record<string, string | undefined>;
  logger?: DeliveryLogger;
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); drives backoff jitter. */
  random?: () => number;
  /** Epoch milliseconds; drives token expiry and HTTP-date Retry-After. */
  now?: () => number;
}

export interface HttpDelivery {
  /**
   * Delivers items in order. Resolves when every item is either delivered or permanently
   * rejected; throws HttpDeliveryTransientError when a transient failure outlasts the retries.
   */
  deliver(items: readonly DeliveryItem[]): Promise<DeliveryResult>;
}
