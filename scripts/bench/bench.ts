// npm run bench -- [--events 100000] [--latency-rate 1000] [--latency-seconds 40] [--tuned-max-wait-ms 50]
//                  [--skip-jdbc] [--skip-latency] [--profile] [--runtime compiled|tsx]
//                  [--variant NAME[,NAME]]   (one more drain, built with scripts/bench/prototype/NAME.patch)
//                  [--variant-node-flags=--max-old-space-size=96] [--variant-env MALLOC_ARENA_MAX=2]
//                  (node flags / environment of that extra drain)
//                  [--source-poll-ms 50]   (the source config's pollIntervalMs, Debezium poll.interval.ms)
//                  [--patch NAME[,NAME]]   (every sink-app run built with those patches)
//
// Drives N change events (realistic meter rows: inserts, updates, a few deletes) through the
// project's Debezium PostgreSQL connector into Kafka, then on that same topic measures:
//   1. sink-app drain throughput into the PostgreSQL Meter Master table (fresh consumer group);
//   2. Debezium's JDBC sink connector draining the same topic into the same database (upserts);
//   3. raw consumption of the topic by @platformatic/kafka alone (the ceiling);
//   4. end-to-end latency source commit -> Meter Master row under a steady change rate, with the
//      shipped batching and with a shorter batching.maxWaitMs;
//   5. the sink-app's peak RSS.
// Prints ONE JSON line; writes bench-results/<timestamp>.json and .svg (and .png when an SVG
// renderer is installed). Exits non-zero only when the run itself broke, never on a figure.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import {
  cpuSecondsOf,
  intFlag,
  log,
  machineInfo,
  onCleanup,
  parseFlags,
  REPO,
  RESULTS_DIR,
  round,
  runMain,
  sleep,
  summarize,
  timestampName,
  waitUntil,
  writeResult,
} from "./lib/common.js";
import { startBenchEnv, type BenchEnv } from "./lib/env.js";
import { jdbcSinkConfig, validateJdbcSink } from "./lib/jdbc-sink.js";
import { KafkaAdmin, readTopic } from "./lib/kafka.js";
import { deleteMeters, IdPool, insertMeters, MeterData, updateReadings } from "./lib/meters.js";
import { applySource, connectClient, createDatabase, createSourceDatabase, metricSum, pgClient, projectPostgresSource, SinkApp, type SinkRuntime } from "./lib/pipeline.js";
import { summarizeProfile } from "./lib/profile.js";
import { runConsumeWorker, type RawResult } from "./lib/raw.js";
import { renderChart, type Series } from "./lib/svg.js";
import { renderDesiredConnectors } from "../../connector-configs/render.js";

const SOURCE_DB = "bench_meters";
const TARGET_DB = "bench_meter_master";
const JDBC_TABLE = "jdbc_meters";
const JDBC_CONNECTOR = "bench-jdbc-sink";
const SINK_BATCH = 500; // the sink-app's default batching.maxEvents, used by both sinks
const TARGETS = { ratioToJdbc: 1.5, ratioToRaw: 0.5, p99Ms: 500, peakRssMiB: 150 };

type Point = [number, number];

interface Flags {
  events: number;
  latencyRate: number;
  latencySeconds: number;
  tunedMaxWaitMs: number;
  skipJdbc: boolean;
  skipLatency: boolean;
  profile: boolean;
  runtime: SinkRuntime;
  variant: string[];
  variantNodeFlags: string[];
  variantEnv: Record<string, string>;
  sourcePollMs: number | null;
  patch: string[];
}

// ---------------------------------------------------------------------------------------------
// 0. changes through Debezium into Kafka

interface CaptureResult {
  inserts: number;
  updates: number;
  deletes: number;
  snapshotRecords: number;
  topicRecords: number;
  writeMs: number;
  captureMs: number;
  markerId: number;
  timeline: Point[];
}

async function driveChanges(src: pg.Client, admin: KafkaAdmin, topic: string, events: number, data: MeterData, pool: IdPool, baseRecords: number): Promise<CaptureResult> {
  const deletes = Math.floor(events * 0.005);
  const inserts = Math.max(1, Math.round(events * 0.7));
  const updates = events - inserts - deletes;
  const chunk = 5_000;
  const chunks = Math.ceil((inserts - 1) / chunk);
  const expected = baseRecords + inserts + updates + 2 * deletes; // a delete is an event plus its tombstone
  log(`writing ${events} changes to the source (${inserts} inserts, ${updates} updates, ${deletes} deletes) in batches of ${chunk}`);

  const started = Date.now();
  const timeline: Point[] = [];
  let capturing = true;
  const watcher = (async () => {
    let last = -1;
    let lastLog = 0;
    while (capturing) {
      const end = await admin.endOffset(topic).catch(() => last);
      const t = (Date.now() - started) / 1000;
      timeline.push([t, end - baseRecords]);
      if (Date.now() - lastLog > 3_000) {
        lastLog = Date.now();
        log(`  Debezium: ${end - baseRecords} / ${expected - baseRecords} change records in the topic`);
      }
      last = end;
      if (end >= expected) break;
      await sleep(500);
    }
  })();

  let done = { ins: 0, upd: 0, del: 0 };
  for (let i = 0; i < chunks; i++) {
    const n = Math.min(chunk, inserts - 1 - done.ins);
    pool.add(await insertMeters(src, Array.from({ length: n }, () => data.row())));
    done.ins += n;
    // updates and deletes keep pace with the inserts, on rows that exist
    const updTarget = Math.round((updates * (i + 1)) / chunks);
    const delTarget = Math.round((deletes * (i + 1)) / chunks);
    let u = updTarget - done.upd;
    while (u > 0) {
      const ids = pool.sample(Math.min(u, Math.floor(pool.size / 2), chunk), data.random.bind(data));
      if (ids.length === 0) break;
      done.upd += await updateReadings(src, data, ids);
      u = updTarget - done.upd;
    }
    const delIds = pool.sample(delTarget - done.del, data.random.bind(data), true);
    done.del += await deleteMeters(src, delIds);
  }
  // whatever rounding left over, then the marker: the last change of the run
  while (done.upd < updates) done.upd += await updateReadings(src, data, pool.sample(Math.min(updates - done.upd, chunk), data.random.bind(data)));
  const [markerId] = await insertMeters(src, [data.row({ serial_no: "BENCH-END-MARKER" })]);
  done.ins += 1;
  pool.add([markerId!]);
  const writeMs = Date.now() - started;
  if (done.ins !== inserts || done.upd !== updates || done.del !== deletes) {
    throw new Error(`source changes differ from the plan: ${JSON.stringify(done)} vs ${inserts}/${updates}/${deletes}`);
  }
  log(`source written in ${(writeMs / 1000).toFixed(1)} s; waiting until Debezium has captured every change`);
  await waitUntil("Debezium captured every change", async () => ((await admin.endOffset(topic)) >= expected ? true : undefined), 600_000, 250);
  const captureMs = Date.now() - started;
  capturing = false;
  await watcher;
  const topicRecords = await admin.endOffset(topic);
  if (topicRecords !== expected) throw new Error(`topic holds ${topicRecords} records, expected ${expected}`);
  log(`captured: ${topicRecords} records in the topic after ${(captureMs / 1000).toFixed(1)} s`);
  return { inserts, updates, deletes, snapshotRecords: baseRecords, topicRecords, writeMs, captureMs, markerId: markerId!, timeline };
}

