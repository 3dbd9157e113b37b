// `npm run connectors -- verify [source...]`: proof that Meter Master equals the sources.
//
// Two keyset passes per source, each page looked up on the other side by primary key, so memory
// stays at one page whatever the table size: (1) source rows in key order -> the row the mapping
// makes of each -> Meter Master's rows for those keys: missing, different (per-row digest of the
// mapped columns and attributes, then the differing columns); (2) Meter Master's live keys of that
// source in key order -> do they exist in the source: extra. Connection details come from the
// deploy's own files (connector-configs/: deployment.ts host ports, the source files' logins,
// .env secrets), with flags for what differs when run from elsewhere.
import { type Command, Option } from "commander";
import type { Loaded } from "../../connector-configs/load.js";
import { CONNECTOR_CONFIG_DIR, configFilesIn, loadConfigSet } from "../../connector-configs/load.js";
import type { SourceConnectorConfig } from "../../connector-configs/schemas/debezium.js";
import type { Deployment } from "../../connector-configs/schemas/deployment.js";
import { formatIssues } from "../../connector-configs/schemas/errors.js";
import { canonicalKey, type NamedSourceMapping } from "../../sink-app/src/mapping/map-event.js";
import { readDotEnv, tfVarEnv } from "../../stacks/deploy-files.js";
import { EMBEDDED_METER_MASTER } from "../../stacks/embedded-meter-master.js";
import { OperatorError } from "./plan.js";
import {
  comparePage,
  differencesOf,
  emptyReport,
  expectedRow,
  formatReport,
  keyParts,
  note,
  presentRow,
  type SourceReport,
  type SourceTableRef,
  storedRow,
} from "./verify-core.js";
import {
  type MeterMasterAddress,
  type MeterMasterTable,
  openMeterMaster,
  openMysqlSource,
  openPostgresSource,
  type ServerAddress,
  type SourceTable,
} from "./verify-db.js";

export interface VerifyIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** verify found differences: the report is printed, the exit code is 1. */
export class DifferencesFound extends OperatorError {}

// ---------------------------------------------------------------- where things are

export interface VerifyConnectionOptions {
  dir: string;
  sourceAddress?: string[];
  meterMaster?: string;
  meterMasterPasswordEnv?: string;
  meterMasterTable?: string;
}

/** A secret by its container variable name: the environment, else TF_VAR_<name> from the environment or .env. */
export function secretValue(name: string, env: NodeJS.ProcessEnv, dotEnv: Record<string, string>): string | undefined {
  return env[name] || env[tfVarEnv(name)] || dotEnv[tfVarEnv(name)] || dotEnv[name] || undefined;
}

function requireSecret(name: string, what: string, io: VerifyIo): string {
  const v = secretValue(name, io.env, readDotEnv(process.cwd()));
  if (!v) throw new OperatorError(`${what}: no password: set ${name} (or ${tfVarEnv(name)}, as npm run secrets:init writes it to .env)`);
  return v;
}

