// The pipeline on one screen, as data: every source with its connector, every sink with its
// throughput, lag, failures and last deliveries, and whether anything needs a person, in words.
// Pure: it reads the same metrics /metrics exposes, the activity log and the row counts it is
// given; service.ts samples and serves it (/status, /status/events, and the page at /).

import type { ActivityLog, DeliveryEntry, SinkKind } from "./activity.js";

/** prom-client's getMetricsAsJSON() shape, only what is read here. */
export interface MetricJson {
  name: string;
  values: Array<{ labels: Record<string, string | number>; value: number }>;
}

export type Level = "ok" | "warn" | "red";

export interface ConnectorView {
  name: string;
  declared: "running" | "paused" | "stopped";
  /** Connector state on the worker; ABSENT when it does not have it, UNKNOWN before the first poll. */
  state: string;
  tasks: Array<{ id: string; state: string }>;
  restarts: number;
  budgetExhausted: boolean;
  level: Level;
  reason: string | null;
}

export interface SinkView {
  sink: SinkKind;
  source: string;
  eventsIn: number;
  eventsOut: number;
  /** Per second over the last sample interval. */
  inPerSecond: number;
  outPerSecond: number;
  lagRecords: number;
  /** Newest processed event's age when records are waiting; 0 when caught up; null before any event. */
  lagSeconds: number | null;
  failures: number;
  deadLettered: number;
  retrying: boolean;
  lastError: string | null;
  level: Level;
  reason: string | null;
  /** API sinks: the last deliveries, newest first. */
  deliveries?: DeliveryEntry[];
  /** Meter Master sinks: rows of this source (null while unknown). */
  rows?: { live: number; deleted: number } | null;
}

export interface SourceView {
  name: string;
  connector: ConnectorView | null;
  /** Commit time in the source of the newest change any sink saw, ISO; null before any. */
  lastChangeAt: string | null;
  lastChangeAgeSeconds: number | null;
  /** How long that change took from the source's commit to the sink-app, in ms. */
  captureDelayMs: number | null;
}

export interface HistoryPoint {
  t: number;
  /** Per sink ("meter-master.postgres"): events in and out per second, and lag in records. */
  sinks: Record<string, { inPerSecond: number; outPerSecond: number; lagRecords: number }>;
}

export interface StatusSnapshot {
  generatedAt: string;
  level: Level;
  /** Everything that is red or amber, in words. */
  problems: string[];
  sources: SourceView[];
  /** Connectors this deployment owns that are not a source's (HTTP sink connectors). */
  otherConnectors: ConnectorView[];
  sinks: SinkView[];
  rowCountsError: string | null;
  history: HistoryPoint[];
  thresholds: { lagSeconds: number };
}

export interface StatusInputs {
  now: number;
  sources: readonly string[];
  sinks: ReadonlyArray<{ sink: SinkKind; source: string }>;
  /** Declared connectors; absent when the supervisor is off. */
  connectors: ReadonlyArray<{ name: string; state: "running" | "paused" | "stopped" }>;
  metrics: readonly MetricJson[];
  activity: ActivityLog;
  rowCounts: ReadonlyArray<{ sourceSystem: string; live: number; deleted: number }> | null;
  rowCountsError: string | null;
  history: readonly HistoryPoint[];
  lagThresholdSeconds: number;
}

const sinkId = (s: { sink: SinkKind; source: string }) => `${s.sink}.${s.source}`;

function sum(metrics: readonly MetricJson[], name: string, match: Record<string, string>): number {
  const m = metrics.find((x) => x.name === name);
  if (!m) return 0;
  return m.values.filter((v) => Object.entries(match).every(([k, want]) => String(v.labels[k]) === want)).reduce((a, v) => a + v.value, 0);
}

