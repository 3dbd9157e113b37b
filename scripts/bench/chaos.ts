// Fault run of the whole pipeline on real servers: while N changes (inserts, updates, deletes)
// are made in the PostgreSQL source at a steady rate, the sink-app is killed with SIGKILL
// `--kills` times at random moments and restarted, Kafka Connect is restarted once, and the demo
// API receiver answers 30% of requests with 500, lets 5% time out and answers 5% with 429 +
// Retry-After. Afterwards everything is reconciled:
//   - Meter Master against the source, row for row (mapped columns and attributes; deleted rows);
//   - every change in the Kafka topic against what the API endpoint recorded, by idempotency key;
//   - every repeated delivery carried the same key as the first (per event, and the request's
//     Idempotency-Key header matches its events), seen by a recording proxy in front of the API;
//   - dead-lettered records (both dead letter topics).
// Prints the counts as one JSON line (and bench-results/chaos-<timestamp>.json). Exits non-zero
// only when something was lost or a check failed.

import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type pg from "pg";
import meterMasterMapping from "../../connector-configs/meter-master.js";
import { decodeRecord } from "../../sink-app/src/decode/envelope.js";
import { batchIdempotencyKey, idempotencyKeyFor } from "../../sink-app/src/delivery/http/idempotency.js";
import { demoApiConfigFromEnv } from "../../sink-app/src/demo-api/config.js";
import type { DemoApiServer } from "../../sink-app/src/demo-api/server.js";
import { startDemoApi } from "../../sink-app/src/demo-api/server.js";
import type { NamedSourceMapping } from "../../sink-app/src/mapping/map-event.js";
import { MeterMasterMappingSchema } from "../../sink-app/src/mapping/schema.js";
import { apiItemFor } from "../../sink-app/src/pipeline/api-payload.js";
import { reportCleanup } from "../test-env/cleanup.js";
import { metricSum, type SinkAppProcess } from "../test-env/sink-app-process.js";
import { intOption, log, machineInfo, onCleanup, parseCli, round, runMain, sleep, timestampName, waitUntil, writeResult } from "./lib/common.js";
import type { BenchEnv } from "./lib/env.js";
import { startBenchEnv } from "./lib/env.js";
import { KafkaAdmin, readTopic } from "./lib/kafka.js";
import { deleteMeters, IdPool, insertMeters, MeterData, seededRandom, updateReadings } from "./lib/meters.js";
import { applySource, benchSinkApp, createDatabase, createSourceDatabase, pgClient, projectPostgresSource } from "./lib/pipeline.js";

const USAGE = `
usage: npm run chaos -- [options]

  --changes N   changes made in the source (default 100000)
  --rate N      changes per second (default 1000)
  --kills N     kill -9 of the sink-app during the run (default 10)
  --seed N      seed of the change mix, the fault schedule and the API's faults (default 42)
  -h, --help    this text
`;

const SOURCE_DB = "chaos_meters";
const TARGET_DB = "chaos_meter_master";
const SOURCE = "postgres";
const FAULTS = { failRate: 0.3, timeoutRate: 0.05, rate429: 0.05, retryAfterSeconds: 1, hangMs: 2_500 };
const ENDPOINT_TIMEOUT_MS = 1_000;

// ---------------------------------------------------------------------------------------------
// a proxy in front of the demo API that sees every request's Idempotency-Key header and events

interface ProxyRequest {
  header: string | null;
  keys: string[];
  /** the body was a JSON array (a batch request, whatever its length) */
  batch: boolean;
  status: number | "aborted";
}

