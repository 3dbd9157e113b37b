// JSON parsing that keeps 64-bit integers exact.
//
// Debezium writes int64 columns and nanosecond timestamps (io.debezium.time.NanoTimestamp,
// ~1.7e18) as JSON numbers; plain JSON.parse rounds anything above 2^53. Node 22's reviver
// receives the source text of each primitive, so unsafe integers become bigint instead.

type ReviverContext = { source?: string };

const INTEGER_TEXT = /^-?\d+$/;

function keepBigIntegers(this: unknown, _key: string, value: unknown, context?: ReviverContext): unknown {
  if (
    typeof value === "number" &&
    Number.isInteger(value) &&
    !Number.isSafeInteger(value) &&
    context?.source !== undefined &&
    INTEGER_TEXT.test(context.source)
  ) {
    return BigInt(context.source);
  }
  return value;
}

/** JSON.parse, but integers beyond Number.MAX_SAFE_INTEGER come back as bigint. */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, keepBigIntegers as (this: unknown, key: string, value: unknown) => unknown);
}

const SCHEMA_PREFIX = Buffer.from('{"schema":');
const PAYLOAD_KEY = Buffer.from(',"payload":');
const CLOSE_BRACE = 0x7d;
const MAX_CACHED_SCHEMAS = 256;
const schemaCache = new Map<string, unknown>();
/**
 * The schemas of the last documents, as bytes, most recent first: records of one table come in
 * runs with the same value schema, and their keys with the same key schema, alternating.
 */
const recent: Array<{ bytes: Buffer; schema: unknown }> = [];
const RECENT_SCHEMAS = 4;
const TS_NS_KEY = '"ts_ns":';

/** The digits of each `"ts_ns":N` in the text, in order (a scan, not a regex: no match objects per record). */
function tsNsDigits(text: string): string[] {
  const out: string[] = [];
  for (let at = text.indexOf(TS_NS_KEY); at !== -1; at = text.indexOf(TS_NS_KEY, at)) {
    at += TS_NS_KEY.length;
    const first = text.charCodeAt(at) === 0x2d ? at + 1 : at; // an optional minus sign
    let end = first;
    for (let c = text.charCodeAt(end); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++end));
    if (end > first) out.push(text.slice(at, end));
  }
  return out;
}

interface IntegerScan {
  /** numbers under a "ts_ns" key, safe or not (their digits are matched to the text in order) */
  tsNs: number;
  unsafeTsNs: number;
  /** unsafe integers anywhere else */
  unsafeOther: number;
}

function scanIntegers(value: unknown, key: string, scan: IntegerScan): IntegerScan {
  if (typeof value === "number") {
    const unsafe = Number.isInteger(value) && !Number.isSafeInteger(value);
    if (key === "ts_ns") {
      scan.tsNs++;
      if (unsafe) scan.unsafeTsNs++;
    } else if (unsafe) scan.unsafeOther++;
  } else if (Array.isArray(value)) {
    for (const v of value) scanIntegers(v, "", scan);
  } else if (value !== null && typeof value === "object") {
    for (const k in value) scanIntegers((value as Record<string, unknown>)[k], k, scan);
  }
  return scan;
}

/**
 * Puts the exact digits of each `"ts_ns":N` back, in document order (JSON.parse keeps that order).
 * `next` counts the digits used so far.
 */
function restoreTsNs(value: unknown, digits: string[], next = { i: 0 }): void {
  if (Array.isArray(value)) {
    for (const v of value) restoreTsNs(v, digits, next);
  } else if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    for (const k in obj) {
      const v = obj[k];
      if (k === "ts_ns" && typeof v === "number") {
        const text = digits[next.i++]!;
        if (!Number.isSafeInteger(v)) obj[k] = BigInt(text);
      } else restoreTsNs(v, digits, next);
    }
  }
}

/**
 * parseJsonExact, fast. The reviver costs about six times a plain parse, and nearly every record
 * needs it only for Debezium's `ts_ns` (nanoseconds since 1970 are beyond 2^53). So: a plain parse
 * first; when its only unsafe integers are `ts_ns` values, their digits are restored from the
 * text; any other unsafe integer (an int64 column, a NanoTimestamp) takes the exact parse.
 */
export function parseValueExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  const scan = scanIntegers(value, "", { tsNs: 0, unsafeTsNs: 0, unsafeOther: 0 });
  if (scan.unsafeOther === 0 && scan.unsafeTsNs === 0) return value;
  if (scan.unsafeOther === 0) {
    const digits = tsNsDigits(text);
    // "ts_ns": inside a string value would shift the digits: then only the exact parse is trusted
    if (digits.length === scan.tsNs) {
      restoreTsNs(value, digits);
      return value;
    }
  }
  return parseJsonExact(text);
}

/** A document not in the compact shape parseConnectJson expects: parsed whole. */
function parseWhole(buf: Buffer): unknown {
  return parseValueExact(buf.toString("utf8"));
}

/**
 * A Kafka Connect JsonConverter document (`{"schema":S,"payload":P}`), parsed exactly. The
 * schema is the same for every record of a table version and carries no large integers: it is
 * parsed once and shared (which also lets decoders cache per-schema lookups). The comparison
 * with recent schemas is on the bytes (a memcmp), and only the payload is decoded to text:
 * the schema is ~3.5 KB of each ~4.5 KB record. Anything not in that compact shape takes the
 * general path.
 */
