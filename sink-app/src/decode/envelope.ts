// Debezium change event envelopes (PostgreSQL, MySQL/MariaDB, SQL Server, Oracle) read from
// Kafka records produced by the JsonConverter, with or without its {"schema","payload"} wrapper.

import { parseConnectJson } from "./json.js";
import { type ConnectField, decodeField, type TypedValue } from "./logical-types.js";
import { type ConnectorKind, isConnectorKind, type SourceBlock, sourcePosition } from "./positions.js";

export type DecodedRow = Record<string, TypedValue>;

export interface RecordInput {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
}

interface EventBase {
  topic: string;
  partition: number;
  offset: bigint;
  /** decoded message key (the row's primary key), null when the record has none */
  key: DecodedRow | null;
}

export interface ChangeEvent extends EventBase {
  type: "change";
  /** c = create, u = update, d = delete, r = snapshot read */
  op: "c" | "u" | "d" | "r";
  connector: ConnectorKind;
  before: DecodedRow | null;
  after: DecodedRow | null;
  source: SourceBlock;
  /** sortable commit-order position, see positions.ts */
  position: string;
  /** source.ts_ms: when the change was made in the database (snapshot: when it was read) */
  sourceTsMs: number | null;
  /**
   * A delete's before-image holds only the key: PostgreSQL REPLICA IDENTITY DEFAULT (or MySQL
   * binlog_row_image=MINIMAL). Debezium then fills the other columns with null, or, for NOT NULL
   * columns, with the column's default or an empty value ("", 0, false); those are not data.
   */
  beforeIsKeyOnly: boolean;
  /** set for the delete/create pair Debezium emits when a primary key changes */
  keyChange: "moved-away" | "moved-here" | null;
  /** true when the record carried the Connect schema */
  hasSchema: boolean;
  /** the Debezium payload as received (schema wrapper removed), for raw delivery */
  payload: Record<string, unknown>;
}

/** Null-value record that follows a delete, for log compaction. Carries no new information. */
export interface TombstoneEvent extends EventBase {
  type: "tombstone";
}

export interface TruncateEvent extends EventBase {
  type: "truncate";
  connector: ConnectorKind;
  source: SourceBlock;
  position: string;
  sourceTsMs: number | null;
  payload: Record<string, unknown>;
}

export type DecodedEvent = ChangeEvent | TombstoneEvent | TruncateEvent;