// ---------------------------------------------------------------------------------------------
// draining the whole topic into a table

interface DrainResult {
  records: number;
  startupMs: number;
  drainMs: number;
  totalMs: number;
  eventsPerSec: number;
  eventsPerSecInclStartup: number;
  cpuSeconds: number | null;
  timeline: Point[];
  check: Record<string, unknown>;
}

/**
 * Polls the target every 100 ms: the first row marks the start of draining, the marker row (the
 * last change in the topic, single partition, applied in order by both sinks) marks the end.
 * Throughput over time comes from the group's committed offsets once a second.
 */
async function watchDrain(opts: {
  what: string;
  target: pg.Client;
  countSql: string;
  markerSql: string;
  markerParams: unknown[];
  admin: KafkaAdmin;
  groupId: string;
  topic: string;
  records: number;
  startedAt: number;
  cpu: () => number | null;
  extra?: () => string;
  /** throws when the sink died (fail fast instead of waiting for the timeout) */
  assertAlive?: () => void;
  timeoutMs: number;
}): Promise<Omit<DrainResult, "check" | "startupMs" | "totalMs" | "eventsPerSecInclStartup"> & { firstAt: number; endAt: number }> {
  const timeline: Point[] = [];
  let firstAt = 0;
  let lastSample = 0;
  let lastCommitted = -1;
  let progressAt = Date.now();
  let lastLog = Date.now();
  const cpu0 = opts.cpu();
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const now = Date.now();
    if (now > deadline) throw new Error(`${opts.what}: the marker row did not arrive within ${opts.timeoutMs / 1000} s`);
    opts.assertAlive?.();
    const exists = await opts.target.query(opts.countSql).then(
      (r) => Number((r.rows[0] as { n: string }).n) > 0,
      (err: { code?: string }) => {
        if (err.code === "42P01") return false; // table not created yet
        throw err;
      },
    );
    if (exists && !firstAt) firstAt = now;
    if (exists) {
      const done = await opts.target.query(opts.markerSql, opts.markerParams).then(
        (r) => (r.rowCount ?? 0) > 0,
        () => false,
      );
      if (done) {
        const endAt = Date.now();
        const committed = await opts.admin.committed(opts.groupId, opts.topic).catch(() => NaN);
        timeline.push([(endAt - opts.startedAt) / 1000, Number.isNaN(committed) ? opts.records : committed]);
        const cpu1 = opts.cpu();
        const drainMs = endAt - firstAt;
        return {
          records: opts.records,
          drainMs,
          eventsPerSec: Math.round(opts.records / (drainMs / 1000)),
          cpuSeconds: cpu0 !== null && cpu1 !== null ? round(cpu1 - cpu0, 2) : null,
          timeline,
          firstAt,
          endAt,
        };
      }
    }
    if (now - lastSample >= 1_000) {
      lastSample = now;
      const committed = await opts.admin.committed(opts.groupId, opts.topic).catch(() => NaN);
      if (!Number.isNaN(committed)) timeline.push([(now - opts.startedAt) / 1000, committed]);
      if (committed !== lastCommitted) {
        lastCommitted = committed;
        progressAt = now;
      } else if (now - progressAt > 60_000) {
        throw new Error(`${opts.what} STALLED: committed offsets stuck at ${committed} of ${opts.records} for 60 s (the process is alive)`);
      }
      if (now - lastLog >= 3_000) {
        lastLog = now;
        log(`  ${opts.what}: ${Number.isNaN(committed) ? "?" : committed} / ${opts.records} committed${opts.extra ? `, ${opts.extra()}` : ""}`);
      }
    }
    await sleep(100);
  }
}

/** Per-second rate from a cumulative series. */
function rates(cumulative: Point[]): Point[] {
  const out: Point[] = [];
  for (let i = 1; i < cumulative.length; i++) {
    const [t0, v0] = cumulative[i - 1]!;
    const [t1, v1] = cumulative[i]!;
    if (t1 - t0 <= 0) continue;
    out.push([round(t1, 2), Math.max(0, Math.round((v1 - v0) / (t1 - t0)))]);
  }
  return out;
}

