// The sink-app's composition root: one consumer group per sink and source, each with its own
// offsets, so a failing endpoint never holds back Meter Master (and the reverse). Everything with
// I/O is passed in; main.ts wires the real Kafka client, databases and HTTP.

import type { Registry } from "prom-client";
import { apiGroupId, deadLetterTopic, meterMasterGroupId, type SinkAppConfig, type SourceSettings } from "./config.js";
import { ConnectClient } from "./connect/client.js";
import { type ConnectSupervisor, createConnectSupervisor, type SupervisorOptions } from "./connect/supervisor.js";
import { createHttpDelivery, type HttpDelivery } from "./delivery/http/index.js";
import type { BatchConsumer, BatchHandler, KafkaClientFactory } from "./kafka/types.js";
import type { NamedSourceMapping } from "./mapping/map-event.js";
import type { MeterMasterStore } from "./meter-master/store.js";
import { ActivityLog } from "./observability/activity.js";
import type { Readiness } from "./observability/http-server.js";
import { createMetrics, type SinkMetrics } from "./observability/metrics.js";
import { buildStatus, type MetricJson, StatusHistory, type StatusSnapshot } from "./observability/status.js";
import { createApiHandler } from "./pipeline/api-sink.js";
import { createMeterMasterHandler } from "./pipeline/meter-master-sink.js";
import { abortableSleep, backoffDelay, retryUntilDone, ShutdownAbort } from "./pipeline/retry.js";
import type { Logger } from "./pipeline/sink-common.js";

export interface SinkAppDeps {
  kafka: KafkaClientFactory;
  /** null when the config disables the Meter Master sink */
  store: MeterMasterStore | null;
  logger: Logger;
  /** where endpoint secrets are read from; default process.env */
  env?: Record<string, string | undefined>;
  /** builds the HTTP delivery of one endpoint; default createHttpDelivery */
  delivery?: (source: SourceSettings) => HttpDelivery;
  registry?: Registry;
  /** how often consumer lag is refreshed into the metrics */
  lagIntervalMs?: number;
  /** Kafka Connect client of the connector supervisor; default a ConnectClient on cfg.connect.url */
  connect?: SupervisorOptions["client"];
  /** called as each batch starts, in every sink and source (main.ts: the idle memory trim) */
  onBatch?: () => void;
}

export interface RunningSinkApp {
  registry: Registry;
  metrics: SinkMetrics;
  readiness(): Promise<Readiness>;
  /** The whole pipeline on one screen, as data (served at /status and drawn at /). */
  status(): Promise<StatusSnapshot>;
  /**
   * Graceful stop: every consumer finishes (and commits) its in-flight batch, then leaves its
   * group. A batch still retrying after `graceMs` is abandoned uncommitted (it is redelivered).
   */
  stop(graceMs?: number): Promise<void>;
}

interface SinkWorker {
  name: string;
  sink: "meter-master" | "api";
  source: string;
  consumer: BatchConsumer;
  handler: BatchHandler;
  done: Promise<void>;
}

