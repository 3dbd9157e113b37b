// Makes Kafka Connect match the declared connectors: PUT each config that
// differs (same config twice changes nothing), bring each connector to its
// declared state (running, paused, stopped; a new one is created directly in
// it), wait until it is there, and remove connectors this package created
// earlier but no longer declares. Connectors without our ownership marker are
// never touched.
import type { ConnectClient, ConnectorOverview, ConnectorStatus, RetryPolicy } from "./client.js";
import { type ConnectorState, type DesiredConnectors, OWNER_KEY, PG_DROP_SLOT_KEY } from "./desired.js";
import type { PostgresCleanupResult } from "./postgres-cleanup.js";

const POSTGRES_CLASS = "io.debezium.connector.postgresql.PostgresConnector";

export interface ReconcileOptions {
  /** How long one connector may take to reach RUNNING (connector and every task), in ms. Default 180000. */
  runningTimeoutMs?: number;
  /** RUNNING must hold this long before it counts, so a task that fails right after starting is caught. Default 3000. */
  settleMs?: number;
  pollMs?: number;
  /** Budget for waiting until Connect answers at all. */
  readiness?: Partial<RetryPolicy>;
  /** Keep replication slots and publications of removed PostgreSQL connectors. */
  keepPostgresSlots?: boolean;
  /** Drops a removed PostgreSQL connector's slot and publication; defaults to the pg-based adapter. */
  dropPostgresSlot?: (config: Record<string, string>) => Promise<PostgresCleanupResult>;
  /**
   * After reconcile restarts a FAILED connector or updates its config, how long status may still
   * show the failure from before (same trace) without it counting, in ms: Connect restarts
   * asynchronously. A part seen in another state or with another trace since is judged at once.
   * @default 30000
   */
  restartGraceMs?: number;
  /** Progress lines (one per step). */
  log?: (line: string) => void;
}

export interface ReconcileResult {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
  /** Connectors found PAUSED or STOPPED and resumed because they are declared running. */
  resumed: string[];
  /** Connectors paused because they are declared paused. */
  paused: string[];
  /** Connectors stopped because they are declared stopped. */
  stopped: string[];
  slotsDropped: string[];
}

/** A connector did not reach RUNNING; carries the connector's or task's stack trace. */
export class ReconcileError extends Error {
  constructor(
    message: string,
    readonly connector: string,
    readonly trace?: string,
  ) {
    super(trace ? `${message}\n${trace}` : message);
    this.name = "ReconcileError";
  }
}

