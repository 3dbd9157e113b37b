// Consumer groups and dead letter topics on Kafka, with the client the sink-app uses
// (@platformatic/kafka): positions and lag, moving a group's committed offsets, reading and
// replaying dead letters. Decisions are in plan.ts; this file only talks to Kafka.

import { randomBytes } from "node:crypto";
import { Admin, Consumer, Producer } from "@platformatic/kafka";
import { reportCleanup } from "../test-env/cleanup.js";
import { type GroupMember, OperatorError, type PartitionPosition } from "./plan.js";

export interface RawRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, string][];
  rawHeaders: [string, Buffer][];
}

const LATEST = -1n;
const EARLIEST = -2n;

export class KafkaOps {
  readonly admin: Admin;
  constructor(
    readonly brokers: string[],
    readonly clientId = "meter-master-operator",
  ) {
    this.admin = new Admin({ clientId, bootstrapBrokers: brokers, retries: 2 });
  }

  async close(): Promise<void> {
    await this.admin.close().catch(reportCleanup("this.admin.close()"));
  }

  async partitionsOf(topic: string): Promise<number[]> {
    const md = await this.admin.metadata({ topics: [topic] });
    const t = md.topics.get(topic);
    if (!t) throw new OperatorError(`topic ${topic} does not exist on ${this.brokers.join(",")}`);
    return [...Array(t.partitionsCount).keys()];
  }

  /** Offsets at `timestamp` (-1 latest, -2 earliest, else epoch ms) per partition. */
  async offsetsAt(topic: string, partitions: number[], timestamp: bigint): Promise<Map<number, bigint>> {
    const r = await this.admin.listOffsets({ topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, timestamp })) }] });
    return new Map((r.find((t) => t.name === topic)?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
  }

  async groupIds(): Promise<{ id: string; state: string }[]> {
    const groups = await this.admin.listGroups();
    return [...groups.values()].map((g) => ({ id: g.id, state: String(g.state) })).sort((a, b) => a.id.localeCompare(b.id));
  }

  async describe(group: string): Promise<{ state: string; members: GroupMember[] }> {
    const g = (await this.admin.describeGroups({ groups: [group] })).get(group);
    if (!g) return { state: "DEAD", members: [] };
    return { state: String(g.state), members: [...g.members.values()].map((m) => ({ id: m.id, clientId: m.clientId, host: m.clientHost })) };
  }

  /** Committed offset and partition ends of every partition the group has committed (or of `topics`). */
  async positions(group: string, topics?: string[]): Promise<PartitionPosition[]> {
    const committed = await this.admin.listConsumerGroupOffsets({ groups: [group] });
    const byTopic = new Map<string, Map<number, bigint>>();
    for (const t of committed.find((g) => g.groupId === group)?.topics ?? []) {
      byTopic.set(t.name, new Map(t.partitions.map((p) => [p.partitionIndex, p.committedOffset])));
    }
    for (const t of topics ?? []) if (!byTopic.has(t)) byTopic.set(t, new Map());
    const out: PartitionPosition[] = [];
    for (const [topic, parts] of [...byTopic].sort(([a], [b]) => a.localeCompare(b))) {
      const partitions = await this.partitionsOf(topic);
      const [earliest, latest] = await Promise.all([this.offsetsAt(topic, partitions, EARLIEST), this.offsetsAt(topic, partitions, LATEST)]);
      for (const p of partitions)
        out.push({ topic, partition: p, committed: parts.get(p) ?? -1n, earliest: earliest.get(p) ?? 0n, latest: latest.get(p) ?? 0n });
    }
    return out;
  }

  async commit(group: string, offsets: { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    const topics = new Map<string, { partition: number; offset: bigint }[]>();
    for (const o of offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }]);
    await this.admin.alterConsumerGroupOffsets({ groupId: group, topics: [...topics].map(([name, partitionOffsets]) => ({ name, partitionOffsets })) });
  }

  /**
   * Every record of `topic` from the start up to its end as of now (or only `partition` from `from`),
   * read by a throwaway consumer group that commits nothing and is deleted afterwards.
   */
  async read(topic: string, opts: { partition?: number; from?: bigint; limit?: number } = {}): Promise<RawRecord[]> {
    const partitions = opts.partition === undefined ? await this.partitionsOf(topic) : [opts.partition];
    const ends = await this.offsetsAt(topic, partitions, LATEST);
    const starts = await this.offsetsAt(topic, partitions, EARLIEST);
    const pending = new Set(partitions.filter((p) => (ends.get(p) ?? 0n) > (opts.from ?? starts.get(p) ?? 0n)));
    if (pending.size === 0) return [];
    const groupId = `meter-master-operator.${randomBytes(4).toString("hex")}`;
    const consumer = new Consumer({ clientId: this.clientId, groupId, bootstrapBrokers: this.brokers, autocommit: false });
    const out: RawRecord[] = [];
    try {
      const stream = await consumer.consume({
        topics: [topic],
        mode: opts.from === undefined ? "earliest" : "manual",
        ...(opts.from === undefined ? {} : { offsets: partitions.map((p) => ({ topic, partition: p, offset: opts.from! })) }),
        autocommit: false,
        maxWaitTime: 500,
      });
      const timer = setTimeout(() => void stream.close(), 30_000);
      try {
        for await (const m of stream) {
          if (!pending.has(m.partition)) continue;
          const rawHeaders: [string, Buffer][] = [...m.headers].map(([k, v]) => [
            Buffer.from(k as Buffer).toString("utf8"),
            Buffer.from((v as Buffer | undefined) ?? Buffer.alloc(0)),
          ]);
          out.push({
            topic: m.topic,
            partition: m.partition,
            offset: m.offset,
            timestamp: m.timestamp,
            key: (m.key as Buffer | undefined)?.length ? (m.key as Buffer) : null,
            value: (m.value as Buffer | undefined)?.length ? (m.value as Buffer) : null,
            headers: rawHeaders.map(([k, v]) => [k, v.toString("utf8")]),
            rawHeaders,
          });
          if (m.offset + 1n >= (ends.get(m.partition) ?? 0n)) pending.delete(m.partition);
          if (pending.size === 0 || (opts.limit !== undefined && out.length >= opts.limit)) break;
        }
      } finally {
        clearTimeout(timer);
        await stream.close().catch(reportCleanup("stream.close()"));
      }
    } finally {
      await consumer.close(true).catch(reportCleanup("consumer.close(true)"));
      await this.admin.deleteGroups({ groups: [groupId] }).catch(reportCleanup("this.admin.deleteGroups({ groups: [groupId] })"));
    }
    if (pending.size > 0 && opts.limit === undefined)
      throw new OperatorError(`could not read ${topic} to its end within 30 s (partitions ${[...pending].join(", ")} short)`);
    return out.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1));
  }

  /** Produces records and waits until every in-sync replica has them. */
  async produce(records: { topic: string; key: Buffer | null; value: Buffer | null; headers: [string, Buffer | string][] }[]): Promise<void> {
    const producer = new Producer({ clientId: `${this.clientId}-producer`, bootstrapBrokers: this.brokers, acks: -1 });
    try {
      await producer.send({
        messages: records.map((r) => ({
          topic: r.topic,
          key: r.key ?? undefined,
          value: r.value ?? undefined,
          headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), typeof v === "string" ? Buffer.from(v) : v])),
        })),
      });
    } finally {
      await producer.close().catch(reportCleanup("producer.close()"));
    }
  }
}
