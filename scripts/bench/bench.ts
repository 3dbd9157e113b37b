// Benchmark of the sink-app against Debezium's JDBC sink and raw consumption, on real servers.
// Prints ONE JSON line; writes bench-results/<timestamp>.json and .svg (and .png when an SVG
// renderer is installed). Exits non-zero only when the run itself broke, never on a figure.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { renderDesiredConnectors } from "../../connector-configs/render.js";
import { SinkAppConfigSchema } from "../../sink-app/src/config.js";
import { reportCleanup } from "../test-env/cleanup.js";
import { PRODUCER_COMPRESSION } from "../test-env/connect.js";
import { machineCpuSeconds, mainThreadSchedOf, type QuietResult, threadsCpuSecondsOf, treeCpuSecondsOf, untilMachineQuiet } from "../test-env/proc-stats.js";
import { cpuSecondsOf, metricSum, type SinkAppProcess } from "../test-env/sink-app-process.js";
import {
  intOption,
  log,
  machineInfo,
  onCleanup,
  parseCli,
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
import { type BenchEnv, startBenchEnv } from "./lib/env.js";
import { jdbcSinkConfig, validateJdbcSink } from "./lib/jdbc-sink.js";
import { KafkaAdmin, readTopic, topicBytes } from "./lib/kafka.js";
import { deleteMeters, IdPool, insertMeters, MeterData, updateReadings } from "./lib/meters.js";
import {
  applySource,
  benchSinkApp,
  connectClient,
  createDatabase,
  createSourceDatabase,
  dropDatabase,
  pgClient,
  projectPostgresSource,
} from "./lib/pipeline.js";
import { summarizeProfile } from "./lib/profile.js";
import { type RawResult, runConsumeWorker } from "./lib/raw.js";
import { renderChart, type Series } from "./lib/svg.js";

/**
 * Each timed phase starts once the machine is quiet: after a burst of load the JVMs' compilers
 * and collectors keep the cores busy for a while (6-12 s after the capture phase, measured;
 * docs/benchmarks.md, round 7), and a phase started meanwhile would share the cores with them.
 */
const QUIET = { busyCores: 0.4, windowMs: 3_000, maxWaitMs: 180_000 };

const USAGE = `
usage: npm run bench -- [options]

Drives N changes (realistic meter rows: 70% inserts, 29.5% updates, 0.5% deletes) through the
project's Debezium PostgreSQL connector into Kafka, then on that one topic measures, in phases:
  capture   bytes per change in Kafka (as stored, with Connect's producer compression)
  warm-up   an untimed sink-app drain, so the broker's JIT has compiled its consumer paths
  raw       raw consumption by @platformatic/kafka alone, and with JSON.parse of every value
  drain     the sink-app (bundled, the image's settings, shipped batching) into Meter Master
  jdbc      Debezium's JDBC sink connector on the same topic into the same database, twice:
            the first drain compiles its code, the second runs it compiled
  latency   source commit -> Meter Master row under a steady change rate, shipped settings
  idle      the sink-app's RSS once started and caught up
raw, drain and jdbc each start once the machine is quiet (under ${QUIET.busyCores} busy cores over
${QUIET.windowMs / 1000} s; after ${QUIET.maxWaitMs / 1000} s they start anyway, and the result says so).

options:
  --events N                 changes to drive (default 100000)
  --latency-rate N           changes/s of the latency phase (default 1000)
  --latency-warmup-seconds N the same load first, not measured (default 30): the JVMs settle
  --latency-seconds N        length of the measured latency window (default 40)
  --producer-compression T   Connect's producer compression for this run's source connector
                             (none, gzip, snappy, lz4, zstd; default: the worker's, lz4 as shipped)
  --skip-jdbc                no JDBC sink phase
  --skip-latency             no latency and idle phases
  --profile                  one more drain under --cpu-prof; the profile's top functions in the result
  --against REV              instead of the phases above: after the capture, drains of this tree's
                             sink-app and of git revision REV's, alternating, --drains of each
                             (default 5), into an emptied Meter Master; both run with this tree's
                             image settings, so this compares code. Prints each side's CPU per
                             change, events/s and peak RSS, and writes bench-results/<time>-against.json
  --drains N                 drains of each side with --against (default 5)
  -h, --help                 this text
`;

const SOURCE_DB = "bench_meters";
const TARGET_DB = "bench_meter_master";
const WARMUP_DB = "bench_warmup_meter_master";
const JDBC_TABLE = "jdbc_meters";
const JDBC_CONNECTOR = "bench-jdbc-sink";
/** The sink-app's shipped batching: its config schema's defaults. */
const SHIPPED_BATCHING = SinkAppConfigSchema.shape.batching.parse(undefined);
/** issue 14's targets, each reported as met or not (never a failed run) */
const TARGETS = { ratioToJdbc: 2.5, ratioToRawParsed: 0.6, p99Ms: 250, peakRssMiB: 120, idleRssMiB: 80, bytesCut: 3 };
const COMPRESSIONS = ["none", "gzip", "snappy", "lz4", "zstd"];

type Point = [number, number];

interface Flags {
  events: number;
  latencyRate: number;
  latencySeconds: number;
  latencyWarmupSeconds: number;
  producerCompression: string | undefined;
  skipJdbc: boolean;
  skipLatency: boolean;
  profile: boolean;
  /** git revision to drain against, side by side (no other phases) */
  against: string | undefined;
  drains: number;
}

function flagsFrom(argv: string[]): Flags {
  const v = parseCli(
    USAGE,
    {
      events: { type: "string" },
      "latency-rate": { type: "string" },
      "latency-seconds": { type: "string" },
      "latency-warmup-seconds": { type: "string" },
      "producer-compression": { type: "string" },
      "skip-jdbc": { type: "boolean" },
      "skip-latency": { type: "boolean" },
      profile: { type: "boolean" },
      against: { type: "string" },
      drains: { type: "string" },
    },
    argv,
  );
  const compression = v["producer-compression"];
  if (compression !== undefined && !COMPRESSIONS.includes(compression)) {
    process.stderr.write(`--producer-compression must be one of ${COMPRESSIONS.join(", ")}, got ${compression}\n`);
    process.exit(2);
  }
  return {
    events: intOption(v.events, "events", 100_000, 100),
    latencyRate: intOption(v["latency-rate"], "latency-rate", 1_000),
    latencySeconds: intOption(v["latency-seconds"], "latency-seconds", 40),
    latencyWarmupSeconds: intOption(v["latency-warmup-seconds"], "latency-warmup-seconds", 30, 0),
    producerCompression: compression,
    skipJdbc: v["skip-jdbc"] ?? false,
    skipLatency: v["skip-latency"] ?? false,
    profile: v.profile ?? false,
    against: v.against,
    drains: intOption(v.drains, "drains", 5),
  };
}

// ---------------------------------------------------------------------------------------------
// phase: changes through Debezium into Kafka

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

async function driveChanges(
  src: pg.Client,
  admin: KafkaAdmin,
  topic: string,
  events: number,
  data: MeterData,
  pool: IdPool,
  baseRecords: number,
): Promise<CaptureResult> {
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

  const done = { ins: 0, upd: 0, del: 0 };
  for (let i = 0; i < chunks; i++) {
    const n = Math.min(chunk, inserts - 1 - done.ins);
    pool.add(
      await insertMeters(
        src,
        Array.from({ length: n }, () => data.row()),
      ),
    );
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
// draining the whole topic into a table (the sink-app, then the JDBC sink)

interface DrainResult {
  records: number;
  startupMs: number;
  drainMs: number;
  totalMs: number;
  eventsPerSec: number;
  eventsPerSecInclStartup: number;
  cpuSeconds: number | null;
  /** where the machine's CPU went from the first row to the last */
  cpuDuringDrain: CpuBudget;
  timeline: Point[];
  check: Record<string, unknown>;
}

/** A JVM's JIT compiler threads ("C1 CompilerThread0", "C2 CompilerThread0", names cut at 15 characters). */
const JIT_COMPILER_THREADS = /^C[12] CompilerThre/;
/** The servers that are JVMs: a drain that makes one compile code pays for it on the same cores. */
const JVM_SERVERS = ["kafka", "connect"] as const;

/** CPU seconds so far, per process (a server with everything it forked) and for the machine. */
type CpuSample = {
  processes: Record<string, number | null>;
  /** of that, each JVM server's JIT compiler threads */
  jitCompilers: Record<string, number>;
  machine: { busy: number; total: number };
  /** the sink-app's main thread, when it is the sink under test */
  sinkAppMainThread?: ReturnType<typeof mainThreadSchedOf>;
};

/** Cores busy per process during a drain, the CPU each spent per record, and the machine's busy cores. */
interface CpuBudget {
  cores: Record<string, number | null>;
  microsPerRecord: Record<string, number | null>;
  machineBusyCores: number;
  machineCores: number;
  /** CPU seconds each JVM server spent compiling code during the drain (part of its cores above) */
  jitCompilerSeconds: Record<string, number>;
  /** shares of the drain's wall time the sink-app's main thread ran, and waited for a core while runnable */
  sinkAppMainThread?: { onCore: number; waitingForCore: number } | null;
}

/** The servers (the JDBC sink runs in Connect's), and the sink-app process when it is the sink under test. */
function cpuSampler(env: BenchEnv, sinkApp?: SinkAppProcess): () => CpuSample {
  const servers = Object.entries(env.processes).filter((e): e is [string, NonNullable<(typeof e)[1]>] => e[1] !== undefined);
  return () => ({
    processes: {
      ...(sinkApp ? { "sink-app": sinkApp.cpuSeconds() } : {}),
      ...Object.fromEntries(servers.map(([name, p]) => [name, treeCpuSecondsOf(p.pid)])),
    },
    jitCompilers: Object.fromEntries(
      servers
        .filter(([name]) => (JVM_SERVERS as readonly string[]).includes(name))
        .map(([name, p]) => [name, threadsCpuSecondsOf(p.pid, JIT_COMPILER_THREADS)]),
    ),
    machine: machineCpuSeconds(),
    ...(sinkApp ? { sinkAppMainThread: sinkApp.pid === undefined ? null : mainThreadSchedOf(sinkApp.pid) } : {}),
  });
}

function budgetLine(budget: CpuBudget): string {
  const each = Object.entries(budget.cores).map(([name, cores]) => `${name} ${cores ?? "?"} (${budget.microsPerRecord[name] ?? "?"} µs/record)`);
  const main = budget.sinkAppMainThread;
  const thread = main ? `; the sink-app's main thread ran ${main.onCore} of the time and waited for a core ${main.waitingForCore}` : "";
  const jit = Object.entries(budget.jitCompilerSeconds).map(([name, seconds]) => `${name} ${seconds} s`);
  return `  CPU while draining, cores busy: ${each.join(", ")}; the machine ${budget.machineBusyCores} of ${budget.machineCores}${thread}; JIT compilers: ${jit.join(", ")}`;
}

function cpuBudget(from: CpuSample, to: CpuSample, seconds: number, records: number): CpuBudget {
  const cores: Record<string, number | null> = {};
  const microsPerRecord: Record<string, number | null> = {};
  for (const [name, before] of Object.entries(from.processes)) {
    const after = to.processes[name];
    const used = before === null || after === null || after === undefined ? null : after - before;
    cores[name] = used === null ? null : round(used / seconds, 2);
    microsPerRecord[name] = used === null ? null : round((used / records) * 1e6);
  }
  const machineCores = round((to.machine.total - from.machine.total) / seconds);
  const [main0, main1] = [from.sinkAppMainThread, to.sinkAppMainThread];
  const share = (a: number, b: number) => round((b - a) / seconds, 2);
  return {
    cores,
    microsPerRecord,
    machineBusyCores: round((to.machine.busy - from.machine.busy) / seconds, 2),
    machineCores,
    jitCompilerSeconds: Object.fromEntries(Object.entries(to.jitCompilers).map(([name, after]) => [name, round(after - (from.jitCompilers[name] ?? 0), 2)])),
    ...(main0 === undefined
      ? {}
      : { sinkAppMainThread: main0 && main1 ? { onCore: share(main0.onCore, main1.onCore), waitingForCore: share(main0.waiting, main1.waiting) } : null }),
  };
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
  /** every process's CPU, sampled at the first row and at the marker */
  sampleCpu: () => CpuSample;
  extra?: () => string;
  /** throws when the sink died (fail fast instead of waiting for the timeout) */
  assertAlive?: () => void;
  timeoutMs: number;
}): Promise<Omit<DrainResult, "check" | "startupMs" | "totalMs" | "eventsPerSecInclStartup"> & { firstAt: number; endAt: number }> {
  const timeline: Point[] = [];
  let firstAt = 0;
  let lastSample = 0;
  let cpuAtFirst: CpuSample | undefined;
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
    if (exists && !firstAt) {
      firstAt = now;
      cpuAtFirst = opts.sampleCpu();
    }
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
          cpuDuringDrain: cpuBudget(cpuAtFirst!, opts.sampleCpu(), drainMs / 1000, opts.records),
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
// phase: latency under a steady change rate

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
  /** the same load just before, not counted in the figures above */
  warmup: ({ seconds: number; changes: number } & Pick<LatencyRun, "endToEndMs" | "sourceToKafkaMs" | "kafkaToMeterMasterMs" | "perSecond">) | null;
}

async function steadyLoad(
  src: pg.Client,
  data: MeterData,
  pool: IdPool,
  rate: number,
  seconds: number,
): Promise<{ changes: number; ms: number; ids: number[] }> {
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
    const newIds = await insertMeters(
      src,
      Array.from({ length: nIns }, () => data.row()),
    );
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

type LatencyWindow = Pick<LatencyRun, "endToEndMs" | "sourceToKafkaMs" | "kafkaToMeterMasterMs" | "perSecond">;

const roundSummary = (s: ReturnType<typeof summarize>) => ({
  ...s,
  p50: s.p50 === null ? null : round(s.p50),
  p90: s.p90 === null ? null : round(s.p90),
  p99: s.p99 === null ? null : round(s.p99),
  max: s.max === null ? null : round(s.max),
});

/** Latencies of the rows one window of the steady load changed. */
async function latencyWindow(
  mm: pg.Client,
  ids: number[],
  kafkaTimes: Map<string, { srcTs: number; kafkaTs: number }>,
): Promise<LatencyWindow & { rowsFound: number }> {
  const rows = await mm.query<{ k: string; src: string; upd: string }>(
    `SELECT source_key AS k, (extract(epoch FROM source_ts) * 1000)::float8::text AS src, (extract(epoch FROM updated_at) * 1000)::float8::text AS upd
       FROM public.meter_master WHERE source_system = 'postgres' AND source_key = ANY($1::text[])`,
    [ids.map(String)],
  );
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
  return {
    endToEndMs: roundSummary(summarize(e2e)),
    sourceToKafkaMs: roundSummary(summarize(toKafka)),
    kafkaToMeterMasterMs: roundSummary(summarize(fromKafka)),
    perSecond,
    rowsFound: rows.rows.length,
  };
}

const describeWindow = (w: LatencyWindow) =>
  `end-to-end p50 ${w.endToEndMs.p50} ms, p99 ${w.endToEndMs.p99} ms (source->Kafka p50 ${w.sourceToKafkaMs.p50} / p99 ${w.sourceToKafkaMs.p99}, Kafka->Meter Master p50 ${w.kafkaToMeterMasterMs.p50} / p99 ${w.kafkaToMeterMasterMs.p99})`;

/**
 * The steady load for warmupSeconds, then for seconds: only the second window is the figure. On
 * two shared cores the JVMs take a minute after the bulk phases before they settle (Connect used
 * 55-63% of a core for this load in the first 20 s, 25-30% a minute later); the warm-up's own
 * latencies are reported beside it.
 */
async function latencyRun(opts: {
  label: string;
  bootstrap: string;
  src: pg.Client;
  mm: pg.Client;
  admin: KafkaAdmin;
  topic: string;
  groupId: string;
  data: MeterData;
  pool: IdPool;
  rate: number;
  warmupSeconds: number;
  seconds: number;
  batching: { maxEvents: number; maxWaitMs: number };
}): Promise<LatencyRun> {
  const fromOffset = await opts.admin.endOffset(opts.topic);
  log(`latency (${opts.label}): ${opts.rate} changes/s, ${opts.warmupSeconds} s of warm-up, then ${opts.seconds} s measured`);
  // the windows change distinct rows (updates take their ids out of the pool), so each row's latency belongs to one window
  const warmup = opts.warmupSeconds > 0 ? await steadyLoad(opts.src, opts.data, opts.pool, opts.rate, opts.warmupSeconds) : null;
  const load = await steadyLoad(opts.src, opts.data, opts.pool, opts.rate, opts.seconds);
  // every change of the phase captured and committed by the sink-app
  const expectedEnd = fromOffset + (warmup?.changes ?? 0) + load.changes;
  await waitUntil("Debezium captured the steady load", async () => ((await opts.admin.endOffset(opts.topic)) >= expectedEnd ? true : undefined), 120_000, 250);
  await waitUntil("sink-app caught up", async () => ((await opts.admin.committed(opts.groupId, opts.topic)) >= expectedEnd ? true : undefined), 120_000, 250);
  const kafkaTimes = await readKafkaTimes(opts.bootstrap, opts.topic, fromOffset);
  const measured = await latencyWindow(opts.mm, load.ids, kafkaTimes);
  const warm = warmup ? await latencyWindow(opts.mm, warmup.ids, kafkaTimes) : null;
  const { rowsFound, ...window } = measured;
  const result: LatencyRun = {
    label: opts.label,
    batching: opts.batching,
    rate: opts.rate,
    seconds: opts.seconds,
    changes: load.changes,
    achievedRate: Math.round(load.changes / (load.ms / 1000)),
    ...window,
    warmup:
      warm && warmup
        ? {
            seconds: opts.warmupSeconds,
            changes: warmup.changes,
            endToEndMs: warm.endToEndMs,
            sourceToKafkaMs: warm.sourceToKafkaMs,
            kafkaToMeterMasterMs: warm.kafkaToMeterMasterMs,
            perSecond: warm.perSecond,
          }
        : null,
  };
  if (rowsFound !== load.ids.length) log(`  note: ${rowsFound} of ${load.ids.length} changed rows found in Meter Master`);
  if (warm) log(`  warm-up (${opts.warmupSeconds} s, not the figure): ${describeWindow(warm)}`);
  log(`  measured (${opts.seconds} s): ${describeWindow(result)}`);
  return result;
}

// ---------------------------------------------------------------------------------------------

function gitHead(checkout = REPO): string | null {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: checkout, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "sink-app/src"], { cwd: checkout, encoding: "utf8" }).trim();
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

// ---------------------------------------------------------------------------------------------
// the phases

/** What every phase works on: the servers, the clients and the captured topic. */
interface Bench {
  flags: Flags;
  runId: string;
  env: BenchEnv;
  pgInfo: NonNullable<BenchEnv["postgres"]>;
  src: pg.Client;
  mm: pg.Client;
  admin: KafkaAdmin;
  topic: string;
  data: MeterData;
  pool: IdPool;
}

/** Servers, the two databases, the project's source connector with its snapshot in the topic. */
async function startServers(flags: Flags, runId: string): Promise<{ bench: Bench; renderedSource: Record<string, string>; seedRows: number }> {
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
    // closing twice, or a client whose server is already gone, is nothing to report
    await src.end().catch(reportCleanup("src.end()"));
    await mm.end().catch(reportCleanup("mm.end()"));
  });
  const admin = await KafkaAdmin.connect(env.kafka.bootstrap);
  onCleanup("kafka admin", () => admin.close());

  // the project's source connector; its snapshot brings the init SQL's demo rows
  const overrides = flags.producerCompression ? { passthrough: { "producer.override.compression.type": flags.producerCompression } } : {};
  const source = await projectPostgresSource(pgInfo, SOURCE_DB, overrides);
  const renderedSource = renderDesiredConnectors([source]).connectors[0]!.config;
  const topic = await applySource(env.connect!.url, source);
  const seedRows = (await sourceTruth(src)).rows;
  await waitUntil("snapshot in the topic", async () => ((await admin.endOffset(topic)) >= seedRows ? true : undefined), 120_000, 250);
  log(`source connector "${source.name}" RUNNING, topic ${topic}`);

  const data = new MeterData(20_261_124);
  const pool = new IdPool();
  pool.add((await src.query<{ id: string }>("SELECT id FROM public.meters")).rows.map((r) => Number(r.id)));
  return { bench: { flags, runId, env, pgInfo, src, mm, admin, topic, data, pool }, renderedSource, seedRows };
}

