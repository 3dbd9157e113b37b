// One text per event, built from the Debezium `source` block, whose plain (binary/"C")
// string order equals the order in which the source database committed the changes.
// Every numeric part is zero-padded to a fixed width, so lexicographic == numeric order.
// Positions are only ever compared within one source system (one connector).

import { flatText } from "./flat-text.js";

export type SourceBlock = Record<string, unknown>;

const U64_WIDTH = 20; // 18446744073709551615
const U32_WIDTH = 10;

function digits(value: unknown, what: string): string {
  const text = typeof value === "bigint" ? value.toString() : typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !/^\d+$/.test(text)) {
    throw new Error(`source.${what} must be a non-negative integer, got ${JSON.stringify(text)}`);
  }
  const trimmed = text.replace(/^0+(?=\d)/, "");
  if (trimmed.length > U64_WIDTH) throw new Error(`source.${what} is too large: ${text}`);
  return trimmed;
}

function padded(value: unknown, what: string, width = U64_WIDTH): string {
  return digits(value, what).padStart(width, "0");
}

function present(value: unknown): boolean {
  return value !== null && value !== undefined && value !== "";
}

/**
 * PostgreSQL: source.sequence = '["<lastCommitLsn>","<lsn>"]'. pgoutput streams transactions in
 * commit order, so the previous commit LSN orders transactions and the change LSN orders rows
 * inside one. A missing part falls back to `lsn` (older connectors, snapshot rows).
 */
export function postgresPosition(source: SourceBlock): string {
  const lsn = source.lsn;
  let lastCommit: unknown = null;
  let current: unknown = null;
  if (typeof source.sequence === "string" && source.sequence !== "") {
    let seq: unknown;
    try {
      seq = JSON.parse(source.sequence);
    } catch {
      throw new Error(`source.sequence is not a JSON array: ${source.sequence}`);
    }
    if (!Array.isArray(seq) || seq.length !== 2) throw new Error(`source.sequence is not [lastCommitLsn, lsn]: ${source.sequence}`);
    [lastCommit, current] = seq;
  }
  if (!present(current)) current = lsn;
  if (!present(lastCommit)) lastCommit = current;
  if (!present(current)) throw new Error("source has neither lsn nor sequence");
  return flatText([padded(lastCommit, "sequence[0]"), "/", padded(current, "lsn")]);
}

/**
 * MySQL and MariaDB: binlog file number, position of the row event in that file, and row index
 * inside the event. The binlog is written in commit order.
 */
export function binlogPosition(source: SourceBlock): string {
  const file = source.file;
  if (typeof file !== "string" || file === "") throw new Error("source.file (binlog file name) is missing");
  const m = /\.(\d+)$/.exec(file);
  if (!m) throw new Error(`source.file has no numeric binlog suffix: ${file}`);
  return flatText([padded(m[1], "file", U32_WIDTH), "/", padded(source.pos, "pos"), "/", padded(source.row ?? 0, "row", U32_WIDTH)]);
}

const MSSQL_LSN = /^[0-9a-f]{8}:[0-9a-f]{8}:[0-9a-f]{4}$/i;
const MSSQL_ZERO_LSN = "00000000:00000000:0000";

function mssqlLsn(value: unknown, what: string): string {
  if (!present(value)) return MSSQL_ZERO_LSN;
  if (typeof value !== "string" || !MSSQL_LSN.test(value)) {
    throw new Error(`source.${what} is not a SQL Server LSN (xxxxxxxx:xxxxxxxx:xxxx): ${JSON.stringify(value)}`);
  }
  return value.toLowerCase();
}

/**
 * SQL Server: commit LSN orders transactions, change LSN and event serial number order rows
 * inside one. LSNs are fixed-width hex already. Snapshot rows carry only commit_lsn.
 */
export function sqlServerPosition(source: SourceBlock): string {
  if (!present(source.commit_lsn)) throw new Error("source.commit_lsn is missing");
  return flatText([
    mssqlLsn(source.commit_lsn, "commit_lsn"),
    "/",
    mssqlLsn(source.change_lsn, "change_lsn"),
    "/",
    padded(source.event_serial_no ?? 0, "event_serial_no", U32_WIDTH),
  ]);
}

/** Redo record address " 0x0000a1.0002f4c1.0010 " -> fixed-width decimal parts. */
function oracleRsId(value: unknown): string {
  const zero = "0000000000.0000000000.00000";
  if (typeof value !== "string") return zero;
  const parts = value.trim().replace(/^0x/i, "").split(".");
  if (parts.length !== 3 || !parts.every((p) => /^[0-9a-f]+$/i.test(p))) return zero;
  const [seq, block, offset] = parts.map((p) => BigInt(`0x${p}`));
  return `${padded(seq, "rs_id", U32_WIDTH)}.${padded(block, "rs_id", U32_WIDTH)}.${padded(offset, "rs_id", 5)}`;
}

/**
 * Oracle (LogMiner): commit SCN orders transactions; the change SCN, the redo record address and
 * the SQL sequence number order rows inside one. Snapshot rows have no commit_scn: their SCN is
 * the snapshot SCN, which every later commit exceeds.
 */
export function oraclePosition(source: SourceBlock): string {
  const scn = source.scn;
  if (!present(scn)) throw new Error("source.scn is missing");
  let commit = source.commit_scn;
  // RAC offsets write "scn:thread:txid"; the event block normally holds only the number
  if (typeof commit === "string" && commit.includes(":")) commit = commit.split(":")[0];
  if (!present(commit)) commit = scn;
  return flatText([padded(commit, "commit_scn"), "/", padded(scn, "scn"), "/", oracleRsId(source.rs_id), "/", padded(source.ssn ?? 0, "ssn", U32_WIDTH)]);
}

export type ConnectorKind = "postgresql" | "mysql" | "mariadb" | "sqlserver" | "oracle";

export const POSITION_BUILDERS: Record<ConnectorKind, (source: SourceBlock) => string> = {
  postgresql: postgresPosition,
  mysql: binlogPosition,
  mariadb: binlogPosition,
  sqlserver: sqlServerPosition,
  oracle: oraclePosition,
};

export function isConnectorKind(value: unknown): value is ConnectorKind {
  return typeof value === "string" && Object.hasOwn(POSITION_BUILDERS, value);
}

/** The sortable source_position of an event, by `source.connector`. */
export function sourcePosition(source: SourceBlock): string {
  const connector = source.connector;
  if (!isConnectorKind(connector)) {
    throw new Error(`unsupported source.connector ${JSON.stringify(connector)} (expected one of ${Object.keys(POSITION_BUILDERS).join(", ")})`);
  }
  return POSITION_BUILDERS[connector](source);
}
