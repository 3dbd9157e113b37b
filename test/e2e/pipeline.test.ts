// End to end on the real thing: PostgreSQL and MariaDB (for MySQL) -> Debezium on Kafka Connect
// -> Kafka -> the sink-app -> Meter Master (PostgreSQL here: SQL Server cannot run on these
// machines) and the demo API receiver. The tests run in order and share one pipeline.

import type mysql from "mysql2/promise";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SourceConnectorConfig } from "../../connector-configs/schemas/debezium.js";
import type { TestEnvironmentInfo } from "../../scripts/test-env/index.js";
import { freePort } from "../../scripts/test-env/ports.js";
import { demoApiConfigFromEnv } from "../../sink-app/src/demo-api/config.js";
import type { RecordedEvent } from "../../sink-app/src/demo-api/recorder.js";
import { type DemoApiServer, startDemoApi } from "../../sink-app/src/demo-api/server.js";
import { testEnv } from "../support/env.js";
import {
  applyConnectors,
  buildSinkApp,
  createSourceDatabases,
  expectedFromMysql,
  expectedFromPostgres,
  METER_MASTER_DB,
  MYSQL_SOURCE_DB,
  meterMasterRows,
  mysqlClient,
  PG_SOURCE_DB,
  pgClient,
  produceRaw,
  projectSourceConfigs,
  readTopic,
  removePipeline,
  SinkAppProcess,
  sinkAppConfig,
  sinkAppHealthcheck,
  waitUntil,
} from "./harness.js";

let env: TestEnvironmentInfo;
let configs: SourceConnectorConfig[];
let pgSource: pg.Client;
let mySource: mysql.Connection;
let meterMaster: pg.Client;
let apiPort: number;
let api: DemoApiServer | undefined;
/** Everything every demo API instance received, per source, in arrival order. */
const received: Record<string, RecordedEvent[]> = { postgres: [], mysql: [] };
let sink: SinkAppProcess;

async function startApi(): Promise<DemoApiServer> {
  const server = await startDemoApi(demoApiConfigFromEnv({ PORT: String(apiPort), HOST: "127.0.0.1" }));
  return server;
}

/** Moves what the current demo API instance recorded into `received` (before it is closed). */
function harvest(): void {
  if (!api) return;
  for (const source of Object.keys(received)) {
    received[source]!.push(...api.recorder.events(source));
  }
  api.recorder.clear();
}

type Row = { source_key: string; source_position: string };
const bodyOf = (e: RecordedEvent) => e.body as Row & Record<string, unknown>;

async function pipelineSettled(source: "postgres" | "mysql") {
  const expected = source === "postgres" ? await expectedFromPostgres(pgSource) : await expectedFromMysql(mySource);
  return waitUntil(
    `Meter Master equals the ${source} source`,
    async () => {
      const { live } = await meterMasterRows(meterMaster, source);
      return JSON.stringify(live) === JSON.stringify(expected) ? live : undefined;
    },
    60_000,
  ).catch(async (err: Error) => {
    const { live } = await meterMasterRows(meterMaster, source);
    expect(live, `${err.message}\n--- sink-app log ---\n${sink.log.slice(-3000)}`).toEqual(expected);
    throw err;
  });
}

beforeAll(async () => {
  env = testEnv();
  await Promise.all([buildSinkApp(), createSourceDatabases(env)]);
  pgSource = await pgClient(env, PG_SOURCE_DB);
  mySource = await mysqlClient(env, MYSQL_SOURCE_DB);
  meterMaster = await pgClient(env, METER_MASTER_DB);
  apiPort = await freePort();
  api = await startApi();
  configs = await projectSourceConfigs(env);
  const applied = await applyConnectors(env, configs);
  expect(applied.created.sort()).toEqual(["mysql", "postgres"]);
  sink = await SinkAppProcess.create((port) => sinkAppConfig(env, configs, `http://127.0.0.1:${apiPort}`, port), { password: env.postgres.password });
  await sink.start();
}, 240_000);