/** The changes, captured; then what the topic holds per change. */
async function capturePhase(b: Bench, seedRows: number) {
  const capture = await driveChanges(b.src, b.admin, b.topic, b.flags.events, b.data, b.pool, seedRows);
  const bytes = await topicBytes(b.env.kafka.bootstrap, b.topic);
  const kafkaBytesPerChange = round(bytes / capture.topicRecords, 1);
  log(`  Kafka holds ${(bytes / 2 ** 20).toFixed(1)} MiB for ${capture.topicRecords} records: ${kafkaBytesPerChange} bytes per change`);
  return { ...capture, topicBytes: bytes, kafkaBytesPerChange };
}

async function quietBefore(phase: string): Promise<QuietResult> {
  const quiet = await untilMachineQuiet(QUIET);
  const seconds = (quiet.waitedMs / 1000).toFixed(0);
  log(
    quiet.quiet
      ? `machine quiet before ${phase} after ${seconds} s (${quiet.busyCores} cores busy)`
      : `machine NOT quiet before ${phase}: ${quiet.busyCores} cores still busy after ${seconds} s; the phase starts anyway`,
  );
  return quiet;
}

/**
 * An untimed drain of the whole topic by the sink-app, into a database of its own that is
 * dropped afterwards, before any timed phase. A broker runs for months; this one is two minutes
 * old, and its JIT compiles the paths a sink's consumer works (fetches, offset commits) while
 * one first works them hard. That used to be the timed sink-app drain, on the same two cores:
 * the broker used 3.8 CPU s there, 2.3 of them in its compiler threads (thread CPU from
 * /proc/<pid>/task), and the JDBC drain after it found the paths compiled. After this drain the
 * timed one cost the broker 1.8-3.1 CPU s (its compilers 0.7-2.0 still: the young JVM keeps
 * compiling). A plain consumer fetching and committing the same way, instead, left 3.3 s.
 */
