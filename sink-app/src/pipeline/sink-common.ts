// What both sinks share: identity, dead letter handling, retries, metrics and logging.

import { type DecodedEvent, DecodeError, decodeRecord } from "../decode/envelope.js";
import type { DeliveryLogger } from "../delivery/http/types.js";
import type { ConsumedRecord, RecordProducer, RecordToProduce } from "../kafka/types.js";
import type { ActivityLog } from "../observability/activity.js";
import type { SinkMetrics } from "../observability/metrics.js";
import { type DeadLetterReason, deadLetterRecord } from "./dead-letter.js";
import { retryUntilDone } from "./retry.js";

export type SinkKind = "meter-master" | "api";

/** pino's Logger satisfies this. */
export type Logger = DeliveryLogger;

export interface SinkDeps {
  source: string;
  deadLetterTopic: string;
  producer: RecordProducer;
  metrics: SinkMetrics;
  logger: Logger;
  retry: { initialDelayMs: number; maxDelayMs: number };
  /** aborted when shutdown gives up on an in-flight batch */
  signal: AbortSignal;
  now?: () => Date;
  /** what the status page shows besides the metrics: last event, why it retries, last deliveries */
  activity?: ActivityLog;
}

/** Where a batch comes from, as its retries and logs name it: counted as its records are added. */
export class BatchOrigin {
  firstOffset: string | undefined = undefined;
  records = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  add(record: ConsumedRecord): void {
    this.records++;
    this.firstOffset ??= record.offset.toString();
  }

  /** The fields a retry warning carries. */
  context(): Record<string, unknown> {
    return { topic: this.topic, partition: this.partition, firstOffset: this.firstOffset, records: this.records };
  }
}

/** Dead letters of one batch: produced (acks=all) before the batch's offsets are committed. */
export class BatchDeadLetters {
  readonly #records: RecordToProduce[] = [];
  readonly #kinds: DeadLetterReason["kind"][] = [];

  constructor(private readonly ctx: SinkContext) {}

  add(record: ConsumedRecord, reason: Omit<DeadLetterReason, "sink">): void {
    const { kind, deps, labels } = this.ctx;
    deps.logger.warn(
      {
        sink: kind,
        source: deps.source,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset.toString(),
        reasonKind: reason.kind,
        reason: reason.message,
        httpStatus: reason.httpStatus,
        deadLetterTopic: deps.deadLetterTopic,
      },
      "record sent to the dead letter topic",
    );
    const full = { ...reason, sink: `${kind}.${deps.source}` };
    this.#records.push(deadLetterRecord(deps.deadLetterTopic, record, full, (deps.now ?? (() => new Date()))()));
    this.#kinds.push(reason.kind);
    deps.metrics.failures.inc({ ...labels, kind: reason.kind });
  }

  /** The decoded event, or undefined after dead-lettering an undecodable record. */
  decode(record: ConsumedRecord): DecodedEvent | undefined {
    try {
      const event = decodeRecord(record);
      this.ctx.deps.activity?.sawEvent(this.ctx.kind, this.ctx.deps.source, "sourceTsMs" in event ? event.sourceTsMs : null);
      return event;
    } catch (err) {
      this.add(record, { kind: "decode", message: (err as Error).message });
      return undefined;
    }
  }

  /**
   * A decoded event that cannot become what the sink writes. A key or before-image is decoded
   * when the mapping first reads it, so its DecodeError arrives here, and keeps its kind.
   */
  unmappable(record: ConsumedRecord, err: unknown): void {
    const undecodable = err instanceof DecodeError || (err instanceof Error && err.cause instanceof DecodeError);
    this.add(record, { kind: undecodable ? "decode" : "map", message: err instanceof Error ? err.message : String(err) });
  }

  /** Produce them, retrying until Kafka took them. */
  async flush(): Promise<void> {
    if (this.#records.length === 0) return;
    const { deps, labels } = this.ctx;
    await this.ctx.retry("producing to the dead letter topic", () => deps.producer.send(this.#records), { deadLetterTopic: deps.deadLetterTopic });
    for (const kind of this.#kinds) {
      deps.metrics.deadLettered.inc({ ...labels, kind });
      deps.metrics.eventsOut.inc({ ...labels, outcome: "dead_lettered" });
    }
  }
}

export class SinkContext {
  readonly labels: { sink: SinkKind; source: string };

  constructor(
    readonly kind: SinkKind,
    readonly deps: SinkDeps,
  ) {
    this.labels = { sink: kind, source: deps.source };
  }

  /** Dead letters of a new batch. */
  deadLetters(): BatchDeadLetters {
    return new BatchDeadLetters(this);
  }

  /** Retry `work` until it succeeds (or shutdown aborts), counting and logging each failure. */
  async retry<T>(what: string, work: () => Promise<T>, context: Record<string, unknown> = {}): Promise<T> {
    try {
      return await retryUntilDone(work, {
        ...this.deps.retry,
        signal: this.deps.signal,
        onRetry: (error, attempt, delayMs) => {
          this.deps.metrics.failures.inc({ ...this.labels, kind: "transient" });
          this.deps.metrics.retrying.set(this.labels, 1);
          this.deps.activity?.retrying(this.kind, this.deps.source, `${what}: ${error instanceof Error ? error.message : String(error)}`);
          this.deps.logger.warn(
            { sink: this.kind, source: this.deps.source, attempt, retryInMs: delayMs, err: error, ...context },
            `${what} failed; retrying (offsets stay uncommitted until it succeeds)`,
          );
        },
      });
    } finally {
      this.deps.metrics.retrying.set(this.labels, 0);
      this.deps.activity?.recovered(this.kind, this.deps.source);
    }
  }
}
