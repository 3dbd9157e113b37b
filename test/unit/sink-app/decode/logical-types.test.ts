import { describe, expect, it } from "vitest";
import { decimalFromBase64, formatDecimal, parseDecimal, rescale } from "../../../../sink-app/src/decode/decimal.js";
import { parseJsonExact, stringifyJsonExact } from "../../../../sink-app/src/decode/json.js";
import { type ConnectField, decodeField, typedToDecimal } from "../../../../sink-app/src/decode/logical-types.js";
import {
  dateFromEpochDays,
  formatInstantUtc,
  isoFromEpochMs,
  localDateTimeFromEpoch,
  localDateTimeToInstant,
  parseZonedDateTime,
  timeOfDay,
} from "../../../../sink-app/src/decode/time.js";

const decimalField = (scale: number): ConnectField => ({
  type: "bytes",
  name: "org.apache.kafka.connect.data.Decimal",
  version: 1,
  parameters: { scale: String(scale), "connect.decimal.precision": "14" },
  field: "v",
});

function b64(unscaled: bigint): string {
  // minimal big-endian two's complement, as Java's BigInteger.toByteArray writes it
  let hex = (unscaled < 0n ? (1n << 256n) + unscaled : unscaled).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, "hex");
  if (unscaled < 0n) {
    while (bytes.length > 1 && bytes[0] === 0xff && (bytes[1]! & 0x80) !== 0) bytes = bytes.subarray(1);
  } else if ((bytes[0]! & 0x80) !== 0) {
    bytes = Buffer.concat([Buffer.from([0]), bytes]);
  }
  return bytes.toString("base64");
}

describe("Kafka Connect Decimal bytes", () => {
  it("decodes big-endian two's-complement base64 with the schema's scale, exactly", () => {
    expect(decodeField(b64(48213250n), decimalField(3))).toMatchObject({ kind: "decimal", text: "48213.250" });
    expect(decodeField(b64(-1n), decimalField(2))).toMatchObject({ kind: "decimal", text: "-0.01" });
    expect(decodeField(b64(0n), decimalField(4))).toMatchObject({ kind: "decimal", text: "0.0000" });
    expect(decodeField(b64(-12345678901234567890n), decimalField(4))).toMatchObject({ text: "-1234567890123456.7890" });
    // 128 needs a leading zero byte to stay positive
    expect(decodeField(b64(128n), decimalField(0))).toMatchObject({ text: "128" });
  });

  it('reads the byte example from the Debezium docs ("AQ==" = 1)', () => {
    expect(formatDecimal(decimalFromBase64("AQ==", 2))).toBe("0.01");
  });

  it("rejects text that is not base64", () => {
    expect(() => decodeField("12.5", decimalField(1))).toThrow(/base64/);
  });

  it("decodes io.debezium.data.VariableScaleDecimal {scale, value}", () => {
    const field: ConnectField = { type: "struct", name: "io.debezium.data.VariableScaleDecimal", field: "v" };
    expect(decodeField({ scale: 3, value: b64(7730125n) }, field)).toMatchObject({ kind: "decimal", text: "7730.125" });
  });

  it("reads decimal.handling.mode=string and =double values as decimals", () => {
    expect(formatDecimal(typedToDecimal(decodeField("91234.56", { type: "string", field: "v" })))).toBe("91234.56");
    expect(formatDecimal(typedToDecimal(decodeField(91234.56, { type: "float64", field: "v" })))).toBe("91234.56");
    expect(formatDecimal(parseDecimal("1E-7"))).toBe("0.0000001");
    expect(formatDecimal(parseDecimal("-12"))).toBe("-12");
  });

  it("rounds half away from zero when narrowing the scale", () => {
    expect(formatDecimal(rescale(parseDecimal("1.23455"), 4))).toBe("1.2346");
    expect(formatDecimal(rescale(parseDecimal("-1.23455"), 4))).toBe("-1.2346");
    expect(formatDecimal(rescale(parseDecimal("1.23454"), 4))).toBe("1.2345");
    expect(formatDecimal(rescale(parseDecimal("12.5"), 4))).toBe("12.5000");
  });
});

