// Column values decoded by their Kafka Connect schema (present when the JSON converter runs
// with schemas.enable=true). Without a schema a value stays "raw" and the mapping's per-column
// encoding hints say how to read it.

import { decimalFromBase64, decimalFromNumber, formatDecimal, parseDecimal, type ScaledDecimal } from "./decimal.js";
import { dateFromEpochDays, localDateTimeFromEpoch, timeOfDay } from "./time.js";

/** A field of a Kafka Connect struct schema as the JsonConverter writes it. */
export interface ConnectField {
  type: string;
  optional?: boolean;
  name?: string;
  version?: number;
  parameters?: Record<string, string>;
  /** the column default Debezium read from the table definition, in the field's own encoding */
  default?: unknown;
  field?: string;
  fields?: ConnectField[];
  items?: ConnectField;
}

export type TypedValue =
  | { kind: "null" }
  /** exact decimal, text form keeps the source scale ("12.340") */
  | { kind: "decimal"; text: string; decimal: ScaledDecimal }
  /** "YYYY-MM-DD" */
  | { kind: "date"; text: string }
  /** "HH:MM:SS.fff…" */
  | { kind: "time"; text: string }
  /** wall-clock "YYYY-MM-DDTHH:MM:SS.fff…" without zone */
  | { kind: "local-datetime"; text: string }
  /** ISO-8601 with offset, as Debezium wrote it */
  | { kind: "zoned-datetime"; text: string }
  | { kind: "zoned-time"; text: string }
  /** JSON document text (io.debezium.data.Json) */
  | { kind: "json"; text: string }
  | { kind: "string"; text: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "integer"; value: number | bigint }
  | { kind: "float"; value: number }
  /** base64 bytes without a known meaning */
  | { kind: "bytes"; text: string }
  /** nested struct/array/map, or any value with no schema: interpreted later by the mapping */
  | { kind: "raw"; value: unknown }
  /**
   * Debezium's placeholder for a value it could not read: an unchanged TOASTed column of a
   * PostgreSQL table with REPLICA IDENTITY DEFAULT. It means "unchanged", never data. `text` is
   * the placeholder as sent (for raw change-event payloads).
   */
  | { kind: "unavailable"; text: string };

/** Debezium's default `unavailable.value.placeholder` (PostgreSQL, Oracle LOBs). */
export const UNAVAILABLE_VALUE_PLACEHOLDER = "__debezium_unavailable_value";
/** The same placeholder in a bytes column, as the JSON converter writes bytes (base64). */
const UNAVAILABLE_VALUE_BASE64 = Buffer.from(UNAVAILABLE_VALUE_PLACEHOLDER, "utf8").toString("base64");

const INTEGER_TYPES = new Set(["int8", "int16", "int32", "int64"]);

function expectInteger(raw: unknown, what: string): number | bigint {
  if (typeof raw === "bigint" || (typeof raw === "number" && Number.isInteger(raw))) return raw;
  throw new Error(`${what} expects an integer, got ${JSON.stringify(raw)}`);
}

function expectString(raw: unknown, what: string): string {
  if (typeof raw === "string") return raw;
  throw new Error(`${what} expects a string, got ${JSON.stringify(raw)}`);
}

function decimal(d: ScaledDecimal): TypedValue {
  return { kind: "decimal", text: formatDecimal(d), decimal: d };
}

/** The null value: one shared object, since nulls are common and carry nothing else. */
export const NULL_VALUE: TypedValue = Object.freeze({ kind: "null" });

