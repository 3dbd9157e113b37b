// parseConnectJson must give exactly what the reviver-based parseJsonExact gives, only faster.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { isRawJsonNumber, parseConnectJson, parseJsonDocumentExact, parseJsonExact, stringifyJsonExact } from "../../../../sink-app/src/decode/json.js";

const FIXTURES = resolve(import.meta.dirname, "../../../fixtures/debezium");
const fixtureTexts = [
  ...readdirSync(FIXTURES)
    .filter((source) => source !== "captured")
    .flatMap((source) =>
      readdirSync(join(FIXTURES, source)).map((file) => ({
        name: `${source}/${file}`,
        // compact, as Kafka Connect's JsonConverter writes it
        text: JSON.stringify(JSON.parse(readFileSync(join(FIXTURES, source, file), "utf8"))),
      })),
    ),
  // records captured from the real connectors: keys and values exactly as Kafka held them
  ...(readdirSync(join(FIXTURES, "captured"), { recursive: true }) as string[])
    .filter((file) => file.endsWith(".json"))
    .flatMap((file) => {
      const { records } = JSON.parse(readFileSync(join(FIXTURES, "captured", file), "utf8")) as {
        records: Array<{ key: string | null; value: string | null }>;
      };
      return records.flatMap((r, i) =>
        [r.key, r.value].filter((t): t is string => t !== null).map((text, j) => ({ name: `captured/${file}#${i}${j ? "value" : "key"}`, text })),
      );
    }),
];

const envelope = (payload: string, schema = '{"type":"struct","fields":[{"type":"int64","field":"id"}]}') => `{"schema":${schema},"payload":${payload}}`;

