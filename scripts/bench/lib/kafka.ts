// Kafka look-ups of the benchmarks: end offsets of a topic, committed offsets of a group (kafkajs
// admin: a handful of metadata calls, never on the hot path) and a topic's bytes on the broker.

import { Admin as PlatformaticAdmin } from "@platformatic/kafka";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { reportCleanup } from "../../test-env/cleanup.js";
import "../../test-env/kafkajs-lz4.js";

/** Bytes the broker holds for the topic (DescribeLogDirs: record batches as stored, compressed or not). */
export async function topicBytes(bootstrap: string, topic: string, partitions = [0]): Promise<number> {
  const admin = new PlatformaticAdmin({ clientId: "bench-log-dirs", bootstrapBrokers: [bootstrap] });
  try {
    const brokers = await admin.describeLogDirs({ topics: [{ name: topic, partitions }] });
    let bytes = 0n;
    for (const b of brokers)
      for (const dir of b.results) for (const t of dir.topics) if (t.name === topic) for (const p of t.partitions) bytes += p.partitionSize;
    return Number(bytes);
  } finally {
    await admin.close();
  }
}

export class KafkaAdmin {
  private constructor(private readonly admin: Admin) {}

  static async connect(bootstrap: string): Promise<KafkaAdmin> {
    const kafka = new Kafka({ clientId: "bench-admin", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    return new KafkaAdmin(admin);
  }

  async topicExists(topic: string): Promise<boolean> {
    return (await this.admin.listTopics()).includes(topic);
  }

  async createTopic(topic: string, partitions = 1): Promise<void> {
    await this.admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  }

  /** Sum over partitions of the end offset (high watermark): records ever written to a compaction-free topic. */
  async endOffset(topic: string): Promise<number> {
    if (!(await this.topicExists(topic))) return 0;
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.reduce((s, p) => s + Number(p.high), 0);
  }

  async endOffsets(topic: string): Promise<Map<number, number>> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, Number(p.high)]));
  }

  /** Committed offsets of a group on a topic, summed (a partition with no commit counts 0). */
  async committed(groupId: string, topic: string): Promise<number> {
    const res = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    let sum = 0;
    for (const t of res) for (const p of t.partitions) sum += Math.max(0, Number(p.offset));
    return sum;
  }

  async close(): Promise<void> {
    await this.admin.disconnect().catch(reportCleanup("this.admin.disconnect()"));
  }
}

export interface TopicRecord {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
  timestamp: number;
}

/** Reads a topic from the beginning up to its end offsets at call time (fresh group, no commits). */
export async function readTopic(bootstrap: string, topic: string, onRecord: (r: TopicRecord) => void): Promise<number> {
  const admin = await KafkaAdmin.connect(bootstrap);
  let ends: Map<number, number>;
  try {
    if (!(await admin.topicExists(topic))) return 0;
    ends = await admin.endOffsets(topic);
  } finally {
    await admin.close();
  }
  const remaining = new Set([...ends].filter(([, end]) => end > 0).map(([p]) => p));
  if (remaining.size === 0) return 0;
  const kafka = new Kafka({ clientId: "bench-reader", brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-reader-${process.pid}-${Date.now()}`, maxBytesPerPartition: 10 * 2 ** 20 });
  let count = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition) ?? 0;
            for (const m of batch.messages) {
              if (Number(m.offset) >= end) continue;
              count++;
              const headers: Array<[string, Buffer | null]> = [];
              for (const [k, v] of Object.entries(m.headers ?? {})) {
                for (const one of Array.isArray(v) ? v : [v])
                  headers.push([k, one === undefined ? null : Buffer.isBuffer(one) ? one : Buffer.from(String(one))]);
              }
              onRecord({ partition: batch.partition, offset: BigInt(m.offset), key: m.key, value: m.value, headers, timestamp: Number(m.timestamp) });
            }
            if (Number(batch.lastOffset()) + 1 >= end) remaining.delete(batch.partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(reportCleanup("consumer.disconnect()"));
  }
  return count;
}
