// The connectors CLI (`npm run connectors -- <command>`): operate the
// connectors on a running Kafka Connect, validate config files offline, apply
// them (same code as the registrar), and scaffold new HTTP sink files.

import { access, writeFile } from "node:fs/promises";
import path from "node:path";
import { Command, CommanderError, Option } from "commander";
import { CONNECTOR_CONFIG_DIR, type ConfigSet, HTTP_SINKS_SUBDIR, loadConnectorConfigs, loadConnectorFile } from "../../connector-configs/load.js";
import { DEFAULT_OWNER, renderDesiredConnectors, sourceTopics } from "../../connector-configs/render.js";
import { ConfigValidationError, formatIssues } from "../../connector-configs/schemas/errors.js";
import {
  ConnectClient,
  ConnectError,
  ConnectorNotFoundError,
  type ConnectorOverview,
  type ConnectorStatus,
  ConnectUnreachableError,
} from "../../sink-app/src/connect/client.js";
import { OWNER_KEY } from "../../sink-app/src/connect/desired.js";
import { CONNECT_STATE, ReconcileError, reconcile } from "../../sink-app/src/connect/reconcile.js";
import { registerOperateCommands } from "../operate/commands.js";
import { tryDeclaredConnectors } from "../operate/declared.js";
import { OperatorError } from "../operate/plan.js";
import { registerResyncCommand } from "../operate/resync.js";
import { registerVerifyCommand } from "../operate/verify.js";
import { httpSinkFileContent, httpSinkFileName, validateHttpSinkAnswers } from "./http-sink-file.js";
import { textTable } from "./table.js";

export const DEFAULT_CONNECT_URL = "http://127.0.0.1:8083";

/** The one place the Connect URL is decided: --connect-url, else CONNECT_URL, else the local default. */
export function resolveConnectUrl(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? env.CONNECT_URL ?? DEFAULT_CONNECT_URL;
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Whether prompts may be shown (stdin is a terminal). */
  interactive: boolean;
  /** Prompts; injected so tests need no terminal. */
  prompts?: {
    select: (q: { message: string; choices: { name: string; value: string }[] }) => Promise<string>;
    input: (q: { message: string; validate?: (v: string) => true | string }) => Promise<string>;
  };
}

/** An error whose message is already the complete, user-facing explanation. */
class CliError extends Error {}

function clientFor(opts: { connectUrl?: string; waitSeconds?: string }, io: CliIo): ConnectClient {
  const totalMs = Math.max(0, Number(opts.waitSeconds ?? 5)) * 1000;
  return new ConnectClient({ url: resolveConnectUrl(opts.connectUrl, io.env), retry: { totalMs } });
}

const shortClass = (c: string | undefined) => (c ?? "?").split(".").pop() ?? "?";
const firstLine = (s: string | undefined) => (s ?? "").split("\n")[0] ?? "";

/** Throws a CliError listing the known connectors if `name` is not one of them. */
async function requireKnown(client: ConnectClient, name: string): Promise<Record<string, ConnectorOverview>> {
  const all = await client.listConnectors();
  if (!(name in all)) {
    const known = Object.keys(all).sort();
    throw new CliError(`No connector named "${name}" on Kafka Connect at ${client.url}. Known connectors: ${known.length ? known.join(", ") : "(none)"}`);
  }
  return all;
}

function listRows(all: Record<string, ConnectorOverview>) {
  return Object.entries(all)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, o]) => ({
      name,
      type: o.status.type,
      class: o.info.config["connector.class"] ?? "",
      state: o.status.connector.state,
      tasks: o.status.tasks.map((t) => ({ id: t.id, state: t.state })),
      managedBy: o.info.config[OWNER_KEY] ?? null,
    }));
}

