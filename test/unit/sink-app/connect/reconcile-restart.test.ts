// reconcile() after it restarts a FAILED connector or updates its config. Kafka Connect restarts
// asynchronously: right after it accepts the request, GET status can still show the old FAILED
// state with the old trace. A fake ConnectClient plays the worker's status answers in order.
import { describe, expect, it } from "vitest";
import type { ConnectorOverview, ConnectorState, ConnectorStatus } from "../../../../sink-app/src/connect/client.js";
import { type DesiredConnectors, OWNER_KEY } from "../../../../sink-app/src/connect/desired.js";
import {
  failedParts,
  judgeFailures,
  type ReconcileClient,
  ReconcileError,
  type ReconcileOptions,
  reconcile,
} from "../../../../sink-app/src/connect/reconcile.js";

const OWNER = "meter-master-cdc";
const NAME = "postgres";
const WORKER = "10.0.0.7:8083";
const CONFIG = { name: NAME, "connector.class": "io.debezium.connector.postgresql.PostgresConnector", [OWNER_KEY]: OWNER };
const OLD_TRACE =
  "org.apache.kafka.connect.errors.ConnectException: Publication autocreation is disabled, please create one and restart the connector.\n\tat io.debezium.connector.postgresql.connection.PostgresReplicationConnection.initPublication(PostgresReplicationConnection.java:238)";
const NEW_TRACE =
  "io.debezium.DebeziumException: Creation of replication slot failed\n\tat io.debezium.connector.postgresql.PostgresConnectorTask.tryToCreateSlot(PostgresConnectorTask.java:311)";

function status(task: ConnectorState, trace?: string, connector: ConnectorState = "RUNNING", connectorTrace?: string): ConnectorStatus {
  return {
    name: NAME,
    connector: { state: connector, worker_id: WORKER, ...(connectorTrace ? { trace: connectorTrace } : {}) },
    tasks: [{ id: 0, state: task, worker_id: WORKER, ...(trace ? { trace } : {}) }],
    type: "source",
  };
}

/** A worker that holds one connector: `listed` at first, then answers status with `answers` in order (the last one repeats). */
function fakeWorker(listed: { config: Record<string, string>; status: ConnectorStatus }, answers: ConnectorStatus[]) {
  const calls: string[] = [];
  let next = 0;
  const client: ReconcileClient = {
    url: "http://connect.test:8083",
    waitUntilReady: async () => undefined,
    listConnectors: async () =>
      ({ [NAME]: { status: listed.status, info: { name: NAME, config: listed.config, tasks: [{ connector: NAME, task: 0 }], type: "source" } } }) as Record<
        string,
        ConnectorOverview
      >,
    restart: async (name, o) => {
      calls.push(`restart ${name} includeTasks=${o?.includeTasks} onlyFailed=${o?.onlyFailed}`);
    },
    putConfig: async (name, config) => {
      calls.push(`put ${name}`);
      return { name, config, tasks: [], type: "source" };
    },
    status: async () => {
      calls.push("status");
      return answers[Math.min(next++, answers.length - 1)]!;
    },
    delete: async (name) => {
      calls.push(`delete ${name}`);
    },
  };
  return { client, calls };
}

const desired = (config: Record<string, string> = CONFIG): DesiredConnectors => ({ owner: OWNER, connectors: [{ name: NAME, config }] });

function options(extra: Partial<ReconcileOptions> = {}): ReconcileOptions & { lines: string[] } {
  const lines: string[] = [];
  return { runningTimeoutMs: 10_000, settleMs: 0, pollMs: 1, restartGraceMs: 5_000, log: (l) => lines.push(l), lines, ...extra };
}

async function failureOf(p: Promise<unknown>): Promise<ReconcileError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReconcileError);
  return err as ReconcileError;
}