function hostPortOf(text: string, what: string): { host: string; port: number } {
  const m = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(text);
  if (!m) throw new OperatorError(`${what} ${JSON.stringify(text)}: expected host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** From this machine, a published container port is on the deployment's host address (127.0.0.1 unless set). */
const reachableHostIp = (d: Deployment) => (d.hostIp === "0.0.0.0" || d.hostIp === "::" ? "127.0.0.1" : d.hostIp);

export interface SourceTarget {
  config: SourceConnectorConfig;
  file: string;
  mapping: NamedSourceMapping;
  ref: SourceTableRef;
  address: ServerAddress;
}

export interface ResolvedVerify {
  sources: SourceTarget[];
  /** Sources verify cannot read yet (SQL Server, Oracle), left out of a run without names. */
  skipped: string[];
  meterMaster: MeterMasterAddress;
}

export async function resolveVerify(names: readonly string[], o: VerifyConnectionOptions, io: VerifyIo): Promise<ResolvedVerify> {
  const { set, issues } = await loadConfigSet(await configFilesIn(o.dir));
  if (issues.length) throw new OperatorError(`the config files under ${o.dir} do not validate:\n${formatIssues(issues)}`);
  const deployment = set.deployment?.config;
  const mapping = set.mapping?.config;
  if (!deployment || !mapping) throw new OperatorError(`${o.dir} has no deployment.ts or meter-master.ts`);
  const overrides = new Map(
    (o.sourceAddress ?? []).map((s) => {
      const eq = s.indexOf("=");
      if (eq < 1) throw new OperatorError(`--source-address ${JSON.stringify(s)}: expected <source>=<host>:<port>`);
      return [s.slice(0, eq), hostPortOf(s.slice(eq + 1), "--source-address")] as const;
    }),
  );
  const enabled = set.sources.filter((l) => l.config.enabled);
  const known = enabled.map((l) => l.config.name);
  for (const n of [...names, ...overrides.keys()]) {
    if (!known.includes(n)) throw new OperatorError(`no enabled source named "${n}" in ${o.dir}/sources (known: ${known.join(", ") || "none"})`);
  }
  const mapped = (names.length ? enabled.filter((l) => names.includes(l.config.name)) : enabled).filter((l) => mapping.sources[l.config.name] !== undefined);
  // Without names, every source verify can read; a named one it cannot read is an error (sourceTarget).
  const readable = (l: Loaded<SourceConnectorConfig>) => names.length > 0 || l.config.kind === "postgres" || l.config.kind === "mysql";
  const skipped = mapped.filter((l) => !readable(l)).map((l) => `${l.config.name} (${l.config.kind})`);
  const sources = mapped.filter(readable).map((l) => sourceTarget(l, deployment, mapping.sources[l.config.name]!, overrides.get(l.config.name), io));
  return { sources, skipped, meterMaster: meterMasterAddress(deployment, o, io) };
}

function sourceTarget(
  l: Loaded<SourceConnectorConfig>,
  d: Deployment,
  sourceMapping: Omit<NamedSourceMapping, "sourceSystem">,
  override: { host: string; port: number } | undefined,
  io: VerifyIo,
): SourceTarget {
  const c = l.config;
  if (c.kind !== "postgres" && c.kind !== "mysql") {
    throw new OperatorError(`${c.name}: verify reads PostgreSQL and MySQL/MariaDB sources; ${c.kind} is not supported yet`);
  }
  const entry = (d.sources as Record<string, Deployment["sources"]["postgres"] | undefined>)[c.name];
  let at = override;
  if (!at && entry?.enabled && entry.database.mode === "embedded") {
    if (entry.database.hostPort === null)
      throw new OperatorError(
        `${c.name}: the embedded database publishes no host port (deployment.ts hostPort: null); pass --source-address ${c.name}=<host>:<port>`,
      );
    at = { host: reachableHostIp(d), port: entry.database.hostPort };
  }
  at ??= { host: c.connection.host, port: c.connection.port };
  if (!("env" in c.connection.password))
    throw new OperatorError(`${c.name}: its password is read from a file inside Kafka Connect; export it as an environment variable to verify from here`);
  const password = requireSecret(c.connection.password.env, c.name, io);
  const parts = sourceMapping.table.split(".");
  if (parts.length !== 2) throw new OperatorError(`${c.name}: mapping table ${sourceMapping.table} is not <schema|database>.<table>`);
  const database = c.kind === "postgres" ? c.connection.database : parts[0]!;
  const ref: SourceTableRef =
    c.kind === "postgres" ? { dialect: "postgres", db: database, schema: parts[0]!, table: parts[1]! } : { dialect: "mysql", db: parts[0]!, table: parts[1]! };
  return {
    config: c,
    file: l.displayFile,
    mapping: { ...sourceMapping, sourceSystem: c.name } as NamedSourceMapping,
    ref,
    address: { ...at, user: c.connection.user, password, database },
  };
}

function meterMasterAddress(d: Deployment, o: VerifyConnectionOptions, io: VerifyIo): MeterMasterAddress {
  const [schema, table] = (o.meterMasterTable ?? "").split(".");
  const tableOf = (kind: "postgres" | "mssql") => ({
    schema: o.meterMasterTable ? schema! : kind === "mssql" ? "dbo" : "public",
    table: o.meterMasterTable ? (table ?? "meter_master") : "meter_master",
  });
  if (o.meterMaster) {
    let url: URL;
    try {
      url = new URL(o.meterMaster);
    } catch {
      throw new OperatorError(
        `--meter-master ${JSON.stringify(o.meterMaster)}: expected postgres://user@host:port/database or mssql://user@host:port/database`,
      );
    }
    const kind = url.protocol.replace(/:$/, "");
    if (kind !== "postgres" && kind !== "mssql") throw new OperatorError(`--meter-master: scheme postgres or mssql, not ${kind}`);
    if (url.password) throw new OperatorError("--meter-master: no password in the URL; name its variable with --meter-master-password-env");
    const passwordEnv = o.meterMasterPasswordEnv ?? "METER_MASTER_PASSWORD";
    const q = url.searchParams;
    return {
      kind,
      host: url.hostname,
      port: url.port ? Number(url.port) : kind === "mssql" ? 1433 : 5432,
      user: decodeURIComponent(url.username),
      database: decodeURIComponent(url.pathname.replace(/^\//, "")),
      password: requireSecret(passwordEnv, "Meter Master", io),
      table: tableOf(kind),
      tls: {
        enabled: kind === "mssql" ? q.get("encrypt") !== "false" : q.get("ssl") === "true",
        trustServerCertificate: q.get("trustServerCertificate") === "true",
      },
    };
  }
  const t = d.meterMaster.target;
  if (t.mode === "external") {
    const passwordEnv = o.meterMasterPasswordEnv ?? "METER_MASTER_PASSWORD";
    return {
      kind: t.kind,
      host: t.host,
      port: t.port,
      user: t.user,
      database: t.database,
      password: requireSecret(passwordEnv, "Meter Master", io),
      table: tableOf(t.kind),
      tls: { enabled: t.kind === "mssql", trustServerCertificate: false },
    };
  }
  const mssql = d.sources.mssql.database;
  if (mssql.mode !== "embedded" || mssql.hostPort === null)
    throw new OperatorError("Meter Master is in the embedded SQL Server, which publishes no host port; pass --meter-master mssql://user@host:port/MeterMaster");
  return {
    kind: "mssql",
    host: reachableHostIp(d),
    port: mssql.hostPort,
    user: EMBEDDED_METER_MASTER.user,
    database: EMBEDDED_METER_MASTER.database,
    password: requireSecret(o.meterMasterPasswordEnv ?? EMBEDDED_METER_MASTER.passwordEnv, "Meter Master", io),
    table: tableOf("mssql"),
    // the embedded server's certificate is self-signed (as the sink-app's config says)
    tls: { enabled: true, trustServerCertificate: true },
  };
}

