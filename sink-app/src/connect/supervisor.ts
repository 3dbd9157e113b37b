// The self-healing supervisor: runs in the sink-app service (which lives as long as the stack)
// and watches every connector this deployment owns. A FAILED connector or task is restarted
// with a growing backoff (Strimzi's KafkaConnector schedule: n*n + n units after restart n) until
// its restart budget is spent; a stable run gives the budget back. A connector declared paused
// or stopped, or held PAUSED/STOPPED on the worker, is never restarted. What it sees and does is
// exported as metrics; the failing part's trace is logged once per failure.
import type { ConnectClient, ConnectorOverview, ConnectorStatus } from "./client.js";
import { type AutoRestart, type ConnectorState, OWNER_KEY } from "./desired.js";
import { failedParts } from "./reconcile.js";

export interface SupervisedConnector {
  name: string;
  state: ConnectorState;
  autoRestart: AutoRestart;
}

/** What the supervisor remembers about one connector between polls. */
export interface Track {
  /** Restarts issued since the last stable run. */
  restarts: number;
  lastRestartAt?: number;
  /** Since when connector and every task have been RUNNING. */
  healthySince?: number;
  /** Set once the budget is spent and the connector still FAILED. */
  exhausted: boolean;
}

export const newTrack = (): Track => ({ restarts: 0, exhausted: false });

/** Wait before restart number `n` (0-based), in ms: (n*n + n) backoff units, capped. */
export function restartDelayMs(n: number, policy: Pick<AutoRestart, "backoffUnitSeconds" | "maxBackoffSeconds">): number {
  return Math.min(policy.maxBackoffSeconds, policy.backoffUnitSeconds * (n * n + n)) * 1000;
}

export type Decision =
  | { action: "restart"; restart: number }
  | { action: "wait"; dueAt: number }
  | { action: "exhausted" }
  | { action: "none"; why: "healthy" | "not registered" | "declared held" | "held on the worker" | "auto restart disabled" | "starting" };

const isRunning = (s: ConnectorStatus) => s.connector.state === "RUNNING" && s.tasks.length > 0 && s.tasks.every((t) => t.state === "RUNNING");

/**
 * One connector, one poll: what to do, and the track updated for it (pure). `status` is undefined
 * when the worker does not have the connector.
 */
export function decide(c: SupervisedConnector, status: ConnectorStatus | undefined, track: Track, now: number): { decision: Decision; track: Track } {
  const t = { ...track };
  if (!status) return { decision: { action: "none", why: "not registered" }, track: t };
  if (c.state !== "running") return { decision: { action: "none", why: "declared held" }, track: { ...t, healthySince: undefined } };
  if (status.connector.state === "PAUSED" || status.connector.state === "STOPPED") {
    return { decision: { action: "none", why: "held on the worker" }, track: { ...t, healthySince: undefined } };
  }
  if (failedParts(status).length === 0) {
    if (!isRunning(status)) return { decision: { action: "none", why: "starting" }, track: { ...t, healthySince: undefined } };
    t.healthySince ??= now;
    if (now - t.healthySince >= c.autoRestart.stableSeconds * 1000 && (t.restarts > 0 || t.exhausted)) {
      t.restarts = 0;
      t.exhausted = false;
      t.lastRestartAt = undefined;
    }
    return { decision: { action: "none", why: "healthy" }, track: t };
  }
  t.healthySince = undefined;
  if (!c.autoRestart.enabled) return { decision: { action: "none", why: "auto restart disabled" }, track: t };
  const dueAt = t.restarts === 0 || t.lastRestartAt === undefined ? now : t.lastRestartAt + restartDelayMs(t.restarts, c.autoRestart);
  // The last restart gets as long as the next one would have waited before the budget counts as spent.
  if (now < dueAt) return { decision: { action: "wait", dueAt }, track: t };
  if (t.restarts >= c.autoRestart.maxRestarts) return { decision: { action: "exhausted" }, track: { ...t, exhausted: true } };
  return { decision: { action: "restart", restart: t.restarts + 1 }, track: { ...t, restarts: t.restarts + 1, lastRestartAt: now } };
}

export interface SupervisorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The metrics the supervisor writes (see observability/metrics.ts). */
export interface SupervisorMetrics {
  connectState: { set(labels: { connector: string; task: string; state: string }, value: number): void };
  connectRestarts: { inc(labels: { connector: string }): void };
  connectBudgetExhausted: { set(labels: { connector: string }, value: number): void };
}

export interface SupervisorOptions {
  client: Pick<ConnectClient, "listConnectors" | "restart" | "url">;
  connectors: readonly SupervisedConnector[];
  /** Only connectors carrying this ownership marker are touched. */
  owner: string;
  pollMs: number;
  metrics: SupervisorMetrics;
  logger: SupervisorLogger;
  now?: () => number;
  /** Start polling at once (default true); tests drive tick() themselves. */
  autoStart?: boolean;
}

