// BatchConsumer / RecordProducer on @platformatic/kafka (pure TypeScript client; see README for
// why this client). Offsets are committed explicitly, only after the handler resolved.

import { Admin, Consumer, Producer, type Message } from "@platformatic/kafka";
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
 * Upper bound of one fetch response. Each response is decoded into messages at once and they stay
 * referenced until handled: the client's default (50 MiB) held ~10,000 Debezium records of one
 * partition in memory. A few batches' worth keeps the pipeline fed; Kafka still returns a record
 * batch larger than this (KIP-74), so nothing stalls.
 */
const FETCH_MAX_BYTES = 4 * 1024 * 1024;

type MessagesStream = Awaited<ReturnType<Consumer<Buffer, Buffer, Buffer, Buffer>["consume"]>>;

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
   * Resolves when the stream has a message to read (or ended), STOP on stop(), false after
   * `timeoutMs`. Every listener and timer is removed when it settles: waits happen once per
   * batch for hours, and anything left behind would keep messages reachable.
   */
  #readable(stream: MessagesStream, timeoutMs?: number): Promise<boolean | typeof STOP> {
    const signal = this.#stop.signal;
    if (signal.aborted) return Promise.resolve(STOP);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (result: boolean | typeof STOP, error?: unknown) => {
        stream.off("readable", onReadable).off("end", onReadable).off("close", onReadable).off("error", onError);
        signal.removeEventListener("abort", onStop);
        clearTimeout(timer);
        if (error !== undefined) reject(error);
        else resolve(result);
      };
      const onReadable = () => settle(true);
      const onError = (err: unknown) => settle(false, err);
      const onStop = () => settle(STOP);
      stream.once("readable", onReadable).once("end", onReadable).once("close", onReadable).once("error", onError);
      signal.addEventListener("abort", onStop, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(() => settle(false), timeoutMs);
    });
  }

  /**
   * The next batch: waits for a first message, takes what is already buffered (no await per
   * message), then waits at most maxWaitMs for more while the batch is not full. Under load,
   * batches fill from the buffer at once; when quiet, a change is handed on after maxWaitMs.
   */
  async #nextBatch(stream: MessagesStream): Promise<RawMessage[] | typeof STOP | typeof DONE> {
    const { maxEvents, maxWaitMs } = this.batching;
    const out: RawMessage[] = [];
    const take = () => {
      let m: RawMessage | null;
      while (out.length < maxEvents && (m = stream.read() as RawMessage | null) !== null) out.push(m);
    };
    take();
    while (out.length === 0) {
      if (stream.readableEnded || stream.destroyed) return DONE;
      if ((await this.#readable(stream)) === STOP) return STOP;
      take();
    }
    const deadline = Date.now() + maxWaitMs;
    while (out.length < maxEvents && !stream.readableEnded && !stream.destroyed) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const woke = await this.#readable(stream, remaining);
      if (woke !== true) break; // timeout, or stop: hand on what we have
      take();
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
    // The write (and commit) of the previous batch, which runs while the next one is prepared.
    let writing: Promise<void> = Promise.resolve();
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
        highWaterMark: Math.max(1_024, this.batching.maxEvents * 2),
      });
      this.#running = true;
      try {
        while (!this.#stop.signal.aborted) {
          const messages = await this.#nextBatch(stream);
          if (messages === STOP || messages === DONE) break;
          const groups = byPartition(messages);
          // prepare now (partitions in parallel, each in order), while the previous batch is written
          const writes = groups.map((g) => handler(g.batch));
          await writing;
          writing = (async () => {
            await Promise.all(writes.map((write) => write()));
            // commit only what was written
            await Promise.all(groups.map((g) => g.last.commit()));
          })();
          // a failure is raised by the next `await writing`; never as an unhandled rejection
          writing.catch(() => undefined);
        }
        await writing;
      } finally {
        this.#running = false;
        await stream.close().catch(() => undefined);
      }
    } finally {
      this.#running = false;
      await consumer.close(true).catch(() => undefined);
      this.#consumer = null;
    }
  }

  async stop(): Promise<void> {
    this.#stop.abort();
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
      await Promise.all(producers.map((p) => p.close().catch(() => undefined)));
    },
  };
}
