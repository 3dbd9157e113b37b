// The real pipeline pieces a benchmark drives: the demo source database (the stack's own init
// SQL), the project's own Debezium source config (connector-configs/sources/postgres.ts, pointed
// at the local server) applied by the registrar's reconcile, and the sink-app started through its
// container entry point (sink-app/src/main.ts) with a config file, as deployed.

import { execFile } from "node:child_process";
import { createWriteStream, existsSync, readFileSync, type WriteStream } from "node:fs";
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import pg from "pg";
import { loadConnectorFile } from "../../../connector-configs/load.js";
import meterMasterMapping from "../../../connector-configs/meter-master.js";
import { renderDesiredConnectors, sourceTopics } from "../../../connector-configs/render.js";
import { sourceConnectorSchema, type SourceConnectorConfig } from "../../../connector-configs/schemas/debezium.js";
import type { PostgresInfo } from "../../test-env/postgres.js";
import { freePort } from "../../test-env/ports.js";
import { ConnectClient } from "../../../sink-app/src/connect/client.js";
import { reconcile } from "../../../sink-app/src/connect/reconcile.js";
import type { SinkAppConfigInput } from "../../../sink-app/src/config.js";
import { cpuSecondsOf, killChild, log, memoryOf, onCleanup, REPO, RESULTS_DIR, sleep, spawnTracked, waitUntil } from "./common.js";

export const BENCH_OWNER = "meter-master-bench";

export async function pgClient(info: PostgresInfo, database: string): Promise<pg.Client> {
  const c = new pg.Client({ host: info.host, port: info.port, user: info.user, password: info.password, database });
  await c.connect();
  return c;
}

/** A fresh database holding the demo table exactly as the embedded container's init SQL creates it. */
export async function createSourceDatabase(info: PostgresInfo, database: string): Promise<void> {
  await createDatabase(info, database);
  const c = await pgClient(info, database);
  try {
    await c.query(await readFile(join(REPO, "stacks/init-sql/postgres/01-meters.sql"), "utf8"));
  } finally {
    await c.end();
  }
}

export async function createDatabase(info: PostgresInfo, database: string): Promise<void> {
  const admin = await pgClient(info, info.database);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
}

/** connector-configs/sources/postgres.ts as shipped, pointed at the local server and database. */
export async function projectPostgresSource(info: PostgresInfo, database: string, overrides: Record<string, unknown> = {}): Promise<SourceConnectorConfig> {
  const loaded = await loadConnectorFile(join(REPO, "connector-configs/sources/postgres.ts"));
  if (!loaded.ok || loaded.kind !== "source") throw new Error(`connector-configs/sources/postgres.ts does not load: ${JSON.stringify(loaded)}`);
  const cfg = structuredClone(loaded.loaded.config) as Record<string, unknown> & { connection: Record<string, unknown> };
  // cdc_test has REPLICATION (and superuser) on the local server; its password is the
  // POSTGRES_DEBEZIUM_PASSWORD variable the Connect worker has, as in a deployment.
  cfg.connection = { ...cfg.connection, host: info.host, port: info.port, user: info.debeziumUser, database };
  Object.assign(cfg, overrides);
  return sourceConnectorSchema.parse(cfg);
}

export function connectClient(url: string): ConnectClient {
  return new ConnectClient({ url, retry: { totalMs: 60_000 } });
}

/** What the registrar does at deploy time: render, PUT, wait until every task is RUNNING. */
export async function applySource(connectUrl: string, source: SourceConnectorConfig): Promise<string> {
  await reconcile(renderDesiredConnectors([source], { owner: BENCH_OWNER }), connectClient(connectUrl), {
    runningTimeoutMs: 120_000,
    settleMs: 1_000,
    keepPostgresSlots: true,
  });
  return sourceTopics(source)[0]!;
}

// ---------------------------------------------------------------------------------------------
// the sink-app process

/**
 * How the sink-app runs: "compiled" as its container does (`tsc -p sink-app/tsconfig.json`, then
 * `node dist/main.js`; built into bench-results/, which is git-ignored), or "tsx" straight from
 * the TypeScript sources (`node --import tsx sink-app/src/main.ts`, as the e2e tests do).
 */
export type SinkRuntime = "compiled" | "tsx";

const builds = new Map<string, Promise<string>>();

/** Prototype patches are unified diffs against sink-app/ (`diff -u a/sink-app/... b/sink-app/...`) in this folder. */
export const PATCH_DIR = join(REPO, "scripts/bench/prototype");

/**
 * Compiles sink-app/src with tsc as the Dockerfile does, into bench-results/ (git-ignored).
 * With `patches`, a copy of sink-app/ gets scripts/bench/prototype/<patch>.patch applied first
 * (`patch -p1`): how a recommended change is measured without touching sink-app/src.
 */