/** Decode one column value by its Connect schema; throws with a readable reason. */
export function decodeField(raw: unknown, field: ConnectField | undefined): TypedValue {
  if (raw === null || raw === undefined) return NULL_VALUE;
  // Debezium sends the placeholder in place of any string-encoded value (text, json, xml, enum,
  // decimal text, zoned timestamps) and as its bytes in a bytes column.
  if (raw === UNAVAILABLE_VALUE_PLACEHOLDER) return { kind: "unavailable", text: raw };
  if (raw === UNAVAILABLE_VALUE_BASE64 && field?.type === "bytes") return { kind: "unavailable", text: raw };
  if (!field) return { kind: "raw", value: raw };
  const name = field.name ?? "";
  switch (name) {
    case "org.apache.kafka.connect.data.Decimal": {
      const scale = Number(field.parameters?.scale ?? "0");
      if (typeof raw === "string") return decimal(decimalFromBase64(raw, scale));
      throw new Error(`${name} expects base64 bytes, got ${JSON.stringify(raw)}`);
    }
    case "io.debezium.data.VariableScaleDecimal": {
      const v = raw as { scale?: unknown; value?: unknown };
      if (typeof v !== "object" || typeof v.value !== "string") {
        throw new Error(`${name} expects {scale, value}, got ${JSON.stringify(raw)}`);
      }
      return decimal(decimalFromBase64(v.value, Number(expectInteger(v.scale, name))));
    }
    case "io.debezium.time.Date":
    case "org.apache.kafka.connect.data.Date":
      return { kind: "date", text: dateFromEpochDays(expectInteger(raw, name)) };
    case "io.debezium.time.Time":
    case "org.apache.kafka.connect.data.Time":
      return { kind: "time", text: timeOfDay(expectInteger(raw, name), "ms") };
    case "io.debezium.time.MicroTime":
      return { kind: "time", text: timeOfDay(expectInteger(raw, name), "us") };
    case "io.debezium.time.NanoTime":
      return { kind: "time", text: timeOfDay(expectInteger(raw, name), "ns") };
    case "io.debezium.time.Timestamp":
    case "org.apache.kafka.connect.data.Timestamp":
      return { kind: "local-datetime", text: localDateTimeFromEpoch(expectInteger(raw, name), "ms") };
    case "io.debezium.time.MicroTimestamp":
      return { kind: "local-datetime", text: localDateTimeFromEpoch(expectInteger(raw, name), "us") };
    case "io.debezium.time.NanoTimestamp":
      return { kind: "local-datetime", text: localDateTimeFromEpoch(expectInteger(raw, name), "ns") };
    case "io.debezium.time.ZonedTimestamp":
    case "io.debezium.time.IsoTimestamp":
      return { kind: "zoned-datetime", text: expectString(raw, name) };
    case "io.debezium.time.ZonedTime":
    case "io.debezium.time.IsoTime":
      return { kind: "zoned-time", text: expectString(raw, name) };
    case "io.debezium.time.IsoDate":
      return { kind: "date", text: expectString(raw, name) };
    case "io.debezium.data.Json":
      return { kind: "json", text: expectString(raw, name) };
    case "io.debezium.data.Uuid":
    case "io.debezium.data.Enum":
    case "io.debezium.data.Xml":
      return { kind: "string", text: expectString(raw, name) };
    default:
      break;
  }
  if (INTEGER_TYPES.has(field.type)) return { kind: "integer", value: expectInteger(raw, field.type) };
  switch (field.type) {
    case "boolean":
      if (typeof raw === "boolean") return { kind: "boolean", value: raw };
      throw new Error(`boolean expects true/false, got ${JSON.stringify(raw)}`);
    case "float32":
    case "float64":
      if (typeof raw === "number") return { kind: "float", value: raw };
      // decimal.handling.mode=double still writes NaN/Infinity as strings
      throw new Error(`${field.type} expects a number, got ${JSON.stringify(raw)}`);
    case "string":
      return { kind: "string", text: expectString(raw, "string") };
    case "bytes":
      return { kind: "bytes", text: expectString(raw, "bytes") };
    default:
      return { kind: "raw", value: raw };
  }
}

/** Decimal from any of Debezium's decimal.handling.mode encodings of a decoded value. */
export function typedToDecimal(v: TypedValue): ScaledDecimal {
  switch (v.kind) {
    case "decimal":
      return v.decimal;
    case "integer":
      return { unscaled: BigInt(v.value), scale: 0 };
    case "float":
      return decimalFromNumber(v.value);
    case "string":
      return parseDecimal(v.text);
    case "raw":
      if (typeof v.value === "number") return decimalFromNumber(v.value);
      if (typeof v.value === "bigint") return { unscaled: v.value, scale: 0 };
      // schema-less precise bytes were already decoded by the mapping's encoding hint
      if (typeof v.value === "string") return parseDecimal(v.value);
      if (typeof v.value === "object" && v.value !== null && "value" in v.value && "scale" in v.value) {
        const vs = v.value as { value: unknown; scale: unknown };
        return decimalFromBase64(expectString(vs.value, "VariableScaleDecimal"), Number(expectInteger(vs.scale, "scale")));
      }
      break;
    default:
      break;
  }
  throw new Error(`cannot read a decimal from ${describeTyped(v)}`);
}

export function describeTyped(v: TypedValue): string {
  switch (v.kind) {
    case "null":
      return "null";
    case "boolean":
    case "integer":
    case "float":
      return `${v.kind} ${String(v.value)}`;
    case "raw":
      return `value ${typeof v.value === "bigint" ? v.value.toString() : JSON.stringify(v.value)}`;
    case "decimal":
      return `decimal ${v.text}`;
    case "unavailable":
      return "Debezium's unavailable-value placeholder";
    default:
      return `${v.kind} ${JSON.stringify(v.text)}`;
  }
}