describe("reconcile after restarting a FAILED connector", () => {
  it("a FAILED status that still carries the pre-restart trace is not final", async () => {
    const { client, calls } = fakeWorker({ config: CONFIG, status: status("FAILED", OLD_TRACE) }, [
      status("FAILED", OLD_TRACE),
      status("FAILED", OLD_TRACE),
      status("RESTARTING"),
      status("RUNNING"),
    ]);
    const opts = options();
    const r = await reconcile(desired(), client, opts);
    expect(r.unchanged).toEqual([NAME]);
    expect(calls.filter((c) => c !== "status")).toEqual([`restart ${NAME} includeTasks=true onlyFailed=true`]);
    expect(opts.lines).toContain(`${NAME}: RUNNING`);
    expect(opts.lines.some((l) => l.startsWith(`${NAME}: status still shows the failure from before the restart; waiting up to`))).toBe(true);
  });

  it("a task that fails again after its restart is reported with the new trace", async () => {
    const { client } = fakeWorker({ config: CONFIG, status: status("FAILED", OLD_TRACE) }, [status("FAILED", OLD_TRACE), status("FAILED", NEW_TRACE)]);
    const started = Date.now();
    const err = await failureOf(reconcile(desired(), client, options()));
    expect(err.message).toMatch(new RegExp(`^task ${NAME}-0 FAILED on ${WORKER}\\n`));
    expect(err.trace).toBe(NEW_TRACE);
    expect(err.message).not.toContain("Publication autocreation is disabled");
    expect(Date.now() - started).toBeLessThan(1_000); // fails fast, not after the 5 s grace
  });

  it("a task seen restarting that fails again with the same trace fails at once, without waiting out the grace", async () => {
    const { client } = fakeWorker({ config: CONFIG, status: status("FAILED", OLD_TRACE) }, [
      status("FAILED", OLD_TRACE),
      status("RESTARTING"),
      status("FAILED", OLD_TRACE),
    ]);
    const started = Date.now();
    const err = await failureOf(reconcile(desired(), client, options()));
    expect(err.message).toMatch(new RegExp(`^task ${NAME}-0 FAILED on ${WORKER}\\n`));
    expect(err.trace).toBe(OLD_TRACE);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("a stale failure that never changes fails after the grace period, saying it is the failure from before the restart", async () => {
    const { client } = fakeWorker({ config: CONFIG, status: status("FAILED", OLD_TRACE) }, [status("FAILED", OLD_TRACE)]);
    const started = Date.now();
    const err = await failureOf(reconcile(desired(), client, options({ restartGraceMs: 300 })));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(5_000);
    expect(err.message).toMatch(new RegExp(`^task ${NAME}-0 FAILED on ${WORKER} with the same failure as before the restart \\d+ s ago`));
    expect(err.trace).toBe(OLD_TRACE);
  });

  it("a stale failure is reported with its trace, not as a plain timeout, when the running timeout is shorter than the grace", async () => {
    const { client } = fakeWorker({ config: CONFIG, status: status("FAILED", OLD_TRACE) }, [status("FAILED", OLD_TRACE)]);
    const err = await failureOf(reconcile(desired(), client, options({ runningTimeoutMs: 200, restartGraceMs: 60_000 })));
    expect(err.message).toContain("with the same failure as before the restart");
    expect(err.trace).toBe(OLD_TRACE);
  });

  it("a connector whose own FAILED state is stale comes up once its restart takes effect", async () => {
    const connectorFailed = status("UNASSIGNED", undefined, "FAILED", OLD_TRACE);
    const { client } = fakeWorker({ config: CONFIG, status: connectorFailed }, [
      connectorFailed,
      status("UNASSIGNED", undefined, "RESTARTING"),
      status("RUNNING"),
    ]);
    const r = await reconcile(desired(), client, options());
    expect(r.unchanged).toEqual([NAME]);
  });
});

describe("reconcile after updating the config of a FAILED connector", () => {
  it("the failure from before the PUT is stale until the worker restarts the task with the new config", async () => {
    const changed = { ...CONFIG, "heartbeat.interval.ms": "5000" };
    const { client, calls } = fakeWorker({ config: CONFIG, status: status("FAILED", OLD_TRACE) }, [
      status("FAILED", OLD_TRACE),
      status("UNASSIGNED"),
      status("RUNNING"),
    ]);
    const opts = options();
    const r = await reconcile(desired(changed), client, opts);
    expect(r.updated).toEqual([NAME]);
    expect(calls.filter((c) => c !== "status")).toEqual([`put ${NAME}`]);
    expect(opts.lines.some((l) => l.startsWith(`${NAME}: status still shows the failure from before the config update`))).toBe(true);
  });
});

describe("reconcile of a connector that was not FAILED before", () => {
  it("a task that FAILS after a config update of a RUNNING connector ends the wait at once with its trace", async () => {
    const { client } = fakeWorker({ config: CONFIG, status: status("RUNNING") }, [status("FAILED", NEW_TRACE)]);
    const started = Date.now();
    const err = await failureOf(reconcile(desired({ ...CONFIG, "heartbeat.interval.ms": "5000" }), client, options()));
    expect(err.trace).toBe(NEW_TRACE);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("judging the failures of one status poll", () => {
  const before = failedParts(status("FAILED", OLD_TRACE));

  it("names every FAILED part, the connector first", () => {
    const both: ConnectorStatus = {
      ...status("FAILED", NEW_TRACE, "FAILED", OLD_TRACE),
      tasks: [...status("RUNNING").tasks, { id: 1, state: "FAILED", worker_id: WORKER, trace: NEW_TRACE }],
    };
    expect(failedParts(both)).toEqual([
      { part: "connector", what: `connector ${NAME} FAILED on ${WORKER}`, trace: OLD_TRACE },
      { part: "task 1", what: `task ${NAME}-1 FAILED on ${WORKER}`, trace: NEW_TRACE },
    ]);
  });

  it("the same part with the same trace stays stale until the grace is over", () => {
    expect(judgeFailures(status("FAILED", OLD_TRACE), before, false)).toEqual({ stale: before });
    expect(judgeFailures(status("FAILED", OLD_TRACE), before, true).final).toMatchObject({ part: "task 0", trace: OLD_TRACE, stale: true });
  });

  it("a part seen in any other state is no longer stale", () => {
    for (const s of ["RESTARTING", "UNASSIGNED", "RUNNING"] as const) expect(judgeFailures(status(s), before, false)).toEqual({ stale: [] });
  });

  it("another trace on the same part is a new failure, final at once", () => {
    expect(judgeFailures(status("FAILED", NEW_TRACE), before, false)).toEqual({
      final: { part: "task 0", what: `task ${NAME}-0 FAILED on ${WORKER}`, trace: NEW_TRACE, stale: false },
      stale: [],
    });
  });

  it("a failure of a part that was not FAILED before is final at once, even while another part is stale", () => {
    const s: ConnectorStatus = {
      ...status("FAILED", OLD_TRACE),
      tasks: [...status("FAILED", OLD_TRACE).tasks, { id: 1, state: "FAILED", worker_id: WORKER, trace: NEW_TRACE }],
    };
    expect(judgeFailures(s, before, false).final).toMatchObject({ part: "task 1", trace: NEW_TRACE, stale: false });
  });
});