async function sourceTruth(src: pg.Client): Promise<{ rows: number; sum: string }> {
  const r = await src.query<{ n: string; s: string }>("SELECT count(*) AS n, coalesce(sum(last_value), 0)::text AS s FROM public.meters");
  return { rows: Number(r.rows[0]!.n), sum: r.rows[0]!.s };
}

// ---------------------------------------------------------------------------------------------
// latency under a steady change rate

interface LatencyRun {
  label: string;
  batching: { maxEvents: number; maxWaitMs: number };
  rate: number;
  seconds: number;
  changes: number;
  achievedRate: number;
  endToEndMs: ReturnType<typeof summarize>;
  sourceToKafkaMs: ReturnType<typeof summarize>;
  kafkaToMeterMasterMs: ReturnType<typeof summarize>;
  perSecond: Array<{ t: number; p50: number; p99: number; n: number }>;
}

async function steadyLoad(src: pg.Client, data: MeterData, pool: IdPool, rate: number, seconds: number): Promise<{ changes: number; ms: number; ids: number[] }> {
  const started = performance.now();
  let done = 0;
  let lastLog = Date.now();
  const ids: number[] = [];
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= seconds * 1000) break;
    const due = Math.floor((elapsed / 1000) * rate) - done;
    if (due <= 0) {
      await sleep(2);
      continue;
    }
    const n = Math.min(due, 200);
    // half new meters, half new readings of meters not yet touched in this phase: one change per row
    const nIns = Math.ceil(n / 2);
    const newIds = await insertMeters(src, Array.from({ length: nIns }, () => data.row()));
    const upd = pool.sample(n - nIns, data.random.bind(data), true);
    await updateReadings(src, data, upd);
    ids.push(...newIds, ...upd);
    done += nIns + upd.length;
    if (Date.now() - lastLog > 5_000) {
      lastLog = Date.now();
      log(`  steady load: ${done} changes in ${(elapsed / 1000).toFixed(0)} s`);
    }
  }
  return { changes: done, ms: performance.now() - started, ids };
}

/** Kafka timestamps (when Connect produced the record) and source commit times of the records from `fromOffset` on. */
async function readKafkaTimes(bootstrap: string, topic: string, fromOffset: number): Promise<Map<string, { srcTs: number; kafkaTs: number }>> {
  const out = new Map<string, { srcTs: number; kafkaTs: number }>();
  await readTopic(bootstrap, topic, (m) => {
    if (m.offset < BigInt(fromOffset) || !m.value) return;
    const p = (JSON.parse(m.value.toString("utf8")) as { payload: { after?: { id?: number }; before?: { id?: number }; source: { ts_ms: number } } }).payload;
    const id = p.after?.id ?? p.before?.id;
    if (id !== undefined) out.set(String(id), { srcTs: p.source.ts_ms, kafkaTs: m.timestamp });
  });
  return out;
}

async function latencyRun(opts: {
  label: string;
  env: BenchEnv;
  src: pg.Client;
  mm: pg.Client;
  admin: KafkaAdmin;
  topic: string;
  groupId: string;
  data: MeterData;
  pool: IdPool;
  rate: number;
  seconds: number;
  batching: { maxEvents: number; maxWaitMs: number };
}): Promise<LatencyRun> {
  const fromOffset = await opts.admin.endOffset(opts.topic);
  log(`latency (${opts.label}): ${opts.rate} changes/s for ${opts.seconds} s`);
  const load = await steadyLoad(opts.src, opts.data, opts.pool, opts.rate, opts.seconds);
  // every change of the phase captured and committed by the sink-app
  const expectedEnd = fromOffset + load.changes;
  await waitUntil("Debezium captured the steady load", async () => ((await opts.admin.endOffset(opts.topic)) >= expectedEnd ? true : undefined), 120_000, 250);
  await waitUntil("sink-app caught up", async () => ((await opts.admin.committed(opts.groupId, opts.topic)) >= expectedEnd ? true : undefined), 120_000, 250);
  const rows = await opts.mm.query<{ k: string; src: string; upd: string }>(
    `SELECT source_key AS k, (extract(epoch FROM source_ts) * 1000)::float8::text AS src, (extract(epoch FROM updated_at) * 1000)::float8::text AS upd
       FROM public.meter_master WHERE source_system = 'postgres' AND source_key = ANY($1::text[])`,
    [load.ids.map(String)],
  );
  const kafkaTimes = await readKafkaTimes(opts.env.kafka.bootstrap, opts.topic, fromOffset);
  const e2e: number[] = [];
  const toKafka: number[] = [];
  const fromKafka: number[] = [];
  const t0 = Math.min(...rows.rows.map((r) => Number(r.src)));
  const buckets = new Map<number, number[]>();
  for (const r of rows.rows) {
    const src = Number(r.src);
    const upd = Number(r.upd);
    const ms = upd - src;
    e2e.push(ms);
    const b = Math.floor((src - t0) / 1000);
    if (!buckets.has(b)) buckets.set(b, []);
    buckets.get(b)!.push(ms);
    const k = kafkaTimes.get(r.k);
    if (k) {
      toKafka.push(k.kafkaTs - k.srcTs);
      fromKafka.push(upd - k.kafkaTs);
    }
  }
  const perSecond = [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, v]) => {
      const s = summarize(v);
      return { t, p50: round(s.p50 ?? 0), p99: round(s.p99 ?? 0), n: s.count };
    });
  const r2 = (s: ReturnType<typeof summarize>) => ({ ...s, p50: s.p50 === null ? null : round(s.p50), p90: s.p90 === null ? null : round(s.p90), p99: s.p99 === null ? null : round(s.p99), max: s.max === null ? null : round(s.max) });
  const result: LatencyRun = {
    label: opts.label,
    batching: opts.batching,
    rate: opts.rate,
    seconds: opts.seconds,
    changes: load.changes,
    achievedRate: Math.round(load.changes / (load.ms / 1000)),
    endToEndMs: r2(summarize(e2e)),
    sourceToKafkaMs: r2(summarize(toKafka)),
    kafkaToMeterMasterMs: r2(summarize(fromKafka)),
    perSecond,
  };
  if (rows.rows.length !== load.ids.length) log(`  note: ${rows.rows.length} of ${load.ids.length} changed rows found in Meter Master`);
  log(
    `  end-to-end p50 ${result.endToEndMs.p50} ms, p99 ${result.endToEndMs.p99} ms (source->Kafka p50 ${result.sourceToKafkaMs.p50} / p99 ${result.sourceToKafkaMs.p99}, Kafka->Meter Master p50 ${result.kafkaToMeterMasterMs.p50} / p99 ${result.kafkaToMeterMasterMs.p99})`,
  );
  return result;
}

