// reconcile() and declared state: which Kafka Connect call takes a connector from what the worker
// shows to what its file declares, and that a new connector is created directly in that state.
// A fake ConnectClient records the calls and answers status as a worker would after them.
import { describe, expect, it } from "vitest";
import type { ConnectorOverview, ConnectorStatus, ConnectorState as WorkerState } from "../../../../sink-app/src/connect/client.js";
import { type ConnectorState, type DesiredConnectors, OWNER_KEY } from "../../../../sink-app/src/connect/desired.js";
import { isInHeldState, type ReconcileClient, reconcile, stateTransition } from "../../../../sink-app/src/connect/reconcile.js";

const OWNER = "meter-master-cdc";
const CONFIG = { name: "pg", "connector.class": "io.debezium.connector.postgresql.PostgresConnector", [OWNER_KEY]: OWNER };

function status(connector: WorkerState, tasks: WorkerState[]): ConnectorStatus {
  return {
    name: "pg",
    connector: { state: connector, worker_id: "w:8083" },
    tasks: tasks.map((state, id) => ({ id, state, worker_id: "w:8083" })),
    type: "source",
  };
}

/** A worker holding `pg` in `state` (or nothing), whose status follows the pause/resume/stop/create calls it gets. */
function worker(initial: WorkerState | undefined) {
  const calls: string[] = [];
  let current: ConnectorStatus | undefined = initial === undefined ? undefined : status(initial, initial === "STOPPED" ? [] : [initial]);
  const client: ReconcileClient = {
    url: "http://connect.test:8083",
    waitUntilReady: async () => undefined,
    listConnectors: async () =>
      (current ? { pg: { status: current, info: { name: "pg", config: CONFIG, tasks: [], type: "source" } } } : {}) as Record<string, ConnectorOverview>,
    putConfig: async (name, config) => {
      calls.push(`put ${name}`);
      current ??= status("RUNNING", ["RUNNING"]);
      return { name, config, tasks: [], type: "source" };
    },
    create: async (name, config, initialState) => {
      calls.push(`create ${name} ${initialState}`);
      current = status(initialState ?? "RUNNING", initialState === "STOPPED" ? [] : [initialState ?? "RUNNING"]);
      return { name, config, tasks: [], type: "source" };
    },
    pause: async () => {
      calls.push("pause");
      current = status("PAUSED", ["PAUSED"]);
    },
    resume: async () => {
      calls.push("resume");
      current = status("RUNNING", ["RUNNING"]);
    },
    stop: async () => {
      calls.push("stop");
      current = status("STOPPED", []);
    },
    restart: async () => void calls.push("restart"),
    status: async () => current!,
    delete: async () => void calls.push("delete"),
  };
  return { client, calls, now: () => current };
}

const desired = (state?: ConnectorState): DesiredConnectors => ({ owner: OWNER, connectors: [{ name: "pg", config: CONFIG, ...(state ? { state } : {}) }] });
const opts = { runningTimeoutMs: 2_000, settleMs: 0, pollMs: 1 };

describe("declared connector state", () => {
  it("the call from each worker state to each declared state", () => {
    expect(["RUNNING", "PAUSED", "STOPPED", "FAILED"].map((a) => stateTransition(a, "running"))).toEqual([undefined, "resume", "resume", undefined]);
    expect(["RUNNING", "PAUSED", "STOPPED", "FAILED"].map((a) => stateTransition(a, "paused"))).toEqual(["pause", undefined, "pause", "pause"]);
    expect(["RUNNING", "PAUSED", "STOPPED", "FAILED"].map((a) => stateTransition(a, "stopped"))).toEqual(["stop", "stop", undefined, "stop"]);
  });

  it("paused is reached when no task runs any more; stopped when the connector has no tasks left", () => {
    expect(isInHeldState(status("PAUSED", ["PAUSED", "RUNNING"]), "paused")).toBe(false);
    expect(isInHeldState(status("PAUSED", ["PAUSED", "FAILED"]), "paused")).toBe(true);
    expect(isInHeldState(status("STOPPED", ["RUNNING"]), "stopped")).toBe(false);
    expect(isInHeldState(status("STOPPED", []), "stopped")).toBe(true);
  });

  it("a new connector declared paused or stopped is created directly in that state, with no PUT and no pause", async () => {
    for (const [state, connect] of [
      ["paused", "PAUSED"],
      ["stopped", "STOPPED"],
    ] as const) {
      const w = worker(undefined);
      const r = await reconcile(desired(state), w.client, opts);
      expect(w.calls).toEqual([`create pg ${connect}`]);
      expect(r.created).toEqual(["pg"]);
      expect(w.now()!.connector.state).toBe(connect);
    }
  });

  it("a new connector declared running (or with no state) is created by PUT, as before", async () => {
    const w = worker(undefined);
    await reconcile(desired(), w.client, opts);
    expect(w.calls).toEqual(["put pg"]);
  });

  it("an unchanged connector is moved to its declared state, and left alone when it is already there", async () => {
    const cases: [WorkerState, ConnectorState, string[], keyof Awaited<ReturnType<typeof reconcile>>][] = [
      ["PAUSED", "running", ["resume"], "resumed"],
      ["STOPPED", "running", ["resume"], "resumed"],
      ["RUNNING", "paused", ["pause"], "paused"],
      ["RUNNING", "stopped", ["stop"], "stopped"],
      ["PAUSED", "stopped", ["stop"], "stopped"],
    ];
    for (const [from, to, calls, list] of cases) {
      const w = worker(from);
      const r = await reconcile(desired(to), w.client, opts);
      expect(w.calls, `${from} -> ${to}`).toEqual(calls);
      expect(r[list], `${from} -> ${to}`).toEqual(["pg"]);
      expect(r.unchanged).toEqual(["pg"]);
    }
    for (const [at, declared] of [
      ["PAUSED", "paused"],
      ["STOPPED", "stopped"],
      ["RUNNING", "running"],
    ] as const) {
      const w = worker(at);
      await reconcile(desired(declared), w.client, opts);
      expect(w.calls, `${at} as declared`).toEqual([]);
    }
  });

  it("a FAILED connector declared stopped is stopped, not restarted", async () => {
    const w = worker("FAILED");
    const r = await reconcile(desired("stopped"), w.client, opts);
    expect(w.calls).toEqual(["stop"]);
    expect(r.stopped).toEqual(["pg"]);
  });
});
