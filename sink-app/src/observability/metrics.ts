// Prometheus metrics of the pipelines (prom-client). Labels: sink (meter-master | api) and source.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface SinkMetrics {
  eventsIn: Counter<"sink" | "source">;
  eventsOut: Counter<"sink" | "source" | "outcome">;
  failures: Counter<"sink" | "source" | "kind">;
  deadLettered: Counter<"sink" | "source" | "kind">;
  consumerLag: Gauge<"sink" | "source" | "topic" | "partition">;
  batchDuration: Histogram<"sink" | "source">;
  retrying: Gauge<"sink" | "source">;
  /** Kafka Connect, as the connector supervisor sees it (connect/supervisor.ts). */
  connectState: Gauge<"connector" | "task" | "state">;
  connectRestarts: Counter<"connector">;
  connectBudgetExhausted: Gauge<"connector">;
}

export function createMetrics(registry = new Registry()): { registry: Registry; metrics: SinkMetrics } {
  collectDefaultMetrics({ register: registry, prefix: "sink_app_" });
  const metrics: SinkMetrics = {
    eventsIn: new Counter({
      name: "sink_events_in_total",
      help: "Kafka records consumed, per sink and source",
      labelNames: ["sink", "source"],
      registers: [registry],
    }),
    eventsOut: new Counter({
      name: "sink_events_out_total",
      help: "Records handled, by outcome: written (Meter Master), delivered (API), skipped (tombstones, disabled endpoint), dead_lettered",
      labelNames: ["sink", "source", "outcome"],
      registers: [registry],
    }),
    failures: new Counter({
      name: "sink_failures_total",
      help: "Failures: transient (batch retried) or per-record (decode, map, rejected)",
      labelNames: ["sink", "source", "kind"],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: "sink_dead_letter_total",
      help: "Records sent to the dead letter topic, by reason kind",
      labelNames: ["sink", "source", "kind"],
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: "sink_consumer_lag",
      help: "Records between the committed offset and the end of the partition",
      labelNames: ["sink", "source", "topic", "partition"],
      registers: [registry],
    }),
    batchDuration: new Histogram({
      name: "sink_batch_duration_seconds",
      help: "Time from a partition batch's first record to its write done: preparing, waiting for the write before it, retries included",
      labelNames: ["sink", "source"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    retrying: new Gauge({
      name: "sink_retrying",
      help: "1 while a sink retries a failed batch (target or endpoint unavailable)",
      labelNames: ["sink", "source"],
      registers: [registry],
    }),
    connectState: new Gauge({
      name: "sink_connect_state",
      help: "1 for the state each supervised connector (task=connector) and task is in, 0 for the others; ABSENT when the worker does not have it",
      labelNames: ["connector", "task", "state"],
      registers: [registry],
    }),
    connectRestarts: new Counter({
      name: "sink_connect_restarts_total",
      help: "Restarts of FAILED connectors and tasks the supervisor issued",
      labelNames: ["connector"],
      registers: [registry],
    }),
    connectBudgetExhausted: new Gauge({
      name: "sink_connect_restart_budget_exhausted",
      help: "1 when a connector is still FAILED after its restart budget (autoRestart.maxRestarts): a person must look",
      labelNames: ["connector"],
      registers: [registry],
    }),
  };
  return { registry, metrics };
}
