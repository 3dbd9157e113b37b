// BatchConsumer / RecordProducer on @platformatic/kafka (pure TypeScript client; see README for
// why this client). Offsets are committed explicitly, only after the handler resolved, and at
// most once per commitIntervalMs.

import { Admin, Consumer, type Message, Producer } from "@platformatic/kafka";
import type {
  BatchConsumer,
  BatchHandler,
  BatchingOptions,
  ConsumedRecord,
  KafkaClientFactory,
  PartitionBatch,
  RecordProducer,
  RecordToProduce,
} from "./types.js";

export interface PlatformaticOptions {
  brokers: string[];
  clientId: string;
  sessionTimeoutMs: number;
}

type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

function toRecord(message: RawMessage): ConsumedRecord {
  const headers: Array<[string, Buffer | null]> = [];
  for (const [name, value] of message.headers) headers.push([name.toString("utf8"), value ?? null]);
  const value = message.value as Buffer | null | undefined;
  const key = message.key as Buffer | null | undefined;
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: key && key.length > 0 ? key : null,
    value: value && value.length > 0 ? value : null,
    headers,
    timestamp: message.timestamp,
  };
}

/**
 * Upper bound of one fetch response, in bytes as stored: compressed, since Connect's producer
 * writes lz4 batches (~335-360 bytes per Debezium change instead of ~4.6 KB; README, Benchmarks),
 * so this is ~270-290 changes. Each response is decompressed and decoded into messages at once, and each
 * message's Buffer is a slice that keeps its decompressed batch alive until the message is
 * prepared (or, while the stream is paused, until it leaves the stream's buffer): the client's
 * default (50 MiB) would hold a whole backlog. Half a batch's worth keeps the pipeline fed;
 * measured against 256 KiB: drains of 50,000 changes peaked at 98 instead of 105 MiB at the same
 * rate and CPU. Kafka still returns a record batch larger than this (KIP-74), so nothing stalls.
 */
const FETCH_MAX_BYTES = 96 * 1024;

type MessagesStream = Awaited<ReturnType<Consumer<Buffer, Buffer, Buffer, Buffer>["consume"]>>;

/**
 * Assembles batches from the stream in flowing mode: each message goes to its partition's batch
 * in the 'data' event the client emits while it decodes a fetch, so it is prepared before the
 * client decodes the next one. (Read later, a fetch's messages waited in the stream's buffer
 * while the batch before them was prepared, and the young-generation collector promoted them
 * with it: drain peaks 109-114 -> 103-107 MiB, docs/benchmarks.md, round 4.) A batch is handed on when it
 * holds maxEvents records or maxWaitMs after its first record (see #onWaited). The stream is
 * paused while a complete batch waits for the previous one's write, so at most one batch is
 * written, one waits, and nothing piles up behind them. The offsets of written batches are
 * committed at most once per commitIntervalMs (see #commitSoon).
 */
class BatchAssembler {
  readonly #partitions = new Map<string, { batch: PartitionBatch; last: RawMessage }>();
  #count = 0;
  #timer: NodeJS.Timeout | undefined;
  /** when the batch being filled got its first record, and the time spent preparing its records since */
  #firstAt = 0;
  #preparingMs = 0;
  /** complete batches whose write has not resolved yet */
  #unwritten = 0;
  #written: Promise<void> = Promise.resolve();
  /** each partition's last message of the written batches whose offsets are not committed yet */
  readonly #uncommitted = new Map<string, RawMessage>();
  #committed: Promise<void> = Promise.resolve();
  #lastCommitAt = Number.NEGATIVE_INFINITY;
  #commitTimer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #finished: Promise<void>;
  #finish!: (error?: unknown) => void;

