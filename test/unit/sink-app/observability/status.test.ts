import { describe, expect, it } from "vitest";
import { ActivityLog } from "../../../../sink-app/src/observability/activity.js";
import { buildStatus, type MetricJson, StatusHistory, type StatusInputs } from "../../../../sink-app/src/observability/status.js";

const NOW = Date.parse("2026-11-30T12:00:00Z");
const SINKS = [
  { sink: "meter-master" as const, source: "postgres" },
  { sink: "api" as const, source: "postgres" },
];

function metric(name: string, values: Array<[Record<string, string>, number]>): MetricJson {
  return { name, values: values.map(([labels, value]) => ({ labels, value })) };
}
const connectorState = (task: string, state: string) =>
  ["RUNNING", "PAUSED", "STOPPED", "FAILED", "UNASSIGNED", "RESTARTING", "ABSENT"].map((s): [Record<string, string>, number] => [
    { connector: "postgres", task, state: s },
    s === state ? 1 : 0,
  ]);

function inputs(over: Partial<StatusInputs> = {}): StatusInputs {
  return {
    now: NOW,
    sources: ["postgres"],
    sinks: SINKS,
    connectors: [{ name: "postgres", state: "running" }],
    metrics: [metric("sink_connect_state", [...connectorState("connector", "RUNNING"), ...connectorState("0", "RUNNING")])],
    activity: new ActivityLog(() => NOW),
    rowCounts: [{ sourceSystem: "postgres", live: 3, deleted: 1 }],
    rowCountsError: null,
    history: [],
    lagThresholdSeconds: 60,
    ...over,
  };
}

describe("the status page's verdict", () => {
  it("is all in step when every connector runs and no sink retries or lags", () => {
    const s = buildStatus(inputs());
    expect(s.level).toBe("ok");
    expect(s.problems).toEqual([]);
    expect(s.sources[0]!.connector).toMatchObject({ state: "RUNNING", declared: "running", tasks: [{ id: "0", state: "RUNNING" }] });
    expect(s.sinks.find((x) => x.sink === "meter-master")!.rows).toEqual({ live: 3, deleted: 1 });
  });

  it("is red when a task is FAILED, and says so in words", () => {
    const s = buildStatus(inputs({ metrics: [metric("sink_connect_state", [...connectorState("connector", "RUNNING"), ...connectorState("0", "FAILED")])] }));
    expect(s.level).toBe("red");
    expect(s.problems).toEqual(["connector postgres: task 0 FAILED"]);
  });

  it("says when the restart budget is spent", () => {
    const s = buildStatus(
      inputs({
        metrics: [
          metric("sink_connect_state", [...connectorState("connector", "FAILED")]),
          metric("sink_connect_restart_budget_exhausted", [[{ connector: "postgres" }, 1]]),
        ],
      }),
    );
    expect(s.problems[0]).toMatch(/the connector FAILED; restart budget spent/);
  });

  it("only warns when a connector is held in another state than declared", () => {
    const s = buildStatus(inputs({ metrics: [metric("sink_connect_state", [...connectorState("connector", "PAUSED")])] }));
    expect(s.level).toBe("warn");
    expect(s.problems).toEqual(["connector postgres: declared running, but PAUSED on the worker"]);
  });

  it("is red while a sink retries, with the error and for how long", () => {
    const activity = new ActivityLog(() => NOW - 12_000);
    activity.retrying("api", "postgres", "delivering to the API endpoint: fetch failed");
    const s = buildStatus(inputs({ activity, metrics: [metric("sink_retrying", [[{ sink: "api", source: "postgres" }, 1]])] }));
    expect(s.level).toBe("red");
    expect(s.problems).toEqual(["API endpoint of postgres: retrying for 12 s: delivering to the API endpoint: fetch failed"]);
    expect(s.sinks.find((x) => x.sink === "meter-master")!.level).toBe("ok");
  });

  it("is red when records wait and the newest processed change is older than the threshold", () => {
    const activity = new ActivityLog(() => NOW);
    activity.sawEvent("meter-master", "postgres", NOW - 95_000);
    const s = buildStatus(
      inputs({ activity, metrics: [metric("sink_consumer_lag", [[{ sink: "meter-master", source: "postgres", topic: "t", partition: "0" }, 1234]])] }),
    );
    expect(s.problems).toEqual(["Meter Master of postgres: lagging 95 s behind the source (threshold 60 s), 1234 record(s) waiting"]);
  });

  it("is not lagging when nothing waits, however old the last change", () => {
    const activity = new ActivityLog(() => NOW);
    activity.sawEvent("meter-master", "postgres", NOW - 3_600_000);
    const s = buildStatus(inputs({ activity }));
    expect(s.sinks[0]!.lagSeconds).toBe(0);
    expect(s.level).toBe("ok");
    expect(s.sources[0]!.lastChangeAgeSeconds).toBe(3600);
  });
});

describe("the charts' history", () => {
  it("turns counters into rates per second between samples, and keeps a bounded window", () => {
    const h = new StatusHistory(3);
    const at = (t: number, out: number) =>
      h.sample(t, SINKS.slice(0, 1), [metric("sink_events_out_total", [[{ sink: "meter-master", source: "postgres", outcome: "written" }, out]])]);
    at(0, 0);
    at(5_000, 50);
    at(10_000, 150);
    at(15_000, 150);
    expect(h.points().map((p) => p.sinks["meter-master.postgres"]!.outPerSecond)).toEqual([10, 20, 0]);
  });
});