export function sameConfig(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

export function isOwnedBy(config: Record<string, string> | undefined, owner: string): boolean {
  return config?.[OWNER_KEY] === owner;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a failure seen before a restart or config update may still show before it counts, in ms. */
export const DEFAULT_RESTART_GRACE_MS = 30_000;
/** Poll interval while a stale failure shows, short enough to see a restart's brief RESTARTING state. */
const STALE_POLL_MS = 200;

/** The calls reconcile makes; ConnectClient is the real one. */
export type ReconcileClient = Pick<ConnectClient, "url" | "waitUntilReady" | "listConnectors" | "putConfig" | "restart" | "status" | "delete"> &
  Partial<Pick<ConnectClient, "create" | "pause" | "resume" | "stop">>;

/** The Kafka Connect state a declared state means. */
export const CONNECT_STATE: Record<ConnectorState, "RUNNING" | "PAUSED" | "STOPPED"> = { running: "RUNNING", paused: "PAUSED", stopped: "STOPPED" };

/**
 * The call that takes a connector from its current Kafka Connect state to the declared one, if any.
 * FAILED and the other states of a running connector need none here: a declared-running one that
 * FAILED is restarted separately, and paused or stopped apply to a FAILED connector as to any.
 */
export function stateTransition(actual: string, declared: ConnectorState): "resume" | "pause" | "stop" | undefined {
  if (declared === "running") return actual === "PAUSED" || actual === "STOPPED" ? "resume" : undefined;
  if (declared === "paused") return actual === "PAUSED" ? undefined : "pause";
  return actual === "STOPPED" ? undefined : "stop";
}

/** Whether a status shows the declared held state reached: connector PAUSED with no task running, or STOPPED with no tasks. */
export function isInHeldState(s: ConnectorStatus, declared: "paused" | "stopped"): boolean {
  if (declared === "stopped") return s.connector.state === "STOPPED" && s.tasks.length === 0;
  return s.connector.state === "PAUSED" && s.tasks.every((t) => t.state === "PAUSED" || t.state === "FAILED");
}

function need<K extends "create" | "pause" | "resume" | "stop">(client: ReconcileClient, k: K): NonNullable<ReconcileClient[K]> {
  const f = client[k];
  if (!f) throw new Error(`reconcile: this client cannot ${k} connectors`);
  return f.bind(client) as NonNullable<ReconcileClient[K]>;
}

/** One FAILED part of a connector: the connector itself or one of its tasks. */
export interface PartFailure {
  /** "connector" or "task <id>": the same part across polls. */
  part: string;
  what: string;
  trace?: string;
}

/** Every FAILED part of a status, the connector first. */
export function failedParts(s: ConnectorStatus): PartFailure[] {
  const parts: PartFailure[] = [];
  if (s.connector.state === "FAILED")
    parts.push({ part: "connector", what: `connector ${s.name} FAILED on ${s.connector.worker_id}`, trace: s.connector.trace });
  for (const t of s.tasks) {
    if (t.state === "FAILED") parts.push({ part: `task ${t.id}`, what: `task ${s.name}-${t.id} FAILED on ${t.worker_id}`, trace: t.trace });
  }
  return parts;
}

/** A restart or config update reconcile issued, and what was FAILED when it did. */
export interface IssuedRestart {
  kind: "restart" | "config update";
  /** Date.now() when Connect accepted it. */
  at: number;
  failedBefore: PartFailure[];
}

/**
 * What the failures in one status poll mean. Connect restarts parts asynchronously (after a
 * restart request and after a PUT of a changed config), so for a moment status still shows the
 * old failure. A part FAILED with the same trace as before is stale, not final, until it is seen
 * in another state or with another trace (from then on it is no longer stale: failing again is
 * final) or the grace period is over. Returns the failure that ends the wait, if any, and the
 * parts still stale.
 */
export function judgeFailures(
  s: ConnectorStatus,
  stale: readonly PartFailure[],
  graceOver: boolean,
): { final?: PartFailure & { stale: boolean }; stale: PartFailure[] } {
  const failed = failedParts(s);
  const stillStale = stale.filter((b) => failed.some((f) => f.part === b.part && f.trace === b.trace));
  const fresh = failed.find((f) => !stillStale.some((b) => b.part === f.part));
  if (fresh) return { final: { ...fresh, stale: false }, stale: stillStale };
  const stillShown = failed.find((f) => f.part === stillStale[0]?.part);
  if (graceOver && stillShown) return { final: { ...stillShown, stale: true }, stale: stillStale };
  return { stale: stillStale };
}

const isRunning = (s: ConnectorStatus) => s.connector.state === "RUNNING" && s.tasks.length > 0 && s.tasks.every((t) => t.state === "RUNNING");
const isHeld = (s: ConnectorStatus) => s.connector.state === "PAUSED" || s.connector.state === "STOPPED";

export interface WaitOptions {
  timeoutMs: number;
  settleMs: number;
  pollMs: number;
  /** The restart or config update this wait follows: its earlier failures are stale for a while. */
  after?: IssuedRestart;
  /** @default DEFAULT_RESTART_GRACE_MS */
  restartGraceMs?: number;
  /** Return when the connector is PAUSED or STOPPED (default true); false keeps waiting for RUNNING until the timeout. */
  heldIsFinal?: boolean;
  log?: (line: string) => void;
}

/** Polls status until RUNNING holds for settleMs; throws ReconcileError on a final FAILED or timeout. */
export async function waitUntilRunning(client: Pick<ConnectClient, "status">, name: string, opts: WaitOptions): Promise<"RUNNING" | "PAUSED" | "STOPPED"> {
  const deadline = Date.now() + opts.timeoutMs;
  // The grace runs from when the restart was accepted, not from when this wait began.
  const graceEnd = Math.min(deadline, (opts.after?.at ?? 0) + (opts.restartGraceMs ?? DEFAULT_RESTART_GRACE_MS));
  let stale = opts.after?.failedBefore ?? [];
  let saidStale = false;
  let runningSince: number | undefined;
  let last: ConnectorStatus | undefined;
  for (;;) {
    // 404 right after PUT just means the status is not written yet.
    last = await client.status(name, { retryNotFound: true, retry: { totalMs: Math.max(1000, deadline - Date.now()) } });
    // One clock reading per poll: the grace ends no later than the deadline, so a stale failure
    // at the deadline is reported as itself, never as a plain timeout.
    const now = Date.now();
    const judged = judgeFailures(last, stale, now >= graceEnd);
    stale = judged.stale;
    if (judged.final?.stale) {
      const ago = Math.round((Date.now() - opts.after!.at) / 1000);
      throw new ReconcileError(
        `${judged.final.what} with the same failure as before the ${opts.after!.kind} ${ago} s ago (it failed again, or never restarted)`,
        name,
        judged.final.trace,
      );
    }
    if (judged.final) throw new ReconcileError(judged.final.what, name, judged.final.trace);
    if (stale.length > 0 && !saidStale) {
      saidStale = true;
      opts.log?.(
        `${name}: status still shows the failure from before the ${opts.after!.kind}; waiting up to ${Math.round((graceEnd - Date.now()) / 1000)} s for it to take effect`,
      );
    }
    // Declared running: a PAUSED or STOPPED status right after reconcile's resume is not the outcome yet.
    if (isHeld(last) && opts.heldIsFinal !== false) return last.connector.state as "PAUSED" | "STOPPED";
    if (isRunning(last)) {
      runningSince ??= Date.now();
      if (Date.now() - runningSince >= opts.settleMs) return "RUNNING";
    } else runningSince = undefined;
    if (now >= deadline) {
      const states = `connector ${last.connector.state}, tasks [${last.tasks.map((t) => `${t.id}:${t.state}`).join(", ") || "none yet"}]`;
      throw new ReconcileError(`connector ${name} did not reach RUNNING within ${Math.round(opts.timeoutMs / 1000)} s (${states})`, name);
    }
    await sleep(stale.length > 0 ? Math.min(opts.pollMs, STALE_POLL_MS) : opts.pollMs);
  }
}

/** Polls status until the connector is in its declared paused or stopped state; throws ReconcileError on timeout. */
export async function waitUntilHeld(
  client: Pick<ConnectClient, "status">,
  name: string,
  declared: "paused" | "stopped",
  opts: { timeoutMs: number; pollMs: number },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const last = await client.status(name, { retryNotFound: true, retry: { totalMs: Math.max(1000, deadline - Date.now()) } });
    if (isInHeldState(last, declared)) return;
    if (Date.now() >= deadline) {
      const states = `connector ${last.connector.state}, tasks [${last.tasks.map((t) => `${t.id}:${t.state}`).join(", ") || "none"}]`;
      throw new ReconcileError(
        `connector ${name} did not reach its declared state ${CONNECT_STATE[declared]} within ${Math.round(opts.timeoutMs / 1000)} s (${states})`,
        name,
      );
    }
    await sleep(opts.pollMs);
  }
}

/** Waits until GET status answers 404 (the connector is gone), bounded. */
async function waitUntilGone(client: Pick<ConnectClient, "status">, name: string, timeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await client.status(name);
    } catch (err) {
      if ((err as { status?: number }).status === 404) return;
      throw err;
    }
    await sleep(pollMs);
  }
  throw new ReconcileError(`connector ${name} was deleted but still reported after ${Math.round(timeoutMs / 1000)} s`, name);
}