export class DecodeError extends Error {
  override readonly name = "DecodeError";
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True for an object with exactly these two keys (counted without Object.keys' array per record). */
function hasOnlyKeys(doc: Record<string, unknown>, a: string, b: string): boolean {
  if (!(a in doc) || !(b in doc)) return false;
  for (const key in doc) if (key !== a && key !== b) return false;
  return true;
}

/** {"schema": {...}, "payload": ...} as written with schemas.enable=true */
function unwrap(doc: unknown): { schema: ConnectField | null; payload: unknown } {
  if (isObject(doc) && hasOnlyKeys(doc, "schema", "payload")) {
    return { schema: isObject(doc.schema) ? (doc.schema as unknown as ConnectField) : null, payload: doc.payload };
  }
  return { schema: null, payload: doc };
}

function parseBuffer(buf: Buffer, what: string): unknown {
  try {
    return parseConnectJson(buf);
  } catch (err) {
    throw new DecodeError(`${what} is not JSON: ${(err as Error).message}`);
  }
}

// Schemas are shared between records (parseConnectJson caches them), so their lookups are too.
const fieldMaps = new WeakMap<ConnectField, Map<string, ConnectField>>();

function fieldsByName(struct: ConnectField | undefined | null): Map<string, ConnectField> | null {
  if (!struct?.fields) return null;
  let map = fieldMaps.get(struct);
  if (!map) {
    map = new Map(struct.fields.filter((f) => f.field !== undefined).map((f) => [f.field!, f]));
    fieldMaps.set(struct, map);
  }
  return map;
}

function decodeRow(raw: unknown, fields: Map<string, ConnectField> | null, what: string): DecodedRow | null {
  if (raw === null || raw === undefined) return null;
  if (!isObject(raw)) throw new DecodeError(`${what} must be an object, got ${JSON.stringify(raw)}`);
  const row: DecodedRow = {};
  // for..in, not Object.entries: no [column, value] pair per column (JSON.parse objects have no inherited keys)
  for (const column in raw) {
    try {
      row[column] = decodeField(raw[column], fields?.get(column));
    } catch (err) {
      throw new DecodeError(`${what}.${column}: ${(err as Error).message}`);
    }
  }
  return row;
}

function decodeKey(key: Buffer | null): DecodedRow | null {
  if (key === null || key.length === 0) return null;
  let parsed: unknown;
  try {
    parsed = parseConnectJson(key);
  } catch {
    // a key written by StringConverter: keep the text as one column
    return { key: { kind: "string", text: key.toString("utf8") } };
  }
  const { schema, payload } = unwrap(parsed);
  if (payload === null) return null;
  if (!isObject(payload)) {
    // a key converted by StringConverter or a custom SMT: keep it as one column
    return { key: decodeField(payload, undefined) };
  }
  return decodeRow(payload, fieldsByName(schema), "key");
}

/** What Debezium puts in a NOT NULL column it has no value for: the schema default, else an empty value of the type. */
function isFillValue(raw: unknown, field: ConnectField | undefined): boolean {
  if (field?.default !== undefined && field.default !== null) return raw === field.default;
  if (field?.optional === true) return false; // an optional column without value is null
  return raw === "" || raw === 0 || raw === false;
}

/**
 * True when every non-key column of a delete's before-image is null or a fill value. A full image
 * whose data columns all hold exactly those values is taken as key-only too, which changes
 * nothing: a delete keeps the columns Meter Master holds either way.
 */
export function isKeyOnlyImage(raw: unknown, fields: Map<string, ConnectField> | null, key: DecodedRow | null): boolean {
  if (!isObject(raw) || key === null) return false;
  const keyColumns = new Set(Object.keys(key));
  if (![...keyColumns].every((k) => k in raw)) return false;
  for (const [column, value] of Object.entries(raw)) {
    if (keyColumns.has(column) || value === null) continue;
    if (!isFillValue(value, fields?.get(column))) return false;
  }
  return true;
}

function hasHeader(headers: Array<[string, Buffer | null]>, name: string): boolean {
  for (const [n] of headers) if (n === name) return true;
  return false;
}

/**
 * A row change whose key and before-image are decoded when first read. Meter Master upserts
 * read neither (with REPLICA IDENTITY FULL every update carries a whole before-image), and
 * decoding them anyway took ~3 µs per change of ~17 for decoding (docs/benchmarks.md, round 9).
 * A malformed key or before-image throws its DecodeError where it is read, so only a sink that
 * needs it dead-letters the record.
 */
class DecodedChange implements ChangeEvent {
  readonly type = "change";
  beforeIsKeyOnly = false;
  #key: DecodedRow | null | undefined;
  #before: DecodedRow | null | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: bigint,
    readonly op: ChangeEvent["op"],
    readonly connector: ConnectorKind,
    readonly after: DecodedRow | null,
    readonly source: SourceBlock,
    readonly position: string,
    readonly sourceTsMs: number | null,
    readonly keyChange: ChangeEvent["keyChange"],
    readonly hasSchema: boolean,
    readonly payload: Record<string, unknown>,
    private readonly rawKey: Buffer | null,
    private readonly rowFields: Map<string, ConnectField> | null,
  ) {}

  get key(): DecodedRow | null {
    if (this.#key === undefined) this.#key = decodeKey(this.rawKey);
    return this.#key;
  }

  get before(): DecodedRow | null {
    if (this.#before === undefined) this.#before = decodeRow(this.payload.before, this.rowFields, "before");
    return this.#before;
  }
}

/**
 * Decode a Debezium record. Throws DecodeError (the record goes to the dead letter topic) for
 * anything that is not a Debezium row-change envelope. A change's key and before-image are
 * decoded when first read (see DecodedChange).
 */
export function decodeRecord(record: RecordInput): DecodedEvent {
  const { topic, partition, offset } = record;
  // tombstones and truncates carry their key decoded
  const withKey = () => ({ topic, partition, offset, key: decodeKey(record.key) });
  if (record.value === null || record.value.length === 0) return { ...withKey(), type: "tombstone" };

  const { schema, payload } = unwrap(parseBuffer(record.value, "record value"));
  if (payload === null) return { ...withKey(), type: "tombstone" };
  if (!isObject(payload)) throw new DecodeError(`record value is not a Debezium envelope object`);

  const op = payload.op;
  if (op === undefined) {
    const hint = "__op" in payload || "__deleted" in payload ? " (ExtractNewRecordState output? the sink needs the full envelope)" : "";
    throw new DecodeError(`record value has no "op" field: not a Debezium change event envelope${hint}`);
  }
  const source = payload.source;
  if (!isObject(source)) throw new DecodeError(`envelope has no "source" block`);
  const connector = source.connector;
  if (!isConnectorKind(connector)) throw new DecodeError(`unsupported source.connector ${JSON.stringify(connector)}`);

  let position: string;
  try {
    position = sourcePosition(source);
  } catch (err) {
    throw new DecodeError(`cannot build source_position: ${(err as Error).message}`);
  }
  const tsMs = source.ts_ms;
  const sourceTsMs = typeof tsMs === "number" ? tsMs : typeof tsMs === "bigint" ? Number(tsMs) : null;

  if (op === "t") return { ...withKey(), type: "truncate", connector, source, position, sourceTsMs, payload };
  if (op !== "c" && op !== "u" && op !== "d" && op !== "r") {
    throw new DecodeError(`unsupported op ${JSON.stringify(op)} (expected c, u, d, r or t)`);
  }

  const envelopeFields = fieldsByName(schema);
  const rowFields = fieldsByName(envelopeFields?.get("after") ?? envelopeFields?.get("before"));
  const after = decodeRow(payload.after, rowFields, "after");
  if ((op === "c" || op === "u" || op === "r") && after === null) throw new DecodeError(`op "${op}" without "after" row`);
  const keyChange = hasHeader(record.headers, "__debezium.newkey") ? "moved-away" : hasHeader(record.headers, "__debezium.oldkey") ? "moved-here" : null;
  const event = new DecodedChange(
    topic,
    partition,
    offset,
    op,
    connector,
    after,
    source,
    position,
    sourceTsMs,
    keyChange,
    schema !== null,
    payload,
    record.key,
    rowFields,
  );
  if (op === "d") {
    // a delete reads both now: they are what identifies the deleted row
    if (event.before === null && event.key === null) {
      throw new DecodeError(`op "d" with neither "before" row nor record key: the deleted row cannot be identified`);
    }
    event.beforeIsKeyOnly = isKeyOnlyImage(payload.before, rowFields, event.key);
  }
  return event;
}
