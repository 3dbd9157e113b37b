// The connector supervisor (sink-app/src/connect/supervisor.ts, as the sink-app service runs it)
// against the real Kafka Connect worker and real Debezium PostgreSQL connectors. A task made to
// fail (its publication is missing and may not be created by it) is restarted on the schedule
// its autoRestart declares, and RUNs once the cause is fixed; a connector declared stopped is
// never restarted, even while the worker shows it FAILED.
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDesiredConnectors } from "../../connector-configs/render.js";
import type { TestEnvironmentInfo } from "../../scripts/test-env/index.js";
import { ConnectClient } from "../../sink-app/src/connect/client.js";
import { autoRestartSchema } from "../../sink-app/src/connect/desired.js";
import { ReconcileError, reconcile } from "../../sink-app/src/connect/reconcile.js";
import { createConnectSupervisor, restartDelayMs } from "../../sink-app/src/connect/supervisor.js";
import { createMetrics } from "../../sink-app/src/observability/metrics.js";
import { cleanup, connectTestEnv, createMetersDatabase, pgAdmin, pollUntil, postgresSource, uniq } from "./connect-helpers.js";

let env: TestEnvironmentInfo;
let database: string;
const owner = uniq("mm_it_sup");
const HEALED = uniq("it_sup_healed");
const STOPPED = uniq("it_sup_stopped");

beforeAll(async () => {
  env = await connectTestEnv();
  database = await createMetersDatabase(env);
});

afterAll(async () => {
  if (env) await cleanup(env, { connectors: [HEALED, STOPPED], slots: [HEALED, STOPPED], databases: database ? [database] : [] });
});

describe("connector supervisor against the real worker", () => {
  it("restarts a FAILED task with the backoff it declares, brings it to RUNNING once the cause is fixed, and never restarts a connector declared stopped", async () => {
    const broken = (name: string) => postgresSource(env, database, name, { publicationAutocreateMode: "disabled" });
    // Both registered running, both fail at once: the publication does not exist.
    const first = await reconcile(renderDesiredConnectors([broken(HEALED), broken(STOPPED)], { owner }), new ConnectClient({ url: env.connect.url }), {
      runningTimeoutMs: 60_000,
      settleMs: 1_000,
      pollMs: 500,
    }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ReconcileError);

    const restarts: { name: string; at: number }[] = [];
    const recording: typeof fetch = (input, init) => {
      const m = /\/connectors\/([^/]+)\/restart/.exec(new URL(String(input)).pathname);
      if (m && init?.method === "POST") restarts.push({ name: decodeURIComponent(m[1]!), at: Date.now() });
      return fetch(input, init);
    };
    const policy = autoRestartSchema.parse({ backoffUnitSeconds: 2, maxRestarts: 5, stableSeconds: 3 });
    const { registry, metrics } = createMetrics(new Registry());
    const logs: { msg: string; obj: Record<string, unknown> }[] = [];
    const log = (obj: object, msg: string) => {
      logs.push({ msg, obj: obj as Record<string, unknown> });
      console.log(`[supervisor] ${msg}`);
    };
    const sup = createConnectSupervisor({
      client: new ConnectClient({ url: env.connect.url, retry: { totalMs: 5_000 }, fetch: recording }),
      connectors: [
        { name: HEALED, state: "running", autoRestart: policy },
        { name: STOPPED, state: "stopped", autoRestart: policy },
      ],
      owner,
      pollMs: 500,
      metrics,
      logger: { info: log, warn: log, error: log },
    });
    try {
      // Three restarts while the cause stays: at once, then 4 s and 12 s after the previous one.
      await pollUntil("three restarts", async () => (restarts.filter((r) => r.name === HEALED).length >= 3 ? true : undefined), 40_000);
      const at = restarts.filter((r) => r.name === HEALED).map((r) => r.at);
      const gaps = [at[1]! - at[0]!, at[2]! - at[1]!];
      console.log(`[supervisor] restart gaps ${gaps.join(", ")} ms`);
      expect(gaps[0]).toBeGreaterThanOrEqual(restartDelayMs(1, policy));
      expect(gaps[1]).toBeGreaterThanOrEqual(restartDelayMs(2, policy));
      expect(gaps[1]).toBeLessThan(restartDelayMs(2, policy) + 5_000);
      // The failing task's trace was logged, once per failure (not once per poll).
      const traced = logs.filter((l) => l.obj.connector === HEALED && typeof l.obj.trace === "string");
      expect(traced.length).toBeGreaterThanOrEqual(1);
      expect(traced.length).toBeLessThanOrEqual(at.length + 1);
      expect(String(traced[0]!.obj.trace)).toContain("Publication autocreation is disabled");

      // Fix the cause: the next scheduled restart brings it up.
      const admin = await pgAdmin(env, database);
      try {
        await admin.query(`CREATE PUBLICATION ${broken(HEALED).publicationName} FOR TABLE public.meters`);
      } finally {
        await admin.end();
      }
      const client = new ConnectClient({ url: env.connect.url });
      await pollUntil(
        `${HEALED} RUNNING`,
        async () => {
          const s = await client.status(HEALED);
          return s.connector.state === "RUNNING" && s.tasks.length > 0 && s.tasks.every((t) => t.state === "RUNNING") ? true : undefined;
        },
        60_000,
      );
      const text = await registry.metrics();
      const count = restarts.filter((r) => r.name === HEALED).length;
      expect(text).toContain(`sink_connect_restarts_total{connector="${HEALED}"} ${count}`);
      await pollUntil(
        "state metric RUNNING",
        async () => ((await registry.metrics()).includes(`sink_connect_state{connector="${HEALED}",task="0",state="RUNNING"} 1`) ? true : undefined),
        10_000,
      );

      // The connector declared stopped: FAILED on the worker all along, never restarted.
      expect((await client.status(STOPPED)).tasks.map((t) => t.state)).toEqual(["FAILED"]);
      expect(restarts.filter((r) => r.name === STOPPED)).toEqual([]);
      expect(await registry.metrics()).toContain(`sink_connect_state{connector="${STOPPED}",task="0",state="FAILED"} 1`);
    } finally {
      await sup.stop();
    }
  });
});
