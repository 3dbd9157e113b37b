// Operator CLI of the sink-app (run from the repository: `npm run sink -- <command>`).
//
//   map --source NAME [--mapping FILE] [--topic TOPIC] < event.json
//       Prints the Meter Master change one Debezium event becomes (the row to upsert, a delete,
//       a skip), or why it cannot be decoded or mapped (exit 1). The event is the record value
//       as Debezium writes it (with or without the JSON schema envelope), or {"key": ..., "value": ...}.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { bigintsToStrings, parseJsonExact, stringifyJsonExact } from "./decode/json.js";
import { decodeRecord } from "./decode/envelope.js";
import { MapError, mapEvent } from "./mapping/map-event.js";
import { parseMeterMasterMapping } from "./mapping/schema.js";
import { ConfigError } from "./validation.js";

const USAGE = "usage: npm run sink -- map --source NAME [--mapping FILE] [--topic TOPIC] < event.json";
const DEFAULT_MAPPING = "connector-configs/meter-master.ts";

class UsageError extends Error {}

async function loadMapping(file: string): Promise<unknown> {
  const abs = resolve(file);
  if (abs.endsWith(".json")) return JSON.parse(readFileSync(abs, "utf8"));
  const mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
  if (mod.default === undefined) throw new ConfigError([{ file, path: "(default export)", value: "(missing)", expected: "`export default defineMeterMasterMapping({...})`" }]);
  return mod.default;
}

/**
 * The stdin text as a Kafka record: a bare Debezium value, or {key, value}. Parsed as the service
 * parses records (integers beyond 2^53 exact) and written back with the same digits, so a 64-bit
 * key or column maps here exactly as it does in the running sink.
 */
export function recordFromText(text: string, topic: string) {
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch (err) {
    throw new UsageError(`stdin is not JSON: ${(err as Error).message}`);
  }
  const isRecord = json !== null && typeof json === "object" && !Array.isArray(json) && "value" in json && !("payload" in json) && !("op" in json);
  const key = isRecord ? (json as { key?: unknown }).key : undefined;
  const value = isRecord ? (json as { value: unknown }).value : json;
  const toBuffer = (v: unknown) => (v === undefined || v === null ? null : Buffer.from(stringifyJsonExact(v)));
  return { topic, partition: 0, offset: 0n, key: toBuffer(key), value: toBuffer(value), headers: [] };
}

async function map(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { source: { type: "string" }, mapping: { type: "string", default: DEFAULT_MAPPING }, topic: { type: "string", default: "cli" } },
    strict: true,
  });
  if (!values.source) throw new UsageError("--source is required");
  const mapping = parseMeterMasterMapping(await loadMapping(values.mapping), values.mapping);
  const source = mapping.sources[values.source];
  if (!source) throw new UsageError(`no mapping for source "${values.source}" in ${values.mapping} (mapped: ${Object.keys(mapping.sources).join(", ")})`);
  const text = readFileSync(0, "utf8");
  let event;
  try {
    event = decodeRecord(recordFromText(text, values.topic));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    process.stderr.write(`cannot decode the event: ${(err as Error).message}\n`);
    return 1;
  }
  const change = mapEvent(event, { ...source, sourceSystem: values.source });
  if (change instanceof MapError) {
    process.stderr.write(`cannot map the event: ${change.message}\n`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify(bigintsToStrings(change), null, 2)}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "map") return await map(rest);
    throw new UsageError(command ? `unknown command "${command}"` : "no command given");
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
