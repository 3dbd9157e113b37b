// Decoded column values -> Meter Master column values. Each function throws a readable Error;
// mapEvent turns it into a MapError naming the column.

import { decimalFromBase64, formatDecimal, integerDigits, rescale, type ScaledDecimal } from "../decode/decimal.js";
import { bigintsToStrings, parseJsonDocumentExact } from "../decode/json.js";
import { describeTyped, type TypedValue, typedToDecimal } from "../decode/logical-types.js";
import {
  dateFromEpochDays,
  dateOfInstant,
  formatInstantUtc,
  type Instant,
  localDateTimeFromEpoch,
  localDateTimeToInstant,
  parseZonedDateTime,
  type TimeUnit,
} from "../decode/time.js";

export type Encoding = "epoch-days" | "epoch-millis" | "epoch-micros" | "epoch-nanos" | "iso" | "decimal-bytes" | "decimal-text" | "number";

export interface ReadHints {
  encoding?: Encoding | undefined;
  scale?: number | undefined;
  timezone: string;
}

const EPOCH_UNITS: Partial<Record<Encoding, TimeUnit>> = {
  "epoch-millis": "ms",
  "epoch-micros": "us",
  "epoch-nanos": "ns",
};

function asInteger(v: TypedValue): number | bigint | null {
  if (v.kind === "integer") return v.value;
  if (v.kind === "raw" && (typeof v.value === "bigint" || (typeof v.value === "number" && Number.isInteger(v.value)))) {
    return v.value;
  }
  return null;
}

/** Apply a schema-less encoding hint: turn a raw value into the typed value it stands for. */
export function applyEncoding(v: TypedValue, hints: ReadHints): TypedValue {
  // only schema-less values: a Connect schema, when present, always says what a value is
  if (v.kind !== "raw") return v;
  const enc = hints.encoding;
  if (enc === undefined) return v;
  if (enc === "epoch-days") {
    const n = asInteger(v);
    if (n === null) throw new Error(`encoding epoch-days expects an integer, got ${describeTyped(v)}`);
    return { kind: "date", text: dateFromEpochDays(n) };
  }
  const unit = EPOCH_UNITS[enc];
  if (unit) {
    const n = asInteger(v);
    if (n === null) throw new Error(`encoding ${enc} expects an integer, got ${describeTyped(v)}`);
    return { kind: "local-datetime", text: localDateTimeFromEpoch(n, unit) };
  }
  if (enc === "decimal-bytes") {
    const text = v.value;
    if (typeof text !== "string") throw new Error(`encoding decimal-bytes expects base64 text, got ${describeTyped(v)}`);
    const d = decimalFromBase64(text, hints.scale ?? 0);
    return { kind: "decimal", text: formatDecimal(d), decimal: d };
  }
  return v; // iso, decimal-text, number: read by the target conversion
}

