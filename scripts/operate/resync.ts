// `npm run connectors -- resync <source> [table]`: re-sync one source table without downtime.
//
// It inserts Debezium's execute-snapshot signal (type incremental) into the source's signal table
// (signalDataCollection in the source file; stacks/init-sql creates it). The connector goes on
// streaming while it reads the table in chunks and emits every row as a read event; the sink-app
// writes them through the usual source_position guard, so rows Meter Master holds wrongly or not
// at all are rewritten and nothing newer is undone. Why the signal table and not the Kafka signal
// channel: incremental snapshots write their watermarks to the signal table anyway (Debezium's
// source channel is required for them), so the table is needed either way and one channel is less
// to configure and secure.
//
// A Meter Master row whose key the source does not have is never named by any event, so no
// snapshot can remove it; --remove-extra marks those rows deleted after the snapshot (soft delete,
// the stored position kept, so a later real insert of that key still wins).
import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import type { ConnectClient } from "../../sink-app/src/connect/client.js";
import { OperatorError } from "./plan.js";
import { connectionOptions, DifferencesFound, openSource, resolveVerify, type SourceTarget, type VerifyIo, verifyOptionsOf, verifySource } from "./verify.js";
import { differencesOf, formatReport, type SourceReport } from "./verify-core.js";
import { openMeterMaster } from "./verify-db.js";

export interface ResyncIo extends VerifyIo {
  interactive: boolean;
  prompts?: { input: (q: { message: string }) => Promise<string> };
}

/** The signal row Debezium reads: an incremental snapshot of these data collections. */
export function executeSnapshotSignal(tables: readonly string[]): { id: string; type: string; data: string } {
  return { id: randomUUID(), type: "execute-snapshot", data: JSON.stringify({ "data-collections": tables, type: "incremental" }) };
}

/** Missing, different and unmappable: what a snapshot can repair (extras it cannot). */
const repairable = (r: SourceReport) => r.missing.count + r.different.count + r.unmappable.count;

