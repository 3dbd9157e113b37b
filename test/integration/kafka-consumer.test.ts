// The sink-app's Kafka adapter (@platformatic/kafka) on the real broker: every record handed
// over once and in order, far beyond one fetch or the stream's buffer, writes one at a time,
// commits only after the write (at most once per interval, and what is written when it stops or
// fails), and a prompt stop.
import { randomBytes } from "node:crypto";
import { CompressionTypes, Kafka, logLevel } from "kafkajs";
import "../../scripts/test-env/kafkajs-lz4.js";
import { afterAll, describe, expect, it } from "vitest";
import { KafkaAdmin } from "../../scripts/bench/lib/kafka.js";
import { waitFor } from "../../scripts/test-env/wait.js";
import { createPlatformaticKafka } from "../../sink-app/src/kafka/platformatic.js";
import type { KafkaClientFactory } from "../../sink-app/src/kafka/types.js";
import { wholeBatches } from "../support/batches.js";
import { testEnv } from "../support/env.js";

const factories: KafkaClientFactory[] = [];

async function topicWith(records: number, partitions: number, compression = CompressionTypes.None): Promise<string> {
  const env = testEnv();
  const topic = `it-consumer-${randomBytes(4).toString("hex")}`;
  const kafka = new Kafka({ clientId: "it-producer", brokers: [env.kafka.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  // Debezium-sized values (~4 KB), so the records span many fetches and the stream's buffer
  const filler = "x".repeat(4_000);
  for (let i = 0; i < records; i += 100) {
    const messages = Array.from({ length: Math.min(100, records - i) }, (_, j) => ({
      key: `meter-${(i + j) % 97}`,
      value: JSON.stringify({ seq: i + j, filler }),
      partition: (i + j) % partitions,
    }));
    await producer.send({ topic, messages, compression });
  }
  await producer.disconnect();
  return topic;
}

function kafkaFactory(): KafkaClientFactory {
  const f = createPlatformaticKafka({ brokers: [testEnv().kafka.bootstrap], clientId: "it-consumer", sessionTimeoutMs: 10_000 });
  factories.push(f);
  return f;
}

/** The first offset a new member of the group is handed (it reads on to the topic's last record). */
async function firstOffsetForNextMember(groupId: string, topic: string, records: number): Promise<bigint | undefined> {
  const next = kafkaFactory().consumer({ groupId, topics: [topic], batching: { maxEvents: 1_000, maxWaitMs: 10, commitIntervalMs: 0 } });
  const offsets: bigint[] = [];
  const running = next.run(
    wholeBatches(async (batch) => {
      offsets.push(...batch.records.map((r) => r.offset));
    }),
  );
  const last = BigInt(records - 1);
  await waitFor("the rest handed over", async () => (offsets.at(-1) === last ? true : undefined), { timeoutMs: 30_000 });
  await next.stop();
  await running;
  return offsets[0];
}

/** The group's committed offset of a one-partition topic, as the broker has it (0: none). */
async function committedOffset(groupId: string, topic: string): Promise<number> {
  const admin = await KafkaAdmin.connect(testEnv().kafka.bootstrap);
  try {
    return await admin.committed(groupId, topic);
  } finally {
    await admin.close();
  }
}

afterAll(async () => {
  await Promise.all(factories.map((f) => f.close()));
});

describe("BatchConsumer on @platformatic/kafka", () => {
  it("hands over 6,000 records of 4 KB once each, in offset order per partition, and commits to the end while it runs", async () => {
    const topic = await topicWith(6_000, 2);
    // the shipped interval: the last batches' offsets are committed by the timer, not by a later batch
    const consumer = kafkaFactory().consumer({ groupId: `${topic}-g`, topics: [topic], batching: { maxEvents: 500, maxWaitMs: 10, commitIntervalMs: 1_000 } });
    const seen = new Map<number, bigint[]>();
    let writesInFlight = 0;
    let maxWritesInFlight = 0;
    const handler = wholeBatches(async (batch) => {
      const offsets = batch.records.map((r) => r.offset);
      writesInFlight++;
      maxWritesInFlight = Math.max(maxWritesInFlight, writesInFlight);
      await new Promise((r) => setTimeout(r, 15)); // a database round trip
      seen.set(batch.partition, [...(seen.get(batch.partition) ?? []), ...offsets]);
      writesInFlight--;
    });
    const running = consumer.run(handler);
    await waitFor("6,000 records handled", async () => ([...seen.values()].flat().length >= 6_000 ? true : undefined), { timeoutMs: 60_000 });
    await waitFor(
      "offsets committed to the end",
      async () => {
        const lags = await consumer.lag();
        return lags.length === 2 && lags.every((l) => l.lag === 0n) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    await consumer.stop();
    await running;
    expect([...seen.values()].flat()).toHaveLength(6_000);
    for (const offsets of seen.values()) {
      expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)));
    }
    // partitions are written in parallel, one write per partition at a time
    expect(maxWritesInFlight).toBeLessThanOrEqual(2);
  });

  it("fills batches under load although preparing them takes longer than maxWaitMs: only waiting counts", async () => {
    const topic = await topicWith(1_200, 1);
    const consumer = kafkaFactory().consumer({ groupId: `${topic}-g`, topics: [topic], batching: { maxEvents: 200, maxWaitMs: 50, commitIntervalMs: 0 } });
    const sizes: number[] = [];
    const running = consumer.run((_topic, _partition) => {
      let size = 0;
      return {
        add: () => {
          size++;
          // 0.5 ms of CPU per record: 100 ms per batch, twice maxWaitMs
          const until = performance.now() + 0.5;
          while (performance.now() < until);
        },
        write: async () => {
          sizes.push(size);
        },
      };
    });
    await waitFor("1,200 records handled", async () => (sizes.reduce((a, b) => a + b, 0) >= 1_200 ? true : undefined), { timeoutMs: 60_000 });
    await consumer.stop();
    await running;
    // the records were all there from the start, so no batch waited: each is full
    expect(sizes).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it("hands over lz4 record batches (as Connect's producer writes them) decompressed, once each and in order", async () => {
    const topic = await topicWith(3_000, 1, CompressionTypes.LZ4);
    const consumer = kafkaFactory().consumer({ groupId: `${topic}-g`, topics: [topic], batching: { maxEvents: 1_000, maxWaitMs: 10, commitIntervalMs: 0 } });
    const seqs: number[] = [];
    const running = consumer.run((_topic, _partition) => ({
      add: (r) => {
        seqs.push((JSON.parse(r.value!.toString("utf8")) as { seq: number }).seq);
      },
      write: async () => undefined,
    }));
    await waitFor("3,000 records handled", async () => (seqs.length >= 3_000 ? true : undefined), { timeoutMs: 60_000 });
    await consumer.stop();
    await running;
    expect(seqs).toEqual(Array.from({ length: 3_000 }, (_, i) => i));
  });

  it("stops taking records while one batch is written and the next one waits: records in hand stay bounded", async () => {
    const topic = await topicWith(2_000, 1);
    const consumer = kafkaFactory().consumer({ groupId: `${topic}-g`, topics: [topic], batching: { maxEvents: 100, maxWaitMs: 10, commitIntervalMs: 0 } });
    let added = 0;
    let written = 0;
    let mostInHand = 0;
    const running = consumer.run(() => {
      let size = 0;
      return {
        add: () => {
          size++;
          added++;
          mostInHand = Math.max(mostInHand, added - written);
        },
        write: async () => {
          await new Promise((r) => setTimeout(r, 50)); // a slow database: records arrive far faster
          written += size;
        },
      };
    });
    await waitFor("2,000 records written", async () => (written >= 2_000 ? true : undefined), { timeoutMs: 60_000 });
    await consumer.stop();
    await running;
    // the batch being written and the one waiting for it; the next fills once the first is written
    expect(mostInHand).toBeLessThanOrEqual(200);
  });

  it("fails, without committing the batch, when preparing a record throws", async () => {
    const topic = await topicWith(300, 1);
    const groupId = `${topic}-g`;
    const first = kafkaFactory().consumer({ groupId, topics: [topic], batching: { maxEvents: 100, maxWaitMs: 10, commitIntervalMs: 0 } });
    let seen = 0;
    const failing = wholeBatches(async () => undefined);
    await expect(
      first.run((t, p) => {
        const batch = failing(t, p);
        return {
          add: (record) => {
            if (++seen === 150) throw new Error("a sink bug");
            batch.add(record);
          },
          write: () => batch.write(),
        };
      }),
    ).rejects.toThrow("a sink bug");

    // the first batch (offsets 0-99) was written and committed; the one that failed comes again
    expect(await firstOffsetForNextMember(groupId, topic, 300)).toBe(100n);
  });

  it("does not commit a batch whose write failed: a new member gets it again", async () => {
    const topic = await topicWith(300, 1);
    const groupId = `${topic}-g`;
    const first = kafkaFactory().consumer({ groupId, topics: [topic], batching: { maxEvents: 100, maxWaitMs: 10, commitIntervalMs: 0 } });
    let calls = 0;
    const failing = wholeBatches(async () => {
      calls++;
      if (calls === 2) throw new Error("target database down");
    });
    await expect(first.run(failing)).rejects.toThrow("target database down");

    // the first batch (offsets 0-99) was committed; the failed one (100-199) comes again
    expect(await firstOffsetForNextMember(groupId, topic, 300)).toBe(100n);
  });

  it("commits written offsets at most once per commitIntervalMs, and all of them when it stops", async () => {
    const topic = await topicWith(1_000, 1);
    const groupId = `${topic}-g`;
    const consumer = kafkaFactory().consumer({ groupId, topics: [topic], batching: { maxEvents: 100, maxWaitMs: 10, commitIntervalMs: 60_000 } });
    const ends: number[] = [];
    const running = consumer.run(
      wholeBatches(async (batch) => {
        ends.push(Number(batch.records.at(-1)!.offset) + 1);
      }),
    );
    await waitFor("1,000 records written", async () => (ends.at(-1) === 1_000 ? true : undefined), { timeoutMs: 30_000 });
    expect(ends.length).toBeGreaterThan(1);
    // the first written batch is committed at once; the batches after it wait for the interval
    await waitFor("the first batch committed", async () => ((await committedOffset(groupId, topic)) === ends[0] ? true : undefined), {
      timeoutMs: 10_000,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await committedOffset(groupId, topic)).toBe(ends[0]);
    await consumer.stop();
    await running;
    expect(await committedOffset(groupId, topic)).toBe(1_000);
  });

  it("commits the batches written before a failed write, although their interval has not passed, and not the failed one", async () => {
    const topic = await topicWith(300, 1);
    const groupId = `${topic}-g`;
    const first = kafkaFactory().consumer({ groupId, topics: [topic], batching: { maxEvents: 100, maxWaitMs: 10, commitIntervalMs: 60_000 } });
    const written: bigint[] = [];
    const failing = wholeBatches(async (batch) => {
      if (written.length === 2) throw new Error("target database down");
      written.push(batch.records.at(-1)!.offset + 1n);
    });
    await expect(first.run(failing)).rejects.toThrow("target database down");

    // the first batch was committed at once, the second only as the consumer failed; the third comes again
    expect(await firstOffsetForNextMember(groupId, topic, 300)).toBe(written[1]);
  });

  it("stops promptly while waiting for records", async () => {
    const topic = await topicWith(1, 1);
    const consumer = kafkaFactory().consumer({ groupId: `${topic}-g`, topics: [topic], batching: { maxEvents: 10, maxWaitMs: 10, commitIntervalMs: 0 } });
    let handled = 0;
    const running = consumer.run(
      wholeBatches(async (batch) => {
        handled += batch.records.length;
      }),
    );
    await waitFor("the one record", async () => (handled === 1 ? true : undefined), { timeoutMs: 30_000 });
    const started = Date.now();
    await consumer.stop();
    await running;
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
