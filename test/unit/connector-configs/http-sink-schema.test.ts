import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { configIssuesFromZod } from "../../../connector-configs/schemas/errors.js";
import { httpSinkSchema } from "../../../connector-configs/schemas/http-sink.js";
import { httpSinkInput } from "./fixtures.js";

function problems(input: unknown) {
  const r = httpSinkSchema.safeParse(input, { reportInput: true });
  if (r.success) return [];
  return configIssuesFromZod("sink.ts", r.error as z.ZodError, input).map((i) => ({ path: i.path, expected: i.expected }));
}
const withPath = (input: unknown, path: string) => problems(input).filter((p) => p.path === path);

const oauth2 = {
  accessTokenUrl: "https://login.example.com/oauth2/token",
  clientId: "meter-master-cdc",
  clientSecret: { env: "BILLING_API_CLIENT_SECRET" },
};

describe("HTTP sink schema defaults", () => {
  it("fills sane defaults: no auth, JSON content type, 10 retries, tombstones dropped, string converters", () => {
    expect(httpSinkSchema.parse(httpSinkInput())).toMatchObject({
      enabled: true,
      authorization: { type: "none" },
      contentType: "application/json",
      additionalHeaders: {},
      batching: { enabled: false, maxSize: 500, prefix: "" },
      delivery: { maxRetries: 10, retryBackoffMs: 3000 },
      timeoutSeconds: 30,
      errors: { tolerance: "none" },
      dropTombstones: true,
      keyConverter: "string",
      valueConverter: "string",
      tasksMax: 1,
    });
  });

  it("fills the oauth2 group's documented defaults (HEADER, access_token)", () => {
    const cfg = httpSinkSchema.parse({ ...httpSinkInput(), authorization: { type: "oauth2", oauth2 } });
    expect(cfg.authorization.oauth2).toMatchObject({ clientAuthorizationMode: "HEADER", responseTokenProperty: "access_token" });
  });
});

describe("HTTP sink cross-field rules", () => {
  it("static authorization needs the header", () => {
    const p = withPath({ ...httpSinkInput(), authorization: { type: "static" } }, "authorization.header");
    expect(p).toHaveLength(1);
    expect(p[0]!.expected).toMatch(/static/);
    expect(problems({ ...httpSinkInput(), authorization: { type: "static", header: { env: "BILLING_API_AUTHORIZATION" } } })).toEqual([]);
  });

  it("a header is refused unless the type is static", () => {
    expect(withPath({ ...httpSinkInput(), authorization: { type: "none", header: { env: "X" } } }, "authorization.header")).toHaveLength(1);
  });

  it("oauth2 needs token URL, client id and client secret, each reported", () => {
    const p = problems({ ...httpSinkInput(), authorization: { type: "oauth2", oauth2: { clientAuthorizationMode: "URL" } } });
    expect(p.map((x) => x.path).sort()).toEqual(["authorization.oauth2.accessTokenUrl", "authorization.oauth2.clientId", "authorization.oauth2.clientSecret"]);
    expect(withPath({ ...httpSinkInput(), authorization: { type: "oauth2" } }, "authorization.oauth2.clientId")).toHaveLength(1);
    expect(problems({ ...httpSinkInput(), authorization: { type: "oauth2", oauth2 } })).toEqual([]);
  });

  it("oauth2 settings are refused with another type", () => {
    expect(withPath({ ...httpSinkInput(), authorization: { type: "none", oauth2 } }, "authorization.oauth2")).toHaveLength(1);
  });

  it("the oauth2 client secret must be a reference, not a literal", () => {
    expect(
      withPath({ ...httpSinkInput(), authorization: { type: "oauth2", oauth2: { ...oauth2, clientSecret: "s3cr3t" } } }, "authorization.oauth2.clientSecret"),
    ).toHaveLength(1);
  });

  it("errors.tolerance all together with batching is refused at config time, explaining the connector's refusal", () => {
    const p = withPath({ ...httpSinkInput(), batching: { enabled: true }, errors: { tolerance: "all" } }, "errors.tolerance");
    expect(p).toHaveLength(1);
    expect(p[0]!.expected).toMatch(/Cannot use errors.tolerance when batching is enabled/);
    expect(problems({ ...httpSinkInput(), batching: { enabled: false }, errors: { tolerance: "all" } })).toEqual([]);
  });

  it("a dead letter topic needs errors.tolerance all", () => {
    expect(withPath({ ...httpSinkInput(), errors: { deadLetterQueue: { topic: "dlq.billing_api" } } }, "errors.deadLetterQueue")).toHaveLength(1);
    expect(problems({ ...httpSinkInput(), errors: { tolerance: "all", deadLetterQueue: { topic: "dlq.billing_api" } } })).toEqual([]);
  });

  it("batch prefix, suffix and separator are refused while batching is off", () => {
    const p = problems({ ...httpSinkInput(), batching: { prefix: "[", suffix: "]", separator: "," } });
    expect(p.map((x) => x.path).sort()).toEqual(["batching.prefix", "batching.separator", "batching.suffix"]);
  });

  it("additional headers may not repeat case-insensitively, carry Authorization/Content-Type, or contain ',' or ':'", () => {
    expect(withPath({ ...httpSinkInput(), additionalHeaders: { "X-Tenant": "north", "x-tenant": "south" } }, 'additionalHeaders["x-tenant"]')).toHaveLength(1);
    expect(withPath({ ...httpSinkInput(), additionalHeaders: { Authorization: "Bearer abc" } }, "additionalHeaders.Authorization")).toHaveLength(1);
    expect(withPath({ ...httpSinkInput(), additionalHeaders: { "content-type": "text/plain" } }, 'additionalHeaders["content-type"]')).toHaveLength(1);
    expect(withPath({ ...httpSinkInput(), additionalHeaders: { "X-Callback": "https://x" } }, 'additionalHeaders["X-Callback"]')).toHaveLength(1);
    expect(problems({ ...httpSinkInput(), additionalHeaders: { "X-Tenant": "north", "X-Source": "meter-master" } })).toEqual([]);
  });

  it("user transforms may not reuse the tombstone filter's names while it is on", () => {
    const t = { name: "dropTombstones", type: "org.apache.kafka.connect.transforms.Filter" };
    expect(withPath({ ...httpSinkInput(), transforms: [t] }, "transforms[0].name")).toHaveLength(1);
    expect(problems({ ...httpSinkInput(), dropTombstones: false, transforms: [t] })).toEqual([]);
  });

  it("passthrough may not shadow typed options (e.g. the consumer group or a converter)", () => {
    expect(withPath({ ...httpSinkInput(), passthrough: { "consumer.override.group.id": "mine" } }, 'passthrough["consumer.override.group.id"]')).toHaveLength(
      1,
    );
    expect(
      withPath({ ...httpSinkInput(), passthrough: { "value.converter.schemas.enable": "true" } }, 'passthrough["value.converter.schemas.enable"]'),
    ).toHaveLength(1);
    expect(withPath({ ...httpSinkInput(), passthrough: { "topics.regex": "postgres\\..*" } }, 'passthrough["topics.regex"]')).toHaveLength(1);
    expect(problems({ ...httpSinkInput(), passthrough: { "consumer.override.max.poll.records": "100" } })).toEqual([]);
  });
});