async function confirm(io: ResyncIo, yes: boolean | undefined, what: string): Promise<void> {
  if (yes) return;
  if (!io.interactive || !io.prompts) throw new OperatorError(`${what}\nRefusing without confirmation: run it in a terminal, or pass --yes.`);
  const answer = await io.prompts.input({ message: `${what}\nType yes to go on` });
  if (answer.trim().toLowerCase() !== "yes") throw new OperatorError("Cancelled; nothing changed.");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registerResyncCommand(program: Command, io: ResyncIo, clientFor: (opts: { connectUrl?: string; waitSeconds?: string }) => ConnectClient): void {
  connectionOptions(
    program
      .command("resync <source> [table]")
      .description(
        "Re-sync one source table without downtime: send Debezium an execute-snapshot signal (incremental snapshot) through the source's signal table, wait until Meter Master has every source row as the mapping makes it, and optionally mark rows the source does not have as deleted.",
      ),
  )
    .option("--connect-url <url>", "Kafka Connect REST URL (default: $CONNECT_URL, else http://127.0.0.1:8083)")
    .option("--wait-seconds <s>", "how long to retry while Connect is unreachable", "5")
    .option("--timeout-seconds <s>", "how long to wait for the snapshot to reach Meter Master", "600")
    .option("--no-wait", "send the signal and return")
    .option("--remove-extra", "after the snapshot, mark Meter Master rows of this source that the source does not have as deleted")
    .option("--yes", "do not ask before --remove-extra changes Meter Master")
    .action(async (name: string, table: string | undefined, opts) => {
      const resolved = await resolveVerify([name], opts, io);
      const t: SourceTarget | undefined = resolved.sources[0];
      if (!t) throw new OperatorError(`${name} has no Meter Master mapping (connector-configs/meter-master.ts)`);
      const c = t.config;
      if (c.kind !== "postgres" && c.kind !== "mysql") throw new OperatorError(`${name}: resync supports PostgreSQL and MySQL/MariaDB sources`);
      const signalTable = c.signalDataCollection;
      if (!signalTable) {
        throw new OperatorError(
          `${name} has no signal table: set signalDataCollection in ${t.file} (the shipped files use ${c.kind === "postgres" ? "public" : "meterdb"}.debezium_signal, created by stacks/init-sql/${c.kind}), deploy, then run resync again`,
        );
      }
      const wanted = table ?? t.mapping.table;
      if (!c.tables.includes(wanted)) throw new OperatorError(`${name} does not capture ${wanted} (tables: ${c.tables.join(", ")})`);

      // Signals are read from the change stream: a paused or stopped connector would only act on it later.
      const state = (await clientFor(opts).status(name)).connector.state;
      if (state !== "RUNNING")
        throw new OperatorError(`${name} is ${state}; the signal would wait until it runs again. Resume it first (npm run connectors -- resume ${name}).`);

      const signal = executeSnapshotSignal([wanted]);
      const src = await openSource(t);
      try {
        await src.insertSignal(signalTable, signal.id, signal.type, signal.data);
      } finally {
        await src.close();
      }
      io.out(`${name}: execute-snapshot signal ${signal.id} sent for ${wanted} (incremental; the connector keeps streaming meanwhile)`);
      if (!opts.wait) return io.out(`Run \`npm run connectors -- verify ${name}\` when it has finished.`);
      if (wanted !== t.mapping.table) return io.out(`${wanted} is not the table Meter Master maps (${t.mapping.table}); nothing to wait for.`);

      const vo = verifyOptionsOf(opts);
      const mm = await openMeterMaster(resolved.meterMaster);
      try {
        const verifyOnce = async (onExtra?: (k: string) => void) => {
          const s = await openSource(t);
          try {
            return await verifySource(t, s, mm, { ...vo, onExtra });
          } finally {
            await s.close();
          }
        };
        const deadline = Date.now() + Number(opts.timeoutSeconds) * 1000;
        let report = await verifyOnce();
        let shown = "";
        for (let delay = 1_000; repairable(report) > 0; delay = Math.min(delay * 2, 15_000)) {
          const progress = `${name}: waiting for the snapshot: ${report.missing.count} missing, ${report.different.count} different`;
          if (progress !== shown) {
            shown = progress;
            io.out(progress);
          }
          if (Date.now() > deadline) {
            io.out(formatReport(report));
            throw new DifferencesFound(
              `${name}: still ${repairable(report)} difference(s) after ${opts.timeoutSeconds} s; is the sink-app running and the connector healthy (npm run connectors -- status)?`,
            );
          }
          await sleep(delay);
          report = await verifyOnce();
        }
        io.out(`${name}: every source row is in Meter Master as the mapping makes it`);
        if (report.extra.count > 0) {
          if (!opts.removeExtra) {
            io.out(formatReport(report));
            throw new DifferencesFound(
              `${name}: ${report.extra.count} Meter Master row(s) have no source row; no snapshot event names them. Run again with --remove-extra to mark them deleted.`,
            );
          }
          const extra: string[] = [];
          report = await verifyOnce((k) => extra.push(k));
          await confirm(
            io,
            opts.yes,
            `Mark ${extra.length} Meter Master row(s) of ${name} deleted (the source has no row for them): ${extra.slice(0, 10).join(", ")}${extra.length > 10 ? ", ..." : ""}`,
          );
          let marked = 0;
          for (let i = 0; i < extra.length; i += vo.pageSize) marked += await mm.markDeleted(name, extra.slice(i, i + vo.pageSize));
          io.out(`${name}: marked ${marked} row(s) deleted: ${extra.slice(0, vo.examples).join(", ")}${extra.length > vo.examples ? ", ..." : ""}`);
          report = await verifyOnce();
        }
        io.out(formatReport(report));
        if (differencesOf(report) > 0) throw new DifferencesFound(`${name}: ${differencesOf(report)} difference(s) remain`);
      } finally {
        await mm.close();
      }
    });
}
