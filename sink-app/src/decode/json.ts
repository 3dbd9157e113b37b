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

const SCHEMA_PREFIX = '{"schema":';
const PAYLOAD_KEY = ',"payload":';
const MAX_CACHED_SCHEMAS = 256;
const schemaCache = new Map<string, unknown>();
let last: { text: string; schema: unknown; payloadAt: number } | undefined;
const TS_NS = /"ts_ns":(-?\d+)/g;

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

/** Puts the exact digits of each `"ts_ns":N` back, in document order (JSON.parse keeps that order). */
function restoreTsNs(value: unknown, digits: string[]): void {
  if (Array.isArray(value)) {
    for (const v of value) restoreTsNs(v, digits);
  } else if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    for (const k in obj) {
      const v = obj[k];
      if (k === "ts_ns" && typeof v === "number") {
        const text = digits.shift()!;
        if (!Number.isSafeInteger(v)) obj[k] = BigInt(text);
      } else restoreTsNs(v, digits);
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
    const digits = [...text.matchAll(TS_NS)].map((m) => m[1]!);
    // "ts_ns": inside a string value would shift the digits: then only the exact parse is trusted
    if (digits.length === scan.tsNs) {
      restoreTsNs(value, digits);
      return value;
    }
  }
  return parseJsonExact(text);
}

/**
 * A Kafka Connect JsonConverter document (`{"schema":S,"payload":P}`), parsed exactly. The
 * schema is the same text for every record of a table version and carries no large integers:
 * it is parsed once and shared (which also lets decoders cache per-schema lookups). Any text
 * not in that compact shape takes the general path.
 */
export function parseConnectJson(text: string): unknown {
  // Records of one table come in runs with the same schema: compare with the last one in place
  // (no slice, no hashing of a few kilobytes per record).
  if (
    last &&
    text.startsWith(last.text, SCHEMA_PREFIX.length) &&
    text.startsWith(PAYLOAD_KEY, last.payloadAt - PAYLOAD_KEY.length) &&
    text.startsWith(SCHEMA_PREFIX) &&
    text.endsWith("}")
  ) {
    try {
      return { schema: last.schema, payload: parseValueExact(text.slice(last.payloadAt, -1)) };
    } catch {
      return parseValueExact(text);
    }
  }
  if (text.startsWith(SCHEMA_PREFIX) && text.endsWith("}")) {
    const at = text.indexOf(PAYLOAD_KEY);
    if (at > 0) {
      const schemaText = text.slice(SCHEMA_PREFIX.length, at);
      let schema = schemaCache.get(schemaText);
      if (schema === undefined) {
        try {
          schema = JSON.parse(schemaText) as unknown;
        } catch {
          // the split fell inside a string of the schema: not the compact shape after all
          return parseValueExact(text);
        }
        if (schemaCache.size >= MAX_CACHED_SCHEMAS) schemaCache.delete(schemaCache.keys().next().value!);
        schemaCache.set(schemaText, schema);
      }
      last = { text: schemaText, schema, payloadAt: at + PAYLOAD_KEY.length };
      try {
        return { schema, payload: parseValueExact(text.slice(at + PAYLOAD_KEY.length, -1)) };
      } catch {
        // more than schema and payload at the top level: the general path decides
        return parseValueExact(text);
      }
    }
  }
  return parseValueExact(text);
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
  return JSON.parse(text, keepExactNumbers as (this: unknown, key: string, value: unknown) => unknown);
}

/** JSON.stringify that writes bigint as a JSON number (exact digits). */
export function stringifyJsonExact(value: unknown, space?: number): string {
  // JSON.rawJSON (same TC39 proposal as the reviver context) emits the digits verbatim
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? RawJSON.rawJSON(v.toString()) : v), space);
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