export function buildProgram(io: CliIo): Command {
  const program = new Command("connectors")
    .description("Operate the Kafka Connect connectors of the Meter Master CDC pipeline.")
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, "")), writeErr: (s) => io.err(s.replace(/\n$/, "")) })
    .exitOverride()
    .showHelpAfterError();

  const connectOpts = (cmd: Command) =>
    cmd
      .addOption(new Option("--connect-url <url>", `Kafka Connect REST URL (default: $CONNECT_URL, else ${DEFAULT_CONNECT_URL})`))
      .addOption(new Option("--wait-seconds <s>", "how long to retry while Connect is unreachable or rebalancing").default("5"))
      .option("--json", "print JSON instead of a table");

  connectOpts(program.command("list").description("List connectors with their state.")).action(async (opts) => {
    const rows = listRows(await clientFor(opts, io).listConnectors());
    if (opts.json) return io.out(JSON.stringify(rows, null, 2));
    const t = textTable(["name", "type", "class", "state", "tasks", "managed by"]);
    for (const r of rows)
      t.push([r.name, r.type, shortClass(r.class), r.state, r.tasks.map((x) => `${x.id}:${x.state}`).join(" ") || "none", r.managedBy ?? "-"]);
    io.out(rows.length ? t.toString() : "No connectors.");
  });

  connectOpts(
    program
      .command("status [name]")
      .description("Connector and task states, declared (config files) vs actual (worker), with the first line of any failure trace."),
  )
    .option("--dir <dir>", "connector-configs directory the declared states are read from", CONNECTOR_CONFIG_DIR)
    .action(async (name: string | undefined, opts) => {
      const client = clientFor(opts, io);
      let statuses: ConnectorStatus[];
      if (name) {
        await requireKnown(client, name);
        statuses = [await client.status(name)];
      } else
        statuses = Object.values(await client.listConnectors())
          .map((o) => o.status)
          .sort((a, b) => a.name.localeCompare(b.name));
      const files = await tryDeclaredConnectors(opts.dir);
      if ("error" in files) io.err(`(declared states unknown: ${files.error})`);
      const declaredOf = (n: string) => ("declared" in files ? (files.declared.get(n)?.state ?? null) : null);
      const withDeclared = statuses.map((s) => ({ ...s, declared: declaredOf(s.name) }));
      if (opts.json) return io.out(JSON.stringify(name ? withDeclared[0] : withDeclared, null, 2));
      const t = textTable(["connector", "task", "declared", "state", "worker", "error"]);
      for (const s of withDeclared) {
        const drift = s.declared !== null && CONNECT_STATE[s.declared] !== s.connector.state ? " (differs)" : "";
        t.push([s.name, "-", (s.declared ?? "not declared") + drift, s.connector.state, s.connector.worker_id, firstLine(s.connector.trace)]);
        for (const task of s.tasks) t.push([s.name, String(task.id), "-", task.state, task.worker_id, firstLine(task.trace)]);
      }
      io.out(statuses.length ? t.toString() : "No connectors.");
    });

  const simple = (cmd: string, what: string, run: (c: ConnectClient, name: string, opts: Record<string, unknown>) => Promise<void>, past: string) =>
    connectOpts(program.command(`${cmd} <name>`).description(what)).action(async (name: string, opts) => {
      const client = clientFor(opts, io);
      await requireKnown(client, name);
      await run(client, name, opts);
      if (opts.json) io.out(JSON.stringify({ name, action: cmd, ok: true }));
      else io.out(`${name}: ${past}`);
    });
  simple("pause", "Pause a connector and its tasks.", (c, n) => c.pause(n), "pause requested");
  simple("resume", "Resume a paused connector.", (c, n) => c.resume(n), "resume requested");
  simple("delete", "Delete a connector (a declared one comes back on the next deploy; disable it in its file instead).", (c, n) => c.delete(n), "deleted");
  const restart = simple(
    "restart",
    "Restart a connector and its tasks.",
    (c, n, o) => c.restart(n, { includeTasks: o.tasks !== false, onlyFailed: o.onlyFailed === true }),
    "restart requested",
  );
  restart.option("--only-failed", "restart only the failed connector/tasks").option("--no-tasks", "restart the connector instance only");

  program
    .command("validate [files...]")
    .description(
      "Check the config files offline, as cdktf synth does: every file under connector-configs/ (deployment, mapping, endpoints, sources, HTTP sinks), every rule across files and the sink-app config built from them; with files, those files in the context of their folder. Exits non-zero on any problem.",
    )
    .option("--dir <dir>", "connector-configs directory", CONNECTOR_CONFIG_DIR)
    .option("--json", "print JSON")
    .action(async (files: string[], opts) => {
      // Loaded here only: the stack (cdktf, the Docker provider) is heavy for every other command.
      const { checkConfigFiles, checkPipelineConfig } = await import("../../stacks/inputs.js");
      const check = files.length > 0 ? await checkConfigFiles(files) : await checkPipelineConfig(opts.dir);
      if (check.issues.length > 0) {
        if (opts.json) io.out(JSON.stringify({ ok: false, issues: check.issues }, null, 2));
        throw new ConfigValidationError(check.issues);
      }
      const summary = summarize(check.set);
      if (opts.json) io.out(JSON.stringify({ ok: true, files: summary }, null, 2));
      else for (const s of summary) io.out(`OK  ${s.file}  (${s.what})`);
    });

  connectOpts(program.command("apply").description("Render the config files and apply them to Kafka Connect, exactly as the registrar does at deploy time."))
    .option("--dir <dir>", "connector-configs directory", CONNECTOR_CONFIG_DIR)
    .option("--owner <id>", "ownership marker value (meter-master.managed-by)", DEFAULT_OWNER)
    .option("--external <names...>", "sources whose databases are external (slots are dropped when their connector is removed)")
    .option("--keep-postgres-slots", "keep replication slots of removed PostgreSQL connectors")
    .option("--timeout-seconds <s>", "how long one connector may take to reach RUNNING", "180")
    .action(async (opts) => {
      const loaded = await loadConnectorConfigs(opts.dir);
      const desired = renderDesiredConnectors(
        [...loaded.sources, ...loaded.httpSinks].map((l) => l.config),
        {
          owner: opts.owner,
          externalSources: opts.external ?? [],
        },
      );
      const client = clientFor({ ...opts, waitSeconds: opts.waitSeconds }, io);
      const r = await reconcile(desired, client, {
        runningTimeoutMs: Number(opts.timeoutSeconds) * 1000,
        readiness: { totalMs: Number(opts.waitSeconds) * 1000 },
        keepPostgresSlots: opts.keepPostgresSlots === true,
        log: opts.json ? undefined : (l) => io.out(l),
      });
      if (opts.json) io.out(JSON.stringify(r, null, 2));
      else io.out(`applied: ${r.created.length} created, ${r.updated.length} updated, ${r.unchanged.length} unchanged, ${r.deleted.length} deleted`);
    });

  program
    .command("add-http-sink")
    .description("Write a new HTTP sink config file (connector-configs/http-sinks/<name>.ts), asking for topic, URL and name; deploy it with cdktf deploy.")
    .addOption(new Option("--connect-url <url>", `Kafka Connect REST URL, for the live topic list (default: $CONNECT_URL, else ${DEFAULT_CONNECT_URL})`))
    .addOption(new Option("--wait-seconds <s>", "how long to retry while Connect is unreachable").default("5"))
    .option("--topic <topic>", "topic to deliver (skips the topic prompt and the live topic list)")
    .option("--url <url>", "endpoint URL records are POSTed to")
    .option("--name <name>", "connector name (consumer group Group_<name>)")
    .option("--dir <dir>", "connector-configs directory", CONNECTOR_CONFIG_DIR)
    .option("--force", "overwrite an existing file of that name")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const prompts = io.prompts;
      const ask = (what: string) => {
        if (!io.interactive || !prompts) throw new CliError(`--${what} is required when not running in a terminal`);
        return prompts;
      };
      let topic: string | undefined = opts.topic;
      if (topic === undefined) {
        const p = ask("topic");
        const topics = await liveTopics(clientFor(opts, io));
        if (topics.length === 0) throw new CliError("No topics found on the running connectors (GET /connectors/{name}/topics). Pass --topic explicitly.");
        topic = await p.select({ message: "Topic to deliver", choices: topics.map((t) => ({ name: t, value: t })) });
      }
      const url: string =
        opts.url ??
        (await ask("url").input({ message: "Endpoint URL (http:// or https://)", validate: (v) => /^https?:\/\/\S+$/.test(v) || "an http(s) URL" }));
      const name: string =
        opts.name ??
        (await ask("name").input({
          message: "Connector name (consumer group will be Group_<name>)",
          validate: (v) => /^[A-Za-z][A-Za-z0-9_.-]*$/.test(v) || "letters, digits, '_', '.', '-', starting with a letter",
        }));
      validateHttpSinkAnswers({ name, topic, url }, "add-http-sink");
      const dir = path.join(opts.dir, HTTP_SINKS_SUBDIR);
      const file = path.join(dir, httpSinkFileName(name));
      if (!opts.force && (await exists(file))) throw new CliError(`${file} already exists; choose another name or pass --force`);
      // Only to refuse a name already taken: files that do not load are reported by validate, not here.
      const existing = await loadConnectorConfigs(opts.dir).catch(() => undefined);
      const clash = existing && [...existing.sources, ...existing.httpSinks].find((l) => l.config.name === name && l.file !== file);
      if (clash) throw new CliError(`A connector named "${name}" is already declared in ${clash.displayFile}; choose another name`);
      await writeFile(file, httpSinkFileContent({ name, topic, url }, dir));
      const check = await loadConnectorFile(file);
      if (!check.ok) throw new CliError(`wrote ${file} but it does not validate:\n${formatIssues(check.issues)}`);
      if (opts.json) io.out(JSON.stringify({ file, name, topic, url, groupId: `Group_${name}` }, null, 2));
      else io.out(`Wrote ${path.relative(process.cwd(), file) || file} (consumer group Group_${name}). Review it, then run cdktf deploy.`);
    });

  // offsets, groups, dlq (scripts/operate/).
  registerOperateCommands(program, io, (o) => clientFor(o, io));
  // verify, resync (scripts/operate/verify.ts, resync.ts).
  registerVerifyCommand(program, io);
  registerResyncCommand(program, io, (o) => clientFor(o, io));

  return program;
}