export async function openSource(t: SourceTarget): Promise<SourceTable> {
  return t.ref.dialect === "postgres" ? openPostgresSource(t.address, t.ref.schema!, t.ref.table) : openMysqlSource(t.address, t.ref.db, t.ref.table);
}

// ---------------------------------------------------------------- the comparison

export interface VerifyOptions {
  pageSize: number;
  examples: number;
  /** Called with every extra key (resync --remove-extra needs them all, not only the examples). */
  onExtra?: (key: string) => void;
}

export async function verifySource(t: SourceTarget, src: SourceTable, mm: MeterMasterTable, o: VerifyOptions): Promise<SourceReport> {
  const report = emptyReport(t.config.name, t.mapping.table);
  const columns = await src.columns();
  const key = t.mapping.key;
  const keyColumns = key.map((k) => {
    const c = columns.find((x) => x.name === k);
    if (!c) throw new OperatorError(`${t.config.name}: key column ${k} (meter-master.ts) is not a column of ${t.mapping.table}`);
    return c;
  });

  // pass 1: every source row, in key order -> missing, different, unmappable
  let after: string[] | null = null;
  for (;;) {
    const rows = await src.page(key, after, o.pageSize);
    if (rows.length === 0) break;
    const expected = rows.map((r) => expectedRow(t.mapping, t.ref, presentRow(columns, r)));
    const keys = expected.flatMap((e) => (e.ok ? [e.key] : []));
    const found = await mm.rows(t.config.name, keys);
    const stored = new Map([...found].map(([k, s]) => [k, { row: storedRow(s.texts), deleted: s.deleted }]));
    comparePage(report, expected, stored, o.examples);
    const last = rows[rows.length - 1]!;
    after = key.map((k) => last[k] ?? "");
    if (rows.length < o.pageSize) break;
  }

  // pass 2: every live Meter Master key of this source -> extra when the source has no such row
  let mmAfter: string | null = null;
  for (;;) {
    const keys = await mm.keys(t.config.name, mmAfter, o.pageSize);
    if (keys.length === 0) break;
    report.meterMasterRows += keys.length;
    const present = await existingKeys(t, src, keyColumns, keys);
    for (const k of keys) {
      if (present.has(k)) continue;
      note(report.extra, k, o.examples);
      o.onExtra?.(k);
    }
    mmAfter = keys[keys.length - 1]!;
    if (keys.length < o.pageSize) break;
  }
  return report;
}

