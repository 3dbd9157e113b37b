// The small Kafka surface the pipelines need. Adapters (kafka/platformatic.ts) implement it, so
// the client library can be swapped without touching the pipelines.

/** One consumed record, client-neutral. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** header name -> raw value, in record order (names may repeat) */
  headers: Array<[string, Buffer | null]>;
  /** broker/producer timestamp, epoch ms */
  timestamp: bigint;
}

export interface RecordToProduce {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | string]>;
}

export interface BatchingOptions {
  /** flush a batch once this many records are buffered */
  maxEvents: number;
  /** flush a non-empty batch after this long even if it is small */
  maxWaitMs: number;
  /** commit the offsets of written batches at most this often (0: after every batch) */
  commitIntervalMs: number;
}

/**
 * One partition's batch while it is consumed. `add` gets each record as soon as the client
 * decoded it from a fetch, and prepares it at once (decode, map: CPU work, synchronous), so the
 * record is garbage before the next young-generation collection instead of being copied and
 * promoted while it waits for the rest of its batch. `write` is the I/O, called once the batch is
 * complete and the previous batch's write resolved.
 */
export interface PartitionBatch {
  add(record: ConsumedRecord): void;
  write(): Promise<void>;
}

/**
 * Starts a partition's next batch. The consumer fills the next batch while the previous one is
 * being written, so CPU and database or HTTP round trips overlap; writes still run one at a time,
 * in offset order.
 */
export type BatchHandler = (topic: string, partition: number) => PartitionBatch;

/**
 * A consumer group member. `run` hands every partition batch to the handler (partitions in
 * parallel, one partition strictly in order) and commits offset+1 of the batch's last record only
 * after its write resolved, at most once per `commitIntervalMs` (and at once when it stops). A
 * write that rejects stops the consumer without committing that batch.
 */
export interface BatchConsumer {
  readonly groupId: string;
  run(handler: BatchHandler): Promise<void>;
  /** Finish the in-flight batch, commit it, leave the group. */
  stop(): Promise<void>;
  /** true while joined and fetching */
  isRunning(): boolean;
  /** Records between the committed offset and the end of each assigned partition. */
  lag(): Promise<Array<{ topic: string; partition: number; lag: bigint }>>;
}

export interface RecordProducer {
  /** Resolves once every record is acknowledged by all in-sync replicas. */
  send(records: RecordToProduce[]): Promise<void>;
  close(): Promise<void>;
}

export interface KafkaClientFactory {
  consumer(options: { groupId: string; topics: string[]; batching: BatchingOptions }): BatchConsumer;
  producer(): RecordProducer;
  /** Create topics that do not exist yet (dead letter topics). */
  ensureTopics(topics: string[]): Promise<void>;
  close(): Promise<void>;
}