afterAll(async () => {
  await sink?.dispose();
  await api?.close();
  await Promise.all([pgSource?.end(), mySource?.end(), meterMaster?.end()]);
  await removePipeline(env);
}, 120_000);

describe("end to end: PostgreSQL and MariaDB through Debezium into Meter Master and the API endpoints", () => {
  it("reports ready to the container's health check once every consumer has joined", async () => {
    expect(await sinkAppHealthcheck(sink.configFile)).toBe(0);
    const ready = (await (await fetch(`${sink.url}/readyz`)).json()) as { checks: Record<string, string> };
    expect(Object.keys(ready.checks).sort()).toEqual([
      "consumer api.mysql",
      "consumer api.postgres",
      "consumer meter-master.mysql",
      "consumer meter-master.postgres",
      "meter-master postgres",
    ]);
  });

  it("snapshots the existing rows of both sources into Meter Master with exact values", async () => {
    const pgRows = await pipelineSettled("postgres");
    expect(pgRows).toHaveLength(4);
    // spot-check one row against literal values, not only against the source
    expect(pgRows.find((r) => r.meter_id === "GA-2021-003318")).toEqual({
      source_key: "2",
      meter_id: "GA-2021-003318",
      meter_type: "GAS",
      status: "active",
      customer_ref: "CUST-90211",
      location: "Müllerstraße 12, 50667 Köln",
      installed_at: "2021-09-15",
      last_reading: "4411.0700",
      last_reading_at: "2026-11-01T05:15:00.000Z",
    });
    const myRows = await pipelineSettled("mysql");
    expect(myRows).toHaveLength(4);
    expect(myRows.find((r) => r.meter_id === "M-1002")).toMatchObject({
      source_key: '["NYC","M-1002"]',
      meter_type: "GAS",
      status: "active",
      last_reading: "1200.0000",
      last_reading_at: "2026-11-01T05:00:00.250Z",
    });
  });

  it("applies inserts, updates, deletes, NULLs, unicode and a primary-key change from PostgreSQL", async () => {
    await pgSource.query(`INSERT INTO public.meters (id, serial_no, kind, state, customer_id, address, installed_on, last_value, last_value_at, smart)
      VALUES (5, 'EL-2026-000005', 'ELECTRIC', 'active', NULL, 'Ünïcödé Straße 5, 東京 — ☃', '2026-02-28', 123456789.125, '2026-11-24 09:30:00.123+05:30', true)`);
    await pgSource.query("UPDATE public.meters SET last_value = 18240.001, state = 'inactive', last_value_at = '2026-11-24 00:00:00+00' WHERE id = 1");
    await pgSource.query("UPDATE public.meters SET address = NULL, last_value = NULL, last_value_at = NULL WHERE id = 2");
    await pgSource.query("DELETE FROM public.meters WHERE id = 3");
    await pgSource.query("UPDATE public.meters SET id = 400 WHERE id = 4");
    const live = await pipelineSettled("postgres");
    expect(live.find((r) => r.source_key === "5")).toMatchObject({
      location: "Ünïcödé Straße 5, 東京 — ☃",
      customer_ref: null,
      last_reading: "123456789.1250",
      last_reading_at: "2026-11-24T04:00:00.123Z",
    });
    expect(live.find((r) => r.source_key === "2")).toMatchObject({ location: null, last_reading: null, last_reading_at: null });
    const { deleted } = await meterMasterRows(meterMaster, "postgres");
    // the delete, and the old key of the key change (Debezium: delete + create)
    expect(deleted.sort()).toEqual(["3", "4"]);
  });

  it("applies inserts, updates, deletes, NULLs, unicode and a primary-key change from MariaDB (for MySQL)", async () => {
    await mySource.query(`INSERT INTO meter_registry (region_code, meter_no, meter_kind, status_code, account_no, site_address, install_date, last_read_kwh, last_read_time, notes)
      VALUES ('LDN', 'M-5005', 'WATER', 1, 'ACC-770001', 'Flat 2, 10 Downing St — Lôndon ✓', '2024-02-29', 12.34, '2026-11-24 08:00:00.125', 'new ✓')`);
    await mySource.query(
      "UPDATE meter_registry SET last_read_kwh = 55030.00, last_read_time = '2026-11-24 08:01:00.000' WHERE region_code = 'NYC' AND meter_no = 'M-1001'",
    );
    await mySource.query("UPDATE meter_registry SET account_no = NULL, site_address = NULL WHERE region_code = 'NYC' AND meter_no = 'M-1002'");
    await mySource.query("DELETE FROM meter_registry WHERE region_code = 'BOS' AND meter_no = 'M-0077'");
    await mySource.query("UPDATE meter_registry SET region_code = 'POR' WHERE region_code = 'SEA' AND meter_no = 'M-9000-X'");
    const live = await pipelineSettled("mysql");
    expect(live.find((r) => r.meter_id === "M-5005")).toMatchObject({
      source_key: '["LDN","M-5005"]',
      location: "Flat 2, 10 Downing St — Lôndon ✓",
      installed_at: "2024-02-29",
      last_reading: "12.3400",
      last_reading_at: "2026-11-24T08:00:00.125Z",
    });
    const { deleted } = await meterMasterRows(meterMaster, "mysql");
    expect(deleted.sort()).toEqual(['["BOS","M-0077"]', '["SEA","M-9000-X"]']);
  });

  it("delivers every change to each source's API endpoint once, in commit order per key, ending at Meter Master's state", async () => {
    for (const source of ["postgres", "mysql"] as const) {
      const { live, deleted } = await meterMasterRows(meterMaster, source);
      const positions = await meterMasterPositions(source);
      await waitUntil(`the ${source} endpoint caught up`, async () => {
        const last = lastPerKey([...received[source]!, ...api!.recorder.events(source)]);
        return [...positions].every(([key, pos]) => last.get(key)?.source_position === pos) ? true : undefined;
      });
      const all = [...received[source]!, ...api!.recorder.events(source)];
      expect(api!.recorder.summary(source).repeatedDeliveries).toBe(0);
      assertOrderedPerKey(all);
      expect(new Set(all.map((e) => bodyOf(e).source_key))).toEqual(new Set([...live.map((r) => r.source_key), ...deleted]));
    }
  });

  it("keeps filling Meter Master while the API endpoint is down, then delivers the backlog once, in order", async () => {
    harvest();
    await api!.close();
    api = undefined;
    for (let i = 1; i <= 20; i++) {
      await pgSource.query("UPDATE public.meters SET last_value = last_value + 0.5, last_value_at = now() WHERE id = 1");
    }
    await pgSource.query(`INSERT INTO public.meters (id, serial_no, kind, state) VALUES (6, 'WA-2026-000006', 'WATER', 'active')`);
    // Meter Master is not held back by the failing endpoint sink
    await pipelineSettled("postgres");
    // ... while the endpoint sink of the same source holds its offsets and retries
    await waitUntil(
      "the API sink is retrying",
      async () => ((await sink.metric("sink_retrying", { sink: "api", source: "postgres" })) === 1 ? true : undefined),
      15_000,
    );
    expect((await meterMasterRows(meterMaster, "postgres")).live.find((r) => r.source_key === "6")).toBeDefined();

    api = await startApi();
    const positions = await meterMasterPositions("postgres");
    await waitUntil("the backlog reached the endpoint", async () => {
      const last = lastPerKey(api!.recorder.events("postgres"));
      return last.get("1")?.source_position === positions.get("1") && last.has("6") ? true : undefined;
    });
    const backlog = api.recorder.events("postgres");
    // 20 updates of meter 1 and the insert of meter 6, nothing twice
    expect(backlog.filter((e) => bodyOf(e).source_key === "1")).toHaveLength(20);
    expect(backlog.filter((e) => bodyOf(e).source_key === "6")).toHaveLength(1);
    expect(api.recorder.summary("postgres").repeatedDeliveries).toBe(0);
    assertOrderedPerKey(backlog);
  });

  it("loses nothing when the sink-app is killed (SIGKILL) mid-stream and restarted", async () => {
    harvest();
    const writer = (async () => {
      for (let i = 0; i < 300; i++) {
        await pgSource.query("UPDATE public.meters SET last_value = $1, last_value_at = now() WHERE id = $2", [`${1000 + i}.${i % 1000}`, (i % 2) + 1]);
        await mySource.query("UPDATE meter_registry SET last_read_kwh = ? WHERE region_code = 'NYC' AND meter_no = 'M-1001'", [`${2000 + i}.25`]);
        if (i % 50 === 0)
          await pgSource.query(
            `INSERT INTO public.meters (id, serial_no, kind, state) VALUES (${1000 + i}, 'GA-2026-${String(1000 + i).padStart(6, "0")}', 'GAS', 'active')`,
          );
      }
    })();
    // kill while changes are flowing, twice, restarting each time
    for (let k = 0; k < 2; k++) {
      await new Promise((r) => setTimeout(r, 700));
      await sink.kill("SIGKILL");
      await sink.start();
    }
    await writer;
    await pipelineSettled("postgres");
    await pipelineSettled("mysql");
    // the endpoint also ends at the final state of every key (repeats allowed after a kill)
    for (const source of ["postgres", "mysql"] as const) {
      const positions = await meterMasterPositions(source);
      await waitUntil(`the ${source} endpoint caught up after the restarts`, async () => {
        const last = lastPerKey([...received[source]!, ...api!.recorder.events(source)]);
        return [...positions].every(([key, pos]) => last.get(key)?.source_position === pos) ? true : undefined;
      });
    }
  });

  it("sends an event it cannot decode to the dead letter topics with the reason, and goes on", async () => {
    const topic = "postgres.public.meters";
    await produceRaw(env, topic, JSON.stringify({ schema: null, payload: { id: 1 } }), "{not json: written by a broken producer");
    await pgSource.query("UPDATE public.meters SET state = 'removed' WHERE id = 1");
    await pipelineSettled("postgres");
    for (const dlq of ["meter-master.dlq", "api.postgres.dlq"]) {
      const records = await readTopic(env, dlq, 1);
      expect(records).toHaveLength(1);
      expect(records[0]!.value).toBe("{not json: written by a broken producer");
      expect(records[0]!.headers).toMatchObject({ "x-dlq-error-kind": "decode", "x-dlq-source-topic": topic, "x-dlq-partition": "0" });
      expect(records[0]!.headers["x-dlq-reason"]).toMatch(/JSON/i);
    }
    expect(await sink.metric("sink_dead_letter_total", { source: "postgres", kind: "decode" })).toBe(2);
  });

  it("keeps Meter Master exact on REPLICA IDENTITY DEFAULT (TOAST placeholders, key-only deletes), big jsonb numbers and a truncate", async () => {
    const toasted = "(SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) AS i)";
    await pgSource.query(`INSERT INTO public.meters (id, serial_no, kind, state, customer_id, address, last_value, tags, external_ref)
      VALUES (30, 'EL-TOAST-0030', 'ELECTRIC', 'active', 'CUST-30', '30 Toast Road', 30.000, jsonb_build_object('blob', ${toasted}), 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
             (31, 'GA-JSON-0031', 'GAS', 'active', 'CUST-31', '31 Json Street', 31.000, '{"big": 12345678901234567890, "exact": 1.10, "neg": -9223372036854775809}'::jsonb, NULL),
             (9007199254740993, 'EL-BIGKEY-0001', 'ELECTRIC', 'active', NULL, NULL, 99999999999.999, NULL, NULL)`);
    await pipelineSettled("postgres");
    await pgSource.query("ALTER TABLE public.meters REPLICA IDENTITY DEFAULT");
    // the TOASTed tags stay unchanged: Debezium sends its placeholder for them
    await pgSource.query("UPDATE public.meters SET last_value = 30.125, state = 'inactive' WHERE id = 30");
    // key-only before-image, with '' in the NOT NULL columns
    await pgSource.query("DELETE FROM public.meters WHERE id = 31");
    const live = await pipelineSettled("postgres");
    expect(live.find((r) => r.source_key === "9007199254740993")).toMatchObject({ last_reading: "99999999999.9990" });
    // attributes column by column with the source row (jsonb equality compares numbers exactly)
    const attrs = await meterMaster.query<{ source_key: string; attributes: string }>(
      "SELECT source_key, attributes::text AS attributes FROM public.meter_master WHERE source_system = 'postgres' AND NOT is_deleted ORDER BY source_key COLLATE \"C\"",
    );
    const sourceAttrs = await pgSource.query<{ source_key: string; attributes: string }>(
      "SELECT id::text AS source_key, jsonb_build_object('tags', tags, 'external_ref', external_ref, 'smart', smart)::text AS attributes FROM public.meters ORDER BY id::text COLLATE \"C\"",
    );
    expect(attrs.rows).toEqual(sourceAttrs.rows);
    const deleted = await meterMaster.query(
      "SELECT meter_id, meter_type, location, last_reading::text AS last_reading, attributes::text AS attributes, is_deleted FROM public.meter_master WHERE source_system = 'postgres' AND source_key = '31'",
    );
    expect(deleted.rows).toEqual([
      {
        meter_id: "GA-JSON-0031",
        meter_type: "GAS",
        location: "31 Json Street",
        last_reading: "31.0000",
        attributes: '{"tags": {"big": 12345678901234567890, "neg": -9223372036854775809, "exact": 1.10}, "smart": false, "external_ref": null}',
        is_deleted: true,
      },
    ]);

    // a source truncate reaches Meter Master (skipped.operations=none): every row of the source is deleted
    await pgSource.query("TRUNCATE public.meters");
    await pipelineSettled("postgres");
    const after = await meterMaster.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM public.meter_master WHERE source_system = 'postgres' AND NOT is_deleted",
    );
    expect(after.rows).toEqual([{ n: "0" }]);
    expect((await meterMasterRows(meterMaster, "mysql")).live.length).toBeGreaterThan(0);
  });

  it("hands its young generation back once idle (the image's 4 MiB semi-spaces, trimmed through --expose-gc)", async () => {
    // a start grows the young generation; with no batch for two idle checks (5 s each) it is handed back
    await sink.kill("SIGKILL");
    await sink.start();
    const young = () => sink.metric("sink_app_nodejs_heap_space_size_total_bytes", { space: "new" });
    await waitUntil("the young generation back at 2 MiB or less", async () => ((await young()) <= 2 * 2 ** 20 ? true : undefined), 20_000);
    const sinceStart = sink.log.slice(sink.log.lastIndexOf('"msg":"sink-app starting"'));
    expect(sinceStart).toContain('"msg":"idle: young generation handed back"');
  });

  it("stops gracefully on SIGTERM: in-flight batches are committed and the process exits 0", async () => {
    const code = await sink.kill("SIGTERM");
    expect(code, sink.log.slice(-2000)).toBe(0);
    expect(sink.log).toContain('"msg":"stopped"');
  });
});

async function meterMasterPositions(source: string): Promise<Map<string, string>> {
  const res = await meterMaster.query<Row>("SELECT source_key, source_position FROM public.meter_master WHERE source_system = $1", [source]);
  return new Map(res.rows.map((r) => [r.source_key, r.source_position]));
}

function lastPerKey(events: RecordedEvent[]): Map<string, Row> {
  const last = new Map<string, Row>();
  for (const e of events) last.set(bodyOf(e).source_key, bodyOf(e));
  return last;
}

/** Per key, each delivery's source_position is later than the one before (byte order sorts in commit order). */
function assertOrderedPerKey(events: RecordedEvent[]): void {
  const last = new Map<string, string>();
  for (const e of events) {
    const { source_key: key, source_position: pos } = bodyOf(e);
    const before = last.get(key);
    if (before !== undefined) expect(Buffer.compare(Buffer.from(pos), Buffer.from(before)), `key ${key}: ${pos} after ${before}`).toBeGreaterThan(0);
    last.set(key, pos);
  }
}