describe("parseConnectJson", () => {
  it.each(fixtureTexts)("decodes $name exactly as the exact parse does", ({ text }) => {
    expect(parseConnectJson(text)).toStrictEqual(parseJsonExact(text));
  });

  it("keeps nanosecond timestamps (ts_ns) exact without the slow path", () => {
    const text = envelope('{"op":"u","ts_ns":1795509933155123456,"source":{"ts_ns":1795509933150000001,"ts_ms":1795509933150}}');
    const parsed = parseConnectJson(text) as { payload: { ts_ns: bigint; source: { ts_ns: bigint } } };
    expect(parsed.payload.ts_ns).toBe(1795509933155123456n);
    expect(parsed.payload.source.ts_ns).toBe(1795509933150000001n);
  });

  it("matches each ts_ns to its own digits when some are null, negative or safe", () => {
    const text = envelope(
      '{"op":"u","ts_ns":null,"before":{"ts_ns":12},"source":{"ts_ns":-1795509933150000001,"ts_ms":1},"transaction":{"ts_ns":1795509933155123456}}',
    );
    expect(parseConnectJson(text)).toStrictEqual(parseJsonExact(text));
  });

  it.each([
    [
      "digit strings of 18 and 20 digits beside it (GSRN-like ids)",
      '{"op":"c","after":{"gsrn":"123456789012345678","note":"id, 12345678901234567890"},"ts_ns":1795509933155123456}',
    ],
    ["two ts_ns that round to one double with other digits", '{"op":"u","ts_ns":1795509933155123456,"source":{"ts_ns":1795509933155123457}}'],
    ["a ts_ns two levels down", '{"op":"c","after":{"doc":{"ts_ns":1795509933155123456}},"ts_ns":1795509933155123456}'],
    [
      "long fractions and exponents",
      '{"op":"c","after":{"f":0.12345678901234567891,"g":12345678901234567.5,"h":1234567890123456789e2},"ts_ns":1795509933155123456}',
    ],
    ["a ts_ns in an array", '{"op":"c","after":{"list":[{"ts_ns":1795509933155123456}]},"ts_ns":1795509933155123456}'],
    ["whitespace around the numbers", '{ "op": "c", "ts_ns": 1795509933155123456, "source": { "ts_ns": -1795509933150000001 } }'],
  ])("gives what the exact parse gives for %s", (_name, payload) => {
    const text = envelope(payload);
    expect(parseConnectJson(text)).toStrictEqual(parseJsonExact(text));
  });

  it("needs no reviver (the slow path) for ts_ns beside digit strings and long fractions", () => {
    const text = envelope(
      '{"op":"c","after":{"gsrn":"123456789012345678","f":0.12345678901234567891},"source":{"ts_ns":1795509933150000001},"ts_ns":1795509933155123456}',
    );
    const parse = vi.spyOn(JSON, "parse");
    try {
      const parsed = parseConnectJson(text) as { payload: { ts_ns: bigint; source: { ts_ns: bigint } } };
      expect(parsed.payload.ts_ns).toBe(1795509933155123456n);
      expect(parsed.payload.source.ts_ns).toBe(1795509933150000001n);
      expect(parse.mock.calls.filter((args) => args[1] !== undefined)).toEqual([]);
    } finally {
      parse.mockRestore();
    }
  });

  it("keeps an int64 column beyond 2^53 exact", () => {
    const text = envelope('{"op":"c","after":{"id":9007199254740993},"ts_ns":1795509933155123456}');
    expect((parseConnectJson(text) as { payload: { after: { id: bigint } } }).payload.after.id).toBe(9007199254740993n);
  });

  it('is not fooled by "ts_ns": inside a string value', () => {
    const text = envelope('{"op":"c","after":{"note":"\\"ts_ns\\":1","id":1},"ts_ns":1795509933155123456}');
    expect(parseConnectJson(text)).toStrictEqual(parseJsonExact(text));
  });

  it('is not fooled by ,"payload": inside the schema', () => {
    const schema = '{"type":"struct","doc":"a ,\\"payload\\": here","fields":[]}';
    const text = envelope('{"op":"c","after":{"id":9007199254740993}}', schema);
    expect(parseConnectJson(text)).toStrictEqual(parseJsonExact(text));
  });

  it("shares one parsed schema between records of the same table", () => {
    const a = parseConnectJson(envelope('{"op":"c","after":{"id":1}}')) as { schema: unknown };
    const b = parseConnectJson(envelope('{"op":"c","after":{"id":2}}')) as { schema: unknown };
    expect(a.schema).toBe(b.schema);
  });

  it("reads the bytes of a record as it reads their text", () => {
    for (const { text } of fixtureTexts) expect(parseConnectJson(Buffer.from(text, "utf8"))).toStrictEqual(parseJsonExact(text));
  });

  it("keeps one parsed schema for keys and one for values when they alternate, as a topic's records do", () => {
    const keySchema = '{"type":"struct","fields":[{"type":"int64","field":"id"}],"name":"k"}';
    const valueSchema = '{"type":"struct","fields":[{"type":"string","field":"op"}],"name":"v"}';
    const read = (payload: string, schema: string) => (parseConnectJson(Buffer.from(envelope(payload, schema))) as { schema: unknown }).schema;
    const k1 = read('{"id":1}', keySchema);
    const v1 = read('{"op":"c"}', valueSchema);
    expect(read('{"id":2}', keySchema)).toBe(k1);
    expect(read('{"op":"u"}', valueSchema)).toBe(v1);
  });

  it("tells apart a schema that differs from a recent one in one byte", () => {
    const a = parseConnectJson(envelope('{"id":1}', '{"type":"int64","optional":false}')) as { schema: { optional: boolean } };
    const b = parseConnectJson(envelope('{"id":1}', '{"type":"int64","optional":true }')) as { schema: { optional: boolean } };
    expect([a.schema.optional, b.schema.optional]).toEqual([false, true]);
  });

  it("parses schemaless values and keys too", () => {
    expect(parseConnectJson('{"id":9007199254740993}')).toStrictEqual({ id: 9007199254740993n });
    expect(parseConnectJson("42")).toBe(42);
  });

  it("reads a document with more than schema and payload as the general parse does", () => {
    const text = '{"schema":{"type":"int32"},"payload":1,"extra":true}';
    expect(parseConnectJson(text)).toStrictEqual(parseJsonExact(text));
  });

  it("rejects what is not JSON", () => {
    expect(() => parseConnectJson('{"schema":{},"payload":{nope}')).toThrow();
  });
});

describe("parseJsonDocumentExact", () => {
  it.each([
    ['{"big": 12345678901234567890}', "12345678901234567890"],
    ['{"scale": 1.10}', "1.10"],
    ['{"exp": 1e3}', "1e3"],
    ['{"neg": -0}', "-0"],
    ['{"neg": -9223372036854775809}', "-9223372036854775809"],
  ])("keeps the digits of %s as written", (text, digits) => {
    const value = Object.values(parseJsonDocumentExact(text) as Record<string, unknown>)[0];
    expect(isRawJsonNumber(value)).toBe(true);
    expect(stringifyJsonExact(value)).toBe(digits);
  });

  it("gives plain values when every number prints as written, also next to digits inside strings", () => {
    const text = '{"phase": 1, "tariff": "E7", "blob": "c4ca4238a0b9 007 1.10", "n": [1.5, -2, 3.25]}';
    expect(parseJsonDocumentExact(text)).toStrictEqual(JSON.parse(text));
  });
});

describe("stringifyJsonExact", () => {
  it("writes a bigint anywhere in the value as its digits, and plain values as JSON.stringify does", () => {
    expect(stringifyJsonExact({ a: [1, { b: 18446744073709551615n }], c: "x" })).toBe('{"a":[1,{"b":18446744073709551615}],"c":"x"}');
    expect(stringifyJsonExact({ a: [1, { b: 2 }], c: "x" }, 2)).toBe(JSON.stringify({ a: [1, { b: 2 }], c: "x" }, null, 2));
  });
});
