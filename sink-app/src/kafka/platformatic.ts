// BatchConsumer / RecordProducer on @platformatic/kafka (pure TypeScript client; see README for
// why this client). Offsets are committed explicitly, only after the handler resolved.

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

/** Group messages per topic-partition, each group in offset order. */
function byPartition(messages: RawMessage[]): Array<{ batch: PartitionBatch; last: RawMessage }> {
  const groups = new Map<string, { batch: PartitionBatch; last: RawMessage }>();
  for (const m of messages) {
    const id = `${m.topic}\u0000${m.partition}`;
    let group = groups.get(id);
    if (!group) {
      group = { batch: { topic: m.topic, partition: m.partition, records: [] }, last: m };
      groups.set(id, group);
    }
    group.batch.records.push(toRecord(m));
    group.last = m;
  }
  return [...groups.values()];
}

const STOP = Symbol("stop");
const DONE = Symbol("done");

/**
 * Upper bound of one fetch response, in bytes as stored: compressed, since Connect's producer
 * writes lz4 batches (~370 bytes per Debezium change instead of ~4.6 KB; README, Benchmarks), so
 * this is ~700 changes. Each response is decoded into messages at once and they stay referenced
 * until handled (each message's Buffer is a slice that keeps its decompressed batch alive): the
 * client's default (50 MiB) would hold a whole backlog. About one batch's worth keeps the pipeline
 * fed; Kafka still returns a record batch larger than this (KIP-74), so nothing stalls.
 */
const FETCH_MAX_BYTES = 256 * 1024;

type MessagesStream = Awaited<ReturnType<Consumer<Buffer, Buffer, Buffer, Buffer>["consume"]>>;

/**
 * Reads a MessagesStream in paused mode with stream.read(). Its 'readable' listener stays attached
 * for the stream's life: the client stops fetching when a stream has no reader (readableFlowing
 * null), so a listener per wait would stall it between batches. Each wait leaves nothing behind
 * when it settles: waits happen once per batch for hours.
 */
class StreamReader {
  #wake: ((value: boolean | typeof STOP) => void) | null = null;
  #error: unknown = undefined;
  readonly #onReadable = () => this.#settle(true);
  readonly #onError = (err: unknown) => {
    this.#error = err;
    this.#settle(true);
  };

  constructor(
    private readonly stream: MessagesStream,
    private readonly signal: AbortSignal,
  ) {
    stream.on("readable", this.#onReadable).on("end", this.#onReadable).on("close", this.#onReadable).on("error", this.#onError);
  }

  get ended(): boolean {
    if (this.#error !== undefined) throw this.#error;
    return this.stream.readableEnded || this.stream.destroyed;
  }

  /** Moves buffered messages into `out`, up to `max` in all; never waits. */
  take(out: RawMessage[], max: number): void {
    if (this.#error !== undefined) throw this.#error;
    while (out.length < max) {
      const m = this.stream.read() as RawMessage | null;
      if (m === null) break;
      out.push(m);
    }
  }

  /** true when there may be messages to read (or the stream ended), STOP on stop, false after timeoutMs. */
  wait(timeoutMs?: number): Promise<boolean | typeof STOP> {
    if (this.signal.aborted) return Promise.resolve(STOP);
    return new Promise((resolve) => {
      const onStop = () => this.#settle(STOP);
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.#settle(false), timeoutMs);
      this.#wake = (value) => {
        this.#wake = null;
        clearTimeout(timer);
        this.signal.removeEventListener("abort", onStop);
        resolve(value);
      };
      this.signal.addEventListener("abort", onStop, { once: true });
    });
  }

  detach(): void {
    this.stream.off("readable", this.#onReadable).off("end", this.#onReadable).off("close", this.#onReadable).off("error", this.#onError);
    this.#settle(STOP);
  }

  #settle(value: boolean | typeof STOP): void {
    this.#wake?.(value);
  }
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

  /**
   * The next batch: waits for a first message, takes what is already buffered (no await per
   * message), then waits at most maxWaitMs for more while the batch is not full. Under load,
   * batches fill from the buffer at once; when quiet, a change is handed on after maxWaitMs.
   */
  async #nextBatch(reader: StreamReader): Promise<RawMessage[] | typeof STOP | typeof DONE> {
    const { maxEvents, maxWaitMs } = this.batching;
    const out: RawMessage[] = [];
    reader.take(out, maxEvents);
    while (out.length === 0) {
      if (reader.ended) return DONE;
      if ((await reader.wait()) === STOP) return STOP;
      reader.take(out, maxEvents);
    }
    const deadline = Date.now() + maxWaitMs;
    while (out.length < maxEvents && !reader.ended) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      if ((await reader.wait(remaining)) !== true) break; // timeout, or stop: hand on what we have
      reader.take(out, maxEvents);
    }
    return out;
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
    // The previous batch's write, which runs while the next one is prepared; and the commits of
    // its offsets, which run while the next one is written (each after its own batch's write and
    // the commit before it, so offsets only move forward, and only past written rows).
    let written: Promise<void> = Promise.resolve();
    let committed: Promise<void> = Promise.resolve();
    const commitFailures: unknown[] = [];
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
        // messages buffered ahead of the handler, beside the batch being prepared and the one being
        // written: a quarter batch keeps the next fetch under way (a fetch of FETCH_MAX_BYTES decodes
        // at once anyway) and holds fewer records' buffers. Measured against a whole batch (1,000):
        // npm run bench peak RSS 144 -> 136 MiB (182 instead of 194 us CPU per change), drains of
        // 20,000 changes side by side 159.5 -> 154.8 MiB on average, CPU within the noise
        highWaterMark: Math.max(100, Math.ceil(this.batching.maxEvents / 4)),
      });
      this.#running = true;
      const reader = new StreamReader(stream, this.#stop.signal);
      try {
        while (!this.#stop.signal.aborted) {
          const messages = await this.#nextBatch(reader);
          if (messages === STOP || messages === DONE) break;
          const groups = byPartition(messages);
          // prepare now (partitions in parallel, each in order), while the previous batch is written
          const writes = groups.map((g) => handler(g.batch));
          // what the commit needs: each partition's last message, not the whole batch's records
          const lasts = groups.map((g) => g.last);
          await written;
          if (commitFailures.length > 0) throw commitFailures[0];
          const write = Promise.all(writes.map((w) => w())).then(() => undefined);
          const previousCommit = committed;
          committed = (async () => {
            // the previous commit first, also when this write fails: a failing loop still
            // finishes the commit of the batch before (below, before the stream closes)
            await previousCommit;
            await write;
            await Promise.all(lasts.map((m) => m.commit()));
          })();
          written = write;
          // failures are raised by the next `await written` or the commit check; never as unhandled rejections
          written.catch(() => undefined);
          committed.catch((error: unknown) => commitFailures.push(error));
        }
        await written;
        await committed;
      } finally {
        // a batch still committing when the loop fails: let it finish before the stream closes
        await committed.catch(() => undefined);
        this.#running = false;
        reader.detach();
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
