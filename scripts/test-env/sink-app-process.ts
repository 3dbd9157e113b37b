// The sink-app as its container runs it, for the e2e tests and the benchmarks alike: built as the
// Dockerfile builds it (sink-app/build.mjs: one bundle per entry point), started as
// `node sink-app/dist/main.js` with a JSON config file named by SINK_APP_CONFIG, the Meter Master
// password in the variable the config names, and the image's NODE_OPTIONS and glibc malloc settings.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import meterMasterMapping from "../../connector-configs/meter-master.js";
import type { SinkAppConfigInput } from "../../sink-app/src/config.js";
import { freePort } from "./ports.js";
import { cpuSecondsOf, memoryOf } from "./proc-stats.js";

export { cpuSecondsOf, memoryOf };

import { waitFor } from "./wait.js";

const REPO = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// build

const builds = new Map<string, Promise<string>>();

/**
 * Bundles sink-app/src as the Dockerfile does (node sink-app/build.mjs) into `appDir`/dist, with
 * the sink-app's package.json beside it; resolves to the entry point dist/main.js. Once per folder
 * and process. The default is the repository's sink-app/ (dist/ is git-ignored). `sourceRepo` is
 * the checkout whose sink-app is bundled (another revision's, for a side-by-side benchmark).
 */
export function buildSinkApp(appDir = join(REPO, "sink-app"), sourceRepo = REPO): Promise<string> {
  const key = resolve(appDir);
  let build = builds.get(key);
  if (!build) {
    build = (async () => {
      const dist = join(key, "dist");
      if (key !== join(sourceRepo, "sink-app")) {
        await mkdir(key, { recursive: true });
        await copyFile(join(sourceRepo, "sink-app/package.json"), join(key, "package.json"));
      }
      await run(process.execPath, [join(sourceRepo, "sink-app/build.mjs"), "--outdir", dist], { cwd: sourceRepo, maxBuffer: 16 * 2 ** 20 }).catch(
        (err: { stderr?: string; message: string }) => {
          throw new Error(`sink-app build failed: ${err.stderr || err.message}`);
        },
      );
      return join(dist, "main.js");
    })();
    builds.set(key, build);
  }
  return build;
}

// ---------------------------------------------------------------------------------------------
// config

export interface SinkAppConfigOptions {
  kafkaBootstrap: string;
  clientId: string;
  groupIdPrefix: string;
  /** a killed member holds its partitions until its session times out */
  sessionTimeoutMs?: number;
  /** Meter Master in PostgreSQL (SQL Server cannot run on these machines) */
  meterMaster: { host: string; port: number; user: string; database: string };
  sources: Array<{ name: string; topics: string[]; endpoint?: Record<string, unknown> & { url: string } }>;
  batching?: { maxEvents?: number; maxWaitMs?: number };
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
  httpPort: number;
  logLevel?: "info" | "warn" | "debug";
}

/** The password variable the config names; SinkAppProcess sets it. */
export const METER_MASTER_PASSWORD_ENV = "METER_MASTER_PASSWORD";

/** A sink-app config with the shipped mapping (connector-configs/meter-master.ts) and defaults for the rest. */
export function sinkAppConfig(opts: SinkAppConfigOptions): SinkAppConfigInput {
  return {
    kafka: { brokers: [opts.kafkaBootstrap], clientId: opts.clientId, groupIdPrefix: opts.groupIdPrefix, sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000 },
    meterMaster: { kind: "postgres", ...opts.meterMaster, passwordEnv: METER_MASTER_PASSWORD_ENV },
    mapping: meterMasterMapping,
    sources: opts.sources.map((s) => ({ name: s.name, topics: s.topics, ...(s.endpoint ? { endpoint: s.endpoint } : {}) })),
    ...(opts.batching ? { batching: opts.batching } : {}),
    ...(opts.retry ? { retry: opts.retry } : {}),
    http: { host: "127.0.0.1", port: opts.httpPort },
    logLevel: opts.logLevel ?? "info",
  } as SinkAppConfigInput;
}

/** The Dockerfile's instructions only: a comment may quote a setting that was measured and not shipped. */
function instructions(dockerfileText: string): string {
  return dockerfileText
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n");
}