export async function startSinkApp(cfg: SinkAppConfig, deps: SinkAppDeps): Promise<RunningSinkApp> {
  const { logger } = deps;
  const { registry, metrics } = createMetrics(deps.registry);
  const activity = new ActivityLog();
  const shutdown = new AbortController();
  const retry = cfg.retry;

  // The target may still be starting (a fresh SQL Server takes a while): wait for it, as the
  // consumers would otherwise only fill the dead letter topic with nothing wrong in the events.
  if (deps.store && cfg.meterMaster.createTable) {
    const store = deps.store;
    await retryUntilDone(() => store.ensureTable(), {
      ...retry,
      signal: shutdown.signal,
      onRetry: (err, attempt, delayMs) =>
        logger.warn({ err, attempt, retryInMs: delayMs, target: cfg.meterMaster.kind }, "Meter Master table not ready; retrying"),
    });
  }

  const dlqTopics = new Set<string>();
  for (const source of cfg.sources) {
    if (deps.store) dlqTopics.add(deadLetterTopic(cfg.deadLetter.meterMasterTopic, source.name));
    if (source.endpoint?.enabled) dlqTopics.add(deadLetterTopic(cfg.deadLetter.apiTopic, source.name));
  }
  await retryUntilDone(() => deps.kafka.ensureTopics([...dlqTopics]), {
    ...retry,
    signal: shutdown.signal,
    onRetry: (err, attempt, delayMs) => logger.warn({ err, attempt, retryInMs: delayMs }, "Kafka not reachable; retrying"),
  });
  const producer = deps.kafka.producer();

  const workers: SinkWorker[] = [];
  const common = (source: SourceSettings) => ({
    source: source.name,
    producer,
    metrics,
    logger,
    retry,
    signal: shutdown.signal,
    activity,
  });
  const mappingOf = (source: string): NamedSourceMapping | undefined => {
    const m = cfg.mapping.sources[source];
    return m ? { ...m, sourceSystem: source } : undefined;
  };

  for (const source of cfg.sources) {
    if (deps.store) {
      const mapping = mappingOf(source.name);
      // config.ts's superRefine guarantees a mapping whenever Meter Master is enabled
      if (!mapping) throw new Error(`no Meter Master mapping for source "${source.name}"`);
      workers.push({
        name: `meter-master.${source.name}`,
        sink: "meter-master",
        source: source.name,
        consumer: deps.kafka.consumer({ groupId: meterMasterGroupId(cfg, source.name), topics: source.topics, batching: cfg.batching }),
        handler: createMeterMasterHandler({
          ...common(source),
          deadLetterTopic: deadLetterTopic(cfg.deadLetter.meterMasterTopic, source.name),
          mapping,
          store: deps.store,
          deleteMode: cfg.meterMaster.deleteMode,
        }),
        done: Promise.resolve(),
      });
    }
    const endpoint = source.endpoint;
    if (endpoint?.enabled) {
      const delivery =
        deps.delivery?.(source) ??
        createHttpDelivery(endpoint, {
          env: deps.env,
          logger: {
            debug: (o, m) => logger.debug({ source: source.name, ...o }, m),
            info: (o, m) => logger.info({ source: source.name, ...o }, m),
            warn: (o, m) => logger.warn({ source: source.name, ...o }, m),
            error: (o, m) => logger.error({ source: source.name, ...o }, m),
          },
        });
      workers.push({
        name: `api.${source.name}`,
        sink: "api",
        source: source.name,
        consumer: deps.kafka.consumer({ groupId: apiGroupId(cfg, source.name), topics: source.topics, batching: cfg.batching }),
        handler: createApiHandler({
          ...common(source),
          deadLetterTopic: deadLetterTopic(cfg.deadLetter.apiTopic, source.name),
          delivery,
          payload: endpoint.payload,
          mapping: mappingOf(source.name),
        }),
        done: Promise.resolve(),
      });
    }
  }

  const { onBatch } = deps;
  const handler = (worker: SinkWorker): BatchHandler =>
    onBatch
      ? (topic, partition) => {
          onBatch();
          return worker.handler(topic, partition);
        }
      : worker.handler;

  let stopping = false;
  // A consumer that fails (broker gone, group coordinator moved) is rejoined with backoff; its
  // uncommitted batch is simply consumed again. Other workers are not affected.
  const supervise = async (worker: SinkWorker): Promise<void> => {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await worker.consumer.run(handler(worker));
        if (stopping) return;
        logger.warn({ worker: worker.name }, "consumer ended unexpectedly; rejoining");
      } catch (err) {
        if (stopping || err instanceof ShutdownAbort) return;
        metrics.failures.inc({ sink: worker.sink, source: worker.source, kind: "consumer" });
        const delayMs = backoffDelay(attempt, retry.initialDelayMs, retry.maxDelayMs, Math.random);
        logger.error({ worker: worker.name, err, attempt, retryInMs: delayMs }, "consumer failed; rejoining after a pause");
        // Rejects only when shutdown aborts the pause: the loop then ends on `stopping`.
        await abortableSleep(delayMs, shutdown.signal).catch(() => undefined);
      }
    }
  };
  for (const worker of workers) {
    worker.done = supervise(worker);
    logger.info({ worker: worker.name, groupId: worker.consumer.groupId }, "consumer started");
  }

  const lagTimer = setInterval(() => {
    for (const w of workers) {
      w.consumer.lag().then(
        (lags) => {
          for (const l of lags) {
            metrics.consumerLag.set({ sink: w.sink, source: w.source, topic: l.topic, partition: String(l.partition) }, Number(l.lag));
          }
        },
        () => undefined, // lag is best effort; a failing broker shows up in readiness
      );
    }
  }, deps.lagIntervalMs ?? 10_000);
  lagTimer.unref();

  // The sink-app runs for the stack's life, so it also keeps the connectors healthy (README: Operating it).
  let supervisor: ConnectSupervisor | undefined;
  if (cfg.connect && cfg.connect.connectors.length > 0) {
    supervisor = createConnectSupervisor({
      client: deps.connect ?? new ConnectClient({ url: cfg.connect.url, retry: { totalMs: 5_000 } }),
      connectors: cfg.connect.connectors,
      owner: cfg.connect.owner,
      pollMs: cfg.connect.pollSeconds * 1000,
      metrics,
      logger: {
        info: (o, m) => logger.info({ component: "connect-supervisor", ...o }, m),
        warn: (o, m) => logger.warn({ component: "connect-supervisor", ...o }, m),
        error: (o, m) => logger.error({ component: "connect-supervisor", ...o }, m),
      },
    });
    logger.info({ url: cfg.connect.url, connectors: cfg.connect.connectors.map((c) => c.name) }, "connector supervisor started");
  }

  // The status page: charts sampled from the same counters /metrics shows; row counts only
  // while someone looks, at most every rowCountSeconds (a count is a scan of the table).
  const sinks = workers.map((w) => ({ sink: w.sink, source: w.source }));
  const metricValues = async () => (await registry.getMetricsAsJSON()) as unknown as MetricJson[];
  const history = new StatusHistory(Math.ceil(600 / cfg.status.sampleSeconds));
  const sampleTimer = setInterval(() => {
    metricValues().then(
      (values) => history.sample(Date.now(), sinks, values),
      (err: unknown) => logger.debug({ err }, "status sample failed"), // the next sample tries again
    );
  }, cfg.status.sampleSeconds * 1000);
  sampleTimer.unref();
  let rowCounts: { at: number; counts: Awaited<ReturnType<MeterMasterStore["counts"]>> | null; error: string | null; pending?: Promise<void> } = {
    at: 0,
    counts: null,
    error: null,
  };
  const refreshRowCounts = (): void => {
    const store = deps.store;
    if (!store || rowCounts.pending || Date.now() - rowCounts.at < cfg.status.rowCountSeconds * 1000) return;
    rowCounts.pending = store.counts().then(
      (counts) => {
        rowCounts = { at: Date.now(), counts, error: null };
      },
      // Shown on the page in words; the next refresh tries again.
      (err: unknown) => {
        rowCounts = { at: Date.now(), counts: rowCounts.counts, error: (err as Error).message };
      },
    );
  };

  async function status(): Promise<StatusSnapshot> {
    refreshRowCounts();
    return buildStatus({
      now: Date.now(),
      sources: cfg.sources.map((s) => s.name),
      sinks,
      connectors: cfg.connect?.connectors ?? [],
      metrics: await metricValues(),
      activity,
      rowCounts: rowCounts.counts,
      rowCountsError: rowCounts.error,
      history: history.points(),
      lagThresholdSeconds: cfg.status.lagThresholdSeconds,
    });
  }

  async function readiness(): Promise<Readiness> {
    const checks: Record<string, string> = {};
    for (const w of workers) checks[`consumer ${w.name}`] = w.consumer.isRunning() ? "ok" : "not joined";
    if (deps.store) {
      try {
        await Promise.race([deps.store.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error("no answer within 2 s")), 2_000).unref())]);
        checks[`meter-master ${deps.store.target}`] = "ok";
      } catch (err) {
        checks[`meter-master ${deps.store.target}`] = (err as Error).message;
      }
    }
    return { ready: !stopping && Object.values(checks).every((c) => c === "ok"), checks };
  }

  async function stop(graceMs = 20_000): Promise<void> {
    if (stopping) return;
    stopping = true;
    clearInterval(lagTimer);
    clearInterval(sampleTimer);
    await supervisor?.stop();
    const giveUp = setTimeout(() => shutdown.abort(), graceMs);
    try {
      await Promise.all(workers.map((w) => w.consumer.stop()));
      shutdown.abort(); // wake supervisors sleeping between rejoins
      await Promise.all(workers.map((w) => w.done));
    } finally {
      clearTimeout(giveUp);
      // Everything is committed by now; a connection that fails to close only delays the exit.
      const closeFailed = (what: string) => (err: unknown) => logger.warn({ err }, `closing ${what} failed; stopping anyway`);
      await producer.close().catch(closeFailed("the dead letter producer"));
      await deps.kafka.close().catch(closeFailed("the Kafka client"));
      await deps.store?.close().catch(closeFailed("the Meter Master connection"));
    }
  }

  return { registry, metrics, readiness, status, stop };
}