export function parseConnectJson(doc: Buffer | string): unknown {
  const buf = typeof doc === "string" ? Buffer.from(doc, "utf8") : doc;
  const start = SCHEMA_PREFIX.length;
  if (buf.length < start + PAYLOAD_KEY.length + 2 || buf[buf.length - 1] !== CLOSE_BRACE || buf.compare(SCHEMA_PREFIX, 0, start, 0, start) !== 0) {
    return parseWhole(buf);
  }
  let schema: unknown;
  let payloadAt = -1;
  for (const cached of recent) {
    const end = start + cached.bytes.length;
    if (
      end + PAYLOAD_KEY.length < buf.length &&
      buf.compare(cached.bytes, 0, cached.bytes.length, start, end) === 0 &&
      buf.compare(PAYLOAD_KEY, 0, PAYLOAD_KEY.length, end, end + PAYLOAD_KEY.length) === 0
    ) {
      schema = cached.schema;
      payloadAt = end + PAYLOAD_KEY.length;
      break;
    }
  }
  if (payloadAt < 0) {
    const at = buf.indexOf(PAYLOAD_KEY, start);
    if (at < 0) return parseWhole(buf);
    const schemaText = buf.toString("utf8", start, at);
    schema = schemaCache.get(schemaText);
    if (schema === undefined) {
      try {
        schema = JSON.parse(schemaText) as unknown;
      } catch {
        // the split fell inside a string of the schema: not the compact shape after all
        return parseWhole(buf);
      }
      if (schemaCache.size >= MAX_CACHED_SCHEMAS) schemaCache.delete(schemaCache.keys().next().value!);
      schemaCache.set(schemaText, schema);
    }
    recent.unshift({ bytes: Buffer.from(buf.subarray(start, at)), schema });
    if (recent.length > RECENT_SCHEMAS) recent.pop();
    payloadAt = at + PAYLOAD_KEY.length;
  }
  try {
    return { schema, payload: parseValueExact(buf.toString("utf8", payloadAt, buf.length - 1)) };
  } catch {
    // more than schema and payload at the top level: the general path decides
    return parseWhole(buf);
  }
}

// JSON.rawJSON / JSON.isRawJSON (Node 21+): a value JSON.stringify writes verbatim.
const RawJSON = JSON as unknown as { rawJSON: (text: string) => object; isRawJSON: (value: unknown) => boolean };

/** True for a number kept as its exact source text (see parseJsonDocumentExact). */
export function isRawJsonNumber(value: unknown): boolean {
  return RawJSON.isRawJSON(value);
}

function keepExactNumbers(this: unknown, _key: string, value: unknown, context?: ReviverContext): unknown {
  // a number whose JS value prints differently from its source text lost digits (or a trailing
  // zero, or its exponent form): keep the text, which JSON.stringify writes back verbatim
  if (typeof value === "number" && context?.source !== undefined && String(value) !== context.source) {
    return RawJSON.rawJSON(context.source);
  }
  return value;
}

/**
 * A JSON document held in a column (PostgreSQL json/jsonb, MySQL JSON: io.debezium.data.Json),
 * parsed so that every number keeps its exact digits: 12345678901234567890 and 1.10 come back
 * as raw JSON values that JSON.stringify writes as the same number text. Safe numbers that
 * print as written stay plain numbers.
 */
export function parseJsonDocumentExact(text: string): unknown {
  return printsAsWritten(text) ? JSON.parse(text) : JSON.parse(text, keepExactNumbers as (this: unknown, key: string, value: unknown) => unknown);
}

/** Every JSON number token, and look-alikes inside strings (which can only make the check stricter). */
const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * True when every number in the text prints back as written, so a plain JSON.parse gives what
 * the reviver would (it replaces exactly the numbers that do not). The reviver calls a function
 * per value, several times the cost of this scan; typical documents (small integers, short
 * decimals) pass it.
 */
function printsAsWritten(text: string): boolean {
  for (const [token] of text.matchAll(NUMBER_TOKEN)) {
    if (String(Number(token)) !== token) return false;
  }
  return true;
}

/** JSON.stringify that writes bigint as a JSON number (exact digits). */
export function stringifyJsonExact(value: unknown, space?: number): string {
  // A replacer runs for every value, so the plain call goes first: JSON.stringify throws a
  // TypeError on the first bigint, and only then is it worth replacing them. JSON.rawJSON (same
  // TC39 proposal as the reviver context) emits the digits verbatim.
  try {
    return JSON.stringify(value, null, space);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? RawJSON.rawJSON(v.toString()) : v), space);
  }
}

/**
 * Deep copy where bigint becomes a decimal string: safe for JSON columns and HTTP bodies.
 * Raw JSON numbers (exact digits of a JSON document) stay as they are: JSON.stringify writes them.
 */
export function bigintsToStrings(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (RawJSON.isRawJSON(value)) return value;
  if (Array.isArray(value)) return value.map(bigintsToStrings);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = bigintsToStrings(v);
    return out;
  }
  return value;
}