const DOCKERFILE = () => readFileSync(join(REPO, "sink-app/Dockerfile"), "utf8");

/** NODE_OPTIONS and the glibc malloc settings (MALLOC_*) as sink-app/Dockerfile sets them. */
export function containerEnv(dockerfileText = DOCKERFILE()): Record<string, string> {
  const dockerfile = instructions(dockerfileText);
  const out: Record<string, string> = {};
  const nodeOptions = /NODE_OPTIONS="([^"]*)"/.exec(dockerfile)?.[1];
  if (nodeOptions) out.NODE_OPTIONS = nodeOptions;
  for (const [, name, value] of dockerfile.matchAll(/\b(MALLOC_[A-Z_]+)=(\d+)/g)) out[name!] = value!;
  return out;
}

/** The image's CMD, `["node", ...flags, script]`, or an empty list when it has none. */
export function containerCommand(dockerfileText = DOCKERFILE()): string[] {
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(instructions(dockerfileText))?.[1];
  if (!cmd) return [];
  const argv = JSON.parse(cmd) as string[];
  if (argv[0] !== "node") throw new Error(`sink-app/Dockerfile: CMD does not start node: ${cmd}`);
  return argv;
}

/**
 * The node flags of the image's CMD: the sink-app's own, beside the NODE_OPTIONS every program
 * of the image runs with, and the V8 flags Node refuses in NODE_OPTIONS (--initial-old-space-size).
 */
export function containerNodeFlags(dockerfileText = DOCKERFILE()): string[] {
  return containerCommand(dockerfileText).slice(1, -1);
}

// ---------------------------------------------------------------------------------------------
// the process