async function startRecordingProxy(upstream: string): Promise<{ url: string; requests: ProxyRequest[]; close(): Promise<void> }> {
  const target = new URL(upstream);
  const requests: ProxyRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const entry: ProxyRequest = { header: null, keys: [], batch: false, status: "aborted" };
      if (req.method === "POST") {
        const h = req.headers["idempotency-key"];
        entry.header = typeof h === "string" ? h : null;
        try {
          const parsed = JSON.parse(body.toString("utf8")) as unknown;
          entry.batch = Array.isArray(parsed);
          const events = Array.isArray(parsed) ? parsed : [parsed];
          entry.keys = events.map((e) => String((e as { idempotencyKey?: unknown }).idempotencyKey ?? ""));
        } catch {
          entry.keys = ["(unparsable body)"];
        }
        requests.push(entry);
      }
      const up = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (upRes) => {
          entry.status = upRes.statusCode ?? 0;
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on("error", () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      // the sink-app gave up (its timeout): end the upstream request too
      res.on("close", () => {
        if (!res.writableFinished) up.destroy();
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// the change run

interface ChangeCounts {
  inserts: number;
  updates: number;
  deletes: number;
}

async function changeRun(opts: {
  src: pg.Client;
  data: MeterData;
  pool: IdPool;
  deleted: Set<number>;
  changes: number;
  rate: number;
  onProgress: (done: number) => void;
}): Promise<ChangeCounts> {
  const counts: ChangeCounts = { inserts: 0, updates: 0, deletes: 0 };
  const started = performance.now();
  let done = 0;
  while (done < opts.changes) {
    const due = Math.min(opts.changes, Math.floor(((performance.now() - started) / 1000) * opts.rate)) - done;
    if (due <= 0) {
      await sleep(5);
      continue;
    }
    const n = Math.min(due, 250);
    // per change: 55% a new meter, 40% a new reading (a row may change many times), 5% a removal
    let ins = 0;
    let upds = 0;
    let dels = 0;
    for (let i = 0; i < n; i++) {
      const u = opts.data.random();
      if (u < 0.55 || opts.pool.size < 50) ins++;
      else if (u < 0.95) upds++;
      else dels++;
    }
    // one statement updates a row once: more updates than rows wait for the next round
    upds = Math.min(upds, Math.floor(opts.pool.size / 2));
    dels = Math.min(dels, Math.floor(opts.pool.size / 4));
    await opts.src.query("BEGIN");
    const newIds = await insertMeters(
      opts.src,
      Array.from({ length: ins }, () => opts.data.row()),
    );
    opts.pool.add(newIds);
    counts.inserts += newIds.length;
    counts.updates += await updateReadings(opts.src, opts.data, opts.pool.sample(upds, opts.data.random.bind(opts.data)));
    const delIds = opts.pool.sample(dels, opts.data.random.bind(opts.data), true);
    counts.deletes += await deleteMeters(opts.src, delIds);
    for (const id of delIds) opts.deleted.add(id);
    await opts.src.query("COMMIT");
    done = counts.inserts + counts.updates + counts.deletes;
    opts.onProgress(done);
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// reconciliation

const TS = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

interface Row {
  k: string;
  meter_id: string | null;
  meter_type: string | null;
  status: string | null;
  customer_ref: string | null;
  location: string | null;
  installed_at: string | null;
  last_reading: string | null;
  last_reading_at: string | null;
  attributes: string;
}

/** Meter Master against the source per connector-configs/meter-master.ts, computed by PostgreSQL on both sides. */
async function reconcileMeterMaster(src: pg.Client, mm: pg.Client, deleted: Set<number>) {
  const expected = await src.query<Row>(
    `SELECT id::text AS k, btrim(serial_no) AS meter_id, upper(btrim(kind)) AS meter_type, lower(btrim(state)) AS status,
            btrim(customer_id) AS customer_ref, address AS location, installed_on::text AS installed_at,
            last_value::numeric(18,4)::text AS last_reading, ${TS("last_value_at")} AS last_reading_at,
            jsonb_build_object('tags', tags, 'external_ref', external_ref, 'smart', smart)::text AS attributes
       FROM public.meters`,
  );
  const actual = await mm.query<Row & { is_deleted: boolean }>(
    `SELECT source_key AS k, meter_id, meter_type, status, customer_ref, location, installed_at::text AS installed_at,
            last_reading::text AS last_reading, ${TS("last_reading_at")} AS last_reading_at,
            jsonb_build_object('tags', attributes->'tags', 'external_ref', attributes->'external_ref', 'smart', attributes->'smart')::text AS attributes,
            is_deleted
       FROM public.meter_master WHERE source_system = $1`,
    [SOURCE],
  );
  const byKey = new Map(actual.rows.map((r) => [r.k, r]));
  let matching = 0;
  const missing: string[] = [];
  const differing: Array<{ key: string; expected: Row; actual: Row }> = [];
  for (const e of expected.rows) {
    const a = byKey.get(e.k);
    if (!a || a.is_deleted) {
      missing.push(e.k);
      continue;
    }
    const { is_deleted: _d, ...rest } = a;
    if (JSON.stringify(rest) === JSON.stringify(e)) matching++;
    else differing.push({ key: e.k, expected: e, actual: rest });
  }
  let deletedMarked = 0;
  const deletedNotMarked: string[] = [];
  for (const id of deleted) {
    if (byKey.get(String(id))?.is_deleted) deletedMarked++;
    else deletedNotMarked.push(String(id));
  }
  const expectedKeys = new Set(expected.rows.map((r) => r.k));
  const extra = actual.rows.filter((r) => !r.is_deleted && !expectedKeys.has(r.k)).map((r) => r.k);
  return {
    sourceRows: expected.rowCount ?? 0,
    meterMasterRows: actual.rowCount ?? 0,
    matching,
    missing: missing.length,
    differing: differing.length,
    extraLiveRows: extra.length,
    deletedInSource: deleted.size,
    deletedMarked,
    deletedNotMarked: deletedNotMarked.length,
    examples: { missing: missing.slice(0, 5), differing: differing.slice(0, 3), extra: extra.slice(0, 5), deletedNotMarked: deletedNotMarked.slice(0, 5) },
  };
}

interface Settings {
  changes: number;
  rate: number;
  kills: number;
  seed: number;
}

function settingsFrom(argv: string[]): Settings {
  const v = parseCli(USAGE, { changes: { type: "string" }, rate: { type: "string" }, kills: { type: "string" }, seed: { type: "string" } }, argv);
  return {
    changes: intOption(v.changes, "changes", 100_000, 100),
    rate: intOption(v.rate, "rate", 1_000),
    kills: intOption(v.kills, "kills", 10, 0),
    seed: intOption(v.seed, "seed", 42, 0),
  };
}

interface Pipeline {
  env: BenchEnv;
  src: pg.Client;
  mm: pg.Client;
  admin: KafkaAdmin;
  api: DemoApiServer;
  proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  topic: string;
  groupIdPrefix: string;
  app: SinkAppProcess;
}

/** Servers, the demo API with faults behind the recording proxy, the source connector and the sink-app. */
async function startPipeline({ changes, seed }: Settings): Promise<Pipeline> {
  const env = await startBenchEnv({ postgres: true, connect: true, plugins: ["postgres"] });
  const pgInfo = env.postgres!;
  await createSourceDatabase(pgInfo, SOURCE_DB);
  await createDatabase(pgInfo, TARGET_DB);
  const src = await pgClient(pgInfo, SOURCE_DB);
  const mm = await pgClient(pgInfo, TARGET_DB);
  onCleanup("database clients", async () => {
    // closing a client whose server is already gone is nothing to report
    await src.end().catch(reportCleanup("src.end()"));
    await mm.end().catch(reportCleanup("mm.end()"));
  });
  const admin = await KafkaAdmin.connect(env.kafka.bootstrap);
  onCleanup("kafka admin", () => admin.close());

  // the demo API receiver with faults, behind the recording proxy
  const api = await startDemoApi(
    demoApiConfigFromEnv({
      PORT: "0",
      HOST: "127.0.0.1",
      DEMO_API_FAIL_RATE: String(FAULTS.failRate),
      DEMO_API_TIMEOUT_RATE: String(FAULTS.timeoutRate),
      DEMO_API_429_RATE: String(FAULTS.rate429),
      DEMO_API_RETRY_AFTER_SECONDS: String(FAULTS.retryAfterSeconds),
      DEMO_API_HANG_MS: String(FAULTS.hangMs),
      DEMO_API_SEED: String(seed),
      DEMO_API_MAX_EVENTS: String(changes * 20),
    }),
  );
  onCleanup("demo API", () => api.close());
  const proxy = await startRecordingProxy(api.url);
  onCleanup("recording proxy", () => proxy.close());
  log(`demo API receiver at ${api.url} (faults on), recording proxy at ${proxy.url}`);

  const source = await projectPostgresSource(pgInfo, SOURCE_DB);
  const topic = await applySource(env.connect!.url, source);
  log(`source connector RUNNING, topic ${topic}`);

  const groupIdPrefix = `chaos-${Date.now()}.`;
  const app = await benchSinkApp({
    kafkaBootstrap: env.kafka.bootstrap,
    postgres: pgInfo,
    meterMasterDatabase: TARGET_DB,
    topic,
    groupIdPrefix,
    // the shortest session timeout allowed: a killed member holds its partitions until it expires
    sessionTimeoutMs: 6_000,
    endpoint: {
      url: `${proxy.url}/api/${SOURCE}`,
      timeoutMs: ENDPOINT_TIMEOUT_MS,
      batching: { maxItems: 250 },
      retries: { maxAttempts: 5, initialBackoffMs: 200, maxBackoffMs: 2_000 },
    },
  });
  await app.start();
  log("sink-app ready");

  return { env, src, mm, admin, api, proxy, topic, groupIdPrefix, app };
}

/** The changes at a steady rate while the sink-app is killed and Kafka Connect restarted on a seeded schedule. */
async function changesUnderFaults(p: Pipeline, { changes, rate, kills, seed }: Settings, rnd: () => number) {
  const { env, src, app } = p;
  const expectedSeconds = changes / rate;
  // the chaos schedule: kill times spread over the change run, the Connect restart in the middle
  const killAt = Array.from({ length: kills }, () => (0.05 + rnd() * 0.85) * expectedSeconds * 1000).sort((a, b) => a - b);
  const connectRestartAt = (0.45 + rnd() * 0.1) * expectedSeconds * 1000;
  const events: Array<{ atS: number; what: string }> = [];
  const runStarted = Date.now();
  let running = true;
  let killsDone = 0;
  let connectRestart: { downMs: number } | null = null;
  const chaos = (async () => {
    const pending = [...killAt.map((t) => ({ t, what: "kill" as const })), { t: connectRestartAt, what: "connect" as const }].sort((a, b) => a.t - b.t);
    for (const step of pending) {
      // a step whose time came while the previous one was still recovering runs at once; steps
      // left when the changes are done still run (the sinks are still working off the backlog)
      while (running && Date.now() - runStarted < step.t) await sleep(50);
      const at = round((Date.now() - runStarted) / 1000, 1);
      if (step.what === "kill") {
        await app.kill("SIGKILL");
        killsDone++;
        const downMs = 200 + Math.floor(rnd() * 2_800);
        log(`  chaos: kill -9 sink-app (#${killsDone}) at ${at} s; restarting in ${downMs} ms`);
        events.push({ atS: at, what: `kill -9 sink-app #${killsDone}, down ${downMs} ms` });
        await sleep(downMs);
        await app.start(120_000);
      } else {
        log(`  chaos: restarting Kafka Connect at ${at} s`);
        connectRestart = await env.restartConnect();
        events.push({ atS: at, what: `Kafka Connect restarted (down ${connectRestart.downMs} ms)` });
        log(`  chaos: Kafka Connect back after ${(connectRestart.downMs / 1000).toFixed(1)} s at ${env.connect!.url}`);
      }
    }
  })();

  const data = new MeterData(seed + 1, 8);
  const pool = new IdPool();
  pool.add((await src.query<{ id: string }>("SELECT id FROM public.meters")).rows.map((r) => Number(r.id)));
  const deleted = new Set<number>();
  let lastLog = 0;
  const counts = await changeRun({
    src,
    data,
    pool,
    deleted,
    changes,
    rate,
    onProgress: (done) => {
      if (Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        log(`  changes: ${done} / ${changes}`);
      }
    },
  }).finally(() => {
    running = false;
  });
  const changeRunS = (Date.now() - runStarted) / 1000;
  await chaos;
  // the marker: the last change of the run
  const [markerId] = await insertMeters(src, [data.row({ serial_no: "CHAOS-END-MARKER" })]);
  counts.inserts++;
  const changesMade = counts.inserts + counts.updates + counts.deletes;
  log(
    `changes done in ${((Date.now() - runStarted) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}; ${killsDone} kills, Connect restarted: ${connectRestart !== null}`,
  );
  if (!app.running()) await app.start(120_000);

  return {
    counts,
    deleted,
    markerId: markerId!,
    changesMade,
    killsDone,
    connectRestart: connectRestart as { downMs: number } | null,
    events,
    runStarted,
    changeRunS,
  };
}

/** Both sinks caught up: the marker row is in Meter Master, and both groups committed the whole topic. */
async function waitCaughtUp(p: Pipeline, markerId: number): Promise<void> {
  const { admin, app, mm, topic, groupIdPrefix } = p;
  const mmGroup = `${groupIdPrefix}meter-master.${SOURCE}`;
  const apiGroup = `${groupIdPrefix}api.${SOURCE}`;
  let lastWait = 0;
  await waitUntil(
    "both sinks caught up",
    async () => {
      app.assertRunning();
      const end = await admin.endOffset(topic);
      const [c1, c2] = [await admin.committed(mmGroup, topic), await admin.committed(apiGroup, topic)];
      const marker =
        (await mm.query("SELECT 1 FROM public.meter_master WHERE source_system = $1 AND source_key = $2", [SOURCE, String(markerId)])).rowCount ?? 0;
      if (Date.now() - lastWait > 5_000) {
        lastWait = Date.now();
        log(`  catching up: topic ${end}, Meter Master committed ${c1}, API committed ${c2}, marker ${marker ? "written" : "not yet"}`);
      }
      return marker > 0 && c1 >= end && c2 >= end ? true : undefined;
    },
    900_000,
    500,
  );
}

/** Meter Master row for row; every change in the topic against what the endpoint recorded and the dead letters. */
async function reconcileAll(p: Pipeline, deleted: Set<number>) {
  const { env, src, mm, topic, api, proxy } = p;
  // 1. Meter Master, row for row
  const mmReport = await reconcileMeterMaster(src, mm, deleted);

  // 2. every change in the topic, by the sink-app's own idempotency key (its own decode + mapping)
  const mapping: NamedSourceMapping = { ...MeterMasterMappingSchema.parse(meterMasterMapping).sources[SOURCE]!, sourceSystem: SOURCE };
  const expectedKeys = new Map<string, { key: string; op: string }>();
  let topicRecords = 0;
  let tombstones = 0;
  let snapshotReads = 0;
  const changeKeys = new Set<string>();
  await readTopic(env.kafka.bootstrap, topic, (r) => {
    topicRecords++;
    const event = decodeRecord({ topic, partition: r.partition, offset: r.offset, key: r.key, value: r.value, headers: r.headers });
    if (event.type === "tombstone") {
      tombstones++;
      return;
    }
    const item = apiItemFor(event, "meter-master-row", SOURCE, mapping);
    if (!item) return;
    const key = idempotencyKeyFor(item.identity);
    expectedKeys.set(key, { key: item.identity.sourceKey, op: item.identity.op });
    if (item.identity.op === "r") snapshotReads++;
    else changeKeys.add(key);
  });
  const dlqCounts: Record<string, number> = {};
  const deadLetteredKeys = new Set<string>();
  for (const dlq of ["meter-master.dlq", `api.${SOURCE}.dlq`]) {
    dlqCounts[dlq] = await readTopic(env.kafka.bootstrap, dlq, (r) => {
      try {
        const event = decodeRecord({ topic, partition: 0, offset: r.offset, key: r.key, value: r.value, headers: [] });
        const item = event.type === "tombstone" ? null : apiItemFor(event, "meter-master-row", SOURCE, mapping);
        if (item) deadLetteredKeys.add(idempotencyKeyFor(item.identity));
      } catch {
        // undecodable dead letters are counted, not keyed
      }
    });
  }

  // 3. what the API endpoint recorded
  const recorded = api.recorder.events(SOURCE);
  const summary = api.recorder.summary(SOURCE);
  const keyOfChange = new Map<string, Set<string>>();
  let wrongKey = 0;
  for (const e of recorded) {
    const body = e.body as { source_key: string; source_position: string; source_op: string };
    const identity = JSON.stringify([body.source_key, body.source_position, body.source_op]);
    const expectedKey = idempotencyKeyFor({ sourceSystem: SOURCE, sourceKey: body.source_key, sourcePosition: body.source_position, op: body.source_op });
    if (e.idempotencyKey !== expectedKey) wrongKey++;
    if (!keyOfChange.has(identity)) keyOfChange.set(identity, new Set());
    keyOfChange.get(identity)!.add(e.idempotencyKey ?? "(none)");
  }
  const changesWithSeveralKeys = [...keyOfChange.values()].filter((s) => s.size > 1).length;
  const deliveredKeys = new Set(recorded.map((e) => e.idempotencyKey ?? ""));
  const notDelivered = [...expectedKeys.keys()].filter((k) => !deliveredKeys.has(k) && !deadLetteredKeys.has(k));
  const unexpectedDeliveries = [...deliveredKeys].filter((k) => !expectedKeys.has(k)).length;

  // 4. headers seen by the proxy: a single event carries its own key; a batch (also of one event) its keys' hash
  let headerMismatch = 0;
  for (const r of proxy.requests) {
    const expected = r.batch ? batchIdempotencyKey(r.keys) : r.keys[0];
    if (r.header !== expected) headerMismatch++;
  }
  const statusCounts: Record<string, number> = {};
  for (const r of proxy.requests) statusCounts[String(r.status)] = (statusCounts[String(r.status)] ?? 0) + 1;

  return {
    mmReport,
    topicRecords,
    tombstones,
    snapshotReads,
    changeKeys,
    dlqCounts,
    summary,
    changesWithSeveralKeys,
    wrongKey,
    deliveredKeys,
    notDelivered,
    unexpectedDeliveries,
    headerMismatch,
    statusCounts,
  };
}

async function main(settings: Settings): Promise<number> {
  const { changes, rate, kills, seed } = settings;
  const rnd = seededRandom(seed);
  const runId = timestampName();
  const machine = machineInfo();
  log(
    `chaos ${runId}: ${changes} changes at ${rate}/s (~${Math.round(changes / rate)} s), ${kills} x kill -9 of the sink-app, 1 Kafka Connect restart, API faults ${JSON.stringify(FAULTS)}`,
  );

  const p = await startPipeline(settings);
  const run = await changesUnderFaults(p, settings, rnd);
  await waitCaughtUp(p, run.markerId);
  log("caught up; reconciling");
  const metrics = await p.app.metrics();
  const {
    mmReport,
    topicRecords,
    tombstones,
    snapshotReads,
    changeKeys,
    dlqCounts,
    summary,
    changesWithSeveralKeys,
    wrongKey,
    deliveredKeys,
    notDelivered,
    unexpectedDeliveries,
    headerMismatch,
    statusCounts,
  } = await reconcileAll(p, run.deleted);
  const { counts, changesMade, killsDone, connectRestart, events, runStarted, changeRunS } = run;
  const { app, proxy } = p;

  const capturedChanges = changeKeys.size;
  const lostInCapture = Math.max(0, changesMade - capturedChanges);
  const lostMeterMaster = mmReport.missing + mmReport.differing + mmReport.deletedNotMarked;
  const lostApi = notDelivered.length;
  const deadLettered = Object.values(dlqCounts).reduce((s, n) => s + n, 0);
  const lost = lostInCapture + lostMeterMaster + lostApi;
  const checks = {
    meterMasterMatchesSource: mmReport.missing === 0 && mmReport.differing === 0 && mmReport.extraLiveRows === 0 && mmReport.deletedNotMarked === 0,
    everyChangeCaptured: lostInCapture === 0,
    everyChangeDeliveredOrDeadLettered: lostApi === 0,
    repeatedDeliveriesCarrySameKey: changesWithSeveralKeys === 0 && wrongKey === 0,
    headerMatchesEvents: headerMismatch === 0,
    noUnexpectedDeliveries: unexpectedDeliveries === 0,
    sinkAppKilledAsPlanned: killsDone === kills,
    connectRestarted: connectRestart !== null,
  };
  const counted = {
    changesMade,
    changesByKind: counts,
    changesCapturedInTopic: capturedChanges,
    topicRecords,
    snapshotReads,
    tombstones,
    meterMasterRowsMatchingSource: mmReport.matching,
    sourceRows: mmReport.sourceRows,
    deletedRowsMarked: mmReport.deletedMarked,
    delivered: deliveredKeys.size,
    deliveredEventsInclRepeats: summary.count,
    repeatedDeliveries: summary.repeatedDeliveries,
    apiRequests: proxy.requests.length,
    apiAnswers: statusCounts,
    deadLettered,
    lost,
  };
  const result = {
    benchmark: "chaos",
    runId,
    at: new Date().toISOString(),
    settings: { changes, rate, kills, seed, faults: FAULTS, endpointTimeoutMs: ENDPOINT_TIMEOUT_MS },
    counted,
    lostBreakdown: { inCapture: lostInCapture, meterMaster: lostMeterMaster, api: lostApi },
    checks,
    meterMaster: mmReport,
    deadLetterTopics: dlqCounts,
    api: { summary, changesWithSeveralKeys, wrongKey, headerMismatch, unexpectedDeliveries, notDeliveredExamples: notDelivered.slice(0, 5) },
    sinkApp: {
      starts: app.starts,
      peakRssMiB: app.peakHwmMiB,
      failures: metricSum(metrics, "sink_failures_total"),
      note: "metrics are those of the last sink-app process only",
    },
    achievedChangeRate: Math.round(changesMade / changeRunS),
    timeline: events,
    durationS: round((Date.now() - runStarted) / 1000, 1),
    machine,
  };
  const file = writeResult(`chaos-${runId}.json`, `${JSON.stringify(result, null, 2)}\n`);
  log(`results: ${file}`);
  const ok = lost === 0 && Object.values(checks).every(Boolean);
  process.stdout.write(`${JSON.stringify({ benchmark: "chaos", runId, ...counted, checks, ok, file })}\n`);
  if (!ok) {
    log(
      `FAILED: ${
        Object.entries(checks)
          .filter(([, v]) => !v)
          .map(([k]) => k)
          .join(", ") || `lost ${lost}`
      }`,
    );
  }
  return ok ? 0 : 1;
}

const settings = settingsFrom(process.argv.slice(2));
runMain("chaos", () => main(settings));
