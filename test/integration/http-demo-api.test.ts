// The demo API receiver as a real server: the HTTP surface, fault injection, the JSONL
// record file, and the container entry point (healthcheck, graceful SIGTERM).
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { demoApiConfigFromEnv } from "../../sink-app/src/demo-api/config.js";
import { type DemoApiServer, startDemoApi } from "../../sink-app/src/demo-api/server.js";

const running: DemoApiServer[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  for (const c of cleanups.splice(0)) await c();
});

async function demo(env: Record<string, string> = {}): Promise<DemoApiServer> {
  const server = await startDemoApi(demoApiConfigFromEnv({ PORT: "0", HOST: "127.0.0.1", ...env }));
  running.push(server);
  return server;
}

async function call(url: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const res = await fetch(url, {
    ...rest,
    ...(json === undefined ? {} : { body: JSON.stringify(json), headers: { "content-type": "application/json", ...(rest.headers ?? {}) } }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const event = (meterId: string, key: string) => ({
  source_system: "postgres",
  source_key: "1042",
  meter_id: meterId,
  meter_type: "WATER",
  status: "active",
  last_reading: "88.1250",
  idempotencyKey: key,
});

describe("demo API receiver: recording", () => {
  it("records single events and batches per source and reports dedupe stats by idempotency key", async () => {
    const api = await demo();
    expect(
      await call(`${api.url}/api/postgres`, { method: "POST", json: { meter_id: "W-1042" }, headers: { "Idempotency-Key": "postgres-a1" } }),
    ).toMatchObject({
      status: 200,
      body: { accepted: 1 },
    });
    expect((await call(`${api.url}/api/postgres`, { method: "POST", json: [event("W-1042", "postgres-a1"), event("W-1043", "postgres-b2")] })).body).toEqual({
      accepted: 2,
    });
    await call(`${api.url}/api/mysql`, { method: "POST", json: [event("M-1001", "mysql-c3")] });

    const pg = await call(`${api.url}/api/postgres`);
    expect(pg.status).toBe(200);
    expect(pg.body).toMatchObject({ source: "postgres", count: 3, requests: 2, uniqueKeys: 2, repeatedDeliveries: 1, withoutKey: 0 });
    expect(pg.body.events.map((e: { idempotencyKey: string; previousDeliveries: number }) => [e.idempotencyKey, e.previousDeliveries])).toEqual([
      ["postgres-a1", 0],
      ["postgres-a1", 1],
      ["postgres-b2", 0],
    ]);
    expect(pg.body.events[2].body).toEqual(event("W-1043", "postgres-b2"));
    expect((await call(`${api.url}/api/postgres?limit=1`)).body.events).toHaveLength(1);

    const all = await call(`${api.url}/api`);
    expect(all.body.sources.map((s: { source: string; count: number }) => [s.source, s.count])).toEqual([
      ["mysql", 1],
      ["postgres", 3],
    ]);

    expect((await call(`${api.url}/api/postgres`, { method: "DELETE" })).body).toEqual({ cleared: "postgres" });
    expect((await call(`${api.url}/api/postgres`)).body).toMatchObject({ count: 0, events: [] });
    expect((await call(`${api.url}/api/mysql`)).body.count).toBe(1);
    await call(`${api.url}/api`, { method: "DELETE" });
    expect((await call(`${api.url}/api`)).body).toEqual({ sources: [] });
  });

  it("answers /healthz", async () => {
    const api = await demo();
    expect(await call(`${api.url}/healthz`)).toMatchObject({ status: 200, body: { status: "ok" } });
  });

  it("refuses bad input with a clear 4xx and records nothing", async () => {
    const api = await demo({ DEMO_API_MAX_BODY_BYTES: "2048" });
    const badJson = await call(`${api.url}/api/mssql`, { method: "POST", body: "{not json" });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error).toMatch(/^body is not valid JSON/);
    expect((await call(`${api.url}/api/mssql`, { method: "POST", body: "42" })).body).toEqual({
      error: "body must be a JSON object (one event) or a JSON array of events",
    });
    expect((await call(`${api.url}/api/MSSQL`, { method: "POST", json: {} })).status).toBe(404);
    expect((await call(`${api.url}/nothing-here`)).status).toBe(404);
    expect((await call(`${api.url}/api/mssql`, { method: "PUT", json: {} })).status).toBe(405);
    const big = await call(`${api.url}/api/mssql`, { method: "POST", json: [{ notes: "x".repeat(5000) }] });
    expect(big).toMatchObject({ status: 413, body: { error: "body larger than 2048 bytes" } });
    expect((await call(`${api.url}/api/mssql`)).body.count).toBe(0);
  });

  it("appends every recorded event to the JSONL record file in arrival order", async () => {
    const dir = await mkdtemp(join(tmpdir(), "demo-api-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, "received.jsonl");
    const api = await demo({ DEMO_API_RECORD_FILE: file });
    await call(`${api.url}/api/oracle`, { method: "POST", json: [event("O-1", "oracle-1"), event("O-2", "oracle-2")] });
    await call(`${api.url}/api/oracle`, { method: "POST", json: event("O-1", "oracle-1") });
    const lines = (await readFile(file, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.source, l.idempotencyKey, l.previousDeliveries, l.body.meter_id])).toEqual([
      ["oracle", "oracle-1", 0, "O-1"],
      ["oracle", "oracle-2", 0, "O-2"],
      ["oracle", "oracle-1", 1, "O-1"],
    ]);
  });
});

describe("demo API receiver: fault injection", () => {
  it("goes down (503) and comes back through POST /admin/faults, recording nothing while down", async () => {
    const api = await demo();
    expect((await call(`${api.url}/admin/faults`, { method: "POST", json: { down: true, downRetryAfterSeconds: 2 } })).body).toMatchObject({
      down: true,
      downRetryAfterSeconds: 2,
    });
    const whileDown = await call(`${api.url}/api/mysql`, { method: "POST", json: event("M-1", "k-1") });
    expect(whileDown.status).toBe(503);
    expect(whileDown.headers.get("retry-after")).toBe("2");
    expect((await call(`${api.url}/healthz`)).status).toBe(200); // only the API routes are "down"

    await call(`${api.url}/admin/faults`, { method: "POST", json: { down: false } });
    expect((await call(`${api.url}/api/mysql`, { method: "POST", json: event("M-1", "k-1") })).status).toBe(200);
    expect((await call(`${api.url}/api/mysql`)).body).toMatchObject({ count: 1, requests: 1 });
    expect((await call(`${api.url}/admin/faults`)).body.down).toBe(false);
  });

  it("rejects invalid fault settings with the reason and keeps the old ones", async () => {
    const api = await demo();
    const res = await call(`${api.url}/admin/faults`, { method: "POST", json: { failRate: 0.8, rate429: 0.5 } });
    expect(res).toMatchObject({ status: 400, body: { error: "failRate: failRate + timeoutRate + rate429 must be at most 1, got 1.3" } });
    expect((await call(`${api.url}/admin/faults`, { method: "POST", json: { flaky: true } })).status).toBe(400);
    expect((await call(`${api.url}/admin/faults`)).body).toMatchObject({ failRate: 0, rate429: 0 });
  });

  it("injects 500s and 429s (Retry-After: 1) in the same sequence for the same seed", async () => {
    const env = { DEMO_API_FAIL_RATE: "0.3", DEMO_API_429_RATE: "0.3", DEMO_API_SEED: "99" };
    const statuses = async (api: DemoApiServer) => {
      const out: Array<[number, string | null]> = [];
      for (let i = 0; i < 20; i++) {
        const r = await call(`${api.url}/api/mssql`, { method: "POST", json: event(`S-${i}`, `mssql-${i}`) });
        out.push([r.status, r.headers.get("retry-after")]);
      }
      return out;
    };
    const first = await statuses(await demo(env));
    const second = await statuses(await demo(env));
    expect(second).toEqual(first);
    expect(new Set(first.map(([s]) => s))).toEqual(new Set([200, 429, 500]));
    for (const [status, retryAfter] of first) expect(retryAfter).toBe(status === 429 ? "1" : null);
  });

  it("hangs past the client's timeout but records the events (answer lost, work done)", async () => {
    const api = await demo({ DEMO_API_TIMEOUT_RATE: "1", DEMO_API_HANG_MS: "2000" });
    const started = performance.now();
    const err = await fetch(`${api.url}/api/mysql`, {
      method: "POST",
      body: JSON.stringify(event("M-7", "mysql-7")),
      signal: AbortSignal.timeout(200),
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("TimeoutError");
    expect(performance.now() - started).toBeLessThan(1500);
    await call(`${api.url}/admin/faults`, { method: "POST", json: { timeoutRate: 0 } });
    expect((await call(`${api.url}/api/mysql`)).body).toMatchObject({ count: 1, uniqueKeys: 1 });
  });

  it("answers 504 without recording after the hang when recordOnTimeout is off", async () => {
    const api = await demo();
    api.setFaults({ timeoutRate: 1, hangMs: 150, recordOnTimeout: false });
    const started = performance.now();
    const res = await call(`${api.url}/api/mysql`, { method: "POST", json: event("M-8", "mysql-8") });
    expect(res.status).toBe(504);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    api.setFaults({ timeoutRate: 0 });
    expect((await call(`${api.url}/api/mysql`)).body.count).toBe(0);
  });
});

describe("demo API entry point (sink-app/src/demo-api/main.ts)", () => {
  async function freePort(): Promise<number> {
    const srv = createServer();
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    const { port } = srv.address() as { port: number };
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    return port;
  }

  function run(args: string[], env: Record<string, string>) {
    // process.execPath is the Node 22 running vitest; tsx compiles the TypeScript entry point.
    const child = spawn(process.execPath, ["--import", "tsx", "sink-app/src/demo-api/main.ts", ...args], {
      cwd: process.cwd(),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    });
    return { child, exited, output: () => output };
  }

  it("serves, passes --healthcheck, and on SIGTERM ends a hanging request and exits 0", async () => {
    const port = String(await freePort());
    const env = { PORT: port, HOST: "127.0.0.1", DEMO_API_TIMEOUT_RATE: "1", DEMO_API_HANG_MS: "60000" };
    const server = run([], env);
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (i > 100) throw new Error(`demo API did not start:\n${server.output()}`);
      const ok = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await run(["--healthcheck"], env).exited).toBe(0);

    // A request left hanging by the timeout fault must not hold up shutdown.
    const hanging = fetch(`${base}/api/mysql`, { method: "POST", body: JSON.stringify(event("M-9", "mysql-9")) }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopAt = performance.now();
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(performance.now() - stopAt).toBeLessThan(5000);
    expect(await hanging).toBeInstanceOf(Error);
    expect(server.output()).toContain('"msg":"shutting down"');

    expect(await run(["--healthcheck"], env).exited).toBe(1);
  });
});
