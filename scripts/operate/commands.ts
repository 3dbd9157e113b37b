// Operator commands of `npm run connectors -- <command>`: source connector offsets, the
// sink-app's consumer groups, and dead letter topics. Registered by scripts/connectors/cli.ts.

import type { Command } from "commander";
import { Option } from "commander";
import { CONNECTOR_CONFIG_DIR } from "../../connector-configs/load.js";
import type { ConnectClient, ConnectorOffsets } from "../../sink-app/src/connect/client.js";
import type { ConnectorState } from "../../sink-app/src/connect/desired.js";
import { CONNECT_STATE, waitUntilHeld, waitUntilRunning } from "../../sink-app/src/connect/reconcile.js";
import { textTable } from "../connectors/table.js";
import { tryDeclaredConnectors } from "./declared.js";
import type { KafkaOps } from "./kafka-ops.js";
import { lagOf, type MoveTarget, newOffset, OperatorError, parseRecordRef, parseTime, readDeadLetter, refuseWhileLive, skipOne } from "./plan.js";

export interface OperateIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  interactive: boolean;
  prompts?: { input: (q: { message: string }) => Promise<string> };
}

export const DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
const POSTGRES_CLASS = "io.debezium.connector.postgresql.PostgresConnector";

/** Asks before a change; `--yes` answers for scripts. Without a terminal and without --yes it refuses. */
async function confirm(io: OperateIo, yes: boolean | undefined, what: string): Promise<void> {
  if (yes) return;
  if (!io.interactive || !io.prompts) throw new OperatorError(`${what}\nRefusing without confirmation: run it in a terminal, or pass --yes.`);
  const answer = await io.prompts.input({ message: `${what}\nType yes to go on` });
  if (answer.trim().toLowerCase() !== "yes") throw new OperatorError("Cancelled; nothing changed.");
}

async function kafkaFor(opts: { bootstrap?: string }, io: OperateIo): Promise<KafkaOps> {
  // The Kafka client is loaded by the commands that use it, so the others start quickly.
  const { KafkaOps } = await import("./kafka-ops.js");
  return new KafkaOps((opts.bootstrap ?? io.env.KAFKA_BOOTSTRAP ?? DEFAULT_BOOTSTRAP).split(","));
}

async function withKafka<T>(opts: { bootstrap?: string }, io: OperateIo, f: (k: KafkaOps) => Promise<T>): Promise<T> {
  const k = await kafkaFor(opts, io);
  try {
    return await f(k);
  } finally {
    await k.close();
  }
}

/** What the slot does when a PostgreSQL connector's offsets are reset or moved. */
export function postgresOffsetsNote(config: Record<string, string>): string {
  const slot = config["slot.name"] ?? "debezium";
  return (
    `PostgreSQL: the replication slot ${slot} is kept and cannot move backwards. With no offsets the connector takes a new snapshot ` +
    `(snapshot.mode=${config["snapshot.mode"] ?? "initial"}) and then streams from the slot's confirmed position, so no change is lost; ` +
    "an LSN set below the slot's confirmed_flush_lsn is not re-read. Meter Master ignores the repeated rows (source_position guard)."
  );
}

/** Stops the connector, runs `change`, then brings it back to its declared state (or the state it was in). */
async function whileStopped(
  client: ConnectClient,
  name: string,
  declared: ConnectorState | undefined,
  io: OperateIo,
  change: () => Promise<string>,
): Promise<void> {
  const before = (await client.status(name)).connector.state;
  const back: ConnectorState = declared ?? (before === "PAUSED" ? "paused" : before === "STOPPED" ? "stopped" : "running");
  if (before !== "STOPPED") {
    io.out(`${name}: stopping (was ${before})`);
    await client.stop(name);
    await waitUntilHeld(client, name, "stopped", { timeoutMs: 60_000, pollMs: 500 });
  }
  io.out(`${name}: ${await change()}`);
  if (back === "stopped") return io.out(`${name}: left STOPPED, as declared`);
  if (back === "paused") await client.pause(name);
  else await client.resume(name);
  io.out(`${name}: back to ${CONNECT_STATE[back]}${declared ? " (declared)" : " (as it was; not declared in the config files)"}`);
  if (back === "running") await waitUntilRunning(client, name, { timeoutMs: 120_000, settleMs: 2_000, pollMs: 500, heldIsFinal: false });
  else await waitUntilHeld(client, name, back, { timeoutMs: 60_000, pollMs: 500 });
}