async function brokerWarmupPhase(b: Bench, records: number) {
  const groupIdPrefix = `bench-warmup-${Date.now()}.`;
  log(`warm-up: an untimed sink-app drain of the topic into ${WARMUP_DB} (dropped afterwards)`);
  await createDatabase(b.pgInfo, WARMUP_DB);
  const app = await benchSinkApp({ kafkaBootstrap: b.env.kafka.bootstrap, postgres: b.pgInfo, meterMasterDatabase: WARMUP_DB, topic: b.topic, groupIdPrefix });
  const started = Date.now();
  const broker0 = cpuSecondsOf(b.env.processes.kafka.pid);
  await app.start();
  const groupId = `${groupIdPrefix}meter-master.postgres`;
  const deadline = Date.now() + 600_000;
  while ((await b.admin.committed(groupId, b.topic)) < records) {
    app.assertRunning(); // a sink-app that died fails the run now, not at the deadline
    if (Date.now() > deadline) throw new Error(`the warm-up drain did not commit the whole topic within 600 s`);
    await sleep(500);
  }
  const broker1 = cpuSecondsOf(b.env.processes.kafka.pid);
  await app.kill("SIGTERM");
  await dropDatabase(b.pgInfo, WARMUP_DB);
  const result = {
    seconds: round((Date.now() - started) / 1000, 1),
    brokerCpuSeconds: broker0 !== null && broker1 !== null ? round(broker1 - broker0, 2) : null,
  };
  log(`  done in ${result.seconds} s; the broker used ${result.brokerCpuSeconds ?? "?"} CPU s`);
  return result;
}

