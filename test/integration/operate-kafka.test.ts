// The operator commands (`npm run connectors -- offsets|groups|dlq ...`, scripts/operate/) run
// through the CLI's own entry (runCli) against the real Kafka, Kafka Connect with the Debezium
// PostgreSQL connector, and PostgreSQL of the test environment. Consumer groups are driven by
// the sink-app's own Kafka adapter, as the sink-app runs them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDesiredConnectors } from "../../connector-configs/render.js";
import { runCli } from "../../scripts/connectors/cli.js";
import { KafkaOps } from "../../scripts/operate/kafka-ops.js";
import type { TestEnvironmentInfo } from "../../scripts/test-env/index.js";
import { reconcile } from "../../sink-app/src/connect/reconcile.js";
import { createPlatformaticKafka } from "../../sink-app/src/kafka/platformatic.js";
import type { ConsumedRecord } from "../../sink-app/src/kafka/types.js";
import { deadLetterRecord } from "../../sink-app/src/pipeline/dead-letter.js";
import { wholeBatches } from "../support/batches.js";
import { cleanup, connectClient, connectTestEnv, createMetersDatabase, pollUntil, postgresSource, uniq } from "./connect-helpers.js";

let env: TestEnvironmentInfo;
let database: string;
const SOURCE = uniq("it_ops_src");
const owner = uniq("mm_it_ops");

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), env: {}, interactive: false });
  console.log(`$ connectors ${args.join(" ")}\n  -> exit ${code}\n${out}${err ? `[stderr]\n${err}` : ""}`);
  return { code, out, err };
}
const kafkaArgs = () => ["--bootstrap", env.kafka.bootstrap];

/** Every record value of a topic, read to its end. */
async function values(topic: string): Promise<string[]> {
  const k = new KafkaOps([env.kafka.bootstrap]);
  try {
    return (await k.read(topic)).map((r) => r.value?.toString("utf8") ?? "");
  } finally {
    await k.close();
  }
}

async function produce(topic: string, vals: string[]): Promise<void> {
  const k = new KafkaOps([env.kafka.bootstrap]);
  try {
    if (!(await k.admin.listTopics()).includes(topic)) await k.admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    await k.produce(vals.map((v, i) => ({ topic, key: Buffer.from(`k${i}`), value: Buffer.from(v), headers: [] })));
  } finally {
    await k.close();
  }
}

/** Runs the sink-app's consumer for `group` until `until` holds or the handler fails; returns what it handled. */
async function consume(
  group: string,
  topic: string,
  handle: (r: ConsumedRecord) => void,
  until: (seen: string[]) => boolean,
): Promise<{ seen: string[]; failed?: Error }> {
  const factory = createPlatformaticKafka({ brokers: [env.kafka.bootstrap], clientId: "it-ops", sessionTimeoutMs: 6_000 });
  const consumer = factory.consumer({ groupId: group, topics: [topic], batching: { maxEvents: 1, maxWaitMs: 0, commitIntervalMs: 0 } });
  const seen: string[] = [];
  const handler = wholeBatches(async (batch) => {
    for (const r of batch.records) {
      handle(r);
      seen.push(r.value?.toString("utf8") ?? "");
    }
  });
  const run = consumer.run(handler).then(
    () => undefined,
    (e: Error) => e,
  );
  let failed: Error | undefined;
  await Promise.race([pollUntil("consumer progress", async () => (until(seen) ? true : undefined), 60_000), run.then((e) => (failed = e))]);
  await consumer.stop();
  await run;
  await factory.close();
  return { seen, failed };
}

beforeAll(async () => {
  env = await connectTestEnv();
  database = await createMetersDatabase(env);
});

afterAll(async () => {
  if (env) await cleanup(env, { connectors: [SOURCE], slots: [SOURCE], databases: database ? [database] : [] });
});