function connectorView(c: StatusInputs["connectors"][number], metrics: readonly MetricJson[]): ConnectorView {
  const state = metrics.find((m) => m.name === "sink_connect_state");
  const current = (state?.values ?? []).filter((v) => v.labels.connector === c.name && v.value === 1);
  const connectorState = current.find((v) => v.labels.task === "connector")?.labels.state;
  const tasks = current
    .filter((v) => v.labels.task !== "connector")
    .map((v) => ({ id: String(v.labels.task), state: String(v.labels.state) }))
    .sort((a, b) => Number(a.id) - Number(b.id));
  const restarts = sum(metrics, "sink_connect_restarts_total", { connector: c.name });
  const budgetExhausted = sum(metrics, "sink_connect_restart_budget_exhausted", { connector: c.name }) > 0;
  const view: ConnectorView = {
    name: c.name,
    declared: c.state,
    state: connectorState ? String(connectorState) : "UNKNOWN",
    tasks,
    restarts,
    budgetExhausted,
    level: "ok",
    reason: null,
  };
  const failed = [...(view.state === "FAILED" ? ["the connector"] : []), ...tasks.filter((t) => t.state === "FAILED").map((t) => `task ${t.id}`)];
  if (failed.length > 0) {
    view.level = "red";
    view.reason = `${failed.join(" and ")} FAILED${budgetExhausted ? "; restart budget spent, restart it by hand once the cause is fixed" : restarts > 0 ? `; restarted ${restarts} time(s) so far` : ""}`;
  } else if (view.state === "ABSENT") {
    view.level = "red";
    view.reason = "not registered on the worker";
  } else if (view.state !== "UNKNOWN" && view.state.toLowerCase() !== c.state) {
    view.level = "warn";
    view.reason = `declared ${c.state}, but ${view.state} on the worker`;
  }
  return view;
}

function sinkView(s: StatusInputs["sinks"][number], input: StatusInputs): SinkView {
  const labels = { sink: s.sink, source: s.source };
  const activity = input.activity.sink(s.sink, s.source);
  const last = input.history.at(-1)?.sinks[sinkId(s)];
  const lagRecords = sum(input.metrics, "sink_consumer_lag", labels);
  const lagSeconds =
    lagRecords === 0
      ? activity.lastEventAt === null
        ? null
        : 0
      : activity.lastEventSourceTsMs === null
        ? null
        : Math.max(0, (input.now - activity.lastEventSourceTsMs) / 1000);
  const view: SinkView = {
    ...labels,
    eventsIn: sum(input.metrics, "sink_events_in_total", labels),
    eventsOut: sum(input.metrics, "sink_events_out_total", labels),
    inPerSecond: last?.inPerSecond ?? 0,
    outPerSecond: last?.outPerSecond ?? 0,
    lagRecords,
    lagSeconds,
    failures: sum(input.metrics, "sink_failures_total", labels),
    deadLettered: sum(input.metrics, "sink_dead_letter_total", labels),
    retrying: sum(input.metrics, "sink_retrying", labels) > 0,
    lastError: activity.lastError,
    level: "ok",
    reason: null,
  };
  if (view.retrying) {
    const since = activity.retryingSince === null ? "" : ` for ${Math.round((input.now - activity.retryingSince) / 1000)} s`;
    view.level = "red";
    view.reason = `retrying${since}: ${activity.lastError ?? "a failed batch"}`;
  } else if (lagSeconds !== null && lagSeconds > input.lagThresholdSeconds) {
    view.level = "red";
    view.reason = `lagging ${Math.round(lagSeconds)} s behind the source (threshold ${input.lagThresholdSeconds} s), ${lagRecords} record(s) waiting`;
  } else if (view.deadLettered > 0) {
    view.level = "warn";
    view.reason = `${view.deadLettered} record(s) in the dead letter topic (npm run connectors -- dlq list)`;
  }
  if (s.sink === "api") view.deliveries = input.activity.deliveries(s.source);
  if (s.sink === "meter-master") {
    const c = input.rowCounts?.find((r) => r.sourceSystem === s.source);
    view.rows = input.rowCounts === null ? null : { live: c?.live ?? 0, deleted: c?.deleted ?? 0 };
  }
  return view;
}

