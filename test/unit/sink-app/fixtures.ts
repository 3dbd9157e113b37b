// Loads Debezium record values from test/fixtures/debezium/<source>/<name>.json as Kafka records.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { RecordInput } from "../../../sink-app/src/decode/envelope.js";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/debezium/", import.meta.url));

export function fixtureText(path: string): string {
  return readFileSync(`${FIXTURES}${path}`, "utf8");
}

export function fixtureJson(path: string): Record<string, any> {
  return JSON.parse(fixtureText(path)) as Record<string, any>;
}

export function record(
  value: string | object | null,
  options: { topic?: string; key?: object | null; headers?: Array<[string, string]>; offset?: bigint; partition?: number } = {},
): RecordInput {
  const text = value === null ? null : typeof value === "string" ? value : JSON.stringify(value);
  return {
    topic: options.topic ?? "test.topic",
    partition: options.partition ?? 0,
    offset: options.offset ?? 0n,
    key: options.key === undefined || options.key === null ? null : Buffer.from(JSON.stringify(options.key)),
    value: text === null ? null : Buffer.from(text),
    headers: (options.headers ?? []).map(([k, v]) => [k, Buffer.from(v)]),
  };
}

export function fixtureRecord(path: string, options: Parameters<typeof record>[1] = {}): RecordInput {
  return record(fixtureText(path), options);
}
