import { describe, expect, it } from "vitest";
import { classifyStatus, computeBackoffMs, delayBeforeRetryMs, parseRetryAfterMs } from "../../../../sink-app/src/delivery/http/retry-policy.js";

const retries = {
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
  jitter: "full" as const,
  maxRetryAfterMs: 60_000,
  retryOnStatuses: [] as number[],
};

describe("classifyStatus", () => {
  it("treats every 2xx as delivered", () => {
    for (const s of [200, 201, 202, 204]) expect(classifyStatus(s, retries)).toBe("success");
  });

  it("treats 408, 429 and every 5xx as transient", () => {
    for (const s of [408, 429, 500, 502, 503, 504, 599]) expect(classifyStatus(s, retries)).toBe("transient");
  });

  it("treats other 4xx and unfollowed 3xx as permanent rejections", () => {
    for (const s of [400, 401, 403, 404, 409, 413, 422, 304]) expect(classifyStatus(s, retries)).toBe("permanent");
  });

  it("treats configured extra 4xx statuses as transient", () => {
    const r = { retryOnStatuses: [401, 403] };
    expect(classifyStatus(401, r)).toBe("transient");
    expect(classifyStatus(403, r)).toBe("transient");
    expect(classifyStatus(404, r)).toBe("permanent");
  });
});

describe("computeBackoffMs", () => {
  it("doubles the ceiling per attempt and caps it at maxBackoffMs (no jitter)", () => {
    const none = { ...retries, jitter: "none" as const };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => computeBackoffMs(a, none, () => 0.5))).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it("with full jitter waits random * ceiling, from 0 up to just below the ceiling", () => {
    expect(computeBackoffMs(3, retries, () => 0)).toBe(0);
    expect(computeBackoffMs(3, retries, () => 0.25)).toBe(500);
    expect(computeBackoffMs(3, retries, () => 0.999999)).toBe(1999);
  });

  it("with equal jitter waits between half the ceiling and the ceiling", () => {
    const equal = { ...retries, jitter: "equal" as const };
    expect(computeBackoffMs(3, equal, () => 0)).toBe(1000);
    expect(computeBackoffMs(3, equal, () => 0.5)).toBe(1500);
  });

  it("stays at the cap for huge attempt numbers instead of overflowing", () => {
    expect(computeBackoffMs(5000, { ...retries, jitter: "none" }, () => 0)).toBe(30_000);
  });

  it("clamps a misbehaving random source into [0, 1)", () => {
    expect(computeBackoffMs(1, retries, () => 7)).toBeLessThan(500);
    expect(computeBackoffMs(1, retries, () => Number.NaN)).toBe(0);
    expect(computeBackoffMs(1, retries, () => -1)).toBe(0);
  });
});

describe("parseRetryAfterMs", () => {
  const now = Date.parse("2025-03-04T10:00:00Z");

  it("reads delay-seconds", () => {
    expect(parseRetryAfterMs("0", now)).toBe(0);
    expect(parseRetryAfterMs("1", now)).toBe(1000);
    expect(parseRetryAfterMs(" 120 ", now)).toBe(120_000);
  });

  it("reads an HTTP-date relative to now", () => {
    expect(parseRetryAfterMs("Tue, 04 Mar 2025 10:00:30 GMT", now)).toBe(30_000);
  });

  it("turns an HTTP-date in the past into no wait", () => {
    expect(parseRetryAfterMs("Tue, 04 Mar 2025 09:59:00 GMT", now)).toBe(0);
  });

  it("ignores absent, empty, negative, fractional and garbage values", () => {
    for (const v of [null, undefined, "", "  ", "-5", "1.5", "soon", "12abc"]) {
      expect(parseRetryAfterMs(v, now), String(v)).toBeUndefined();
    }
  });
});

describe("delayBeforeRetryMs", () => {
  const now = Date.parse("2025-03-04T10:00:00Z");

  it("honours Retry-After on 429 and 503", () => {
    for (const status of [429, 503]) {
      expect(delayBeforeRetryMs({ attempt: 1, status, retryAfter: "2", nowMs: now, retries, random: () => 0.9 })).toEqual({
        delayMs: 2000,
        source: "retry-after",
      });
    }
  });

  it("caps Retry-After at maxRetryAfterMs", () => {
    const r = { ...retries, maxRetryAfterMs: 5000 };
    expect(delayBeforeRetryMs({ attempt: 1, status: 429, retryAfter: "3600", nowMs: now, retries: r, random: () => 0 })).toEqual({
      delayMs: 5000,
      source: "retry-after",
    });
  });

  it("uses jittered backoff for 500 even when it sends Retry-After", () => {
    expect(delayBeforeRetryMs({ attempt: 2, status: 500, retryAfter: "10", nowMs: now, retries, random: () => 0.5 })).toEqual({
      delayMs: 500,
      source: "backoff",
    });
  });

  it("falls back to backoff when a 429 has no usable Retry-After or there was no response", () => {
    expect(delayBeforeRetryMs({ attempt: 1, status: 429, retryAfter: "later", nowMs: now, retries, random: () => 0.5 }).source).toBe("backoff");
    expect(delayBeforeRetryMs({ attempt: 1, nowMs: now, retries, random: () => 0.5 })).toEqual({ delayMs: 250, source: "backoff" });
  });
});
