// createHttpDelivery against REAL local HTTP servers (node:http on 127.0.0.1, free port):
// scripted endpoints that fail, hang, rate-limit and reject; a real OAuth2 token endpoint;
// and the demo API receiver with fault injection. No Kafka or database involved.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createHttpDelivery,
  type DeliveryItem,
  type EndpointConfigInput,
  HttpDeliveryTransientError,
  idempotencyKeyFor,
} from "../../sink-app/src/delivery/http/index.js";
import { demoApiConfigFromEnv } from "../../sink-app/src/demo-api/config.js";
import { startDemoApi } from "../../sink-app/src/demo-api/server.js";

// ---------------------------------------------------------------- fixtures

/** A Meter Master row as the sink-app would deliver it for the MariaDB demo table. */
function meterRow(n: number, position: string) {
  const meterNo = `M-${1000 + n}`;
  return {
    source_system: "mysql",
    source_key: JSON.stringify(["NYC", meterNo]),
    meter_id: meterNo,
    meter_type: n % 3 === 0 ? "GAS" : "ELECTRIC",
    status: n % 7 === 0 ? "inactive" : "active",
    customer_ref: n % 5 === 0 ? null : `ACC-${20_900 + n}`,
    location: `${10 + n} Harbor St, New York, NY`,
    installed_at: "2021-03-14",
    last_reading: (10_452.25 + n).toFixed(4),
    last_reading_at: "2025-01-07T08:15:00.000Z",
    attributes: { notes: n % 4 === 0 ? "rooftop unit" : null },
    is_deleted: false,
    source_op: "u",
    source_ts: "2025-01-07T08:15:02.114Z",
    source_position: position,
  };
}

function items(count: number, from = 1): DeliveryItem[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const position = `mysql-bin.000003:${15_000 + n * 137}:0`;
    const body = meterRow(n, position);
    return {
      idempotencyKey: idempotencyKeyFor({ sourceSystem: "mysql", sourceKey: body.source_key, sourcePosition: position, op: "u" }),
      body,
    };
  });
}

// ---------------------------------------------------------------- real servers

interface Received {
  n: number;
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

interface TestServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

const openServers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(openServers.splice(0).map((s) => s.close()));
});

/** node:http server whose answer to the n-th request (1-based) is decided by `respond`; not answering = hanging. */
async function startServer(respond: (req: Received, res: ServerResponse) => void | Promise<void>): Promise<TestServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const r: Received = {
        n: received.length + 1,
        at: performance.now(),
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        raw,
        body,
      };
      received.push(r);
      void respond(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const handle: TestServer = {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // also ends requests a test left hanging
      }),
  };
  openServers.push(handle);
  return handle;
}

