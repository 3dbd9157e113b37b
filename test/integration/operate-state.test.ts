// Declared connector state against the real Kafka Connect worker and a real Debezium PostgreSQL
// connector: reconcile (what deploy's registrar and `connectors apply` run) creates a connector
// directly in its declared state, holds the worker to it on every later run, and moves it when
// the declaration changes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDesiredConnectors } from "../../connector-configs/render.js";
import type { TestEnvironmentInfo } from "../../scripts/test-env/index.js";
import { ConnectClient } from "../../sink-app/src/connect/client.js";
import type { ConnectorState } from "../../sink-app/src/connect/desired.js";
import { type ReconcileOptions, reconcile } from "../../sink-app/src/connect/reconcile.js";
import { cleanup, connectClient, connectTestEnv, createMetersDatabase, postgresSource, taskStarts, uniq, waitForState } from "./connect-helpers.js";

let env: TestEnvironmentInfo;
let client: ConnectClient;
let database: string;
const owner = uniq("mm_it_state");
const NAME = uniq("it_state");

interface Request {
  method: string;
  path: string;
  body?: unknown;
}

function recordingClient(): { client: ConnectClient; requests: Request[] } {
  const requests: Request[] = [];
  const recording: typeof fetch = (input, init) => {
    requests.push({ method: init?.method ?? "GET", path: new URL(String(input)).pathname, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    return fetch(input, init);
  };
  return { client: new ConnectClient({ url: env.connect.url, retry: { totalMs: 30_000 }, fetch: recording }), requests };
}
const mutating = (rs: Request[]) => rs.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

const opts: ReconcileOptions = { runningTimeoutMs: 90_000, settleMs: 2_000, pollMs: 500, log: (l) => console.log(`[state] ${l}`) };
const desired = (state: ConnectorState) => renderDesiredConnectors([{ ...postgresSource(env, database, NAME), state }], { owner });

beforeAll(async () => {
  env = await connectTestEnv();
  client = connectClient(env);
  database = await createMetersDatabase(env);
});

afterAll(async () => {
  if (env) await cleanup(env, { connectors: [NAME], slots: [NAME], databases: database ? [database] : [] });
});

describe("declared connector state on the real worker", () => {
  it("a connector declared paused is created PAUSED in one POST with initial_state (its task created once, paused)", async () => {
    const { client: rec, requests } = recordingClient();
    const r = await reconcile(desired("paused"), rec, opts);
    expect(r.created).toEqual([NAME]);
    expect(mutating(requests)).toEqual(["POST /connectors"]);
    expect(requests.find((q) => q.method === "POST")!.body).toMatchObject({ name: NAME, initial_state: "PAUSED" });
    const s = await client.status(NAME);
    expect(s.connector.state).toBe("PAUSED");
    expect(s.tasks.every((t) => t.state === "PAUSED")).toBe(true);
    expect(await taskStarts(env, NAME)).toBe(s.tasks.length);
  });

  it("a redeploy with the same files leaves it paused: only GET requests", async () => {
    const { client: rec, requests } = recordingClient();
    const r = await reconcile(desired("paused"), rec, opts);
    expect(r.unchanged).toEqual([NAME]);
    expect([r.resumed, r.paused, r.stopped]).toEqual([[], [], []]);
    expect(mutating(requests)).toEqual([]);
    expect((await client.status(NAME)).connector.state).toBe("PAUSED");
  });

  it("resumed by hand, the next apply pauses it again, because the files declare it paused", async () => {
    await client.resume(NAME);
    await waitForState(env, NAME, "RUNNING");
    const { client: rec, requests } = recordingClient();
    const r = await reconcile(desired("paused"), rec, opts);
    expect(r.paused).toEqual([NAME]);
    expect(mutating(requests)).toEqual([`PUT /connectors/${NAME}/pause`]);
    await waitForState(env, NAME, "PAUSED");
  });

  it("declared stopped: apply stops it (no tasks left); declared running again: apply resumes it and returns once it RUNs", async () => {
    const { client: rec, requests } = recordingClient();
    const stopped = await reconcile(desired("stopped"), rec, opts);
    expect(stopped.stopped).toEqual([NAME]);
    expect(mutating(requests)).toEqual([`PUT /connectors/${NAME}/stop`]);
    const s = await client.status(NAME);
    expect([s.connector.state, s.tasks.length]).toEqual(["STOPPED", 0]);

    const running = await reconcile(desired("running"), client, opts);
    expect(running.resumed).toEqual([NAME]);
    const after = await client.status(NAME);
    expect([after.connector.state, ...after.tasks.map((t) => t.state)]).toEqual(["RUNNING", "RUNNING"]);
  });
});
