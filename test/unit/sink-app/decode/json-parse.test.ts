// parseConnectJson must give exactly what the reviver-based parseJsonExact gives, only faster.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConnectJson, parseJsonExact } from "../../../../sink-app/src/decode/json.js";

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