/** The ceiling: raw consumption by the sink-app's client, no processing; then with JSON.parse of every value. */
async function rawPhase(b: Bench, records: number) {
  const quiet = await quietBefore("raw consumption");
  log("raw consumption by @platformatic/kafka (the ceiling), 2 runs, then 1 with JSON.parse");
  const runs: RawResult[] = [];
  for (let i = 0; i < 2; i++) runs.push(await runConsumeWorker({ client: "platformatic", bootstrap: b.env.kafka.bootstrap, topic: b.topic, records }));
  const parsed = await runConsumeWorker({ client: "platformatic", bootstrap: b.env.kafka.bootstrap, topic: b.topic, records, parse: true });
  for (const r of [...runs, parsed]) if (r.error) throw new Error(`raw consumption failed: ${r.error}`);
  const eventsPerSec = Math.max(...runs.map((r) => r.eventsPerSec!));
  log(`  raw: ${runs.map((r) => r.eventsPerSec).join(", ")} events/s; with JSON.parse of every value: ${parsed.eventsPerSec} events/s`);
  return { quiet, runs, parsed, eventsPerSec, parsedEventsPerSec: parsed.eventsPerSec!, valueBytesPerChange: parsed.avgRecordBytes ?? null };
}

const MARKER_SQL = "SELECT 1 FROM public.meter_master WHERE source_system = 'postgres' AND source_key = $1";
const FIRST_ROW_SQL = "SELECT count(*) AS n FROM (SELECT 1 FROM public.meter_master LIMIT 1) x";

/** The sink-app drains the whole topic with a fresh group, into an empty Meter Master. */
async function drainPhase(b: Bench, capture: Awaited<ReturnType<typeof capturePhase>>, bundle?: { appDir: string; sourceRepo: string }) {
  const quiet = await quietBefore("the sink-app drain");
  const records = capture.topicRecords;
  const groupIdPrefix = `bench-${Date.now()}.`;
  const groupId = `${groupIdPrefix}meter-master.postgres`;
  const app = await benchSinkApp({
    kafkaBootstrap: b.env.kafka.bootstrap,
    postgres: b.pgInfo,
    meterMasterDatabase: TARGET_DB,
    topic: b.topic,
    groupIdPrefix,
    bundle,
  });
  log(`sink-app drain: ${records} records, group ${groupId}, batching ${SHIPPED_BATCHING.maxEvents} events / ${SHIPPED_BATCHING.maxWaitMs} ms (shipped)`);
  const appStarted = Date.now();
  await app.start();
  const readyMs = Date.now() - appStarted;
  const drain = await watchDrain({
    what: "sink-app",
    target: b.mm,
    countSql: FIRST_ROW_SQL,
    markerSql: MARKER_SQL,
    markerParams: [String(capture.markerId)],
    admin: b.admin,
    groupId,
    topic: b.topic,
    records,
    startedAt: appStarted,
    cpu: () => app.cpuSeconds(),
    sampleCpu: cpuSampler(b.env, app),
    extra: () => app.memoryLine(),
    assertAlive: () => app.assertRunning(),
    timeoutMs: 900_000,
  });
  const drainPeakRssMiB = app.peakHwmMiB;
  await waitUntil("sink-app committed the whole topic", async () => ((await b.admin.committed(groupId, b.topic)) >= records ? true : undefined), 60_000, 200);
  const truth = await sourceTruth(b.src);
  const metrics = await app.metrics();
  const mmCheck = await b.mm.query<{ live: string; deleted: string; s: string }>(
    `SELECT count(*) FILTER (WHERE NOT is_deleted) AS live, count(*) FILTER (WHERE is_deleted) AS deleted,
            coalesce(sum(last_reading) FILTER (WHERE NOT is_deleted), 0)::text AS s
       FROM public.meter_master WHERE source_system = 'postgres'`,
  );
  const check = {
    liveRows: Number(mmCheck.rows[0]!.live),
    deletedRows: Number(mmCheck.rows[0]!.deleted),
    sourceRows: truth.rows,
    readingSumMatches: Number(mmCheck.rows[0]!.s) === Number(truth.sum),
    eventsIn: metricSum(metrics, "sink_events_in_total", { sink: "meter-master" }),
    written: metricSum(metrics, "sink_events_out_total", { sink: "meter-master", outcome: "written" }),
    skipped: metricSum(metrics, "sink_events_out_total", { sink: "meter-master", outcome: "skipped" }),
    deadLettered: metricSum(metrics, "sink_dead_letter_total"),
    readyMs,
    ok: false,
  };
  check.ok = check.liveRows === truth.rows && check.readingSumMatches && check.deletedRows === capture.deletes;
  const result: DrainResult = {
    ...drain,
    startupMs: drain.firstAt - appStarted,
    totalMs: drain.endAt - appStarted,
    eventsPerSecInclStartup: Math.round(records / ((drain.endAt - appStarted) / 1000)),
    check,
  };
  log(
    `  sink-app: ${result.eventsPerSec} events/s draining (${(result.drainMs / 1000).toFixed(1)} s; ${result.eventsPerSecInclStartup} events/s incl. ${(result.startupMs / 1000).toFixed(1)} s start), ${result.cpuSeconds} CPU s, peak RSS ${drainPeakRssMiB} MiB; rows ok: ${check.ok}`,
  );
  log(budgetLine(result.cpuDuringDrain));
  return { quiet, app, appStarted, groupId, groupIdPrefix, result, drainPeakRssMiB, truth };
}