// ---------------------------------------------------------------------------------------------

function gitHead(): string | null {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "sink-app/src"], { cwd: REPO, encoding: "utf8" }).trim();
    return dirty ? `${head} + uncommitted sink-app/src changes` : head;
  } catch {
    return null;
  }
}

function tryRenderPng(svgFile: string): string | null {
  const png = svgFile.replace(/\.svg$/, ".png");
  for (const [cmd, args] of [
    ["rsvg-convert", ["-o", png, svgFile]],
    ["convert", [svgFile, png]],
  ] as const) {
    try {
      execFileSync(cmd, [...args], { stdio: "ignore", timeout: 60_000 });
      if (existsSync(png)) return png;
    } catch {
      // next renderer
    }
  }
  return null;
}

async function main(): Promise<number> {
  const f = parseFlags(process.argv.slice(2));
  const flags: Flags = {
    events: intFlag(f, "events", 100_000, 100),
    latencyRate: intFlag(f, "latency-rate", 1_000),
    latencySeconds: intFlag(f, "latency-seconds", 40),
    tunedMaxWaitMs: intFlag(f, "tuned-max-wait-ms", 50),
    skipJdbc: f.has("skip-jdbc"),
    skipLatency: f.has("skip-latency"),
    profile: f.has("profile"),
    runtime: (f.get("runtime") ?? "compiled") as SinkRuntime,
    variant: (f.get("variant") ?? "").split(",").filter(Boolean),
    variantNodeFlags: (f.get("variant-node-flags") ?? "").split(" ").filter(Boolean),
    sourcePollMs: f.has("source-poll-ms") ? intFlag(f, "source-poll-ms", 500) : null,
    patch: (f.get("patch") ?? "").split(",").filter(Boolean),
    variantEnv: Object.fromEntries(
      (f.get("variant-env") ?? "")
        .split(",")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    ),
  };
  if (flags.runtime !== "compiled" && flags.runtime !== "tsx") throw new Error(`--runtime must be compiled or tsx, got ${flags.runtime}`);
  const runId = timestampName();
  const machine = machineInfo();
  // the sink-app is compiled from the working tree when its first drain starts; this is the tree now
  const sinkAppCommit = gitHead();
  const loadSamples: number[] = [];
  const loadTimer = setInterval(() => loadSamples.push(loadavg()[0]!), 5_000);
  loadTimer.unref();
  log(`bench ${runId}: ${flags.events} change events; machine ${machine.cpus} cores, ${machine.memoryGiB} GiB, load ${JSON.stringify(machine.loadAvgAtStart)}`);

  const env = await startBenchEnv({ postgres: true, connect: true, plugins: ["postgres", ...(flags.skipJdbc ? [] : (["jdbc"] as const))] });
  const pgInfo = env.postgres!;
  await createSourceDatabase(pgInfo, SOURCE_DB);
  await createDatabase(pgInfo, TARGET_DB);
  const src = await pgClient(pgInfo, SOURCE_DB);
  // The test server runs with synchronous_commit=off (throwaway data); then a commit's WAL is
  // flushed up to 3 x wal_writer_delay later, and logical decoding only sends flushed WAL. A
  // source system commits synchronously, so the changes made here do too.
  await src.query("SET synchronous_commit = on");
  const mm = await pgClient(pgInfo, TARGET_DB);
  onCleanup("database clients", async () => {
    await src.end().catch(() => undefined);
    await mm.end().catch(() => undefined);
  });
  const admin = await KafkaAdmin.connect(env.kafka.bootstrap);
  onCleanup("kafka admin", () => admin.close());

  // the project's source connector; its snapshot brings the init SQL's demo rows
  // --source-poll-ms overrides the source config's pollIntervalMs (Debezium poll.interval.ms: how
  // long the connector waits when its queue is empty)
  const source = await projectPostgresSource(pgInfo, SOURCE_DB, flags.sourcePollMs === null ? {} : { pollIntervalMs: flags.sourcePollMs });
  const renderedSource = renderDesiredConnectors([source]).connectors[0]!.config;
  const topic = await applySource(env.connect!.url, source);
  const seedRows = (await sourceTruth(src)).rows;
  await waitUntil("snapshot in the topic", async () => ((await admin.endOffset(topic)) >= seedRows ? true : undefined), 120_000, 250);
  log(`source connector "${source.name}" RUNNING, topic ${topic}`);

  const data = new MeterData(20_261_124);
  const pool = new IdPool();
  pool.add((await src.query<{ id: string }>("SELECT id FROM public.meters")).rows.map((r) => Number(r.id)));
  const capture = await driveChanges(src, admin, topic, flags.events, data, pool, seedRows);
  const truth = await sourceTruth(src);
  const records = capture.topicRecords;

  // 3. the ceiling: raw consumption by the sink-app's client, no processing
  log("raw consumption by @platformatic/kafka (the ceiling), 2 runs");
  const rawRuns: RawResult[] = [];
  for (let i = 0; i < 2; i++) rawRuns.push(await runConsumeWorker({ client: "platformatic", bootstrap: env.kafka.bootstrap, topic, records }));
  const rawParsed = await runConsumeWorker({ client: "platformatic", bootstrap: env.kafka.bootstrap, topic, records, parse: true });
  for (const r of [...rawRuns, rawParsed]) if (r.error) throw new Error(`raw consumption failed: ${r.error}`);
  const rawEps = Math.max(...rawRuns.map((r) => r.eventsPerSec!));
  log(`  raw: ${rawRuns.map((r) => r.eventsPerSec).join(", ")} events/s; with JSON.parse of every value: ${rawParsed.eventsPerSec} events/s`);

  // 1. the sink-app draining the topic with a fresh group
  const groupIdPrefix = `bench-${Date.now()}.`;
  const groupId = `${groupIdPrefix}meter-master.postgres`;
  const sinkOpts = { kafkaBootstrap: env.kafka.bootstrap, postgres: pgInfo, meterMasterDatabase: TARGET_DB, topic, groupIdPrefix, runtime: flags.runtime, patches: flags.patch };
  const app = await SinkApp.create(sinkOpts);
  log(`sink-app drain: ${records} records, group ${groupId}`);
  const appStarted = Date.now();
  await app.start();
  const readyMs = Date.now() - appStarted;
  const countSql = "SELECT count(*) AS n FROM (SELECT 1 FROM public.meter_master LIMIT 1) x";
  const sinkDrain = await watchDrain({
    what: "sink-app",
    target: mm,
    countSql,
    markerSql: "SELECT 1 FROM public.meter_master WHERE source_system = 'postgres' AND source_key = $1",
    markerParams: [String(capture.markerId)],
    admin,
    groupId,
    topic,
    records,
    startedAt: appStarted,
    cpu: () => app.cpuSeconds(),
    extra: () => app.memoryLine(),
    assertAlive: () => app.assertRunning(),
    timeoutMs: 900_000,
  });
  await waitUntil("sink-app committed the whole topic", async () => ((await admin.committed(groupId, topic)) >= records ? true : undefined), 60_000, 200);
  const metrics = await app.metrics();
  const mmCheck = await mm.query<{ live: string; deleted: string; s: string }>(
    `SELECT count(*) FILTER (WHERE NOT is_deleted) AS live, count(*) FILTER (WHERE is_deleted) AS deleted,
            coalesce(sum(last_reading) FILTER (WHERE NOT is_deleted), 0)::text AS s
       FROM public.meter_master WHERE source_system = 'postgres'`,
  );
  const sinkCheck = {
    liveRows: Number(mmCheck.rows[0]!.live),
    deletedRows: Number(mmCheck.rows[0]!.deleted),
    sourceRows: truth.rows,
    readingSumMatches: Number(mmCheck.rows[0]!.s) === Number(truth.sum),
    eventsIn: metricSum(metrics, "sink_events_in_total", { sink: "meter-master" }),
    written: metricSum(metrics, "sink_events_out_total", { sink: "meter-master", outcome: "written" }),
    skipped: metricSum(metrics, "sink_events_out_total", { sink: "meter-master", outcome: "skipped" }),
    deadLettered: metricSum(metrics, "sink_dead_letter_total"),
  };
  const sinkResult: DrainResult = {
    ...sinkDrain,
    startupMs: sinkDrain.firstAt - appStarted,
    totalMs: sinkDrain.endAt - appStarted,
    eventsPerSecInclStartup: Math.round(records / ((sinkDrain.endAt - appStarted) / 1000)),
    check: { ...sinkCheck, readyMs, ok: sinkCheck.liveRows === truth.rows && sinkCheck.readingSumMatches && sinkCheck.deletedRows === capture.deletes },
  };
  log(
    `  sink-app: ${sinkResult.eventsPerSec} events/s draining (${(sinkResult.drainMs / 1000).toFixed(1)} s; ${sinkResult.eventsPerSecInclStartup} events/s incl. ${(sinkResult.startupMs / 1000).toFixed(1)} s start), ${sinkResult.cpuSeconds} CPU s; rows ok: ${sinkResult.check.ok}`,
  );

  // 2. Debezium's JDBC sink on the same topic into the same database
  let jdbcResult: DrainResult | null = null;
  let jdbcTableDdl: string[] = [];
  if (!flags.skipJdbc) {
    const client = connectClient(env.connect!.url);
    const config = jdbcSinkConfig({ name: JDBC_CONNECTOR, topic, postgres: pgInfo, database: TARGET_DB, table: JDBC_TABLE, batchSize: SINK_BATCH });
    await validateJdbcSink(client, config);
    const connectPid = env.processes.connect!.pid;
    log(`JDBC sink drain: ${records} records (upsert, primary.key.mode record_key, delete.enabled, batch.size ${SINK_BATCH})`);
    const jdbcStarted = Date.now();
    await client.putConfig(JDBC_CONNECTOR, config);
    onCleanup("jdbc sink connector", () => client.delete(JDBC_CONNECTOR).catch(() => undefined));
    const drain = await watchDrain({
      what: "JDBC sink",
      target: mm,
      countSql: `SELECT count(*) AS n FROM (SELECT 1 FROM public.${JDBC_TABLE} LIMIT 1) x`,
      markerSql: `SELECT 1 FROM public.${JDBC_TABLE} WHERE id = $1`,
      markerParams: [capture.markerId],
      admin,
      groupId: `connect-${JDBC_CONNECTOR}`,
      topic,
      records,
      startedAt: jdbcStarted,
      cpu: () => cpuSecondsOf(connectPid),
      timeoutMs: 1_800_000,
    }).catch(async (err: Error) => {
      const status = await client.status(JDBC_CONNECTOR).catch(() => undefined);
      throw new Error(`${err.message}\nconnector status: ${JSON.stringify(status)?.slice(0, 3000)}`);
    });
    const jc = await mm.query<{ n: string; s: string }>(`SELECT count(*) AS n, coalesce(sum(last_value::numeric), 0)::text AS s FROM public.${JDBC_TABLE}`);
    jdbcTableDdl = (
      await mm.query<{ c: string }>(
        `SELECT column_name || ' ' || data_type AS c FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
        [JDBC_TABLE],
      )
    ).rows.map((r) => r.c);
    jdbcResult = {
      ...drain,
      startupMs: drain.firstAt - jdbcStarted,
      totalMs: drain.endAt - jdbcStarted,
      eventsPerSecInclStartup: Math.round(records / ((drain.endAt - jdbcStarted) / 1000)),
      check: { rows: Number(jc.rows[0]!.n), sourceRows: truth.rows, readingSumMatches: Number(jc.rows[0]!.s) === Number(truth.sum), ok: Number(jc.rows[0]!.n) === truth.rows && Number(jc.rows[0]!.s) === Number(truth.sum), columns: jdbcTableDdl },
    };
    log(`  JDBC sink: ${jdbcResult.eventsPerSec} events/s draining (${(jdbcResult.drainMs / 1000).toFixed(1)} s), Connect JVM ${jdbcResult.cpuSeconds} CPU s; rows ok: ${jdbcResult.check.ok}`);
    await client.delete(JDBC_CONNECTOR);
  }

  // 4. latency, with the running sink-app (shipped batching), then with a shorter maxWaitMs
  const latency: LatencyRun[] = [];
  // RSS of a started sink-app with nothing to consume (the tuned restart joins a caught-up group)
  let idleRssMiB: number | null = null;
  if (!flags.skipLatency) {
    const common = { env, src, mm, admin, topic, groupId, data, pool, rate: flags.latencyRate, seconds: flags.latencySeconds };
    latency.push(await latencyRun({ ...common, label: "shipped batching (500 events / 500 ms)", batching: { maxEvents: 500, maxWaitMs: 500 } }));
    await app.kill("SIGTERM");
    const tuned = await SinkApp.create({ ...sinkOpts, batching: { maxEvents: SINK_BATCH, maxWaitMs: flags.tunedMaxWaitMs } });
    await tuned.start();
    idleRssMiB = tuned.readyRssMiB[0] ?? null;
    latency.push(
      await latencyRun({ ...common, label: `batching.maxWaitMs ${flags.tunedMaxWaitMs}`, batching: { maxEvents: SINK_BATCH, maxWaitMs: flags.tunedMaxWaitMs } }),
    );
    app.peakHwmMiB = Math.max(app.peakHwmMiB, tuned.peakHwmMiB);
    await tuned.kill("SIGTERM");
    app.peakHwmMiB = Math.max(app.peakHwmMiB, tuned.peakHwmMiB);
    app.memory.push(...tuned.memory);
    await tuned.closeLog();
  }
  await app.kill("SIGTERM");
  await app.closeLog();

  // optional extra drains of the same topic, each with a fresh group into a truncated table:
  // the recommended sink-app changes (--variant, prototype patches) and CPU profiles (--profile)
  const extraDrain = async (label: string, extra: { patches?: string[]; nodeFlags?: string[]; variantNodeFlags?: string[]; env?: Record<string, string> }) => {
    const prefix = `bench-extra-${Date.now()}.`;
    const variantApp = await SinkApp.create({
      ...sinkOpts,
      groupIdPrefix: prefix,
      patches: extra.patches,
      nodeFlags: [...(extra.nodeFlags ?? []), ...(extra.variantNodeFlags ?? [])],
      env: extra.env,
    });
    await mm.query("TRUNCATE public.meter_master");
    log(`${label}: draining ${records} records again (fresh group, empty table)`);
    const started = Date.now();
    await variantApp.start();
    const drain = await watchDrain({
      what: label,
      target: mm,
      countSql,
      markerSql: "SELECT 1 FROM public.meter_master WHERE source_system = 'postgres' AND source_key = $1",
      markerParams: [String(capture.markerId)],
      admin,
      groupId: `${prefix}meter-master.postgres`,
      topic,
      records,
      startedAt: started,
      cpu: () => variantApp.cpuSeconds(),
      extra: () => variantApp.memoryLine(),
      assertAlive: () => variantApp.assertRunning(),
      timeoutMs: 900_000,
    });
    // the timed part ends at the marker (the first `records` records); the latency phases added
    // more, so the check waits for the whole topic and compares with the source as it is now
    const endNow = await admin.endOffset(topic);
    await waitUntil(`${label} committed the whole topic`, async () => ((await admin.committed(`${prefix}meter-master.postgres`, topic)) >= endNow ? true : undefined), 300_000, 250);
    const truthNow = await sourceTruth(src);
    const c = await mm.query<{ n: string; s: string }>(
      "SELECT count(*) AS n, coalesce(sum(last_reading), 0)::text AS s FROM public.meter_master WHERE source_system = 'postgres' AND NOT is_deleted",
    );
    const rowsOk = Number(c.rows[0]!.n) === truthNow.rows && Number(c.rows[0]!.s) === Number(truthNow.sum);
    await variantApp.kill("SIGTERM");
    await variantApp.closeLog();
    log(`  ${label}: ${drain.eventsPerSec} events/s draining, ${drain.cpuSeconds} CPU s, peak RSS ${variantApp.peakHwmMiB} MiB; rows ok: ${rowsOk}`);
    return {
      label,
      ...extra,
      eventsPerSec: drain.eventsPerSec,
      drainMs: drain.drainMs,
      cpuSeconds: drain.cpuSeconds,
      peakRssMiB: variantApp.peakHwmMiB,
      rowsOk,
      ratioToShipped: round(drain.eventsPerSec / sinkResult.eventsPerSec, 2),
      ratioToJdbc: jdbcResult ? round(drain.eventsPerSec / jdbcResult.eventsPerSec, 2) : null,
      ratioToRaw: round(drain.eventsPerSec / rawEps, 3),
      memory: variantApp.memory.map((m) => ({ ...m, t: round((m.t - started) / 1000, 2) })),
      timeline: drain.timeline,
    };
  };
  const variants: Array<Awaited<ReturnType<typeof extraDrain>>> = [];
  const variantEnvText = Object.entries(flags.variantEnv).map(([k, v]) => `${k}=${v}`);
  if (flags.variant.length || flags.variantNodeFlags.length || variantEnvText.length) {
    const label = `sink-app + ${[...flags.variant, ...flags.variantNodeFlags, ...variantEnvText].join(" + ")}`;
    variants.push(await extraDrain(label, { patches: flags.variant, variantNodeFlags: flags.variantNodeFlags, env: flags.variantEnv }));
  }
  let profile: unknown = null;
  if (flags.profile) {
    const dir = join(RESULTS_DIR, `profile-${runId}`);
    mkdirSync(dir, { recursive: true });
    const profiled = await extraDrain("profiled sink-app (--cpu-prof)", { nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`], patches: flags.variant.length ? flags.variant : undefined });
    const files = readdirSync(dir).filter((n) => n.endsWith(".cpuprofile"));
    profile = { dir, patches: flags.variant, drainMsWithProfiler: profiled.drainMs, summary: files.length ? summarizeProfile(join(dir, files[0]!), 25) : "no profile written" };
    log(`  profile written to ${dir}`);
  }

  // results
  const best = latency.at(-1);
  const shipped = latency[0];
  const peakRss = round(app.peakHwmMiB, 1);
  const figures = {
    events: flags.events,
    topicRecords: records,
    sinkAppEventsPerSec: sinkResult.eventsPerSec,
    jdbcSinkEventsPerSec: jdbcResult?.eventsPerSec ?? null,
    rawPlatformaticEventsPerSec: rawEps,
    rawPlatformaticParsedEventsPerSec: rawParsed.eventsPerSec ?? null,
    ratioSinkAppToJdbc: jdbcResult ? round(sinkResult.eventsPerSec / jdbcResult.eventsPerSec, 2) : null,
    ratioSinkAppToRaw: round(sinkResult.eventsPerSec / rawEps, 3),
    latencyP50Ms: shipped?.endToEndMs.p50 ?? null,
    latencyP99Ms: shipped?.endToEndMs.p99 ?? null,
    latencyTunedP50Ms: best && best !== shipped ? best.endToEndMs.p50 : null,
    latencyTunedP99Ms: best && best !== shipped ? best.endToEndMs.p99 : null,
    sinkAppPeakRssMiB: peakRss,
    sinkAppIdleRssMiB: idleRssMiB,
  };
  const targets = {
    ratioSinkAppToJdbc: { target: `>= ${TARGETS.ratioToJdbc}`, met: figures.ratioSinkAppToJdbc === null ? null : figures.ratioSinkAppToJdbc >= TARGETS.ratioToJdbc },
    ratioSinkAppToRaw: { target: `>= ${TARGETS.ratioToRaw}`, met: figures.ratioSinkAppToRaw >= TARGETS.ratioToRaw },
    latencyP99Ms: { target: `< ${TARGETS.p99Ms}`, met: figures.latencyP99Ms === null ? null : figures.latencyP99Ms < TARGETS.p99Ms },
    latencyTunedP99Ms: { target: `< ${TARGETS.p99Ms}`, met: figures.latencyTunedP99Ms === null ? null : figures.latencyTunedP99Ms < TARGETS.p99Ms },
    sinkAppPeakRssMiB: { target: `< ${TARGETS.peakRssMiB}`, met: peakRss < TARGETS.peakRssMiB },
  };
  const result = {
    benchmark: "sink-app",
    runId,
    at: new Date().toISOString(),
    figures,
    targets,
    capture: { ...capture, timeline: undefined, sourcePollIntervalMs: renderedSource["poll.interval.ms"] ?? "unset (Debezium default 500)", debeziumRecordsPerSec: Math.round((records - capture.snapshotRecords) / (capture.captureMs / 1000)) },
    sinkApp: { ...sinkResult, timeline: undefined, config: "shipped defaults: batching 500 events / 500 ms, one consumer group, PostgreSQL target", runtime: flags.runtime === "compiled" ? "node dist/main.js (tsc build, as the container runs it)" : "node --import tsx sink-app/src/main.ts", patches: flags.patch, sinkAppCommit },
    jdbcSink: jdbcResult ? { ...jdbcResult, timeline: undefined, config: jdbcSinkConfig({ name: JDBC_CONNECTOR, topic, postgres: pgInfo, database: TARGET_DB, table: JDBC_TABLE, batchSize: SINK_BATCH }) } : null,
    raw: { runs: rawRuns, parsed: rawParsed },
    latency,
    variants: variants.map((v) => ({ ...v, memory: undefined, timeline: undefined })),
    profile,
    machine: { ...machine, loadAvg1mDuringRun: summarize(loadSamples), loadAvgAtEnd: loadavg().map((v) => round(v, 2)) },
    notes: [
      "events/s = Kafka records of the topic (change events plus delete tombstones) divided by the time from the first row visible in the target to the last change's row visible",
      "latency = Meter Master updated_at (now() of the sink-app's write transaction) minus source_ts (Debezium's source.ts_ms, the source commit time); source->Kafka uses the Kafka record timestamp Connect set",
      "the JDBC sink writes the source columns (no mapping, no position guard) into a table it creates itself",
    ],
  };
  const jsonFile = writeResult(`${runId}.json`, `${JSON.stringify(result, null, 2)}\n`);

  // the picture
  const seriesOf = (name: string, color: string, points: Point[], dashed = false): Series => ({ name, color, points, dashed });
  const panels = [
    {
      title: `Drain throughput, ${records} records (events/s per second; 1 s commit granularity)`,
      xLabel: "seconds since the sink started",
      yLabel: "events/s",
      series: [
        seriesOf("sink-app", "#1f77b4", rates(sinkDrain.timeline)),
        ...(jdbcResult ? [seriesOf("Debezium JDBC sink", "#d62728", rates(jdbcResult.timeline))] : []),
        seriesOf("Debezium capture (since first write)", "#7f7f7f", rates(capture.timeline), true),
        ...variants.filter((v) => !v.nodeFlags).map((v) => seriesOf(`${v.label}`, "#2ca02c", rates(v.timeline))),
      ],
      refLines: [
        { y: rawEps, label: `raw @platformatic/kafka ${rawEps}/s`, color: "#2ca02c" },
        { y: sinkResult.eventsPerSec, label: `sink-app avg ${sinkResult.eventsPerSec}/s`, color: "#1f77b4" },
        ...(jdbcResult ? [{ y: jdbcResult.eventsPerSec, label: `JDBC sink avg ${jdbcResult.eventsPerSec}/s`, color: "#d62728" }] : []),
      ],
    },
    ...(latency.length
      ? [
          {
            title: `End-to-end latency at ${flags.latencyRate} changes/s (source commit -> Meter Master row), per second`,
            xLabel: "seconds into the steady load",
            yLabel: "ms",
            series: latency.flatMap((l, i) => [
              seriesOf(`p99 ${i === 0 ? "shipped" : `maxWait ${l.batching.maxWaitMs}`}`, i === 0 ? "#d62728" : "#9467bd", l.perSecond.map((p) => [p.t, p.p99] as Point)),
              seriesOf(`p50 ${i === 0 ? "shipped" : `maxWait ${l.batching.maxWaitMs}`}`, i === 0 ? "#ff9896" : "#c5b0d5", l.perSecond.map((p) => [p.t, p.p50] as Point), true),
            ]),
            refLines: [{ y: TARGETS.p99Ms, label: "target p99 500 ms", color: "#444" }],
          },
        ]
      : []),
    {
      title: "sink-app memory (RSS) over the run",
      xLabel: "seconds since the sink-app first started",
      yLabel: "MiB",
      series: [
        seriesOf("RSS", "#8c564b", app.memory.map((m) => [round((m.t - appStarted) / 1000, 2), m.rssMiB] as Point)),
        seriesOf("JS heap used", "#17becf", app.memory.filter((m) => m.heapUsedMiB !== undefined).map((m) => [round((m.t - appStarted) / 1000, 2), m.heapUsedMiB!] as Point), true),
        seriesOf("external (Buffers)", "#bcbd22", app.memory.filter((m) => m.externalMiB !== undefined).map((m) => [round((m.t - appStarted) / 1000, 2), m.externalMiB!] as Point), true),
        ...variants.filter((v) => !v.nodeFlags).map((v) => seriesOf(`RSS, ${v.patches?.join("+")} (own start)`, "#2ca02c", v.memory.map((m) => [m.t, m.rssMiB] as Point))),
      ],
      refLines: [{ y: TARGETS.peakRssMiB, label: "target 150 MB", color: "#444" }],
    },
  ];
  const svg = renderChart(
    `Meter Master sink-app benchmark ${runId}`,
    `${flags.events} changes (${records} records) · sink-app ${sinkResult.eventsPerSec}/s · JDBC sink ${jdbcResult?.eventsPerSec ?? "-"}/s · raw ${rawEps}/s · p99 ${figures.latencyP99Ms ?? "-"} ms (tuned ${figures.latencyTunedP99Ms ?? "-"} ms) · peak RSS ${peakRss} MiB · ${machine.cpus} cores`,
    panels,
  );
  const svgFile = writeResult(`${runId}.svg`, svg);
  const png = tryRenderPng(svgFile);
  log(`results: ${jsonFile}, ${svgFile}${png ? `, ${png}` : ""}`);
  process.stdout.write(`${JSON.stringify({ benchmark: "sink-app", runId, ...figures, targetsMet: Object.fromEntries(Object.entries(targets).map(([k, v]) => [k, v.met])), sinkRowsOk: sinkResult.check.ok, jdbcRowsOk: jdbcResult?.check.ok ?? null, variants: variants.map((v) => ({ label: v.label, eventsPerSec: v.eventsPerSec, peakRssMiB: v.peakRssMiB, ratioToJdbc: v.ratioToJdbc, ratioToRaw: v.ratioToRaw, rowsOk: v.rowsOk })), file: jsonFile, svg: svgFile })}\n`);
  clearInterval(loadTimer);
  // a broken check (rows not matching the source) means the run broke, not a slow figure
  return sinkResult.check.ok && (jdbcResult?.check.ok ?? true) && variants.every((v) => v.rowsOk) ? 0 : 1;
}

runMain("bench", main);
