// One raw consumption run in its own process, so clients never share a heap or an event loop:
// reads a topic from the beginning with a fresh consumer group until it has seen the given number
// of records, and prints one JSON line: records, bytes, time from the first to the last record
// (the consumption rate) and from start (group join included), CPU seconds, peak RSS.
//
//   node --import tsx scripts/bench/consume-worker.ts --client platformatic|kafkajs|confluent \
//        --bootstrap 127.0.0.1:9092 --topic t --records 200000 [--parse] [--confluent-module DIR]
//
// --parse also JSON.parses every value (what any Debezium consumer has to do at the least).

import { createRequire } from "node:module";
import { Consumer, MessagesStreamModes } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { reportCleanup } from "../test-env/cleanup.js";
import { memoryOf } from "../test-env/proc-stats.js";
import { parseCli } from "./lib/common.js";

const FETCH = { maxBytes: 50 * 1024 * 1024, maxBytesPerPartition: 10 * 1024 * 1024, maxWaitMs: 500 };

interface Counter {
  records: number;
  bytes: number;
  firstAt: number;
  lastAt: number;
  parsed: number;
}

function counter(): Counter {
  return { records: 0, bytes: 0, firstAt: 0, lastAt: 0, parsed: 0 };
}

function count(c: Counter, value: Buffer | null | undefined, parse: boolean): void {
  if (c.records === 0) c.firstAt = performance.now();
  c.records++;
  if (value) {
    c.bytes += value.length;
    if (parse && value.length > 0) {
      const v = JSON.parse(value.toString("utf8")) as { payload?: unknown };
      if (v.payload !== undefined) c.parsed++;
    }
  }
  c.lastAt = performance.now();
}

async function platformatic(bootstrap: string, topic: string, expected: number, parse: boolean, c: Counter): Promise<void> {
  const consumer = new Consumer({
    clientId: "bench-raw",
    groupId: `bench-raw-platformatic-${process.pid}-${Date.now()}`,
    bootstrapBrokers: [bootstrap],
    autocommit: false,
  });
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.EARLIEST,
      autocommit: false,
      maxBytes: FETCH.maxBytes,
      maxBytesPerPartition: FETCH.maxBytesPerPartition,
      maxWaitTime: FETCH.maxWaitMs,
    });
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (m: { value: Buffer | null | undefined }) => {
        count(c, m.value, parse);
        if (c.records >= expected) resolve();
      });
      stream.on("error", reject);
    });
    await stream.close().catch(reportCleanup("stream.close()"));
  } finally {
    await consumer.close(true).catch(reportCleanup("consumer.close(true)"));
  }
}

async function kafkajs(bootstrap: string, topic: string, expected: number, parse: boolean, c: Counter): Promise<void> {
  const kafka = new Kafka({ clientId: "bench-raw", brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bench-raw-kafkajs-${process.pid}-${Date.now()}`,
    maxBytes: FETCH.maxBytes,
    maxBytesPerPartition: FETCH.maxBytesPerPartition,
    maxWaitTimeInMs: FETCH.maxWaitMs,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) count(c, m.value, parse);
            if (c.records >= expected) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(reportCleanup("consumer.disconnect()"));
  }
}

/** @confluentinc/kafka-javascript (librdkafka), through its KafkaJS-compatible API, loaded from DIR/node_modules. */
async function confluent(bootstrap: string, topic: string, expected: number, parse: boolean, c: Counter, moduleDir: string): Promise<void> {
  const require = createRequire(`${moduleDir.replace(/\/$/, "")}/package.json`);
  const lib = require("@confluentinc/kafka-javascript") as {
    KafkaJS: {
      Kafka: new (
        cfg: unknown,
      ) => {
        consumer(cfg: unknown): {
          connect(): Promise<void>;
          subscribe(s: { topics: string[] }): Promise<void>;
          run(r: { eachBatch: (p: { batch: { messages: Array<{ value: Buffer | null }> } }) => Promise<void> }): Promise<void>;
          disconnect(): Promise<void>;
        };
      };
    };
  };
  const kafka = new lib.KafkaJS.Kafka({ kafkaJS: { clientId: "bench-raw", brokers: [bootstrap], logLevel: 0 } });
  const consumer = kafka.consumer({
    kafkaJS: { groupId: `bench-raw-confluent-${process.pid}-${Date.now()}`, fromBeginning: true, autoCommit: false },
    "fetch.max.bytes": FETCH.maxBytes,
    "max.partition.fetch.bytes": FETCH.maxBytesPerPartition,
    "fetch.wait.max.ms": FETCH.maxWaitMs,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) count(c, m.value, parse);
            if (c.records >= expected) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(reportCleanup("consumer.disconnect()"));
  }
}

const USAGE = `
usage: node --import tsx scripts/bench/consume-worker.ts --client platformatic|kafkajs|confluent
         --bootstrap HOST:PORT --topic T --records N [--parse] [--timeout-ms N] [--confluent-module DIR]

One raw consumption run (started by npm run bench and npm run bench:clients); prints one JSON line.
`;

async function main(): Promise<void> {
  const flags = parseCli(USAGE, {
    client: { type: "string" },
    bootstrap: { type: "string" },
    topic: { type: "string" },
    records: { type: "string" },
    parse: { type: "boolean" },
    "timeout-ms": { type: "string" },
    "confluent-module": { type: "string" },
  });
  const client = flags.client ?? "platformatic";
  const bootstrap = flags.bootstrap;
  const topic = flags.topic;
  const expected = Number(flags.records);
  const parse = flags.parse ?? false;
  if (!bootstrap || !topic || !Number.isInteger(expected) || expected < 1) {
    throw new Error("usage: consume-worker.ts --client platformatic|kafkajs|confluent --bootstrap HOST:PORT --topic T --records N [--parse]");
  }
  const c = counter();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const timeoutMs = Number(flags["timeout-ms"] ?? 600_000);
  const guard = setTimeout(() => {
    process.stdout.write(`${JSON.stringify({ client, error: `timed out after ${timeoutMs} ms with ${c.records} of ${expected} records` })}\n`);
    process.exit(3);
  }, timeoutMs);
  if (client === "platformatic") await platformatic(bootstrap, topic, expected, parse, c);
  else if (client === "kafkajs") await kafkajs(bootstrap, topic, expected, parse, c);
  else if (client === "confluent") await confluent(bootstrap, topic, expected, parse, c, flags["confluent-module"] ?? process.cwd());
  else throw new Error(`unknown client ${client}`);
  clearTimeout(guard);
  const cpu = process.cpuUsage(cpu0);
  const consumeMs = c.lastAt - c.firstAt;
  const mem = memoryOf(process.pid);
  process.stdout.write(
    `${JSON.stringify({
      client,
      parse,
      records: c.records,
      bytes: c.bytes,
      avgRecordBytes: Math.round(c.bytes / Math.max(1, c.records)),
      consumeMs: Math.round(consumeMs),
      totalMs: Math.round(c.lastAt - started),
      eventsPerSec: Math.round((c.records - 1) / (consumeMs / 1000)),
      eventsPerSecInclJoin: Math.round(c.records / ((c.lastAt - started) / 1000)),
      mbPerSec: Math.round((c.bytes / 2 ** 20 / (consumeMs / 1000)) * 10) / 10,
      cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
      peakRssMiB: mem?.hwmMiB ?? null,
    })}\n`,
  );
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stdout.write(`${JSON.stringify({ client: process.argv.join(" "), error: (err as Error).message })}\n`);
  process.exit(1);
});