describe("HTTP sink ranges as documented", () => {
  const cases: [string, Record<string, unknown>, string, boolean][] = [
    ["batch.max.size 0", { batching: { enabled: true, maxSize: 0 } }, "batching.maxSize", false],
    ["batch.max.size 1", { batching: { enabled: true, maxSize: 1 } }, "batching.maxSize", true],
    ["batch.max.size 1000000", { batching: { enabled: true, maxSize: 1_000_000 } }, "batching.maxSize", true],
    ["batch.max.size 1000001", { batching: { enabled: true, maxSize: 1_000_001 } }, "batching.maxSize", false],
    ["kafka.retry.backoff.ms -1", { delivery: { kafkaRetryBackoffMs: -1 } }, "delivery.kafkaRetryBackoffMs", false],
    ["kafka.retry.backoff.ms 0", { delivery: { kafkaRetryBackoffMs: 0 } }, "delivery.kafkaRetryBackoffMs", true],
    ["kafka.retry.backoff.ms 86400000", { delivery: { kafkaRetryBackoffMs: 86_400_000 } }, "delivery.kafkaRetryBackoffMs", true],
    ["kafka.retry.backoff.ms 86400001", { delivery: { kafkaRetryBackoffMs: 86_400_001 } }, "delivery.kafkaRetryBackoffMs", false],
    ["max.retries -1", { delivery: { maxRetries: -1 } }, "delivery.maxRetries", false],
    ["max.retries 0", { delivery: { maxRetries: 0 } }, "delivery.maxRetries", true],
    ["retry.backoff.ms -1", { delivery: { retryBackoffMs: -1 } }, "delivery.retryBackoffMs", false],
    ["retry.backoff.ms 0", { delivery: { retryBackoffMs: 0 } }, "delivery.retryBackoffMs", true],
    ["http.timeout 0", { timeoutSeconds: 0 }, "timeoutSeconds", false],
    ["http.timeout 1", { timeoutSeconds: 1 }, "timeoutSeconds", true],
    ["content type blank", { contentType: "   " }, "contentType", false],
  ];
  for (const [label, patch, path, ok] of cases) {
    it(`${ok ? "accepts" : "rejects"} ${label}`, () => {
      expect(withPath({ ...httpSinkInput(), ...patch }, path)).toHaveLength(ok ? 0 : 1);
    });
  }

  it("rejects a non-HTTP URL, an empty topic list and an invalid name", () => {
    expect(withPath({ ...httpSinkInput(), url: "ftp://billing.example.com/x" }, "url")).toHaveLength(1);
    expect(withPath({ ...httpSinkInput(), url: "billing.example.com" }, "url")).toHaveLength(1);
    expect(withPath({ ...httpSinkInput(), topics: [] }, "topics")).toHaveLength(1);
    expect(withPath({ ...httpSinkInput(), name: "billing api" }, "name")).toHaveLength(1);
  });

  it("rejects an unknown key using the connector's dotted spelling, pointing to the typed field", () => {
    const p = withPath({ ...httpSinkInput(), "http.url": "https://x.example.com" }, '["http.url"]');
    expect(p).toHaveLength(1);
    expect(p[0]!.expected).toMatch(/unknown keys are rejected/);
  });
});
