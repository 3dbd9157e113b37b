// BatchConsumer / RecordProducer on @platformatic/kafka (pure TypeScript client; see README for
// why this client). Offsets are committed explicitly, only after the handler resolved.

import { Admin, Consumer, Producer, type Message } from "@platformatic/kafka";
import type {
  BatchConsumer,
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
const TIMEOUT = Symbol("timeout");

class PlatformaticBatchConsumer implements BatchConsumer {
  #consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | null = null;
  #running = false;
  #stopRequested = false;
  #stopSignal!: Promise<typeof STOP>;
  #resolveStop!: () => void;
  #done: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: PlatformaticOptions,
    readonly groupId: string,
    private readonly topics: string[],
    private readonly batching: BatchingOptions,
  ) {
    this.#stopSignal = new Promise((resolve) => (this.#resolveStop = () => resolve(STOP)));
  }

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

  run(handler: (batch: PartitionBatch) => Promise<void>): Promise<void> {
    this.#done = this.#loop(handler);
    return this.#done;
  }

  async #loop(handler: (batch: PartitionBatch) => Promise<void>): Promise<void> {
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
        maxWaitTime: Math.min(this.batching.maxWaitMs, 1_000),
        highWaterMark: Math.max(1_024, this.batching.maxEvents * 2),
      });
      this.#running = true;
      const iterator = stream[Symbol.asyncIterator]();
      let pending: Promise<IteratorResult<RawMessage>> | null = null;
      const next = (): Promise<IteratorResult<RawMessage>> => (pending ??= iterator.next() as Promise<IteratorResult<RawMessage>>);

      try {
        while (!this.#stopRequested) {
          // wait (indefinitely, until stop) for the first record of a batch
          const first = await Promise.race([next(), this.#stopSignal]);
          if (first === STOP) break;
          pending = null;
          if (first.done) break;
          const messages: RawMessage[] = [first.value];
          const deadline = Date.now() + this.batching.maxWaitMs;
          while (messages.length < this.batching.maxEvents) {
            const remaining = deadline - Date.now();
            if (remaining <= 0) break;
            let timer: NodeJS.Timeout | undefined;
            const timeout = new Promise<typeof TIMEOUT>((resolve) => (timer = setTimeout(() => resolve(TIMEOUT), remaining)));
            const got = await Promise.race([next(), timeout, this.#stopSignal]);
            clearTimeout(timer);
            if (got === TIMEOUT || got === STOP) break;
            pending = null;
            if (got.done) break;
            messages.push(got.value);
          }
          // partitions in parallel, each strictly in order; commit only what was handled
          const groups = byPartition(messages);
          await Promise.all(groups.map((g) => handler(g.batch)));
          await Promise.all(groups.map((g) => g.last.commit()));
        }
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
    this.#stopRequested = true;
    this.#resolveStop();
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