export async function reconcile(desired: DesiredConnectors, client: ReconcileClient, opts: ReconcileOptions = {}): Promise<ReconcileResult> {
  const log = opts.log ?? (() => {});
  const wait = {
    timeoutMs: opts.runningTimeoutMs ?? 180_000,
    settleMs: opts.settleMs ?? 3000,
    pollMs: opts.pollMs ?? 1000,
    restartGraceMs: opts.restartGraceMs,
    log,
  };
  const result: ReconcileResult = { created: [], updated: [], unchanged: [], deleted: [], resumed: [], paused: [], stopped: [], slotsDropped: [] };
  const owner = desired.owner;

  log(`waiting for Kafka Connect at ${client.url}`);
  await client.waitUntilReady(opts.readiness);
  const existing: Record<string, ConnectorOverview> = await client.listConnectors();

  // Refuse before changing anything: never overwrite a connector someone else created.
  for (const c of desired.connectors) {
    const cur = existing[c.name];
    if (cur && !isOwnedBy(cur.info.config, owner)) {
      const by = cur.info.config[OWNER_KEY];
      throw new ReconcileError(
        `connector ${c.name} already exists in Kafka Connect but was not created by this deployment (${OWNER_KEY}=${by ?? "unset"}, expected ${owner}); rename ours or delete that one by hand`,
        c.name,
      );
    }
  }

  // What was FAILED when we restarted or updated a connector: status may show it a while longer.
  const issued = new Map<string, IssuedRestart>();
  for (const c of desired.connectors) {
    const cur = existing[c.name];
    const state: ConnectorState = c.state ?? "running";
    const failedBefore = cur ? failedParts(cur.status) : [];
    if (!cur && state !== "running") {
      // Created directly in its declared state: a declared pause or stop never runs a task first.
      await need(client, "create")(c.name, c.config, CONNECT_STATE[state]);
      result.created.push(c.name);
      log(`${c.name}: created ${state}`);
      continue;
    }
    // Same config but failed earlier (e.g. the database was down): one restart of what failed, once it may run.
    let restartFailed = false;
    if (cur && sameConfig(cur.info.config, c.config)) {
      result.unchanged.push(c.name);
      restartFailed = failedBefore.length > 0 && state === "running";
      if (!restartFailed) log(`${c.name}: unchanged`);
    } else {
      await client.putConfig(c.name, c.config);
      if (failedBefore.length > 0) issued.set(c.name, { kind: "config update", at: Date.now(), failedBefore });
      (cur ? result.updated : result.created).push(c.name);
      log(`${c.name}: ${cur ? "config updated" : "created"}`);
    }
    const move = cur ? stateTransition(cur.status.connector.state, state) : undefined;
    if (move) {
      await need(client, move)(c.name);
      (move === "resume" ? result.resumed : move === "pause" ? result.paused : result.stopped).push(c.name);
      log(`${c.name}: was ${cur!.status.connector.state}, declared ${state}: ${move} requested`);
    }
    if (restartFailed) {
      log(`${c.name}: unchanged but FAILED; restarting failed parts`);
      await client.restart(c.name, { includeTasks: true, onlyFailed: true });
      issued.set(c.name, { kind: "restart", at: Date.now(), failedBefore });
    }
  }

  for (const c of desired.connectors) {
    const state: ConnectorState = c.state ?? "running";
    if (state !== "running") {
      log(`${c.name}: waiting for it to be ${CONNECT_STATE[state]} as declared`);
      await waitUntilHeld(client, c.name, state, wait);
      log(`${c.name}: ${CONNECT_STATE[state]} as declared`);
      continue;
    }
    log(`${c.name}: waiting for connector and tasks to be RUNNING`);
    await waitUntilRunning(client, c.name, { ...wait, after: issued.get(c.name), heldIsFinal: false });
    log(`${c.name}: RUNNING`);
  }

  const declared = new Set(desired.connectors.map((c) => c.name));
  for (const [name, cur] of Object.entries(existing)) {
    if (declared.has(name) || !isOwnedBy(cur.info.config, owner)) continue;
    log(`${name}: no longer declared; deleting`);
    await client.delete(name);
    await waitUntilGone(client, name, wait.timeoutMs, wait.pollMs);
    result.deleted.push(name);
    log(`${name}: deleted`);
    const cfg = cur.info.config;
    if (cfg["connector.class"] === POSTGRES_CLASS && cfg[PG_DROP_SLOT_KEY] === "true") {
      const slot = cfg["slot.name"] ?? "debezium";
      if (opts.keepPostgresSlots) {
        log(`${name}: keeping replication slot ${slot} as told; drop it when done: SELECT pg_drop_replication_slot('${slot}');`);
        continue;
      }
      const drop = opts.dropPostgresSlot ?? (await import("./postgres-cleanup.js")).dropPostgresSlotAndPublication;
      try {
        const r = await drop(cfg);
        result.slotsDropped.push(name);
        log(`${name}: replication slot ${slot} ${r.slot}; publication ${cfg["publication.name"] ?? "dbz_publication"} ${r.publication}`);
      } catch (err) {
        throw new ReconcileError(
          `${name}: deleted, but its replication slot ${slot} on ${cfg["database.hostname"]}:${cfg["database.port"]}/${cfg["database.dbname"]} could not be dropped (${(err as Error).message}). ` +
            `The server keeps WAL for it until you run: SELECT pg_drop_replication_slot('${slot}');`,
          name,
        );
      }
    }
  }
  return result;
}
