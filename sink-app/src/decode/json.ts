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

/** JSON.stringify that writes bigint as a JSON number (exact digits). */
export function stringifyJsonExact(value: unknown, space?: number): string {
  // JSON.rawJSON (same TC39 proposal as the reviver context) emits the digits verbatim
  const rawJSON = (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? rawJSON(v.toString()) : v), space);
}

/** Deep copy where bigint becomes a decimal string: safe for JSON columns and HTTP bodies. */
export function bigintsToStrings(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(bigintsToStrings);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = bigintsToStrings(v);
    return out;
  }
  return value;
}