/** One line per valid file: what it declares. */
function summarize(set: ConfigSet): { file: string; what: string; topics?: string[] }[] {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return [
    ...(set.deployment ? [{ file: set.deployment.displayFile, what: `deployment "${set.deployment.config.name}"` }] : []),
    ...(set.mapping
      ? [{ file: set.mapping.displayFile, what: `Meter Master mapping of ${plural(Object.keys(set.mapping.config.sources).length, "source")}` }]
      : []),
    ...(set.endpoints ? [{ file: set.endpoints.displayFile, what: `API endpoints of ${plural(Object.keys(set.endpoints.config).length, "source")}` }] : []),
    ...set.sources.map((l) => ({
      file: l.displayFile,
      what: `${l.config.kind} "${l.config.name}"${l.config.enabled ? "" : ", disabled"}`,
      topics: sourceTopics(l.config),
    })),
    ...set.httpSinks.map((l) => ({
      file: l.displayFile,
      what: `${l.config.kind} "${l.config.name}"${l.config.enabled ? "" : ", disabled"}`,
      topics: l.config.topics,
    })),
  ];
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Union of the topics of every RUNNING connector, as the old interactive script offered them. */
export async function liveTopics(client: ConnectClient): Promise<string[]> {
  const all = await client.listConnectors();
  const topics = new Set<string>();
  for (const [name, o] of Object.entries(all)) {
    if (o.status.connector.state !== "RUNNING") continue;
    for (const t of await client.topics(name)) topics.add(t);
  }
  return [...topics].sort();
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it in-process. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError || err instanceof ReconcileError || err instanceof OperatorError) io.err(err.message);
    else if (err instanceof ConfigValidationError) io.err(err.message);
    else if (err instanceof ConnectUnreachableError) {
      io.err(`${err.message}\nHint: is the pipeline deployed? \`cdktf output\` shows connect_rest_url; pass --connect-url <url> or set CONNECT_URL.`);
    } else if (err instanceof ConnectorNotFoundError || err instanceof ConnectError) io.err(err.message);
    else io.err(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  }
}
