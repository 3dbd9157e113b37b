// Retry decisions for one HTTP request (pure: no clock, no randomness of its own).
import type { RetriesConfig } from "./config.js";

export type StatusClass = "success" | "transient" | "permanent";

/**
 * 2xx delivered; 408, 429, 5xx and configured extras are transient; any other status is a
 * permanent rejection of the request's items (3xx included: fetch already followed redirects,
 * so a 3xx here means the endpoint is misrouted for these items).
 */
export function classifyStatus(status: number, retries: Pick<RetriesConfig, "retryOnStatuses">): StatusClass {
  if (status >= 200 && status < 300) return "success";
  if (status === 408 || status === 429 || status >= 500) return "transient";
  if (retries.retryOnStatuses.includes(status)) return "transient";
  return "permanent";
}

/**
 * Backoff before attempt `attempt + 1`, after `attempt` failed attempts (attempt >= 1):
 * exponential ceiling initial * 2^(attempt-1), capped at max, then jitter.
 * Full jitter (AWS architecture blog) spreads retries of many consumers best.
 */
export function computeBackoffMs(attempt: number, retries: Pick<RetriesConfig, "initialBackoffMs" | "maxBackoffMs" | "jitter">, random: () => number): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity for large attempts; min() keeps it at the cap.
  const ceiling = Math.min(retries.maxBackoffMs, retries.initialBackoffMs * 2 ** exponent);
  const r = clampUnit(random());
  switch (retries.jitter) {
    case "none":
      return ceiling;
    case "equal":
      return Math.floor(ceiling / 2 + r * (ceiling / 2));
    case "full":
      return Math.floor(r * ceiling);
  }
}

function clampUnit(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return x >= 1 ? 0.999999 : x;
}

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds to
 * wait (>= 0), or undefined when absent or unparseable (then the normal backoff applies).
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only accept things that look like a date; Date.parse is lenient with plain numbers.
  if (!/[A-Za-z]/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Statuses whose Retry-After we honour (RFC 9110: 503 and 429 define it for this purpose). */
export function honoursRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}

/** Wait before the next attempt: Retry-After when given on 429/503 (capped), else jittered backoff. */
export function delayBeforeRetryMs(params: {
  attempt: number;
  status?: number;
  retryAfter?: string | null;
  nowMs: number;
  retries: Pick<RetriesConfig, "initialBackoffMs" | "maxBackoffMs" | "jitter" | "maxRetryAfterMs">;
  random: () => number;
}): { delayMs: number; source: "retry-after" | "backoff" } {
  if (params.status !== undefined && honoursRetryAfter(params.status)) {
    const fromHeader = parseRetryAfterMs(params.retryAfter, params.nowMs);
    if (fromHeader !== undefined) {
      return { delayMs: Math.min(fromHeader, params.retries.maxRetryAfterMs), source: "retry-after" };
    }
  }
  return { delayMs: computeBackoffMs(params.attempt, params.retries, params.random), source: "backoff" };
}