/** Which of these Meter Master keys the source has, by the key the mapping makes of the found rows. */
async function existingKeys(t: SourceTarget, src: SourceTable, keyColumns: Parameters<typeof presentRow>[0], keys: readonly string[]): Promise<Set<string>> {
  const parsed = keys.flatMap((k) => {
    const p = keyParts(k, keyColumns.length);
    return p ? [p] : [];
  });
  const canonical = (rows: Awaited<ReturnType<SourceTable["keysIn"]>>) => rows.map((r) => canonicalKey(t.mapping.key, presentRow(keyColumns, r)));
  try {
    return new Set(canonical(await src.keysIn(t.mapping.key, parsed)));
  } catch {
    // a key that does not even cast to the column's type fails the whole page: ask one by one
    const out = new Set<string>();
    for (const p of parsed) {
      const rows = await src.keysIn(t.mapping.key, [p]).catch(() => []);
      for (const k of canonical(rows)) out.add(k);
    }
    return out;
  }
}

export async function verifyAll(r: ResolvedVerify, o: VerifyOptions, each?: (report: SourceReport) => void): Promise<SourceReport[]> {
  const mm = await openMeterMaster(r.meterMaster);
  try {
    const reports: SourceReport[] = [];
    for (const t of r.sources) {
      const src = await openSource(t);
      try {
        const report = await verifySource(t, src, mm, o);
        reports.push(report);
        each?.(report);
      } finally {
        await src.close();
      }
    }
    return reports;
  } finally {
    await mm.close();
  }
}

// ---------------------------------------------------------------- the command

export const connectionOptions = (cmd: Command) =>
  cmd
    .option("--dir <dir>", "connector-configs directory (deployment, mapping, source files)", CONNECTOR_CONFIG_DIR)
    .option("--source-address <source=host:port...>", "reach a source database here instead of the address the config files give")
    .option("--meter-master <url>", "Meter Master database, e.g. postgres://user@127.0.0.1:5432/meter_master (default: deployment.ts)")
    .option("--meter-master-password-env <VAR>", "environment variable holding Meter Master's password (default: the deployment's)")
    .option("--meter-master-table <schema.table>", "Meter Master table (default dbo.meter_master or public.meter_master)")
    .addOption(new Option("--page-size <n>", "rows per page on either side").default("5000"))
    .addOption(new Option("--examples <n>", "example keys shown per kind of difference").default("5"));

export function verifyOptionsOf(opts: { pageSize: string; examples: string }): VerifyOptions {
  const pageSize = Number(opts.pageSize);
  const examples = Number(opts.examples);
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new OperatorError(`--page-size ${opts.pageSize}: a positive whole number`);
  if (!Number.isInteger(examples) || examples < 0) throw new OperatorError(`--examples ${opts.examples}: a whole number`);
  return { pageSize, examples };
}

export function registerVerifyCommand(program: Command, io: VerifyIo): void {
  connectionOptions(
    program
      .command("verify [sources...]")
      .description(
        "Compare each source table with Meter Master (keys, and a digest of the mapped columns and attributes per row) and print what is missing, extra or different; exits non-zero on any difference.",
      ),
  )
    .option("--json", "print JSON")
    .action(async (names: string[], opts) => {
      const resolved = await resolveVerify(names, opts, io);
      if (resolved.skipped.length) io.err(`not verified: ${resolved.skipped.join(", ")}: verify reads PostgreSQL and MySQL/MariaDB sources only`);
      const reports = await verifyAll(resolved, verifyOptionsOf(opts), opts.json ? undefined : (r) => io.out(formatReport(r)));
      if (opts.json) io.out(JSON.stringify(reports, null, 2));
      const total = reports.reduce((n, r) => n + differencesOf(r), 0);
      if (total > 0)
        throw new DifferencesFound(
          `verify: ${total} difference(s) in ${reports
            .filter((r) => differencesOf(r) > 0)
            .map((r) => r.source)
            .join(", ")}`,
        );
    });
}
