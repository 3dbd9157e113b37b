// What both sinks share: identity, dead letter handling, retries, metrics and logging.

import { decodeRecord, type DecodedEvent } from "../decode/envelope.js";
import type { DeliveryLogger } from "../delivery/http/types.js";
import type { ConsumedRecord, RecordProducer, RecordToProduce } from "../kafka/types.js";
import type { SinkMetrics } from "../observability/metrics.js";
import { deadLetterRecord, type DeadLetterReason } from "./dead-letter.js";
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
}

export class SinkContext {
  readonly labels: { sink: SinkKind; source: string };
  readonly #dead: RecordToProduce[] = [];
  readonly #deadKinds: DeadLetterReason["kind"][] = [];

  constructor(
    readonly kind: SinkKind,
    readonly deps: SinkDeps,
  ) {
    this.labels = { sink: kind, source: deps.source };
  }

  /** Queue a record for the dead letter topic (sent before the batch's offsets are committed). */
  deadLetter(record: ConsumedRecord, reason: Omit<DeadLetterReason, "sink">): void {
    const full = { ...reason, sink: `${this.kind}.${this.deps.source}` };
    this.deps.logger.warn(
      {
        sink: this.kind,
        source: this.deps.source,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset.toString(),
        reasonKind: reason.kind,
        reason: reason.message,
        httpStatus: reason.httpStatus,
        deadLetterTopic: this.deps.deadLetterTopic,
      },
      "record sent to the dead letter topic",
    );
    this.#dead.push(deadLetterRecord(this.deps.deadLetterTopic, record, full, (this.deps.now ?? (() => new Date()))()));
    this.#deadKinds.push(reason.kind);
    this.deps.metrics.failures.inc({ ...this.labels, kind: reason.kind });
  }

  /** The decoded event, or undefined after sending an undecodable record to the dead letter topic. */
  decode(record: ConsumedRecord): DecodedEvent | undefined {
    try {
      return decodeRecord(record);
    } catch (err) {
      this.deadLetter(record, { kind: "decode", message: (err as Error).message });
      return undefined;
    }
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
          this.deps.logger.warn(
            { sink: this.kind, source: this.deps.source, attempt, retryInMs: delayMs, err: error, ...context },
            `${what} failed; retrying (offsets stay uncommitted until it succeeds)`,
          );
        },
      });
    } finally {
      this.deps.metrics.retrying.set(this.labels, 0);
    }
  }

  /** Produce queued dead letters (acks=all), retrying until Kafka took them. */
  async flushDeadLetters(): Promise<void> {
    if (this.#dead.length === 0) return;
    const records = this.#dead.splice(0);
    const kinds = this.#deadKinds.splice(0);
    await this.retry("producing to the dead letter topic", () => this.deps.producer.send(records), { deadLetterTopic: this.deps.deadLetterTopic });
    for (const kind of kinds) {
      this.deps.metrics.deadLettered.inc({ ...this.labels, kind });
      this.deps.metrics.eventsOut.inc({ ...this.labels, outcome: "dead_lettered" });
    }
  }
}