type ConnectOpts = { connectUrl?: string; waitSeconds?: string; json?: boolean; yes?: boolean; dir: string };

export function registerOperateCommands(
  program: Command,
  io: OperateIo,
  clientFor: (opts: { connectUrl?: string; waitSeconds?: string }) => ConnectClient,
): void {
  const connectOpts = (cmd: Command) =>
    cmd
      .addOption(new Option("--connect-url <url>", "Kafka Connect REST URL (default: $CONNECT_URL, else http://127.0.0.1:8083)"))
      .addOption(new Option("--wait-seconds <s>", "how long to retry while Connect is unreachable or rebalancing").default("5"))
      .option("--dir <dir>", "connector-configs directory (declared states)", CONNECTOR_CONFIG_DIR)
      .option("--json", "print JSON");
  const kafkaOpts = (cmd: Command) =>
    cmd
      .addOption(new Option("--bootstrap <servers>", `Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP, else ${DEFAULT_BOOTSTRAP})`))
      .option("--json", "print JSON");

  // ---------------------------------------------------------------- source connector offsets
  const offsets = program
    .command("offsets")
    .description("Show, reset or set a source connector's offsets (Kafka Connect 3.6+; the connector is stopped meanwhile).");
  connectOpts(offsets.command("show <connector>").description("The connector's committed source offsets.")).action(async (name: string, opts: ConnectOpts) => {
    const o = await clientFor(opts).offsets(name);
    if (opts.json) return io.out(JSON.stringify(o, null, 2));
    if (o.offsets.length === 0) return io.out(`${name}: no offsets (it starts from its snapshot mode's beginning)`);
    for (const e of o.offsets) io.out(`partition ${JSON.stringify(e.partition)}\n  offset ${JSON.stringify(e.offset)}`);
  });

  const declaredOf = async (dir: string, name: string) => {
    const d = await tryDeclaredConnectors(dir);
    return "declared" in d ? d.declared.get(name)?.state : undefined;
  };

  connectOpts(offsets.command("reset <connector>").description("Delete every offset: the connector starts over (a source re-reads per its snapshot mode)."))
    .option("--yes", "do not ask")
    .action(async (name: string, opts: ConnectOpts) => {
      const client = clientFor(opts);
      const config = await client.getConfig(name);
      const pg = config["connector.class"] === POSTGRES_CLASS ? `\n${postgresOffsetsNote(config)}` : "";
      await confirm(io, opts.yes, `Reset every offset of ${name}: it is stopped, its offsets deleted, then brought back to its declared state.${pg}`);
      await whileStopped(client, name, await declaredOf(opts.dir, name), io, async () => (await client.resetOffsets(name)) || "offsets reset");
      if (pg) io.out(pg.trim());
    });

  connectOpts(
    offsets
      .command("set <connector>")
      .description("Write one partition's offset, e.g. --offset '{\"lsn\":12345}' (the partition defaults to the connector's only one)."),
  )
    .requiredOption("--offset <json>", "the new offset map, as the connector writes it (see offsets show)")
    .option("--partition <json>", "the source partition map (see offsets show); default: the only partition the connector has")
    .option("--yes", "do not ask")
    .action(async (name: string, opts: ConnectOpts & { offset: string; partition?: string }) => {
      const client = clientFor(opts);
      const parse = (what: string, text: string) => {
        try {
          const v = JSON.parse(text) as unknown;
          if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
          return v as Record<string, unknown>;
        } catch (err) {
          throw new OperatorError(`--${what} ${text}: expected a JSON object (${(err as Error).message})`);
        }
      };
      const offset = parse("offset", opts.offset);
      let partition: Record<string, unknown>;
      if (opts.partition) partition = parse("partition", opts.partition);
      else {
        const known = (await client.offsets(name)).offsets;
        if (known.length !== 1) throw new OperatorError(`${name} has ${known.length} source partitions; name one with --partition (see offsets show ${name})`);
        partition = known[0]!.partition;
      }
      const config = await client.getConfig(name);
      const pg = config["connector.class"] === POSTGRES_CLASS ? `\n${postgresOffsetsNote(config)}` : "";
      const body: ConnectorOffsets = { offsets: [{ partition, offset }] };
      await confirm(io, opts.yes, `Set ${name}'s offset for ${JSON.stringify(partition)} to ${JSON.stringify(offset)}.${pg}`);
      await whileStopped(client, name, await declaredOf(opts.dir, name), io, async () => (await client.alterOffsets(name, body)) || "offsets altered");
    });

  // ---------------------------------------------------------------- consumer groups
  const groups = program.command("groups").description("The sink-app's consumer groups (meter-master.<source>, api.<source>): position, lag, move, skip.");
  kafkaOpts(groups.command("list").description("Every consumer group with its state.")).action(async (opts) => {
    const rows = await withKafka(opts, io, (k) => k.groupIds());
    if (opts.json) return io.out(JSON.stringify(rows, null, 2));
    const t = textTable(["group", "state"]);
    for (const r of rows) t.push([r.id, r.state]);
    io.out(rows.length ? t.toString() : "No consumer groups.");
  });

  kafkaOpts(groups.command("show <group>").description("The group's members, and per partition its committed position, the partition's end and the lag."))
    .option("--topic <topics...>", "also show these topics when the group has committed nothing on them")
    .action(async (group: string, opts) => {
      const { d, positions } = await withKafka(opts, io, async (k) => ({ d: await k.describe(group), positions: await k.positions(group, opts.topic) }));
      const rows = positions.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        committed: p.committed.toString(),
        end: p.latest.toString(),
        lag: lagOf(p).toString(),
      }));
      if (opts.json) return io.out(JSON.stringify({ group, state: d.state, members: d.members, partitions: rows }, null, 2));
      io.out(
        `group ${group}: ${d.state}, ${d.members.length} member(s)${d.members.length ? `: ${d.members.map((m) => `${m.clientId}@${m.host}`).join(", ")}` : ""}`,
      );
      const t = textTable(["topic", "partition", "committed", "end", "lag"]);
      for (const r of rows) t.push([r.topic, String(r.partition), r.committed === "-1" ? "none" : r.committed, r.end, r.lag]);
      io.out(rows.length ? t.toString() : "No committed offsets.");
    });

  kafkaOpts(
    groups
      .command("move <group>")
      .description("Move a stopped group's committed offsets: to a time (e.g. replay a day into one endpoint), an offset, the start or the end."),
  )
    .requiredOption("--topic <topic>", "the topic to move")
    .option("--partition <n>", "only this partition (default: every partition of the topic)")
    .option("--to-time <time>", "ISO time, date, or -1d/-6h/-30m: the first record at or after it")
    .option("--to-offset <n>", "this offset (with --partition)")
    .option("--to-earliest", "the oldest retained record")
    .option("--to-latest", "the end (skip everything not yet consumed)")
    .option("--yes", "do not ask")
    .action(async (group: string, opts) => {
      const chosen = ["toTime", "toOffset", "toEarliest", "toLatest"].filter((k) => opts[k] !== undefined);
      if (chosen.length !== 1) throw new OperatorError("give exactly one of --to-time, --to-offset, --to-earliest, --to-latest");
      if (opts.toOffset !== undefined && opts.partition === undefined) throw new OperatorError("--to-offset needs --partition");
      const target: MoveTarget = opts.toTime
        ? { kind: "time", at: parseTime(opts.toTime) }
        : opts.toOffset !== undefined
          ? { kind: "offset", offset: BigInt(opts.toOffset) }
          : opts.toEarliest
            ? { kind: "earliest" }
            : { kind: "latest" };
      await withKafka(opts, io, async (k) => {
        const d = await k.describe(group);
        refuseWhileLive(group, d.state, d.members);
        const positions = (await k.positions(group, [opts.topic])).filter(
          (p) => p.topic === opts.topic && (opts.partition === undefined || p.partition === Number(opts.partition)),
        );
        if (positions.length === 0) throw new OperatorError(`${opts.topic} has no partition ${opts.partition}`);
        const atTime =
          target.kind === "time"
            ? await k.offsetsAt(
                opts.topic,
                positions.map((p) => p.partition),
                BigInt(target.at.getTime()),
              )
            : undefined;
        const plan = positions.map((p) => ({ p, to: newOffset(p, target, atTime?.get(p.partition)) }));
        const lines = plan.map(
          ({ p, to }) =>
            `  ${p.topic}[${p.partition}]: ${p.committed < 0n ? "none" : p.committed} -> ${to} (${to < (p.committed < 0n ? p.earliest : p.committed) ? `${(p.committed < 0n ? p.earliest : p.committed) - to} records again` : `${to - (p.committed < 0n ? p.earliest : p.committed)} records skipped`})`,
        );
        await confirm(io, opts.yes, `Move consumer group ${group}:\n${lines.join("\n")}`);
        await k.commit(
          group,
          plan.map(({ p, to }) => ({ topic: p.topic, partition: p.partition, offset: to })),
        );
        if (opts.json)
          io.out(
            JSON.stringify(
              plan.map(({ p, to }) => ({ topic: p.topic, partition: p.partition, from: p.committed.toString(), to: to.toString() })),
              null,
              2,
            ),
          );
        else io.out(`${group}: moved\n${lines.join("\n")}\nStart the sink-app again: it resumes from there.`);
      });
    });

  kafkaOpts(groups.command("skip <group>").description("Skip the one record a stopped group is stuck on (its committed position) in one partition."))
    .requiredOption("--topic <topic>", "topic of the record")
    .requiredOption("--partition <n>", "partition of the record")
    .option("--yes", "do not ask")
    .action(async (group: string, opts) => {
      await withKafka(opts, io, async (k) => {
        const d = await k.describe(group);
        refuseWhileLive(group, d.state, d.members);
        const p = (await k.positions(group, [opts.topic])).find((x) => x.topic === opts.topic && x.partition === Number(opts.partition));
        if (!p) throw new OperatorError(`${opts.topic} has no partition ${opts.partition}`);
        const { skipped, next } = skipOne(p);
        const [rec] = await k.read(opts.topic, { partition: p.partition, from: skipped, limit: 1 });
        const preview = rec?.value ? rec.value.toString("utf8").slice(0, 300) : "(empty value)";
        await confirm(
          io,
          opts.yes,
          `Skip ${opts.topic}[${p.partition}] offset ${skipped} for group ${group} (it will never be handled by this group):\n  key ${rec?.key?.toString("utf8") ?? "null"}\n  value ${preview}`,
        );
        await k.commit(group, [{ topic: p.topic, partition: p.partition, offset: next }]);
        if (opts.json) io.out(JSON.stringify({ group, topic: p.topic, partition: p.partition, skipped: skipped.toString(), next: next.toString() }));
        else io.out(`${group}: skipped ${p.topic}[${p.partition}]@${skipped}; the group goes on at ${next} when the sink-app starts`);
      });
    });

  // ---------------------------------------------------------------- dead letter topics
  const dlq = program.command("dlq").description("Dead letter topics (meter-master.dlq, api.<source>.dlq): list, show, replay after a fix.");
  kafkaOpts(dlq.command("list <topic>").description("Every dead letter with where it came from and its x-dlq-* reason."))
    .option("--limit <n>", "at most this many", "1000")
    .action(async (topic: string, opts) => {
      const records = await withKafka(opts, io, (k) => k.read(topic, { limit: Number(opts.limit) }));
      const letters = records.map((r) => readDeadLetter(r.partition, r.offset, r.headers));
      if (opts.json) return io.out(JSON.stringify(letters, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
      if (letters.length === 0) return io.out(`${topic}: no dead letters`);
      const t = textTable(["record", "sink", "kind", "from", "at", "reason"]);
      for (const l of letters)
        t.push([
          `${l.partition}:${l.offset}`,
          l.sink,
          l.kind + (l.httpStatus ? ` ${l.httpStatus}` : ""),
          `${l.sourceTopic}[${l.sourcePartition}]@${l.sourceOffset}`,
          l.at,
          l.reason.slice(0, 120),
        ]);
      io.out(t.toString());
    });

  kafkaOpts(dlq.command("show <topic> <record>").description("One dead letter (<partition>:<offset>): headers, key and value.")).action(
    async (topic: string, ref: string, opts) => {
      const { partition, offset } = parseRecordRef(ref);
      const [r] = await withKafka(opts, io, (k) => k.read(topic, { partition, from: offset, limit: 1 }));
      if (!r || r.offset !== offset) throw new OperatorError(`${topic} has no record ${ref}`);
      const letter = readDeadLetter(r.partition, r.offset, r.headers);
      const out = { ...letter, key: r.key?.toString("utf8") ?? null, value: r.value?.toString("utf8") ?? null, headers: Object.fromEntries(r.headers) };
      io.out(JSON.stringify(out, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
    },
  );

  kafkaOpts(
    dlq
      .command("replay <topic> <records...>")
      .description("Produce the chosen dead letters (<partition>:<offset> ...) to their original topic again, after the cause is fixed."),
  )
    .option("--yes", "do not ask")
    .action(async (topic: string, refs: string[], opts) => {
      await withKafka(opts, io, async (k) => {
        const chosen = [];
        for (const ref of refs) {
          const { partition, offset } = parseRecordRef(ref);
          const [r] = await k.read(topic, { partition, from: offset, limit: 1 });
          if (!r || r.offset !== offset) throw new OperatorError(`${topic} has no record ${ref}`);
          chosen.push({ r, letter: readDeadLetter(r.partition, r.offset, r.headers) });
        }
        await confirm(
          io,
          opts.yes,
          `Replay ${chosen.length} record(s) to their original topic:\n${chosen.map((c) => `  ${c.r.partition}:${c.r.offset} -> ${c.letter.sourceTopic} (${c.letter.sink}: ${c.letter.reason.slice(0, 100)})`).join("\n")}\nEvery group of that topic reads them again; Meter Master ignores what it already holds, an endpoint gets the same idempotency key.`,
        );
        await k.produce(
          chosen.map(({ r, letter }) => ({
            topic: letter.sourceTopic,
            key: r.key,
            value: r.value,
            headers: [
              ...r.rawHeaders.filter(([h]) => !h.startsWith("x-dlq-")),
              ["x-dlq-replayed-from", `${topic}:${r.partition}:${r.offset}`] as [string, string],
            ],
          })),
        );
        if (opts.json) io.out(JSON.stringify({ replayed: chosen.map((c) => `${c.r.partition}:${c.r.offset}`) }));
        else io.out(`replayed ${chosen.length} record(s): ${chosen.map((c) => `${c.r.partition}:${c.r.offset} -> ${c.letter.sourceTopic}`).join(", ")}`);
      });
    });
}
