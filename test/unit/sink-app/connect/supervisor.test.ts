// The connector supervisor's rules, on a fake clock and a fake worker: restarts of a FAILED
// connector follow Strimzi's n*n + n schedule until the budget is spent, a stable run gives the
// budget back, a declared or worker-side pause/stop is never restarted, and a failure's trace is
// logged once.
import { describe, expect, it } from "vitest";
import type { ConnectorOverview, ConnectorState, ConnectorStatus } from "../../../../sink-app/src/connect/client.js";
import { autoRestartSchema, type ConnectorState as Declared, OWNER_KEY } from "../../../../sink-app/src/connect/desired.js";
import {
  createConnectSupervisor,
  decide,
  newTrack,
  restartDelayMs,
  type SupervisedConnector,
  type Track,
} from "../../../../sink-app/src/connect/supervisor.js";
import { createMetrics } from "../../../../sink-app/src/observability/metrics.js";

const MIN = 60_000;
const policy = autoRestartSchema.parse({});
const pg = (state: Declared = "running", autoRestart = policy): SupervisedConnector => ({ name: "pg", state, autoRestart });
const TRACE = "org.apache.kafka.connect.errors.ConnectException: An exception occurred in the change event producer.";

function status(connector: ConnectorState, task: ConnectorState, trace?: string): ConnectorStatus {
  return {
    name: "pg",
    connector: { state: connector, worker_id: "w" },
    tasks: [{ id: 0, state: task, worker_id: "w", ...(trace ? { trace } : {}) }],
    type: "source",
  };
}

describe("restart schedule", () => {
  it("waits n*n + n units before restart n, capped at maxBackoffSeconds: 0, 2, 6, 12, 20, 30, 42, 56, 60, 60 minutes by default", () => {
    expect([...Array(10).keys()].map((n) => restartDelayMs(n, policy) / MIN)).toEqual([0, 2, 6, 12, 20, 30, 42, 56, 60, 60]);
  });

  it("a connector failing for good is restarted at once, then at the scheduled times after each restart, and given up after maxRestarts", () => {
    const c = pg("running", { ...policy, maxRestarts: 4 });
    let track = newTrack();
    const restartsAt: number[] = [];
    let exhaustedAt: number | undefined;
    for (let now = 0; now <= 60 * MIN; now += 30_000) {
      const r = decide(c, status("RUNNING", "FAILED", TRACE), track, now);
      track = r.track;
      if (r.decision.action === "restart") restartsAt.push(now / MIN);
      if (r.decision.action === "exhausted" && exhaustedAt === undefined) exhaustedAt = now / MIN;
    }
    // Restart 1 at once; restart 2 two minutes after restart 1; then 6 and 12 minutes after the previous one.
    expect(restartsAt).toEqual([0, 2, 8, 20]);
    // Spent when restart 5 would have been due (20 minutes after the 4th), not while the 4th may still take.
    expect(exhaustedAt).toBe(40);
    expect(track.exhausted).toBe(true);
  });

  it("a stable run as long as stableSeconds gives the budget back", () => {
    const c = pg();
    let track: Track = { ...newTrack(), restarts: 3, lastRestartAt: 0 };
    track = decide(c, status("RUNNING", "RUNNING"), track, 1 * MIN).track;
    expect(track.restarts).toBe(3);
    track = decide(c, status("RUNNING", "RUNNING"), track, 1 * MIN + 599_000).track;
    expect(track.restarts).toBe(3);
    track = decide(c, status("RUNNING", "RUNNING"), track, 11 * MIN).track;
    expect(track.restarts).toBe(0);
  });

  it("never restarts a connector declared paused or stopped, nor one held PAUSED or STOPPED on the worker, nor with autoRestart disabled", () => {
    const failed = status("FAILED", "FAILED", TRACE);
    expect(decide(pg("stopped"), failed, newTrack(), 0).decision).toEqual({ action: "none", why: "declared held" });
    expect(decide(pg("paused"), failed, newTrack(), 0).decision).toEqual({ action: "none", why: "declared held" });
    expect(decide(pg(), status("PAUSED", "FAILED", TRACE), newTrack(), 0).decision).toEqual({ action: "none", why: "held on the worker" });
    expect(decide(pg(), { ...status("STOPPED", "FAILED"), tasks: [] }, newTrack(), 0).decision).toEqual({ action: "none", why: "held on the worker" });
    expect(decide(pg("running", { ...policy, enabled: false }), failed, newTrack(), 0).decision).toEqual({ action: "none", why: "auto restart disabled" });
  });
});

describe("the supervisor loop against a fake worker", () => {
  function setup(declared: Declared, owner = "mm") {
    let current = status("RUNNING", "FAILED", TRACE);
    const restarts: string[] = [];
    const lines: { level: string; msg: string; obj: object }[] = [];
    let now = 0;
    const { registry, metrics } = createMetrics();
    const sup = createConnectSupervisor({
      client: {
        url: "http://connect.test",
        listConnectors: async () =>
          ({ pg: { status: current, info: { name: "pg", config: { [OWNER_KEY]: owner }, tasks: [], type: "source" } } }) as Record<string, ConnectorOverview>,
        restart: async (name, o) => void restarts.push(`${name} includeTasks=${o?.includeTasks} onlyFailed=${o?.onlyFailed}`),
      },
      connectors: [pg(declared, { ...policy, backoffUnitSeconds: 1 })],
      owner: "mm",
      pollMs: 1000,
      metrics,
      logger: {
        info: (obj, msg) => lines.push({ level: "info", msg, obj }),
        warn: (obj, msg) => lines.push({ level: "warn", msg, obj }),
        error: (obj, msg) => lines.push({ level: "error", msg, obj }),
      },
      now: () => now,
      autoStart: false,
    });
    return { sup, restarts, lines, registry, set: (s: ConnectorStatus) => (current = s), at: (t: number) => (now = t) };
  }

  it("restarts the failed parts only, counts it, exports the state per connector and task, and logs the trace once per failure", async () => {
    const w = setup("running");
    await w.sup.tick();
    w.at(500);
    await w.sup.tick(); // not due yet: 2 s after the first restart
    w.at(2_000);
    await w.sup.tick();
    expect(w.restarts).toEqual(["pg includeTasks=true onlyFailed=true", "pg includeTasks=true onlyFailed=true"]);
    expect(w.lines.filter((l) => l.level === "error" && (l.obj as { trace?: string }).trace === TRACE)).toHaveLength(1);
    const text = await w.registry.metrics();
    expect(text).toContain('sink_connect_restarts_total{connector="pg"} 2');
    expect(text).toContain('sink_connect_state{connector="pg",task="0",state="FAILED"} 1');
    expect(text).toContain('sink_connect_state{connector="pg",task="0",state="RUNNING"} 0');
    expect(text).toContain('sink_connect_state{connector="pg",task="connector",state="RUNNING"} 1');
    // Healthy, then failing again with the same trace: a new failure, logged again.
    w.set(status("RUNNING", "RUNNING"));
    w.at(3_000);
    await w.sup.tick();
    w.set(status("RUNNING", "FAILED", TRACE));
    w.at(4_000);
    await w.sup.tick();
    expect(w.lines.filter((l) => l.level === "error" && (l.obj as { trace?: string }).trace === TRACE)).toHaveLength(2);
  });

  it("a connector declared stopped is never restarted, and neither is one another deployment owns", async () => {
    for (const w of [setup("stopped"), setup("running", "someone-else")]) {
      for (let t = 0; t < 10_000; t += 1000) {
        w.at(t);
        await w.sup.tick();
      }
      expect(w.restarts).toEqual([]);
    }
  });
});