function reply(res: ServerResponse, status: number, body: unknown = { ok: status < 300 }, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** Real sleep that also records what the delivery asked for. */
function recordingSleep() {
  const waits: number[] = [];
  return {
    waits,
    sleep: (ms: number) => {
      waits.push(ms);
      return new Promise<void>((resolve) => setTimeout(resolve, ms));
    },
  };
}

const fastRetries = { maxAttempts: 5, initialBackoffMs: 20, maxBackoffMs: 200, jitter: "full" as const };

function gaps(received: Received[]): number[] {
  return received.slice(1).map((r, i) => r.at - received[i]!.at);
}

// ---------------------------------------------------------------- tests

describe("transient failures are retried with backoff, keeping idempotency keys stable", () => {
  it("retries two 500s with exponential backoff and delivers the same batch on the third attempt", async () => {
    const api = await startServer((r, res) => (r.n <= 2 ? reply(res, 500, { error: "db pool exhausted" }) : reply(res, 202)));
    const { sleep, waits } = recordingSleep();
    const batch = items(4);
    const delivery = createHttpDelivery(
      { url: `${api.url}/api/mysql`, retries: { ...fastRetries, initialBackoffMs: 100, maxBackoffMs: 1000 } },
      { sleep, random: () => 0.9 },
    );

    const result = await delivery.deliver(batch);

    expect(result).toEqual({ deliveredKeys: batch.map((i) => i.idempotencyKey), rejected: [], skipped: 0, requests: 3 });
    expect(waits).toEqual([90, 180]); // 0.9 * 100, 0.9 * 200: the ceiling doubles
    const [g1, g2] = gaps(api.received);
    expect(g1).toBeGreaterThanOrEqual(85);
    expect(g2).toBeGreaterThanOrEqual(175);
    // Same request each time: header key, body bytes, per-event keys.
    expect(new Set(api.received.map((r) => r.headers["idempotency-key"])).size).toBe(1);
    expect(api.received[0]!.headers["idempotency-key"]).toMatch(/^batch-[0-9a-f]{40}$/);
    expect(new Set(api.received.map((r) => r.raw)).size).toBe(1);
    expect(api.received[2]!.body.map((e: { idempotencyKey: string }) => e.idempotencyKey)).toEqual(batch.map((i) => i.idempotencyKey));
    expect(api.received[2]!.headers["x-batch-size"]).toBe("4");
  });

  it("gives up on a hanging endpoint after timeoutMs and delivers on the retry (at-least-once)", async () => {
    const api = await startServer((r, res) => {
      if (r.n > 1) reply(res, 200); // the first request never gets an answer
    });
    const delivery = createHttpDelivery({ url: `${api.url}/api/mysql`, timeoutMs: 300, retries: fastRetries }, { random: () => 0 });
    const batch = items(2);
    const started = performance.now();

    const result = await delivery.deliver(batch);

    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
    expect(result.deliveredKeys).toEqual(batch.map((i) => i.idempotencyKey));
    expect(result.requests).toBe(2);
    // The endpoint saw the batch twice, byte for byte: it can drop the repeat by key.
    expect(api.received).toHaveLength(2);
    expect(api.received[0]!.raw).toBe(api.received[1]!.raw);
  });

  it("retries 408 like a timeout", async () => {
    const api = await startServer((r, res) => (r.n === 1 ? reply(res, 408) : reply(res, 200)));
    const delivery = createHttpDelivery({ url: `${api.url}/api/mysql`, retries: fastRetries }, { random: () => 0 });
    expect((await delivery.deliver(items(1))).requests).toBe(2);
  });

  it("raises a typed transient error with the last cause after maxAttempts, delivering nothing", async () => {
    const api = await startServer((_r, res) => reply(res, 503, { error: "maintenance" }));
    const delivery = createHttpDelivery({ url: `${api.url}/api/mysql`, retries: { ...fastRetries, maxAttempts: 3 } }, { random: () => 0 });
    const batch = items(3);

    const error = await delivery.deliver(batch).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(HttpDeliveryTransientError);
    const e = error as HttpDeliveryTransientError;
    expect(e.attempts).toBe(3);
    expect(e.lastCause).toEqual({ kind: "status", status: 503, responseSnippet: '{"error":"maintenance"}' });
    expect(e.deliveredKeys).toEqual([]);
    expect(e.pendingKeys).toEqual(batch.map((i) => i.idempotencyKey));
    expect(e.message).toBe(`delivery to ${api.url}/api/mysql failed after 3 attempt(s): HTTP 503: {"error":"maintenance"}`);
    expect(api.received).toHaveLength(3);
  });

  it("reports which items were delivered before a later batch failed for good", async () => {
    const api = await startServer((r, res) => (r.n === 1 ? reply(res, 200) : reply(res, 500)));
    const delivery = createHttpDelivery(
      { url: `${api.url}/api/mysql`, batching: { maxItems: 2 }, retries: { ...fastRetries, maxAttempts: 2 } },
      { random: () => 0 },
    );
    const batch = items(5);
    const e = (await delivery.deliver(batch).catch((err: unknown) => err)) as HttpDeliveryTransientError;
    expect(e).toBeInstanceOf(HttpDeliveryTransientError);
    expect(e.deliveredKeys).toEqual(batch.slice(0, 2).map((i) => i.idempotencyKey));
    expect(e.pendingKeys).toEqual(batch.slice(2).map((i) => i.idempotencyKey));
  });

  it("treats a refused connection as a transient network error", async () => {
    const gone = await startServer((_r, res) => reply(res, 200));
    await gone.close();
    const delivery = createHttpDelivery({ url: `${gone.url}/api/mysql`, retries: { ...fastRetries, maxAttempts: 2 } }, { random: () => 0 });
    const e = (await delivery.deliver(items(1)).catch((err: unknown) => err)) as HttpDeliveryTransientError;
    expect(e).toBeInstanceOf(HttpDeliveryTransientError);
    expect(e.lastCause.kind).toBe("network");
    expect(e.attempts).toBe(2);
  });
});

describe("Retry-After is honoured on 429 and 503", () => {
  it("waits the Retry-After seconds of a 429 instead of the (much shorter) backoff", async () => {
    const api = await startServer((r, res) => (r.n === 1 ? reply(res, 429, { error: "slow down" }, { "retry-after": "1" }) : reply(res, 200)));
    const { sleep, waits } = recordingSleep();
    const delivery = createHttpDelivery({ url: `${api.url}/api/mysql`, retries: fastRetries }, { sleep, random: () => 0 });

    await delivery.deliver(items(2));

    expect(waits).toEqual([1000]);
    const [gap] = gaps(api.received);
    expect(gap).toBeGreaterThanOrEqual(990);
    expect(gap).toBeLessThan(2000);
  });

  it("waits until the HTTP-date of a 429 Retry-After", async () => {
    const api = await startServer((r, res) =>
      r.n === 1 ? reply(res, 429, { error: "slow down" }, { "retry-after": new Date(Date.now() + 2000).toUTCString() }) : reply(res, 200),
    );
    const { sleep, waits } = recordingSleep();
    const delivery = createHttpDelivery({ url: `${api.url}/api/mysql`, retries: fastRetries }, { sleep, random: () => 0 });

    await delivery.deliver(items(1));

    // HTTP-dates have whole seconds: "now + 2 s" truncates to 1..2 s from now.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(900);
    expect(waits[0]).toBeLessThanOrEqual(2000);
    const [gap] = gaps(api.received);
    expect(gap).toBeGreaterThanOrEqual(waits[0]! - 10);
    expect(gap).toBeLessThan(3000);
  });

  it("caps an excessive Retry-After at maxRetryAfterMs", async () => {
    const api = await startServer((r, res) => (r.n === 1 ? reply(res, 503, {}, { "retry-after": "3600" }) : reply(res, 200)));
    const { sleep, waits } = recordingSleep();
    const delivery = createHttpDelivery({ url: `${api.url}/api/mysql`, retries: { ...fastRetries, maxRetryAfterMs: 250 } }, { sleep, random: () => 0 });
    const started = performance.now();
    await delivery.deliver(items(1));
    expect(waits).toEqual([250]);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("permanent rejections are returned for the dead letter topic", () => {
  const poison = new Set(["M-1004", "M-1009"]);
  /** Validates each event like a strict API: rejects the whole request if any event is bad. */
  const strictApi = () =>
    startServer((r, res) => {
      const events: Array<{ meter_id: string }> = Array.isArray(r.body) ? r.body : [r.body];
      const bad = events.find((e) => poison.has(e.meter_id));
      if (bad) reply(res, 422, { error: `meter ${bad.meter_id}: serial number not registered` });
      else reply(res, 200, { accepted: events.length });
    });

  it("splits a rejected batch until only the poison events are rejected, delivering the rest", async () => {
    const api = await strictApi();
    const batch = items(10);
    const delivery = createHttpDelivery({ url: `${api.url}/api/mysql`, retries: fastRetries });

    const result = await delivery.deliver(batch);

    const poisonKeys = batch.filter((i) => poison.has((i.body as { meter_id: string }).meter_id)).map((i) => i.idempotencyKey);
    expect(result.rejected.map((r) => r.idempotencyKey)).toEqual(poisonKeys);
    for (const r of result.rejected) {
      expect(r.status).toBe(422);
      expect(r.requestSize).toBe(1);
      expect(r.responseSnippet).toBe(`{"error":"meter ${(r.body as { meter_id: string }).meter_id}: serial number not registered"}`);
    }
    expect(result.deliveredKeys).toEqual(batch.map((i) => i.idempotencyKey).filter((k) => !poisonKeys.includes(k)));
    expect(result.requests).toBeLessThanOrEqual(2 * batch.length - 1);
    // Every item ended up exactly once in delivered or rejected: nothing lost, nothing doubled.
    expect([...result.deliveredKeys, ...result.rejected.map((r) => r.idempotencyKey)].sort()).toEqual(batch.map((i) => i.idempotencyKey).sort());
    // Permanent answers are not retried: each distinct request body was sent once.
    expect(new Set(api.received.map((r) => r.raw)).size).toBe(api.received.length);
  });

  it("rejects the whole batch without splitting when splitOnReject is off", async () => {
    const api = await strictApi();
    const batch = items(6);
    const delivery = createHttpDelivery({ url: `${api.url}/api/mysql`, batching: { splitOnReject: false } });
    const result = await delivery.deliver(batch);
    expect(result.deliveredKeys).toEqual([]);
    expect(result.rejected.map((r) => [r.idempotencyKey, r.status, r.requestSize])).toEqual(batch.map((i) => [i.idempotencyKey, 422, 6]));
    expect(api.received).toHaveLength(1);
  });

  it("returns a 400 for a single request as rejected after one attempt", async () => {
    const api = await startServer((_r, res) => reply(res, 400, { error: "unknown field meter_type" }));
    const delivery = createHttpDelivery({ url: `${api.url}/api/mysql`, batching: { enabled: false }, retries: fastRetries });
    const [only] = items(1);
    const result = await delivery.deliver([only!]);
    expect(result.rejected).toEqual([
      { idempotencyKey: only!.idempotencyKey, body: only!.body, status: 400, responseSnippet: '{"error":"unknown field meter_type"}', requestSize: 1 },
    ]);
    expect(api.received).toHaveLength(1);
  });

  it("keeps only the first KiB of a large error body as the snippet", async () => {
    const api = await startServer((_r, res) => reply(res, 400, { error: "x".repeat(200_000) }));
    const delivery = createHttpDelivery({ url: `${api.url}/api/mysql`, batching: { enabled: false } });
    const result = await delivery.deliver(items(1));
    expect(result.rejected[0]!.responseSnippet).toHaveLength(1024);
    expect(result.rejected[0]!.responseSnippet.startsWith('{"error":"xxx')).toBe(true);
  });
});

describe("request shape on the wire", () => {
  it("sends one JSON object per request with the event's own key in the header when batching is off", async () => {
    const api = await startServer((_r, res) => reply(res, 201));
    const batch = items(3);
    const delivery = createHttpDelivery({
      url: `${api.url}/api/mysql`,
      batching: { enabled: false },
      headers: { "X-Source-System": "mysql" },
    });
    await delivery.deliver(batch);
    expect(api.received.map((r) => r.headers["idempotency-key"])).toEqual(batch.map((i) => i.idempotencyKey));
    expect(api.received.map((r) => r.body)).toEqual(batch.map((i) => ({ ...(i.body as object), idempotencyKey: i.idempotencyKey })));
    expect(api.received.every((r) => r.method === "POST" && r.path === "/api/mysql")).toBe(true);
    expect(api.received.every((r) => r.headers["content-type"] === "application/json" && r.headers["x-source-system"] === "mysql")).toBe(true);
  });

  it("cuts deliveries into batches of at most maxItems, in order", async () => {
    const api = await startServer((_r, res) => reply(res, 200));
    const batch = items(25);
    const delivery = createHttpDelivery({ url: `${api.url}/api/mysql`, batching: { maxItems: 10 } });
    await delivery.deliver(batch);
    expect(api.received.map((r) => r.body.length)).toEqual([10, 10, 5]);
    expect(api.received.map((r) => r.headers["x-batch-size"])).toEqual(["10", "10", "5"]);
    expect(api.received.flatMap((r) => r.body.map((e: { idempotencyKey: string }) => e.idempotencyKey))).toEqual(batch.map((i) => i.idempotencyKey));
  });

  it("sends the static auth header read from the environment", async () => {
    const api = await startServer((r, res) => (r.headers["x-api-key"] === "k-2f9c41" ? reply(res, 200) : reply(res, 403)));
    const delivery = createHttpDelivery(
      { url: `${api.url}/api/mysql`, auth: { type: "static", headerName: "X-Api-Key", valueEnv: "MYSQL_API_KEY" }, allowInsecureAuth: true },
      { env: { MYSQL_API_KEY: "k-2f9c41" } },
    );
    const result = await delivery.deliver(items(2));
    expect(result.deliveredKeys).toHaveLength(2);
    expect(api.received[0]!.headers["x-api-key"]).toBe("k-2f9c41");
  });
});

describe("OAuth2 client credentials", () => {
  const CLIENT_ID = "meter-cdc";
  const CLIENT_SECRET = "s3cret:for/tests";

  /** A real token endpoint and an API that only accepts its live tokens. */
  async function startOAuthPair(options: { expiresIn?: number; tokenDelayMs?: number; mode?: "header" | "url" } = {}) {
    let issued = 0;
    const live = new Set<string>();
    const state = { tokenStatus: 200, apiAcceptsTokens: true };
    const tokenServer = await startServer(async (r, res) => {
      if (options.tokenDelayMs) await new Promise((resolve) => setTimeout(resolve, options.tokenDelayMs));
      if (state.tokenStatus !== 200) return reply(res, state.tokenStatus, { error: "temporarily_unavailable" });
      const form = Object.fromEntries(new URLSearchParams(r.raw));
      const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`;
      const authOk =
        options.mode === "url"
          ? form.client_id === CLIENT_ID && form.client_secret === CLIENT_SECRET && r.headers.authorization === undefined
          : r.headers.authorization === basic;
      if (form.grant_type !== "client_credentials" || !authOk) return reply(res, 401, { error: "invalid_client" });
      const token = `tok-${++issued}`;
      live.add(token);
      reply(res, 200, { access_token: token, token_type: "Bearer", expires_in: options.expiresIn ?? 3600, scope: form.scope });
    });
    const api = await startServer((r, res) => {
      const token = /^Bearer (.+)$/.exec(r.headers.authorization ?? "")?.[1];
      if (!token || !live.has(token) || !state.apiAcceptsTokens) return reply(res, 401, { error: "invalid_token" });
      reply(res, 200);
    });
    const config: EndpointConfigInput = {
      url: `${api.url}/api/oracle`,
      allowInsecureAuth: true,
      auth: {
        type: "oauth2",
        tokenUrl: `${tokenServer.url}/oauth2/token`,
        clientId: CLIENT_ID,
        clientSecretEnv: "ORACLE_API_CLIENT_SECRET",
        scope: "meters.write",
        authorizationMode: options.mode ?? "header",
      },
      retries: fastRetries,
    };
    const env = { ORACLE_API_CLIENT_SECRET: CLIENT_SECRET };
    const bearerSeen = () => api.received.map((r) => r.headers.authorization);
    return { tokenServer, api, live, state, config, env, bearerSeen };
  }

  it("fetches the token once and reuses it across deliveries", async () => {
    const o = await startOAuthPair();
    const delivery = createHttpDelivery(o.config, { env: o.env });
    for (let i = 0; i < 3; i++) await delivery.deliver(items(2, 1 + i * 2));
    expect(o.tokenServer.received).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(o.tokenServer.received[0]!.raw))).toEqual({
      grant_type: "client_credentials",
      scope: "meters.write",
    });
    expect(o.bearerSeen()).toEqual(["Bearer tok-1", "Bearer tok-1", "Bearer tok-1"]);
  });

  it("refreshes the token once it is within refreshSkewSeconds of expires_in", async () => {
    const o = await startOAuthPair({ expiresIn: 300 });
    let offsetMs = 0;
    const delivery = createHttpDelivery(
      { ...o.config, auth: { ...(o.config.auth as object), refreshSkewSeconds: 30 } as EndpointConfigInput["auth"] },
      { env: o.env, now: () => Date.now() + offsetMs },
    );
    await delivery.deliver(items(1, 1));
    offsetMs = 269_000; // 31 s before expiry: still valid
    await delivery.deliver(items(1, 2));
    offsetMs = 271_000; // 29 s before expiry: refresh
    await delivery.deliver(items(1, 3));
    expect(o.tokenServer.received).toHaveLength(2);
    expect(o.bearerSeen()).toEqual(["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]);
  });

  it("on a 401 refreshes the token once and retries at once, without spending an attempt", async () => {
    const o = await startOAuthPair();
    const delivery = createHttpDelivery({ ...o.config, retries: { ...fastRetries, maxAttempts: 1 } }, { env: o.env });
    await delivery.deliver(items(1, 1));
    o.live.delete("tok-1"); // revoked server-side before it expired

    const result = await delivery.deliver(items(1, 2));

    expect(result.deliveredKeys).toHaveLength(1);
    expect(o.tokenServer.received).toHaveLength(2);
    expect(o.bearerSeen()).toEqual(["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]);
    expect(o.api.received.map((r) => r.headers["idempotency-key"]).slice(1)).toEqual([
      o.api.received[1]!.headers["idempotency-key"],
      o.api.received[1]!.headers["idempotency-key"],
    ]);
  });

  it("rejects after a second 401 with a fresh token instead of refreshing forever", async () => {
    const o = await startOAuthPair();
    const delivery = createHttpDelivery(o.config, { env: o.env });
    o.state.apiAcceptsTokens = false; // e.g. the client lost its permission on the API
    const result = await delivery.deliver(items(1));
    expect(result.rejected.map((r) => r.status)).toEqual([401]);
    expect(o.tokenServer.received).toHaveLength(2);
    expect(o.api.received).toHaveLength(2);
  });

  it("lets concurrent deliveries share a single token request", async () => {
    const o = await startOAuthPair({ tokenDelayMs: 200 });
    const delivery = createHttpDelivery(o.config, { env: o.env });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => delivery.deliver(items(1, n))));
    expect(results.every((r) => r.deliveredKeys.length === 1)).toBe(true);
    expect(o.tokenServer.received).toHaveLength(1);
    expect(new Set(o.bearerSeen())).toEqual(new Set(["Bearer tok-1"]));
  });

  it("sends client_id and client_secret as form fields in url mode", async () => {
    const o = await startOAuthPair({ mode: "url" });
    const delivery = createHttpDelivery(o.config, { env: o.env });
    expect((await delivery.deliver(items(1))).deliveredKeys).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(o.tokenServer.received[0]!.raw))).toEqual({
      grant_type: "client_credentials",
      scope: "meters.write",
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
  });

  it("treats a failing token endpoint as transient: retried, then thrown, never dead-lettered", async () => {
    const o = await startOAuthPair();
    o.state.tokenStatus = 503;
    const delivery = createHttpDelivery({ ...o.config, retries: { ...fastRetries, maxAttempts: 3 } }, { env: o.env, random: () => 0 });
    const e = (await delivery.deliver(items(2)).catch((err: unknown) => err)) as HttpDeliveryTransientError;
    expect(e).toBeInstanceOf(HttpDeliveryTransientError);
    expect(e.lastCause.kind).toBe("token");
    expect(e.message).toContain("token endpoint answered HTTP 503");
    expect(o.tokenServer.received).toHaveLength(3);
    expect(o.api.received).toHaveLength(0);

    o.state.tokenStatus = 200; // the identity provider is back: the next delivery works
    expect((await delivery.deliver(items(2))).deliveredKeys).toHaveLength(2);
  });
});

describe("against the demo API receiver with injected faults", () => {
  const demoConfig = (env: Record<string, string>) => demoApiConfigFromEnv({ PORT: "0", HOST: "127.0.0.1", ...env });

  it("rides out the endpoint going down (503) and coming back, delivering every event exactly once", async () => {
    const demo = await startDemoApi(demoConfig({}));
    openServers.push(demo);
    const down = await fetch(`${demo.url}/admin/faults`, { method: "POST", body: JSON.stringify({ down: true }) });
    expect(down.status).toBe(200);
    const delivery = createHttpDelivery({ url: `${demo.url}/api/postgres`, retries: { maxAttempts: 50, initialBackoffMs: 50, maxBackoffMs: 200 } }, {});
    const batch = items(30);

    const pending = delivery.deliver(batch);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await fetch(`${demo.url}/admin/faults`, { method: "POST", body: JSON.stringify({ down: false }) });
    const result = await pending;

    expect(result.deliveredKeys).toHaveLength(30);
    expect(result.requests).toBeGreaterThan(1);
    const seen = (await (await fetch(`${demo.url}/api/postgres`)).json()) as { count: number; uniqueKeys: number; repeatedDeliveries: number };
    expect(seen).toMatchObject({ count: 30, uniqueKeys: 30, repeatedDeliveries: 0 });
  });

  it("under random 500s, timeouts and 429s loses nothing; repeats carry the same key and body", async () => {
    const demo = await startDemoApi(
      demoConfig({
        DEMO_API_FAIL_RATE: "0.2",
        DEMO_API_TIMEOUT_RATE: "0.15",
        DEMO_API_429_RATE: "0.15",
        DEMO_API_RETRY_AFTER_SECONDS: "0",
        DEMO_API_HANG_MS: "500",
        DEMO_API_SEED: "20250304",
      }),
    );
    openServers.push(demo);
    const delivery = createHttpDelivery(
      {
        url: `${demo.url}/api/mysql`,
        timeoutMs: 200,
        batching: { maxItems: 8 },
        retries: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 80 },
      },
      {},
    );
    const batch = items(120);

    // The caller's contract: on a transient error it commits what was delivered and
    // delivers the pending rest again later (the sink-app re-reads them from Kafka).
    let transientErrors = 0;
    let remaining = batch;
    for (let round = 0; remaining.length > 0; round++) {
      expect(round).toBeLessThan(30);
      try {
        await delivery.deliver(remaining);
        remaining = [];
      } catch (err) {
        expect(err).toBeInstanceOf(HttpDeliveryTransientError);
        const pending = new Set((err as HttpDeliveryTransientError).pendingKeys);
        remaining = remaining.filter((i) => pending.has(i.idempotencyKey));
        transientErrors++;
      }
    }

    const seen = (await (await fetch(`${demo.url}/api/mysql`)).json()) as {
      count: number;
      uniqueKeys: number;
      repeatedDeliveries: number;
      withoutKey: number;
      events: Array<{ idempotencyKey: string; body: Record<string, unknown> }>;
    };
    const expected = new Map(batch.map((i) => [i.idempotencyKey, { ...(i.body as object), idempotencyKey: i.idempotencyKey }]));
    expect(seen.uniqueKeys).toBe(120);
    expect(new Set(seen.events.map((e) => e.idempotencyKey))).toEqual(new Set(expected.keys()));
    for (const e of seen.events) expect(e.body).toEqual(expected.get(e.idempotencyKey));
    expect(seen.withoutKey).toBe(0);
    expect(seen.count).toBe(seen.uniqueKeys + seen.repeatedDeliveries);
    // Timed-out requests were processed by the receiver: at-least-once shows as repeats;
    // and some batches outlasted their retries, so the caller's redelivery was exercised too.
    expect(seen.repeatedDeliveries).toBeGreaterThan(0);
    expect(transientErrors).toBeGreaterThan(0);
    console.info(
      `chaos run: ${seen.count} events received for 120 distinct changes (${seen.repeatedDeliveries} repeats), ${transientErrors} transient error(s) surfaced to the caller`,
    );
  });
});
