// Isolates the sink-app's Kafka consumer (sink-app/src/kafka/platformatic.ts, as it is in the
// tree) from everything else: a Kafka-only environment, a topic of Debezium-sized records, and
// the BatchConsumer with a handler that does no I/O. Reports how far it gets, so a stall (or its
// absence) in the consumer itself is visible in seconds.
//
//   npx tsx scripts/bench/consumer-repro.ts [--records 20000] [--max-events 500] [--max-wait-ms 500] [--write-ms 5]
//        [--patch NAME]   (the consumer from a build with scripts/bench/prototype/NAME.patch)
//
// Found with it: at commit e6c4fd9, with a write of ~80 ms per batch the consumer stopped for
// good after a few batches (with 5 ms it did not); fixed by 94e96fa (one permanent 'readable'
// listener, so MessagesStream's readableFlowing never falls back to null).

import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Producer } from "@platformatic/kafka";
import * as shipped from "../../sink-app/src/kafka/platformatic.js";
import type { PartitionBatch } from "../../sink-app/src/kafka/types.js";
import { intFlag, log, parseFlags, runMain, sleep } from "./lib/common.js";
import { debeziumRecordFactory } from "./lib/debezium-records.js";
import { startBenchEnv } from "./lib/env.js";
import { KafkaAdmin } from "./lib/kafka.js";
import { buildSinkApp } from "./lib/pipeline.js";

const TOPIC = "repro.public.meters";

async function main(): Promise<number> {
  const f = parseFlags(process.argv.slice(2));
  const records = intFlag(f, "records", 20_000);
  const maxEvents = intFlag(f, "max-events", 500);
  const maxWaitMs = intFlag(f, "max-wait-ms", 500);
  const writeMs = intFlag(f, "write-ms", 5, 0);
  const env = await startBenchEnv({ postgres: false, connect: false });
  const admin = await KafkaAdmin.connect(env.kafka.bootstrap);
  await admin.createTopic(TOPIC, 1);
  const make = debeziumRecordFactory();
  const producer = new Producer({ clientId: "repro", bootstrapBrokers: [env.kafka.bootstrap], acks: 1 });
  for (let i = 0; i < records; i += 150) {
    await producer.send({ messages: Array.from({ length: Math.min(150, records - i) }, (_, j) => ({ topic: TOPIC, ...make(i + j) })) });
  }
  await producer.close();
  log(`${records} records in ${TOPIC}`);

  const patches = (f.get("patch") ?? "").split(",").filter(Boolean);
  const lib: typeof shipped = patches.length
    ? ((await import(pathToFileURL(join(dirname(await buildSinkApp(patches)), "kafka/platformatic.js")).href)) as typeof shipped)
    : shipped;
  const kafka = lib.createPlatformaticKafka({ brokers: [env.kafka.bootstrap], clientId: "repro", sessionTimeoutMs: 10_000 });
  const groupId = `repro-${Date.now()}`;
  const consumer = kafka.consumer({ groupId, topics: [TOPIC], batching: { maxEvents, maxWaitMs } });
  let handled = 0;
  let batches = 0;
  const running = consumer.run((batch: PartitionBatch) => {
    batches++;
    handled += batch.records.length;
    return async () => {
      if (writeMs) await sleep(writeMs); // stands in for the database write
    };
  });
  running.catch((err: unknown) => log(`consumer failed: ${(err as Error).message}`));
  const started = Date.now();
  let last = -1;
  let sameSince = Date.now();
  for (;;) {
    await sleep(1_000);
    const committed = await admin.committed(groupId, TOPIC);
    log(`handled ${handled} in ${batches} batches, committed ${committed} / ${records}`);
    if (committed >= records) break;
    if (committed !== last) {
      last = committed;
      sameSince = Date.now();
    } else if (Date.now() - sameSince > 10_000) {
      log(`STALLED: no commit progress for 10 s at ${committed} committed, ${handled} handled`);
      break;
    }
  }
  const ok = last >= records || (await admin.committed(groupId, TOPIC)) >= records;
  process.stdout.write(`${JSON.stringify({ patches, records, maxEvents, maxWaitMs, writeMs, handled, batches, committed: await admin.committed(groupId, TOPIC), seconds: (Date.now() - started) / 1000, stalled: !ok })}\n`);
  await Promise.race([consumer.stop(), sleep(5_000)]);
  await admin.close();
  return 0;
}

runMain("consumer-repro", main);