export function buildStatus(input: StatusInputs): StatusSnapshot {
  const connectors = input.connectors.map((c) => connectorView(c, input.metrics));
  const sinks = input.sinks.map((s) => sinkView(s, input));
  const sources: SourceView[] = input.sources.map((name) => {
    const mine = input.sinks.filter((s) => s.source === name).map((s) => input.activity.sink(s.sink, s.source));
    const newest = mine.reduce<{ ts: number; at: number } | null>((best, a) => {
      if (a.lastEventSourceTsMs === null || a.lastEventAt === null) return best;
      return best === null || a.lastEventSourceTsMs > best.ts ? { ts: a.lastEventSourceTsMs, at: a.lastEventAt } : best;
    }, null);
    return {
      name,
      connector: connectors.find((c) => c.name === name) ?? null,
      lastChangeAt: newest ? new Date(newest.ts).toISOString() : null,
      lastChangeAgeSeconds: newest ? Math.max(0, Math.round((input.now - newest.ts) / 1000)) : null,
      captureDelayMs: newest ? Math.max(0, newest.at - newest.ts) : null,
    };
  });
  const otherConnectors = connectors.filter((c) => !input.sources.includes(c.name));
  const problems = [
    ...connectors.filter((c) => c.level !== "ok").map((c) => `connector ${c.name}: ${c.reason}`),
    ...sinks.filter((s) => s.level !== "ok").map((s) => `${s.sink === "api" ? "API endpoint" : "Meter Master"} of ${s.source}: ${s.reason}`),
    ...(input.rowCountsError ? [`Meter Master row counts: ${input.rowCountsError}`] : []),
  ];
  const levels = [...connectors, ...sinks].map((x) => x.level);
  return {
    generatedAt: new Date(input.now).toISOString(),
    level: levels.includes("red") ? "red" : levels.includes("warn") || input.rowCountsError ? "warn" : "ok",
    problems,
    sources,
    otherConnectors,
    sinks,
    rowCountsError: input.rowCountsError,
    history: [...input.history],
    thresholds: { lagSeconds: input.lagThresholdSeconds },
  };
}

/** Samples the counters every interval into a bounded history, for the page's charts. */
export class StatusHistory {
  readonly #points: HistoryPoint[] = [];
  #lastTotals = new Map<string, number>();
  #lastT: number | null = null;

  constructor(private readonly keep = 120) {}

  sample(now: number, sinks: ReadonlyArray<{ sink: SinkKind; source: string }>, metrics: readonly MetricJson[]): void {
    const point: HistoryPoint = { t: now, sinks: {} };
    const seconds = this.#lastT === null ? 0 : (now - this.#lastT) / 1000;
    const rate = (id: string, total: number) => {
      const before = this.#lastTotals.get(id);
      this.#lastTotals.set(id, total);
      return before === undefined || seconds <= 0 ? 0 : Math.max(0, (total - before) / seconds);
    };
    for (const s of sinks) {
      const id = sinkId(s);
      const labels = { sink: s.sink, source: s.source };
      point.sinks[id] = {
        inPerSecond: rate(`${id} in`, sum(metrics, "sink_events_in_total", labels)),
        outPerSecond: rate(`${id} out`, sum(metrics, "sink_events_out_total", labels)),
        lagRecords: sum(metrics, "sink_consumer_lag", labels),
      };
    }
    this.#lastT = now;
    this.#points.push(point);
    if (this.#points.length > this.keep) this.#points.shift();
  }

  points(): readonly HistoryPoint[] {
    return this.#points;
  }
}

/** What /status says before the consumers are up. */
export function startingStatus(now: number, lagThresholdSeconds: number): StatusSnapshot {
  return {
    generatedAt: new Date(now).toISOString(),
    level: "warn",
    problems: ["sink-app starting: connecting to Kafka and the Meter Master target"],
    sources: [],
    otherConnectors: [],
    sinks: [],
    rowCountsError: null,
    history: [],
    thresholds: { lagSeconds: lagThresholdSeconds },
  };
}