/** Sum of the metric's series whose labels include all of `labels`. */
export function metricSum(metrics: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [series, value] of metrics) {
    if (!series.startsWith(`${name}{`) && series !== name) continue;
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

export interface MemorySample {
  t: number;
  rssMiB: number;
  /** from the sink-app's own /metrics (prom-client defaults), every fourth sample */
  heapUsedMiB?: number;
  heapTotalMiB?: number;
  externalMiB?: number;
}

// Children still running when this process exits (a failed test, Ctrl-C) are killed with it.
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export interface SinkAppProcessOptions {
  /** the Meter Master password, handed over in METER_MASTER_PASSWORD */
  password: string;
  /** folder built by buildSinkApp (default: the repository's sink-app/) */
  appDir?: string;
  /** checkout whose sink-app is bundled into appDir (default: this repository) */
  sourceRepo?: string;
  /** extra node flags, e.g. --cpu-prof */
  nodeFlags?: string[];
  /** extra environment */
  env?: Record<string, string>;
  /** sample RSS every 250 ms (benchmarks) */
  sampleMemory?: boolean;
}

/** One sink-app process that can be started again after a kill, with its log and memory kept. */
export class SinkAppProcess {
  child: ChildProcess | undefined;
  /** stdout+stderr of every start, the last 200,000 characters */
  log = "";
  starts = 0;
  readonly memory: MemorySample[] = [];
  peakHwmMiB = 0;
  /** RSS right after each start answered ready */
  readyRssMiB: number[] = [];
  private sampler: NodeJS.Timeout | undefined;
  private lastHeap: MemorySample | undefined;

  private constructor(
    readonly dir: string,
    readonly configFile: string,
    readonly port: number,
    private readonly opts: SinkAppProcessOptions,
  ) {}

  static async create(config: (port: number) => SinkAppConfigInput, opts: SinkAppProcessOptions): Promise<SinkAppProcess> {
    const dir = await mkdtemp(join(tmpdir(), "mm-sink-app-"));
    const port = await freePort();
    const configFile = join(dir, "config.json");
    await writeFile(configFile, JSON.stringify(config(port), null, 2));
    return new SinkAppProcess(dir, configFile, port, opts);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns and waits until /readyz answers 200 (consumers joined, target reachable). */
  async start(readyTimeoutMs = 90_000): Promise<void> {
    const entry = await buildSinkApp(this.opts.appDir, this.opts.sourceRepo);
    const child = spawn(process.execPath, [...containerNodeFlags(), ...(this.opts.nodeFlags ?? []), entry], {
      cwd: REPO,
      env: { ...process.env, ...containerEnv(), ...this.opts.env, SINK_APP_CONFIG: this.configFile, [METER_MASTER_PASSWORD_ENV]: this.opts.password },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.starts++;
    live.add(child);
    child.once("exit", () => live.delete(child));
    const append = (d: Buffer) => (this.log = (this.log + d.toString()).slice(-200_000));
    child.stdout!.on("data", append);
    child.stderr!.on("data", append);
    if (this.opts.sampleMemory) this.startSampling();
    await waitFor(
      "sink-app /readyz",
      async () => {
        this.assertRunning();
        // Refused connections are expected while the process starts: poll again.
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 100 },
    );
    const m = child.pid ? memoryOf(child.pid) : null;
    if (m) this.readyRssMiB.push(m.rssMiB);
  }

  /** Throws, with the log's end, when the process has exited. */
  assertRunning(): void {
    const c = this.child;
    if (c && (c.exitCode !== null || c.signalCode !== null)) throw new Error(`sink-app exited (${c.exitCode ?? c.signalCode}):\n${this.log.slice(-3000)}`);
  }

  /** SIGKILL (no graceful stop, no final commit) or SIGTERM (finishes and commits in-flight batches); resolves to the exit code. */
  async kill(signal: NodeJS.Signals = "SIGKILL", timeoutMs = 15_000): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const m = child.pid ? memoryOf(child.pid) : null;
    if (m) this.peakHwmMiB = Math.max(this.peakHwmMiB, m.hwmMiB);
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
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

  /** Sum of one metric's series with these labels. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    return metricSum(await this.metrics(), name, labels);
  }

  cpuSeconds(): number | null {
    return this.child?.pid ? cpuSecondsOf(this.child.pid) : null;
  }

  private startSampling(): void {
    if (this.sampler) return;
    let tick = 0;
    this.sampler = setInterval(() => {
      const pid = this.child?.pid;
      if (!pid || !this.running()) return;
      const m = memoryOf(pid);
      if (!m) return;
      const sample: MemorySample = { t: Date.now(), rssMiB: m.rssMiB };
      this.memory.push(sample);
      this.peakHwmMiB = Math.max(this.peakHwmMiB, m.hwmMiB);
      if (tick++ % 4 !== 0) return;
      this.metrics().then(
        (mm) => {
          const mib = (name: string) => Math.round((metricSum(mm, name) / 2 ** 20) * 10) / 10;
          sample.heapUsedMiB = mib("sink_app_nodejs_heap_size_used_bytes");
          sample.heapTotalMiB = mib("sink_app_nodejs_heap_size_total_bytes");
          sample.externalMiB = mib("sink_app_nodejs_external_memory_bytes");
          this.lastHeap = sample;
        },
        // the process may be stopping between the RSS sample and this request: that sample has no heap figures
        () => undefined,
      );
    }, 250);
    this.sampler.unref();
  }

  /** "RSS 120 MiB (heap 40/60 MiB, external 30 MiB)" */
  memoryLine(): string {
    const h = this.lastHeap;
    return `RSS ${this.memory.at(-1)?.rssMiB ?? "?"} MiB${h ? ` (heap ${h.heapUsedMiB}/${h.heapTotalMiB} MiB, external ${h.externalMiB} MiB)` : ""}`;
  }

  /** Kills the process (SIGKILL), stops sampling and removes its folder. */
  async dispose(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
    await this.kill("SIGKILL");
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The container's HEALTHCHECK command (dist/healthcheck.js); resolves to its exit code. */
export async function sinkAppHealthcheck(configFile: string, appDir = join(REPO, "sink-app")): Promise<number> {
  await buildSinkApp(appDir);
  return new Promise((done) => {
    execFile(process.execPath, [join(appDir, "dist/healthcheck.js")], { env: { ...process.env, SINK_APP_CONFIG: configFile } }, (err) =>
      done(err ? Number((err as { code?: number }).code ?? 1) : 0),
    );
  });
}