/**
 * Debezium's JDBC sink on the same topic into the same database (upserts, batch size as the
 * sink-app's), twice. The first drain is the first time Connect runs the sink's code, and its
 * JIT compiles it meanwhile: the compiler threads took 9.2-12.1 of Connect's 19.6-24.7 CPU s in
 * that drain (thread CPU from /proc/<pid>/task), on the two cores the sink shares with
 * PostgreSQL. A second connector (new name, so a new consumer group) then drains the topic again
 * into a fresh table, with the code compiled: what a JDBC sink that has run for a while does.
 */
async function jdbcPhase(b: Bench, capture: Awaited<ReturnType<typeof capturePhase>>, truth: { rows: number; sum: string }) {
  const first = await jdbcDrain(b, capture, truth, JDBC_CONNECTOR, "first drain, its code compiled while it runs");
  const warm = await jdbcDrain(b, capture, truth, `${JDBC_CONNECTOR}-warm`, "second drain, its code compiled");
  return { first, warm };
}

async function jdbcDrain(b: Bench, capture: Awaited<ReturnType<typeof capturePhase>>, truth: { rows: number; sum: string }, name: string, what: string) {
  await b.mm.query(`DROP TABLE IF EXISTS public.${JDBC_TABLE}`);
  const quiet = await quietBefore(`the JDBC sink drain (${what})`);
  const records = capture.topicRecords;
  const client = connectClient(b.env.connect!.url);
  const config = jdbcSinkConfig({
    name,
    topic: b.topic,
    postgres: b.pgInfo,
    database: TARGET_DB,
    table: JDBC_TABLE,
    batchSize: SHIPPED_BATCHING.maxEvents,
  });
  await validateJdbcSink(client, config);
  const connectPid = b.env.processes.connect!.pid;
  log(`JDBC sink drain, ${what}: ${records} records (upsert, primary.key.mode record_key, delete.enabled, batch.size ${SHIPPED_BATCHING.maxEvents})`);
  const started = Date.now();
  let deleted = false;
  await client.putConfig(name, config);
  // deleted below on success; this one covers a failed run
  onCleanup(`jdbc sink connector ${name}`, () =>
    deleted ? undefined : client.delete(name).catch((err: Error) => log(`  JDBC sink connector ${name} not deleted: ${err.message}`)),
  );
  const drain = await watchDrain({
    what: "JDBC sink",
    target: b.mm,
    countSql: `SELECT count(*) AS n FROM (SELECT 1 FROM public.${JDBC_TABLE} LIMIT 1) x`,
    markerSql: `SELECT 1 FROM public.${JDBC_TABLE} WHERE id = $1`,
    markerParams: [capture.markerId],
    admin: b.admin,
    groupId: `connect-${name}`,
    topic: b.topic,
    records,
    startedAt: started,
    cpu: () => cpuSecondsOf(connectPid),
    sampleCpu: cpuSampler(b.env),
    timeoutMs: 1_800_000,
  }).catch(async (err: Error) => {
    const status = await client.status(name).catch((e: Error) => `status unavailable: ${e.message}`);
    throw new Error(`${err.message}\nconnector status: ${JSON.stringify(status)?.slice(0, 3000)}`);
  });
  const jc = await b.mm.query<{ n: string; s: string }>(`SELECT count(*) AS n, coalesce(sum(last_value::numeric), 0)::text AS s FROM public.${JDBC_TABLE}`);
  const columns = (
    await b.mm.query<{ c: string }>(
      `SELECT column_name || ' ' || data_type AS c FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
      [JDBC_TABLE],
    )
  ).rows.map((r) => r.c);
  const rows = Number(jc.rows[0]!.n);
  const sumMatches = Number(jc.rows[0]!.s) === Number(truth.sum);
  const result: DrainResult = {
    ...drain,
    startupMs: drain.firstAt - started,
    totalMs: drain.endAt - started,
    eventsPerSecInclStartup: Math.round(records / ((drain.endAt - started) / 1000)),
    check: { rows, sourceRows: truth.rows, readingSumMatches: sumMatches, ok: rows === truth.rows && sumMatches, columns },
  };
  log(
    `  JDBC sink (${what}): ${result.eventsPerSec} events/s draining (${(result.drainMs / 1000).toFixed(1)} s), Connect JVM ${result.cpuSeconds} CPU s; rows ok: ${result.check.ok}`,
  );
  log(budgetLine(result.cpuDuringDrain));
  await client.delete(name);
  deleted = true;
  return { quiet, result, config };
}

/** Latency with the running sink-app (shipped settings), then its RSS after a restart, caught up and idle. */
async function latencyAndIdlePhase(b: Bench, app: SinkAppProcess, groupId: string, groupIdPrefix: string) {
  const latency = await latencyRun({
    label: `shipped settings (batching ${SHIPPED_BATCHING.maxEvents} events / ${SHIPPED_BATCHING.maxWaitMs} ms)`,
    bootstrap: b.env.kafka.bootstrap,
    src: b.src,
    mm: b.mm,
    admin: b.admin,
    topic: b.topic,
    groupId,
    data: b.data,
    pool: b.pool,
    rate: b.flags.latencyRate,
    warmupSeconds: b.flags.latencyWarmupSeconds,
    seconds: b.flags.latencySeconds,
    batching: SHIPPED_BATCHING,
  });
  const latencyPeakRssMiB = app.peakHwmMiB;
  const code = await app.kill("SIGTERM");
  if (code !== 0) throw new Error(`sink-app did not stop cleanly (exit ${code}):\n${app.log.slice(-3000)}`);
  // the same group, caught up: a start with nothing to consume
  const idle = await benchSinkApp({ kafkaBootstrap: b.env.kafka.bootstrap, postgres: b.pgInfo, meterMasterDatabase: TARGET_DB, topic: b.topic, groupIdPrefix });
  await idle.start();
  await sleep(10_000);
  const idleRssMiB = idle.memory.at(-1)?.rssMiB ?? null;
  log(`  idle sink-app (started, caught up, 10 s later): RSS ${idleRssMiB} MiB`);
  await idle.kill("SIGTERM");
  return { latency, latencyPeakRssMiB, idleRssMiB };
}

/** One more drain of the topic under --cpu-prof (fresh group, emptied table); the profile's top functions. */
async function profilePhase(b: Bench, capture: Awaited<ReturnType<typeof capturePhase>>) {
  const dir = join(RESULTS_DIR, `profile-${b.runId}`);
  mkdirSync(dir, { recursive: true });
  const prefix = `bench-profile-${Date.now()}.`;
  const app = await benchSinkApp({
    kafkaBootstrap: b.env.kafka.bootstrap,
    postgres: b.pgInfo,
    meterMasterDatabase: TARGET_DB,
    topic: b.topic,
    groupIdPrefix: prefix,
    nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
  });
  await b.mm.query("TRUNCATE public.meter_master");
  log(`profiled drain: ${capture.topicRecords} records again (fresh group, empty table)`);
  const started = Date.now();
  await app.start();
  const drain = await watchDrain({
    what: "profiled sink-app",
    target: b.mm,
    countSql: FIRST_ROW_SQL,
    markerSql: MARKER_SQL,
    markerParams: [String(capture.markerId)],
    admin: b.admin,
    groupId: `${prefix}meter-master.postgres`,
    topic: b.topic,
    records: capture.topicRecords,
    startedAt: started,
    cpu: () => app.cpuSeconds(),
    sampleCpu: cpuSampler(b.env, app),
    assertAlive: () => app.assertRunning(),
    timeoutMs: 900_000,
  });
  await app.kill("SIGTERM");
  const files = readdirSync(dir).filter((n) => n.endsWith(".cpuprofile"));
  log(`  profile written to ${dir}`);
  return { dir, drainMsWithProfiler: drain.drainMs, summary: files.length ? summarizeProfile(join(dir, files[0]!), 25) : "no profile written" };
}

// ---------------------------------------------------------------------------------------------

async function main(flags: Flags): Promise<number> {
  const runId = timestampName();
  const machine = machineInfo();
  // the sink-app is bundled from the working tree when its first drain starts; this is the tree now
  const sinkAppCommit = gitHead();
  const loadSamples: number[] = [];
  const loadTimer = setInterval(() => loadSamples.push(loadavg()[0]!), 5_000);
  loadTimer.unref();
  log(`bench ${runId}: ${flags.events} change events; machine ${machine.cpus} cores, ${machine.memoryGiB} GiB, load ${JSON.stringify(machine.loadAvgAtStart)}`);

  const { bench: b, renderedSource, seedRows } = await startServers(flags, runId);
  const capture = await capturePhase(b, seedRows);
  const brokerWarmup = await brokerWarmupPhase(b, capture.topicRecords);
  const raw = await rawPhase(b, capture.topicRecords);
  const drain = await drainPhase(b, capture);
  const jdbc = flags.skipJdbc ? null : await jdbcPhase(b, capture, drain.truth);
  const later = flags.skipLatency ? null : await latencyAndIdlePhase(b, drain.app, drain.groupId, drain.groupIdPrefix);
  if (!later) await drain.app.kill("SIGTERM");
  const profile = flags.profile ? await profilePhase(b, capture) : null;

  // results
  const sink = drain.result;
  const latency = later?.latency ?? null;
  const peakRss = round(Math.max(drain.drainPeakRssMiB, later?.latencyPeakRssMiB ?? 0), 1);
  const bytesCut = raw.valueBytesPerChange ? round(raw.valueBytesPerChange / capture.kafkaBytesPerChange, 1) : null;
  const figures = {
    events: flags.events,
    topicRecords: capture.topicRecords,
    kafkaBytesPerChange: capture.kafkaBytesPerChange,
    jsonBytesPerChange: raw.valueBytesPerChange,
    bytesCut,
    producerCompression: flags.producerCompression ?? `${PRODUCER_COMPRESSION} (shipped worker setting)`,
    sinkAppEventsPerSec: sink.eventsPerSec,
    sinkAppCpuMicrosPerEvent: sink.cpuSeconds === null ? null : round((sink.cpuSeconds / capture.topicRecords) * 1e6),
    sinkAppDrainCpuMicrosPerRecord: sink.cpuDuringDrain.microsPerRecord,
    sinkAppDrainMachineBusyCores: sink.cpuDuringDrain.machineBusyCores,
    sinkAppDrainMainThread: sink.cpuDuringDrain.sinkAppMainThread ?? null,
    jdbcSinkEventsPerSec: jdbc?.first.result.eventsPerSec ?? null,
    jdbcSinkDrainCpuMicrosPerRecord: jdbc?.first.result.cpuDuringDrain.microsPerRecord ?? null,
    jdbcSinkWarmEventsPerSec: jdbc?.warm.result.eventsPerSec ?? null,
    jdbcSinkWarmDrainCpuMicrosPerRecord: jdbc?.warm.result.cpuDuringDrain.microsPerRecord ?? null,
    rawPlatformaticEventsPerSec: raw.eventsPerSec,
    rawPlatformaticParsedEventsPerSec: raw.parsedEventsPerSec,
    ratioSinkAppToJdbc: jdbc ? round(sink.eventsPerSec / jdbc.first.result.eventsPerSec, 2) : null,
    ratioSinkAppToJdbcWarm: jdbc ? round(sink.eventsPerSec / jdbc.warm.result.eventsPerSec, 2) : null,
    ratioSinkAppToRaw: round(sink.eventsPerSec / raw.eventsPerSec, 3),
    ratioSinkAppToRawParsed: round(sink.eventsPerSec / raw.parsedEventsPerSec, 3),
    latencyP50Ms: latency?.endToEndMs.p50 ?? null,
    latencyP99Ms: latency?.endToEndMs.p99 ?? null,
    latencyWarmupP50Ms: latency?.warmup?.endToEndMs.p50 ?? null,
    latencyWarmupP99Ms: latency?.warmup?.endToEndMs.p99 ?? null,
    sinkAppPeakRssMiB: peakRss,
    sinkAppDrainPeakRssMiB: drain.drainPeakRssMiB,
    sinkAppIdleRssMiB: later?.idleRssMiB ?? null,
  };
  const met = (value: number | null, ok: (v: number) => boolean) => (value === null ? null : ok(value));
  const targets = {
    // against both JDBC drains: the compiled one is the sink a deployment runs
    ratioSinkAppToJdbc: {
      target: `>= ${TARGETS.ratioToJdbc} (first and second JDBC drain)`,
      met: met(
        figures.ratioSinkAppToJdbcWarm === null ? null : Math.min(figures.ratioSinkAppToJdbc!, figures.ratioSinkAppToJdbcWarm),
        (v) => v >= TARGETS.ratioToJdbc,
      ),
    },
    ratioSinkAppToRawParsed: { target: `>= ${TARGETS.ratioToRawParsed}`, met: met(figures.ratioSinkAppToRawParsed, (v) => v >= TARGETS.ratioToRawParsed) },
    latencyP99Ms: { target: `< ${TARGETS.p99Ms}`, met: met(figures.latencyP99Ms, (v) => v < TARGETS.p99Ms) },
    sinkAppPeakRssMiB: { target: `< ${TARGETS.peakRssMiB}`, met: met(peakRss, (v) => v < TARGETS.peakRssMiB) },
    sinkAppIdleRssMiB: { target: `< ${TARGETS.idleRssMiB}`, met: met(figures.sinkAppIdleRssMiB, (v) => v < TARGETS.idleRssMiB) },
    bytesCut: { target: `>= ${TARGETS.bytesCut}`, met: met(bytesCut, (v) => v >= TARGETS.bytesCut) },
  };
  const result = {
    benchmark: "sink-app",
    runId,
    at: new Date().toISOString(),
    figures,
    targets,
    capture: {
      ...capture,
      timeline: undefined,
      sourcePollIntervalMs: renderedSource["poll.interval.ms"] ?? "unset (Debezium default 500)",
      debeziumRecordsPerSec: Math.round((capture.topicRecords - capture.snapshotRecords) / (capture.captureMs / 1000)),
    },
    sinkApp: {
      ...sink,
      timeline: undefined,
      config: `shipped defaults: batching ${SHIPPED_BATCHING.maxEvents} events / ${SHIPPED_BATCHING.maxWaitMs} ms, one consumer group, PostgreSQL target`,
      runtime: "node dist/main.js (bundled by sink-app/build.mjs, as the image runs it)",
      sinkAppCommit,
    },
    jdbcSink: jdbc ? { ...jdbc.first.result, timeline: undefined, config: jdbc.first.config } : null,
    jdbcSinkWarm: jdbc ? { ...jdbc.warm.result, timeline: undefined, config: jdbc.warm.config } : null,
    brokerWarmup,
    raw: { runs: raw.runs, parsed: raw.parsed },
    latency,
    profile,
    machine: {
      ...machine,
      loadAvg1mDuringRun: summarize(loadSamples),
      loadAvgAtEnd: loadavg().map((v) => round(v, 2)),
      quietBeforePhase: { threshold: QUIET, raw: raw.quiet, drain: drain.quiet, jdbc: jdbc?.first.quiet ?? null, jdbcWarm: jdbc?.warm.quiet ?? null },
    },
    notes: [
      "events/s = Kafka records of the topic (change events plus delete tombstones) divided by the time from the first row visible in the target to the last change's row visible",
      "kafkaBytesPerChange = the topic's bytes on the broker (DescribeLogDirs) / its records; jsonBytesPerChange = the average uncompressed record value a consumer receives",
      "latency = Meter Master updated_at (now() of the sink-app's write transaction) minus source_ts (Debezium's source.ts_ms, the source commit time); source->Kafka uses the Kafka record timestamp Connect set; the figure is the measured window after latency.warmup.seconds of the same load (latencyWarmupP50Ms/P99Ms: that warm-up)",
      "the JDBC sink writes the source columns (no mapping, no position guard) into a table it creates itself; it drains the topic twice, the second time with a new connector (a new consumer group) into a fresh table, once Connect's JIT has compiled its code (jdbcSinkWarm); the ratio target holds against both",
      "before any timed phase, the sink-app drains the topic once, untimed, into a database dropped afterwards: the broker's JIT compiles its fetch and commit paths then, not in the timed sink-app drain (brokerWarmup)",
      "raw, drain and jdbc each start once the machine is quiet (machine.quietBeforePhase); the latency phase runs straight after the JDBC phase, with its own warm-up",
    ],
  };
  const jsonFile = writeResult(`${runId}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const svgFile = writeResult(
    `${runId}.svg`,
    chart(runId, flags, figures, capture, sink, jdbc?.first.result ?? null, raw.eventsPerSec, latency, drain.app, drain.appStarted, machine),
  );
  const png = tryRenderPng(svgFile);
  log(`results: ${jsonFile}, ${svgFile}${png ? `, ${png}` : ""}`);
  const targetsMet = Object.fromEntries(Object.entries(targets).map(([k, v]) => [k, v.met]));
  process.stdout.write(
    `${JSON.stringify({ benchmark: "sink-app", runId, ...figures, targetsMet, sinkRowsOk: sink.check.ok, jdbcRowsOk: jdbc ? jdbc.first.result.check.ok && jdbc.warm.result.check.ok : null, file: jsonFile, svg: svgFile })}\n`,
  );
  clearInterval(loadTimer);
  // a broken check (rows not matching the source) means the run broke, not a slow figure
  return sink.check.ok && (jdbc ? jdbc.first.result.check.ok && jdbc.warm.result.check.ok : true) ? 0 : 1;
}

function chart(
  runId: string,
  flags: Flags,
  figures: { latencyP99Ms: number | null; sinkAppPeakRssMiB: number; jdbcSinkWarmEventsPerSec: number | null },
  capture: { topicRecords: number; timeline: Point[] },
  sink: DrainResult,
  jdbc: DrainResult | null,
  rawEps: number,
  latency: LatencyRun | null,
  app: SinkAppProcess,
  appStarted: number,
  machine: Record<string, unknown>,
): string {
  const seriesOf = (name: string, color: string, points: Point[], dashed = false): Series => ({ name, color, points, dashed });
  const t = (ms: number) => round((ms - appStarted) / 1000, 2);
  const panels = [
    {
      title: `Drain throughput, ${capture.topicRecords} records (events/s per second; 1 s commit granularity)`,
      xLabel: "seconds since the sink started",
      yLabel: "events/s",
      series: [
        seriesOf("sink-app", "#1f77b4", rates(sink.timeline)),
        ...(jdbc ? [seriesOf("Debezium JDBC sink", "#d62728", rates(jdbc.timeline))] : []),
        seriesOf("Debezium capture (since first write)", "#7f7f7f", rates(capture.timeline), true),
      ],
      refLines: [
        { y: rawEps, label: `raw @platformatic/kafka ${rawEps}/s`, color: "#2ca02c" },
        { y: sink.eventsPerSec, label: `sink-app avg ${sink.eventsPerSec}/s`, color: "#1f77b4" },
        ...(jdbc ? [{ y: jdbc.eventsPerSec, label: `JDBC sink avg ${jdbc.eventsPerSec}/s`, color: "#d62728" }] : []),
      ],
    },
    ...(latency
      ? [
          {
            title: `End-to-end latency at ${flags.latencyRate} changes/s (source commit -> Meter Master row), per second, shipped settings`,
            xLabel: "seconds into the steady load",
            yLabel: "ms",
            series: [
              seriesOf(
                "p99",
                "#d62728",
                latency.perSecond.map((p) => [p.t, p.p99] as Point),
              ),
              seriesOf(
                "p50",
                "#ff9896",
                latency.perSecond.map((p) => [p.t, p.p50] as Point),
                true,
              ),
            ],
            refLines: [{ y: TARGETS.p99Ms, label: `target p99 ${TARGETS.p99Ms} ms`, color: "#444" }],
          },
        ]
      : []),
    {
      title: "sink-app memory (RSS) while draining and under the steady load",
      xLabel: "seconds since the sink-app started",
      yLabel: "MiB",
      series: [
        seriesOf(
          "RSS",
          "#8c564b",
          app.memory.map((m) => [t(m.t), m.rssMiB] as Point),
        ),
        seriesOf(
          "JS heap used",
          "#17becf",
          app.memory.filter((m) => m.heapUsedMiB !== undefined).map((m) => [t(m.t), m.heapUsedMiB!] as Point),
          true,
        ),
        seriesOf(
          "external (Buffers)",
          "#bcbd22",
          app.memory.filter((m) => m.externalMiB !== undefined).map((m) => [t(m.t), m.externalMiB!] as Point),
          true,
        ),
      ],
      refLines: [{ y: TARGETS.peakRssMiB, label: `target ${TARGETS.peakRssMiB} MiB`, color: "#444" }],
    },
  ];
  return renderChart(
    `Meter Master sink-app benchmark ${runId}`,
    `${flags.events} changes (${capture.topicRecords} records) · sink-app ${sink.eventsPerSec}/s · JDBC sink ${jdbc?.eventsPerSec ?? "-"}/s (compiled ${figures.jdbcSinkWarmEventsPerSec ?? "-"}/s) · raw ${rawEps}/s · p99 ${figures.latencyP99Ms ?? "-"} ms · peak RSS ${figures.sinkAppPeakRssMiB} MiB · ${String(machine.cpus)} cores`,
    panels,
  );
}

// ---------------------------------------------------------------------------------------------
// --against: drains side by side

/** REV checked out beside this repository (its own worktree, node_modules shared), removed at cleanup. */
function checkoutRevision(rev: string): string {
  const dir = mkdtempSync(join(tmpdir(), "meter-master-against-"));
  const tree = join(dir, "tree");
  execFileSync("git", ["-C", REPO, "worktree", "add", "--detach", tree, rev], { stdio: "ignore" });
  onCleanup(`worktree of ${rev}`, () => {
    execFileSync("git", ["-C", REPO, "worktree", "remove", "--force", tree], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  });
  symlinkSync(join(REPO, "node_modules"), join(tree, "node_modules"));
  return tree;
}

/**
 * Whole runs swing more than most changes move the sink-app (docs/benchmarks.md): drains of two
 * bundles alternating on one environment are the finer instrument. The median is the figure.
 */
async function againstMain(flags: Flags & { against: string }): Promise<number> {
  const runId = timestampName();
  const revTree = checkoutRevision(flags.against);
  const sides = [
    { name: "this tree", commit: gitHead(), bundle: undefined },
    {
      name: flags.against,
      commit: gitHead(revTree),
      bundle: { appDir: join(revTree, "..", "sink-app"), sourceRepo: revTree },
    },
  ];
  log(`bench ${runId}: ${flags.events} change events; ${flags.drains} drains each of this tree and ${flags.against}, alternating`);
  const { bench: b, seedRows } = await startServers({ ...flags, skipJdbc: true }, runId);
  const capture = await capturePhase(b, seedRows);
  await brokerWarmupPhase(b, capture.topicRecords);
  const drains = sides.map(
    () =>
      [] as Array<{
        cpuMicrosPerChange: number | null;
        mainThread: CpuBudget["sinkAppMainThread"] | null;
        eventsPerSec: number;
        peakRssMiB: number;
        rowsOk: boolean;
      }>,
  );
  for (let i = 0; i < flags.drains; i++) {
    for (const [s, side] of sides.entries()) {
      await b.mm.query("DO $$ BEGIN IF to_regclass('public.meter_master') IS NOT NULL THEN TRUNCATE public.meter_master; END IF; END $$");
      log(`drain ${i + 1}/${flags.drains} of ${side.name}`);
      const drain = await drainPhase(b, capture, side.bundle);
      await drain.app.kill("SIGTERM");
      drains[s]!.push({
        cpuMicrosPerChange: drain.result.cpuDuringDrain.microsPerRecord["sink-app"] ?? null,
        mainThread: drain.result.cpuDuringDrain.sinkAppMainThread ?? null,
        eventsPerSec: drain.result.eventsPerSec,
        peakRssMiB: drain.drainPeakRssMiB,
        rowsOk: drain.result.check.ok === true,
      });
    }
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((x, y) => x - y);
    const mid = sorted.length / 2;
    return sorted.length % 2 ? sorted[Math.floor(mid)]! : round((sorted[mid - 1]! + sorted[mid]!) / 2, 1);
  };
  const summary = sides.map((side, s) => {
    const list = drains[s]!;
    const cpu = list.flatMap((d) => (d.cpuMicrosPerChange === null ? [] : [d.cpuMicrosPerChange]));
    return {
      side: side.name,
      commit: side.commit,
      cpuMicrosPerChange: { median: median(cpu), min: Math.min(...cpu), max: Math.max(...cpu) },
      eventsPerSec: { median: Math.round(median(list.map((d) => d.eventsPerSec))) },
      peakRssMiB: { median: median(list.map((d) => d.peakRssMiB)), max: Math.max(...list.map((d) => d.peakRssMiB)) },
      drains: list,
    };
  });
  for (const side of summary) {
    const c = side.cpuMicrosPerChange;
    log(
      `${side.side}: ${c.median} µs per change (${c.min}-${c.max}), ${side.eventsPerSec.median} events/s, peak ${side.peakRssMiB.median} MiB (max ${side.peakRssMiB.max}); median of ${flags.drains}`,
    );
  }
  const result = {
    benchmark: "sink-app-against",
    runId,
    at: new Date().toISOString(),
    records: capture.topicRecords,
    settings: "this tree's image settings for both",
    sides: summary,
    machine: machineInfo(),
  };
  const file = writeResult(`${runId}-against.json`, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ benchmark: "sink-app-against", runId, sides: summary.map(({ drains: _, ...rest }) => rest), file })}\n`);
  return drains.flat().every((d) => d.rowsOk) ? 0 : 1;
}

const flags = flagsFrom(process.argv.slice(2));
runMain("bench", () => (flags.against === undefined ? main(flags) : againstMain({ ...flags, against: flags.against })));