/** Text form of a value (text columns, value-map keys, composite key parts). */
export function toText(v: TypedValue): string | null {
  switch (v.kind) {
    case "null":
      return null;
    case "boolean":
      return v.value ? "true" : "false";
    case "integer":
      return v.value.toString();
    case "float":
      return String(v.value);
    case "raw":
      if (typeof v.value === "string") return v.value;
      if (typeof v.value === "number" || typeof v.value === "bigint" || typeof v.value === "boolean") return String(v.value);
      return JSON.stringify(bigintsToStrings(v.value));
    default:
      return v.text;
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const HAS_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

function instantOf(v: TypedValue, hints: ReadHints): Instant {
  switch (v.kind) {
    case "zoned-datetime":
      return parseZonedDateTime(v.text);
    case "local-datetime":
      return localDateTimeToInstant(v.text, hints.timezone);
    case "date":
      return localDateTimeToInstant(`${v.text}T00:00:00`, hints.timezone);
    case "string":
    case "raw": {
      const text = v.kind === "string" ? v.text : v.value;
      if (typeof text === "string") {
        const t = text.trim();
        if (DATE_ONLY.test(t)) return localDateTimeToInstant(`${t}T00:00:00`, hints.timezone);
        return HAS_OFFSET.test(t) && t.length > 10 ? parseZonedDateTime(t) : localDateTimeToInstant(t, hints.timezone);
      }
      break;
    }
    default:
      break;
  }
  const hint = v.kind === "raw" || v.kind === "integer" ? " (schema-less event: set encoding epoch-millis/-micros/-nanos)" : "";
  throw new Error(`cannot read a timestamp from ${describeTyped(v)}${hint}`);
}

/** Meter Master timestamp with time zone: "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
export function toTimestampTz(v: TypedValue, hints: ReadHints): string | null {
  const typed = applyEncoding(v, hints);
  if (typed.kind === "null") return null;
  return formatInstantUtc(instantOf(typed, hints));
}

/** Meter Master date: "YYYY-MM-DD". A timestamp gives its calendar date in the hint's zone. */
export function toDate(v: TypedValue, hints: ReadHints): string | null {
  const typed = applyEncoding(v, hints);
  switch (typed.kind) {
    case "null":
      return null;
    case "date":
      return typed.text;
    case "local-datetime":
      return typed.text.slice(0, 10);
    case "zoned-datetime":
      return dateOfInstant(parseZonedDateTime(typed.text), hints.timezone);
    case "string":
    case "raw": {
      const raw = typed.kind === "string" ? typed.text : typed.value;
      if (typeof raw === "string") {
        const text = raw.trim();
        if (DATE_ONLY.test(text)) return text;
        if (HAS_OFFSET.test(text) && text.length > 10) return dateOfInstant(parseZonedDateTime(text), hints.timezone);
        localDateTimeToInstant(text, "UTC"); // throws unless an ISO local date-time
        return text.slice(0, 10);
      }
      break;
    }
    default:
      break;
  }
  const hint = typed.kind === "raw" || typed.kind === "integer" ? " (schema-less event: set encoding epoch-days)" : "";
  throw new Error(`cannot read a date from ${describeTyped(typed)}${hint}`);
}

/** Meter Master decimal(18,4): exact text with at most 4 decimals, at most 14 integer digits. */
export function toMeterDecimal(v: TypedValue, hints: ReadHints, precision = 18, scale = 4): string | null {
  const typed = applyEncoding(v, hints);
  if (typed.kind === "null") return null;
  const d: ScaledDecimal = rescale(typedToDecimal(typed), scale);
  if (integerDigits(d) > precision - scale) {
    throw new Error(`${formatDecimal(d)} does not fit decimal(${precision},${scale})`);
  }
  return formatDecimal(d);
}

const TRUE_TEXT = new Set(["true", "t", "y", "yes", "1"]);
const FALSE_TEXT = new Set(["false", "f", "n", "no", "0"]);

/** Booleans from BOOLEAN, MySQL TINYINT(1)/SQL Server BIT as 0/1, or Y/N text. */
export function toBoolean(v: TypedValue): boolean | null {
  if (v.kind === "null") return null;
  if (v.kind === "boolean") return v.value;
  if (v.kind === "raw" && typeof v.value === "boolean") return v.value;
  const text = toText(v)?.trim().toLowerCase();
  if (text !== undefined && TRUE_TEXT.has(text)) return true;
  if (text !== undefined && FALSE_TEXT.has(text)) return false;
  throw new Error(`cannot read a boolean from ${describeTyped(v)}`);
}

/** JSON-able value for the attributes column, by the value's own type. */
export function toAttributeValue(v: TypedValue): unknown {
  switch (v.kind) {
    case "null":
      return null;
    case "boolean":
    case "float":
      return v.value;
    case "integer":
      return typeof v.value === "bigint" ? v.value.toString() : v.value;
    case "json":
      try {
        return parseJsonDocumentExact(v.text);
      } catch {
        return v.text;
      }
    case "raw":
      return bigintsToStrings(v.value);
    default:
      return v.text;
  }
}

export type AttributeType = "auto" | "text" | "boolean" | "integer" | "decimal" | "date" | "timestamp" | "json";

export function convertAttribute(v: TypedValue, as: AttributeType, hints: ReadHints): unknown {
  switch (as) {
    case "auto":
      return toAttributeValue(applyEncoding(v, hints));
    case "text":
      return toText(applyEncoding(v, hints));
    case "boolean":
      return toBoolean(v);
    case "integer": {
      const text = toText(v);
      if (text === null) return null;
      if (!/^-?\d+$/.test(text.trim())) throw new Error(`not an integer: ${text}`);
      const n = BigInt(text.trim());
      return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n.toString();
    }
    case "decimal": {
      const typed = applyEncoding(v, hints);
      return typed.kind === "null" ? null : formatDecimal(typedToDecimal(typed));
    }
    case "date":
      return toDate(v, hints);
    case "timestamp":
      return toTimestampTz(v, hints);
    case "json": {
      const text = toText(v);
      if (text === null) return null;
      return parseJsonDocumentExact(text);
    }
  }
}