describe("source connector offsets", () => {
  it("show prints the PostgreSQL connector's LSN; reset stops it, deletes the offsets, says what happens to the slot, brings it back RUNNING, and it re-reads the table (a new snapshot)", async () => {
    await reconcile(renderDesiredConnectors([postgresSource(env, database, SOURCE)], { owner }), connectClient(env), {
      runningTimeoutMs: 90_000,
      settleMs: 1_000,
      pollMs: 500,
    });
    const topic = `${SOURCE}.public.meters`;
    await pollUntil("snapshot on the topic", async () => ((await values(topic)).length >= 2 ? true : undefined));
    await pollUntil("committed offsets", async () => {
      const r = await cli(["offsets", "show", SOURCE, "--connect-url", env.connect.url, "--json"]);
      return (JSON.parse(r.out) as { offsets: unknown[] }).offsets.length > 0 ? JSON.parse(r.out) : undefined;
    });
    const shown = await cli(["offsets", "show", SOURCE, "--connect-url", env.connect.url]);
    expect(shown.out).toContain(`partition {"server":"${SOURCE}"}`);
    expect(shown.out).toMatch(/"lsn":\d+/);

    const refused = await cli(["offsets", "reset", SOURCE, "--connect-url", env.connect.url]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("Refusing without confirmation");
    expect(refused.err).toContain(`replication slot ${SOURCE} is kept`);

    const before = (await values(topic)).length;
    const r = await cli(["offsets", "reset", SOURCE, "--connect-url", env.connect.url, "--yes"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${SOURCE}: stopping (was RUNNING)`);
    expect(r.out).toContain(`${SOURCE}: back to RUNNING`);
    expect(r.out).toContain(`replication slot ${SOURCE} is kept`);
    const s = await connectClient(env).status(SOURCE);
    expect([s.connector.state, ...s.tasks.map((t) => t.state)]).toEqual(["RUNNING", "RUNNING"]);
    // The snapshot again: both rows once more, as reads ("op":"r").
    await pollUntil("a second snapshot", async () => ((await values(topic)).length >= before + 2 ? true : undefined));
    const again = (await values(topic)).slice(before).map((v) => JSON.parse(v).payload);
    expect(again.map((p: { op: string }) => p.op)).toEqual(["r", "r"]);
  });
});

describe("consumer groups", () => {
  const topic = uniq("it_ops_topic");
  const group = uniq("it_ops_group");

  it("a poison record stops the group; skip refuses while the group has live members, then skips exactly that record, and the group goes on", async () => {
    await produce(topic, ["a", "b", "POISON", "c", "d"]);
    const first = await consume(
      group,
      topic,
      (r) => {
        if (r.value?.toString() === "POISON") throw new Error("cannot handle this record");
      },
      () => false,
    );
    expect(first.failed?.message).toContain("cannot handle this record");
    expect(first.seen).toEqual(["a", "b"]);

    const shown = await cli(["groups", "show", group, ...kafkaArgs(), "--json"]);
    expect(JSON.parse(shown.out).partitions).toEqual([{ topic, partition: 0, committed: "2", end: "5", lag: "3" }]);

    // While a member is in the group, nothing moves.
    const factory = createPlatformaticKafka({ brokers: [env.kafka.bootstrap], clientId: "it-ops-live", sessionTimeoutMs: 6_000 });
    const live = factory.consumer({ groupId: group, topics: [topic], batching: { maxEvents: 1, maxWaitMs: 0, commitIntervalMs: 0 } });
    // It holds the poison record unhandled (nothing committed) until the test lets go.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const running = live
      .run(
        wholeBatches(async () => {
          await held;
          throw new Error("still cannot handle it");
        }),
      )
      // It is meant to fail (the record it cannot handle); the test looks at the group, not at this.
      .catch(() => undefined);
    await pollUntil("a live member", async () => (live.isRunning() ? true : undefined));
    const refused = await cli(["groups", "skip", group, "--topic", topic, "--partition", "0", "--yes", ...kafkaArgs()]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`consumer group ${group} has 1 live member(s)`);
    release();
    await live.stop();
    await running;
    await factory.close();

    const skipped = await cli(["groups", "skip", group, "--topic", topic, "--partition", "0", "--yes", ...kafkaArgs()]);
    expect(skipped.code).toBe(0);
    expect(skipped.out).toContain(`${group}: skipped ${topic}[0]@2; the group goes on at 3`);
    const rest = await consume(
      group,
      topic,
      () => undefined,
      (seen) => seen.length >= 2,
    );
    expect(rest.seen).toEqual(["c", "d"]);
    expect(rest.failed).toBeUndefined();
  });

  it("move --to-time replays from the first record at or after that time; --to-offset and --to-earliest set exactly that", async () => {
    const t = uniq("it_ops_time");
    const g = uniq("it_ops_time_group");
    await produce(t, ["old-1", "old-2"]);
    await new Promise((r) => setTimeout(r, 1_100));
    const mark = new Date();
    await new Promise((r) => setTimeout(r, 100));
    await produce(t, ["new-1", "new-2"]);
    const all = await consume(
      g,
      t,
      () => undefined,
      (seen) => seen.length >= 4,
    );
    expect(all.seen).toEqual(["old-1", "old-2", "new-1", "new-2"]);

    const moved = await cli(["groups", "move", g, "--topic", t, "--to-time", mark.toISOString(), "--yes", ...kafkaArgs()]);
    expect(moved.code).toBe(0);
    expect(moved.out).toContain(`${t}[0]: 4 -> 2 (2 records again)`);
    const replay = await consume(
      g,
      t,
      () => undefined,
      (seen) => seen.length >= 2,
    );
    expect(replay.seen).toEqual(["new-1", "new-2"]);

    expect((await cli(["groups", "move", g, "--topic", t, "--partition", "0", "--to-offset", "1", "--yes", ...kafkaArgs(), "--json"])).code).toBe(0);
    expect(JSON.parse((await cli(["groups", "show", g, ...kafkaArgs(), "--json"])).out).partitions[0].committed).toBe("1");
    const bad = await cli(["groups", "move", g, "--topic", t, "--partition", "0", "--to-offset", "99", "--yes", ...kafkaArgs()]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`offset 99 is outside ${t}[0], which holds offsets 0..3`);
    expect((await cli(["groups", "move", g, "--topic", t, "--to-earliest", "--yes", ...kafkaArgs()])).code).toBe(0);
    expect(JSON.parse((await cli(["groups", "show", g, ...kafkaArgs(), "--json"])).out).partitions[0]).toMatchObject({ committed: "0", lag: "4" });
  });
});

describe("dead letter topics", () => {
  it("list shows each dead letter's x-dlq reason and origin, show prints one, and replay puts the chosen record back on its original topic once", async () => {
    const source = uniq("it_ops_orig");
    const dlq = uniq("it_ops_dlq");
    await produce(source, ["ok", '{"bad":true}']);
    const k = new KafkaOps([env.kafka.bootstrap]);
    try {
      const [, bad] = await k.read(source);
      const record: ConsumedRecord = {
        topic: source,
        partition: bad!.partition,
        offset: bad!.offset,
        key: bad!.key,
        value: bad!.value,
        headers: [],
        timestamp: bad!.timestamp,
      };
      // Exactly what the sink-app writes for a record the endpoint refused for good.
      await k.admin.createTopics({ topics: [dlq], partitions: 1, replicas: 1 });
      const letter = deadLetterRecord(
        dlq,
        record,
        { kind: "rejected", message: "HTTP 422: meter_id missing", sink: "api.postgres", httpStatus: 422 },
        new Date("2026-11-24T06:00:00Z"),
      );
      await k.produce([{ topic: letter.topic, key: letter.key, value: letter.value, headers: letter.headers }]);
    } finally {
      await k.close();
    }

    const list = await cli(["dlq", "list", dlq, ...kafkaArgs()]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      new RegExp(
        `0:0\\s*│\\s*api.postgres\\s*│\\s*rejected 422\\s*│\\s*${source}\\[0\\]@1\\s*│\\s*2026-11-24T06:00:00.000Z\\s*│\\s*HTTP 422: meter_id missing`,
      ),
    );
    const show = JSON.parse((await cli(["dlq", "show", dlq, "0:0", ...kafkaArgs()])).out);
    expect(show).toMatchObject({ sourceTopic: source, sourceOffset: "1", reason: "HTTP 422: meter_id missing", value: '{"bad":true}', key: "k1" });

    const replay = await cli(["dlq", "replay", dlq, "0:0", "--yes", ...kafkaArgs()]);
    expect(replay.code).toBe(0);
    expect(replay.out).toContain(`replayed 1 record(s): 0:0 -> ${source}`);
    expect(await values(source)).toEqual(["ok", '{"bad":true}', '{"bad":true}']);
  });
});