const STATES = ["RUNNING", "PAUSED", "STOPPED", "FAILED", "UNASSIGNED", "RESTARTING", "ABSENT"] as const;

export interface ConnectSupervisor {
  /** One poll: read every status, restart what is due. Exposed for tests; the loop calls it every pollMs. */
  tick(): Promise<Map<string, Decision>>;
  tracks(): ReadonlyMap<string, Track>;
  stop(): Promise<void>;
}

export function createConnectSupervisor(o: SupervisorOptions): ConnectSupervisor {
  const now = o.now ?? Date.now;
  const tracks = new Map<string, Track>(o.connectors.map((c) => [c.name, newTrack()]));
  /** Failures already logged with their trace: "<connector>/<part>\0<trace>". */
  const logged = new Set<string>();
  const seenTasks = new Map<string, Set<string>>();
  let unreachableSaid = false;

  function exportState(name: string, status: ConnectorStatus | undefined): void {
    const parts: [string, string][] = status
      ? [["connector", status.connector.state], ...status.tasks.map((t): [string, string] => [String(t.id), t.state])]
      : [["connector", "ABSENT"]];
    const current = new Set(parts.map(([p]) => p));
    // A task that no longer exists (after a stop, or fewer tasks) reads 0 in every state.
    for (const old of seenTasks.get(name) ?? [])
      if (!current.has(old)) for (const s of STATES) o.metrics.connectState.set({ connector: name, task: old, state: s }, 0);
    seenTasks.set(name, current);
    for (const [task, state] of parts) for (const s of STATES) o.metrics.connectState.set({ connector: name, task, state: s }, s === state ? 1 : 0);
  }

  function logFailures(name: string, status: ConnectorStatus): void {
    const failed = failedParts(status);
    const keys = new Set(failed.map((f) => `${name}/${f.part}\u0000${f.trace ?? ""}`));
    for (const k of [...logged]) if (k.startsWith(`${name}/`) && !keys.has(k)) logged.delete(k);
    for (const f of failed) {
      const k = `${name}/${f.part}\u0000${f.trace ?? ""}`;
      if (logged.has(k)) continue;
      logged.add(k);
      o.logger.error({ connector: name, part: f.part, trace: f.trace }, `${f.what}`);
    }
  }

  async function tick(): Promise<Map<string, Decision>> {
    const out = new Map<string, Decision>();
    let all: Record<string, ConnectorOverview>;
    try {
      all = await o.client.listConnectors();
      if (unreachableSaid) o.logger.info({ url: o.client.url }, "Kafka Connect answers again");
      unreachableSaid = false;
    } catch (err) {
      if (!unreachableSaid)
        o.logger.warn({ url: o.client.url, err: (err as Error).message }, "Kafka Connect not reachable; connectors are not supervised until it answers");
      unreachableSaid = true;
      return out;
    }
    for (const c of o.connectors) {
      const cur = all[c.name];
      const ours = cur && cur.info.config[OWNER_KEY] === o.owner;
      const status = ours ? cur.status : undefined;
      exportState(c.name, status);
      if (status) logFailures(c.name, status);
      const { decision, track } = decide(c, status, tracks.get(c.name) ?? newTrack(), now());
      const before = tracks.get(c.name);
      tracks.set(c.name, track);
      out.set(c.name, decision);
      o.metrics.connectBudgetExhausted.set({ connector: c.name }, track.exhausted ? 1 : 0);
      if (decision.action === "exhausted" && !before?.exhausted) {
        o.logger.error(
          { connector: c.name, restarts: track.restarts },
          `${c.name}: restart budget of ${c.autoRestart.maxRestarts} spent and still FAILED; restart it by hand once the cause is fixed (npm run connectors -- restart ${c.name})`,
        );
      }
      if (decision.action === "restart") {
        try {
          await o.client.restart(c.name, { includeTasks: true, onlyFailed: true });
          o.metrics.connectRestarts.inc({ connector: c.name });
          const next = restartDelayMs(track.restarts, c.autoRestart);
          o.logger.warn(
            { connector: c.name, restart: decision.restart, maxRestarts: c.autoRestart.maxRestarts, nextRestartInMs: next },
            `${c.name}: FAILED; restart ${decision.restart} of ${c.autoRestart.maxRestarts} (next one, if it fails again, in ${Math.round(next / 1000)} s)`,
          );
        } catch (err) {
          // Not counted: the worker did not take it; the next poll tries again.
          tracks.set(c.name, before ?? newTrack());
          o.logger.warn({ connector: c.name, err: (err as Error).message }, `${c.name}: restart request failed`);
        }
      }
    }
    return out;
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const loop = () => {
    if (stopped) return;
    running = tick()
      .catch((err: unknown) => o.logger.error({ err }, "connector supervisor poll failed"))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, o.pollMs);
      });
  };
  if (o.autoStart !== false) loop();

  return {
    tick,
    tracks: () => tracks,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