describe("Debezium temporal types", () => {
  it("turns io.debezium.time.Date epoch days into ISO dates, before and after 1970", () => {
    expect(decodeField(18732, { type: "int32", name: "io.debezium.time.Date", field: "d" })).toEqual({ kind: "date", text: "2021-04-15" });
    expect(dateFromEpochDays(0)).toBe("1970-01-01");
    expect(dateFromEpochDays(-1)).toBe("1969-12-31");
    expect(decodeField(19000, { type: "int32", name: "org.apache.kafka.connect.data.Date", field: "d" })).toEqual({ kind: "date", text: "2022-01-08" });
  });

  it("writes every date and time as Date.toISOString does, in years 0000-9999 and outside them", () => {
    // edges of months, leap days, centuries and the fast range, then a spread over all of it
    const edges = ["0000-01-01", "0000-02-29", "1600-02-29", "1899-12-31", "1900-03-01", "1969-12-31", "1970-01-01", "2000-02-29", "2100-03-01", "9999-12-31"];
    const samples = edges.flatMap((d) => {
      const ms = Date.parse(`${d}T00:00:00Z`);
      return [ms - 1, ms, ms + 86_399_999];
    });
    const min = Date.parse("0000-01-01T00:00:00Z");
    const span = Date.parse("+010000-01-01T00:00:00Z") - min;
    let seed = 42;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; // deterministic spread
      samples.push(min + Math.floor((seed / 2 ** 31) * span));
    }
    samples.push(min - 1, Date.parse("+010000-01-01T00:00:00Z"), 8.64e15, -8.64e15);
    for (const ms of samples) {
      const iso = new Date(ms).toISOString();
      expect(isoFromEpochMs(ms)).toBe(iso);
      expect(localDateTimeFromEpoch(ms, "ms")).toBe(iso.slice(0, -1));
      if (ms % 86_400_000 === 0) expect(dateFromEpochDays(ms / 86_400_000)).toBe(iso.slice(0, iso.indexOf("T")));
    }
    expect(() => isoFromEpochMs(8.64e15 + 1)).toThrow("out of range");
  });

  it("turns Time, MicroTime and NanoTime into times of day with their precision", () => {
    expect(decodeField(45_296_789, { type: "int32", name: "io.debezium.time.Time", field: "t" })).toEqual({ kind: "time", text: "12:34:56.789" });
    expect(timeOfDay(45_296_789_012, "us")).toBe("12:34:56.789012");
    expect(timeOfDay(45_296_789_012_345n, "ns")).toBe("12:34:56.789012345");
  });

  it("turns Timestamp, MicroTimestamp and NanoTimestamp into zone-less date-times", () => {
    expect(decodeField(1730817910250, { type: "int64", name: "io.debezium.time.Timestamp", field: "ts" })).toEqual({
      kind: "local-datetime",
      text: "2024-11-05T14:45:10.250",
    });
    expect(localDateTimeFromEpoch(1730817910250123, "us")).toBe("2024-11-05T14:45:10.250123");
    expect(localDateTimeFromEpoch(1730817910250123456n, "ns")).toBe("2024-11-05T14:45:10.250123456");
    expect(localDateTimeFromEpoch(-1, "ms")).toBe("1969-12-31T23:59:59.999");
  });

  it("keeps NanoTimestamp digits that a plain JSON.parse would round away", () => {
    const parsed = parseJsonExact('{"ts":1730817910250123457}') as { ts: bigint };
    expect(parsed.ts).toBe(1730817910250123457n);
    const decoded = decodeField(parsed.ts, { type: "int64", name: "io.debezium.time.NanoTimestamp", field: "ts" });
    expect(decoded).toEqual({ kind: "local-datetime", text: "2024-11-05T14:45:10.250123457" });
    expect(stringifyJsonExact(parsed)).toBe('{"ts":1730817910250123457}');
  });

  it("converts ZonedTimestamp text with any offset to a UTC instant, keeping microseconds", () => {
    expect(formatInstantUtc(parseZonedDateTime("2024-11-05T09:30:00.123+01:00"))).toBe("2024-11-05T08:30:00.123000Z");
    expect(formatInstantUtc(parseZonedDateTime("2024-11-05T08:30:00.123456Z"))).toBe("2024-11-05T08:30:00.123456Z");
    expect(formatInstantUtc(parseZonedDateTime("2024-11-05T20:00:00-05:00"))).toBe("2024-11-06T01:00:00.000000Z");
    expect(() => parseZonedDateTime("2024-11-05T08:30:00")).toThrow(/offset/);
  });

  it("reads zone-less wall-clock times in a named zone, across daylight saving time", () => {
    expect(formatInstantUtc(localDateTimeToInstant("2024-07-01T12:00:00.5", "Europe/Berlin"))).toBe("2024-07-01T10:00:00.500000Z");
    expect(formatInstantUtc(localDateTimeToInstant("2024-01-15T12:00:00", "Europe/Berlin"))).toBe("2024-01-15T11:00:00.000000Z");
    expect(formatInstantUtc(localDateTimeToInstant("2024-03-10T01:30:00", "America/New_York"))).toBe("2024-03-10T06:30:00.000000Z");
    expect(formatInstantUtc(localDateTimeToInstant("2024-11-05T14:45:10.250", "UTC"))).toBe("2024-11-05T14:45:10.250000Z");
  });
});

describe("other Debezium semantic types", () => {
  it("keeps Uuid, Enum and Json as text and booleans as booleans", () => {
    expect(decodeField("6f1c2a7e-3b1d-4c7a-9e5f-2d8b0c4a1e93", { type: "string", name: "io.debezium.data.Uuid", field: "u" })).toEqual({
      kind: "string",
      text: "6f1c2a7e-3b1d-4c7a-9e5f-2d8b0c4a1e93",
    });
    expect(decodeField("GAS", { type: "string", name: "io.debezium.data.Enum", parameters: { allowed: "ELECTRIC,GAS,WATER" }, field: "e" })).toEqual({
      kind: "string",
      text: "GAS",
    });
    expect(decodeField('{"zone": "north"}', { type: "string", name: "io.debezium.data.Json", field: "j" })).toEqual({
      kind: "json",
      text: '{"zone": "north"}',
    });
    expect(decodeField(true, { type: "boolean", field: "b" })).toEqual({ kind: "boolean", value: true });
    expect(decodeField(1, { type: "int16", field: "tinyint1" })).toEqual({ kind: "integer", value: 1 });
  });

  it("leaves values without a schema raw and reports a schema/value mismatch", () => {
    expect(decodeField(18732, undefined)).toEqual({ kind: "raw", value: 18732 });
    expect(decodeField(null, { type: "int32", name: "io.debezium.time.Date", field: "d" })).toEqual({ kind: "null" });
    expect(() => decodeField("2021-04-15", { type: "int32", name: "io.debezium.time.Date", field: "d" })).toThrow(/integer/);
  });
});