export function buildSinkApp(patches: readonly string[] = []): Promise<string> {
  const name = patches.length ? `variant-${[...patches].sort().join("+")}` : "shipped";
  let build = builds.get(name);
  if (!build) {
    build = (async () => {
      const root = join(RESULTS_DIR, ".sink-app-build", name);
      const app = join(root, "sink-app");
      await rm(root, { recursive: true, force: true });
      await mkdir(app, { recursive: true });
      await cp(join(REPO, "sink-app/src"), join(app, "src"), { recursive: true });
      // "type": "module" for the emitted ESM; packages resolve from the repo's node_modules above
      await copyFile(join(REPO, "sink-app/package.json"), join(app, "package.json"));
      await copyFile(join(REPO, "sink-app/tsconfig.json"), join(app, "tsconfig.json"));
      const run = promisify(execFile);
      for (const patch of patches) {
        const file = join(PATCH_DIR, `${patch}.patch`);
        if (!existsSync(file)) throw new Error(`no patch ${file}`);
        await run("patch", ["-p1", "-d", root, "-i", file]).catch((err: { stdout?: string; message: string }) => {
          throw new Error(`patch ${patch} does not apply to sink-app/src any more: ${err.stdout ?? err.message}`);
        });
      }
      const t = Date.now();
      await run(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(app, "tsconfig.json")], { cwd: REPO, maxBuffer: 16 * 2 ** 20 }).catch(
        (err: { stdout?: string; message: string }) => {
          throw new Error(`tsc -p sink-app/tsconfig.json failed (${name}): ${err.stdout ?? err.message}`);
        },
      );
      log(`sink-app (${name}) compiled with tsc in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      return join(app, "dist/main.js");
    })();
    builds.set(name, build);
  }
  return build;
}

export interface SinkAppOptions {
  kafkaBootstrap: string;
  postgres: PostgresInfo;
  meterMasterDatabase: string;
  topic: string;
  groupIdPrefix: string;
  endpointUrl?: string;
  /** sink-app config overrides (batching, retry, endpoint details) */
  batching?: { maxEvents?: number; maxWaitMs?: number };
  endpoint?: Record<string, unknown>;
  sessionTimeoutMs?: number;
  logLevel?: "info" | "warn" | "debug";
  /** extra node flags, e.g. --cpu-prof */
  nodeFlags?: string[];
  runtime?: SinkRuntime;
  /** prototype patches to build with (compiled runtime only) */
  patches?: string[];
  /** extra environment of the process */
  env?: Record<string, string>;
}

export function sinkAppConfig(opts: SinkAppOptions, port: number): SinkAppConfigInput {
  return {
    kafka: { brokers: [opts.kafkaBootstrap], clientId: "bench-sink-app", groupIdPrefix: opts.groupIdPrefix, sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000 },
    meterMaster: {
      kind: "postgres",
      host: opts.postgres.host,
      port: opts.postgres.port,
      database: opts.meterMasterDatabase,
      user: opts.postgres.user,
      passwordEnv: "METER_MASTER_PASSWORD",
    },
    mapping: meterMasterMapping,
    sources: [
      {
        name: "postgres",
        topics: [opts.topic],
        ...(opts.endpointUrl ? { endpoint: { url: opts.endpointUrl, ...(opts.endpoint ?? {}) } } : {}),
      },
    ],
    ...(opts.batching ? { batching: opts.batching } : {}),
    http: { host: "127.0.0.1", port },
    logLevel: opts.logLevel ?? "info",
  } as SinkAppConfigInput;
}

export interface MemorySample {
  t: number;
  rssMiB: number;
  /** from the sink-app's own /metrics (prom-client defaults), once a second */
  heapUsedMiB?: number;
  heapTotalMiB?: number;
  externalMiB?: number;
}

/** The sink-app as its container runs it: one Node process, the entry point, a config file and the password variable. */
export class SinkApp {
  child: ChildProcess | undefined;
  readonly memory: MemorySample[] = [];
  peakHwmMiB = 0;
  starts = 0;
  lastHeap: MemorySample | undefined;
  /** RSS right after each start became ready (before or while the first records arrive) */
  readyRssMiB: number[] = [];
  private sampler: NodeJS.Timeout | undefined;
  private logStream: WriteStream | undefined;
  private tail = "";

  private constructor(
    readonly dir: string,
    readonly configFile: string,
    readonly port: number,
    private readonly password: string,
    private readonly nodeFlags: string[],
    readonly runtime: SinkRuntime,
    readonly patches: string[],
    private readonly env: Record<string, string>,
  ) {}

  static async create(opts: SinkAppOptions): Promise<SinkApp> {
    const dir = await mkdtemp(join(tmpdir(), "mm-bench-sink-"));
    const port = await freePort();
    const configFile = join(dir, "config.json");
    await writeFile(configFile, JSON.stringify(sinkAppConfig(opts, port), null, 2));
    const runtime = opts.runtime ?? "compiled";
    const patches = opts.patches ?? [];
    if (patches.length && runtime !== "compiled") throw new Error("patches need the compiled runtime");
    if (runtime === "compiled") await buildSinkApp(patches);
    const app = new SinkApp(dir, configFile, port, opts.postgres.password, opts.nodeFlags ?? [], runtime, patches, opts.env ?? {});
    onCleanup("sink-app", async () => {
      await app.kill("SIGKILL");
      if (!process.env.BENCH_KEEP_LOGS) await rm(dir, { recursive: true, force: true });
    });
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get logFile(): string {
    return join(this.dir, "sink-app.log");
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns and waits until /readyz answers 200 (consumers joined, target reachable). */
  async start(readyTimeoutMs = 90_000): Promise<void> {
    this.logStream ??= createWriteStream(this.logFile, { flags: "a" });
    const entry = this.runtime === "compiled" ? [await buildSinkApp(this.patches)] : ["--import", "tsx", join(REPO, "sink-app/src/main.ts")];
    const child = spawnTracked(process.execPath, [...this.nodeFlags, ...entry], {
      cwd: REPO,
      env: { ...process.env, ...containerEnv(), ...this.env, SINK_APP_CONFIG: this.configFile, METER_MASTER_PASSWORD: this.password },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.starts++;
    const onData = (d: Buffer) => {
      this.logStream?.write(d);
      this.tail = (this.tail + d.toString()).slice(-8_000);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    this.startSampling();
    await waitUntil(
      "sink-app /readyz",
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`sink-app exited (${child.exitCode ?? child.signalCode}):\n${this.tail.slice(-3000)}`);
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      readyTimeoutMs,
      100,
    );
    const m = child.pid ? memoryOf(child.pid) : null;
    if (m) this.readyRssMiB.push(m.rssMiB);
  }

  private startSampling(): void {
    if (this.sampler) return;
    let tick = 0;
    this.sampler = setInterval(() => {
      const pid = this.child?.pid;
      if (!pid || !this.running()) return;
      const m = memoryOf(pid);
      if (m) {
        const sample: MemorySample = { t: Date.now(), rssMiB: m.rssMiB };
        this.memory.push(sample);
        this.peakHwmMiB = Math.max(this.peakHwmMiB, m.hwmMiB);
        if (tick++ % 4 === 0) {
          this.metrics().then(
            (mm) => {
              const mib = (name: string) => Math.round((metricSum(mm, name) / 2 ** 20) * 10) / 10;
              sample.heapUsedMiB = mib("sink_app_nodejs_heap_size_used_bytes");
              sample.heapTotalMiB = mib("sink_app_nodejs_heap_size_total_bytes");
              sample.externalMiB = mib("sink_app_nodejs_external_memory_bytes");
              this.lastHeap = sample;
            },
            () => undefined,
          );
        }
      }
    }, 250);
    this.sampler.unref();
  }

  cpuSeconds(): number | null {
    return this.child?.pid ? cpuSecondsOf(this.child.pid) : null;
  }

  /** SIGTERM (graceful: finishes and commits in-flight batches) or SIGKILL; resolves on exit. */
  async kill(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const m = child.pid ? memoryOf(child.pid) : null;
    if (m) this.peakHwmMiB = Math.max(this.peakHwmMiB, m.hwmMiB);
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    killChild(child, signal);
    const timedOut = await Promise.race([exited.then(() => false), sleep(timeoutMs).then(() => true)]);
    if (timedOut) {
      killChild(child, "SIGKILL");
      await exited;
    }
  }

  stopSampling(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
  }

  async metrics(): Promise<Map<string, number>> {
    const text = await (await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
    const out = new Map<string, number>();
    for (const line of text.split("\n")) {
      if (line.startsWith("#") || line.trim() === "") continue;
      const sp = line.lastIndexOf(" ");
      out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
    }
    return out;
  }

  assertRunning(): void {
    const c = this.child;
    if (c && (c.exitCode !== null || c.signalCode !== null)) throw new Error(`sink-app exited (${c.exitCode ?? c.signalCode}):\n${this.tail.slice(-3000)}`);
  }

  /** "RSS 120 MiB (heap 40/60 MiB, external 30 MiB)" */
  memoryLine(): string {
    const last = this.memory.at(-1);
    const h = this.lastHeap;
    return `RSS ${last?.rssMiB ?? "?"} MiB${h ? ` (heap ${h.heapUsedMiB}/${h.heapTotalMiB} MiB, external ${h.externalMiB} MiB)` : ""}`;
  }

  logTail(): string {
    return this.tail;
  }

  async closeLog(): Promise<void> {
    this.stopSampling();
    await new Promise<void>((r) => (this.logStream ? this.logStream.end(() => r()) : r()));
    this.logStream = undefined;
  }
}

/** Sum of the metric's series whose labels include all of `labels`. */
export function metricSum(metrics: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [series, value] of metrics) {
    if (!series.startsWith(`${name}{`) && series !== name) continue;
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

/** NODE_OPTIONS and MALLOC_ARENA_MAX as sink-app/Dockerfile sets them: the bench measures the container's runtime settings. */
export function containerEnv(): Record<string, string> {
  const dockerfile = readFileSync(join(REPO, "sink-app/Dockerfile"), "utf8");
  const out: Record<string, string> = {};
  const nodeOptions = /NODE_OPTIONS="([^"]*)"/.exec(dockerfile)?.[1];
  const arenas = /MALLOC_ARENA_MAX=(\d+)/.exec(dockerfile)?.[1];
  if (nodeOptions) out.NODE_OPTIONS = nodeOptions;
  if (arenas) out.MALLOC_ARENA_MAX = arenas;
  return out;
}