  constructor(
    private readonly stream: MessagesStream,
    private readonly handler: BatchHandler,
    private readonly batching: BatchingOptions,
  ) {
    this.#finished = new Promise<void>((resolve, reject) => {
      this.#finish = (error) => (error === undefined ? resolve() : reject(error));
    });
  }

  /** Resolves when the stream ended (its last batch written and committed), rejects on the first failure. */
  run(signal: AbortSignal): Promise<void> {
    const onStop = () => this.#close();
    signal.addEventListener("abort", onStop, { once: true });
    if (signal.aborted) this.#close();
    this.stream.on("data", this.#onData).on("end", this.#onEnd).on("close", this.#onEnd).on("error", this.#onError);
    return this.#finished.finally(() => {
      signal.removeEventListener("abort", onStop);
      this.stream.off("data", this.#onData).off("end", this.#onEnd).off("close", this.#onEnd).off("error", this.#onError);
    });
  }

  /** Writes of the batches already handed on, then the commit of those written: awaited before the stream closes. */
  async settled(): Promise<void> {
    await this.#written.catch(() => undefined);
    await this.#commitNow().catch(() => undefined);
  }

  readonly #onData = (message: RawMessage) => {
    if (this.#closed) return; // not added, not committed: consumed again by the next member
    const started = performance.now();
    try {
      const id = `${message.topic}\u0000${message.partition}`;
      let partition = this.#partitions.get(id);
      if (!partition) {
        partition = { batch: this.handler(message.topic, message.partition), last: message };
        this.#partitions.set(id, partition);
      }
      partition.batch.add(toRecord(message));
      partition.last = message;
      if (++this.#count === 1) {
        this.#firstAt = started;
        this.#preparingMs = 0;
        this.#timer = setTimeout(this.#onWaited, this.batching.maxWaitMs);
      }
      this.#preparingMs += performance.now() - started;
      if (this.#count >= this.batching.maxEvents) this.#handOn();
    } catch (error) {
      this.#fail(error);
    }
  };

  /**
   * A batch is handed on maxWaitMs after its first record, not counting the time spent preparing
   * its records: that time is not waiting, and a fetch's records take longer to prepare than
   * maxWaitMs, so counting it would hand on part-filled batches under load.
   */
  readonly #onWaited = () => {
    const waited = performance.now() - this.#firstAt - this.#preparingMs;
    if (waited >= this.batching.maxWaitMs) this.#handOn();
    else this.#timer = setTimeout(this.#onWaited, this.batching.maxWaitMs - waited);
  };

  /** The stream ended (or was closed under us): what was read is still written and committed. */
  readonly #onEnd = () => {
    this.#handOn();
    this.#closed = true;
    this.settled().then(() => this.#finish(), this.#fail);
  };

  readonly #onError = (error: unknown) => this.#fail(error);

  /** The batch being filled becomes the next write (after the previous write); once written, its offsets are due. */
  readonly #handOn = () => {
    clearTimeout(this.#timer);
    if (this.#count === 0 || this.#closed) return;
    const partitions = [...this.#partitions];
    this.#partitions.clear();
    this.#count = 0;
    const write = this.#written.then(() => Promise.all(partitions.map(([, p]) => p.batch.write()))).then(() => undefined);
    this.#written = write;
    if (++this.#unwritten >= 2) this.stream.pause();
    write.then(() => {
      this.#unwritten--;
      // each partition's last message is what the commit needs, not the batch's records
      for (const [id, p] of partitions) this.#uncommitted.set(id, p.last);
      this.#commitSoon();
      if (!this.#closed && this.stream.isPaused()) this.stream.resume();
    }, this.#fail);
  };

  /**
   * Commits the written offsets now if the last commit is commitIntervalMs old, else when it is.
   * A commit per batch of 500 cost the broker 4-10 µs per change (docs/benchmarks.md, round 12);
   * what a restart reads again changes nothing (README, "The sink-app").
   */
  #commitSoon(): void {
    if (this.#commitTimer !== undefined) return;
    const wait = this.#lastCommitAt + this.batching.commitIntervalMs - performance.now();
    if (wait <= 0) void this.#commitNow();
    else this.#commitTimer = setTimeout(() => void this.#commitNow(), wait);
  }

  /** Commits what is written and not yet committed, after the commit before it. */
  #commitNow(): Promise<void> {
    clearTimeout(this.#commitTimer);
    this.#commitTimer = undefined;
    if (this.#uncommitted.size === 0) return this.#committed;
    const lasts = [...this.#uncommitted.values()];
    this.#uncommitted.clear();
    this.#lastCommitAt = performance.now();
    this.#committed = this.#committed.then(() => Promise.all(lasts.map((m) => m.commit()))).then(() => undefined);
    this.#committed.catch(this.#fail);
    return this.#committed;
  }

  /** Stops taking messages; the batch being filled is dropped (uncommitted, so consumed again). */
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#partitions.clear();
    this.stream.pause();
    // settled() never rejects: the failures it waits out were reported when they happened
    void this.settled().then(() => this.#finish());
  }

  readonly #fail = (error: unknown) => {
    this.#close();
    this.#finish(error);
  };
}

class PlatformaticBatchConsumer implements BatchConsumer {
  #consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | null = null;
  #running = false;
  readonly #stop = new AbortController();
  #done: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: PlatformaticOptions,
    readonly groupId: string,
    private readonly topics: string[],
    private readonly batching: BatchingOptions,
  ) {}

  isRunning(): boolean {
    return this.#running;
  }

  async lag(): Promise<Array<{ topic: string; partition: number; lag: bigint }>> {
    const consumer = this.#consumer;
    if (!consumer || !this.#running) return [];
    const lags = await consumer.getLag({ topics: this.topics });
    const out: Array<{ topic: string; partition: number; lag: bigint }> = [];
    for (const [topic, partitions] of lags) {
      partitions.forEach((lag, partition) => {
        if (lag >= 0n) out.push({ topic, partition, lag });
      });
    }
    return out;
  }

  run(handler: BatchHandler): Promise<void> {
    this.#done = this.#loop(handler);
    return this.#done;
  }

  async #loop(handler: BatchHandler): Promise<void> {
    const consumer = new Consumer({
      clientId: this.options.clientId,
      groupId: this.groupId,
      bootstrapBrokers: this.options.brokers,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(this.options.sessionTimeoutMs / 3)),
      rebalanceTimeout: Math.max(60_000, this.options.sessionTimeoutMs),
      autocommit: false,
    });
    this.#consumer = consumer;
    try {
      const stream = await consumer.consume({
        topics: this.topics,
        mode: "committed",
        fallbackMode: "earliest",
        autocommit: false,
        // how long the broker holds a fetch when there is nothing new; it answers as soon as there is
        maxWaitTime: 500,
        maxBytes: FETCH_MAX_BYTES,
        maxBytesPerPartition: FETCH_MAX_BYTES,
        // messages buffered while the stream is paused (a complete batch waiting for the write
        // before it): a quarter batch keeps the next fetch under way without holding many records
        highWaterMark: Math.max(100, Math.ceil(this.batching.maxEvents / 4)),
      });
      this.#running = true;
      const assembler = new BatchAssembler(stream, handler, this.batching);
      try {
        await assembler.run(this.#stop.signal);
      } finally {
        // a batch still being written or committed when the consumer stops or fails: let it
        // finish before the stream closes
        await assembler.settled();
        this.#running = false;
        // Leaving: offsets are committed per batch already; a stream that fails to close is dropped.
        await stream.close().catch(() => undefined);
      }
    } finally {
      this.#running = false;
      // Same: if the broker is gone, the member leaves the group by session timeout instead.
      await consumer.close(true).catch(() => undefined);
      this.#consumer = null;
    }
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    // run() reports its own failure to whoever awaits it (the service's supervisor); stop only waits.
    await this.#done.catch(() => undefined);
  }
}

class PlatformaticProducer implements RecordProducer {
  readonly #producer: Producer<Buffer, Buffer, Buffer, Buffer>;

  constructor(options: PlatformaticOptions) {
    this.#producer = new Producer({
      clientId: `${options.clientId}-producer`,
      bootstrapBrokers: options.brokers,
      acks: -1, // all in-sync replicas: a dead-lettered record must survive before its offset is committed
      autocreateTopics: true,
    });
  }

  async send(records: RecordToProduce[]): Promise<void> {
    if (records.length === 0) return;
    await this.#producer.send({
      messages: records.map((r) => ({
        topic: r.topic,
        key: r.key ?? undefined,
        value: r.value ?? undefined,
        headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), typeof v === "string" ? Buffer.from(v) : v])),
      })),
    });
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}

export function createPlatformaticKafka(options: PlatformaticOptions): KafkaClientFactory {
  const producers: PlatformaticProducer[] = [];
  return {
    consumer({ groupId, topics, batching }) {
      return new PlatformaticBatchConsumer(options, groupId, topics, batching);
    },
    producer() {
      const p = new PlatformaticProducer(options);
      producers.push(p);
      return p;
    },
    async ensureTopics(topics: string[]) {
      if (topics.length === 0) return;
      const admin = new Admin({ clientId: `${options.clientId}-admin`, bootstrapBrokers: options.brokers });
      try {
        const existing = new Set(await admin.listTopics());
        const missing = [...new Set(topics)].filter((t) => !existing.has(t));
        if (missing.length > 0) {
          try {
            await admin.createTopics({ topics: missing, partitions: -1, replicas: -1 });
          } catch (err) {
            // another replica may have created them meanwhile
            const now = new Set(await admin.listTopics());
            if (missing.some((t) => !now.has(t))) throw err;
          }
        }
      } finally {
        await admin.close();
      }
    },
    async close() {
      // At shutdown, after every batch was produced with acks=all: nothing left to lose.
      await Promise.all(producers.map((p) => p.close().catch(() => undefined)));
    },
  };
}
