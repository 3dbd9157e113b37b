// Operator CLI of the sink-app, run from the repository: `npm run map-event -- --source NAME < event.json`
// (the `map` command; see USAGE).

import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { decodeRecord } from "./decode/envelope.js";
import { bigintsToStrings, parseJsonExact, stringifyJsonExact } from "./decode/json.js";
import { MapError, mapEvent } from "./mapping/map-event.js";
import { parseMeterMasterMapping } from "./mapping/schema.js";
import { ConfigError, redactCredentials } from "./validation.js";

const USAGE = `usage: npm run map-event -- --source NAME [--mapping FILE] [--topic TOPIC] < event.json
       (npx tsx sink-app/src/cli.ts map --source NAME ...)

Prints the Meter Master change one Debezium event becomes (the row to upsert, a delete, a skip),
or why it cannot be decoded or mapped (exit 1). The event on stdin is the record value as
Debezium writes it (with or without the JSON schema envelope), or {"key": ..., "value": ...}.

  --source NAME    the source system whose mapping applies (a key of the mapping's sources)
  --mapping FILE   the Meter Master mapping, .ts or .json (default connector-configs/meter-master.ts)
  --topic TOPIC    the topic the record is taken to come from (default cli)
  -h, --help       this text`;
const DEFAULT_MAPPING = "connector-configs/meter-master.ts";

/** Wrong arguments: the message and the usage. */
class UsageError extends Error {}
/** A file or input that cannot be used: one line. */
class InputError extends Error {}

/** The mapping module's default export (or the JSON file's value); a file that cannot be loaded is a UsageError of one line. */
async function loadMapping(file: string): Promise<unknown> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new InputError(`--mapping ${file}: no such file`);
  let mod: { default?: unknown };
  try {
    mod = abs.endsWith(".json") ? { default: JSON.parse(readFileSync(abs, "utf8")) } : ((await import(pathToFileURL(abs).href)) as { default?: unknown });
  } catch (err) {
    throw new InputError(`--mapping ${file}: cannot be loaded: ${firstLine(err)}`);
  }
  if (mod.default === undefined) throw new InputError(`--mapping ${file}: has no default export (expected \`export default defineMeterMasterMapping({...})\`)`);
  return mod.default;
}

function firstLine(err: unknown): string {
  const lines = (err instanceof Error ? err.message : String(err))
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  // "Transform failed with 1 error:" says what follows on the next line
  return (lines[0]?.endsWith(":") ? lines.slice(0, 2).join(" ") : lines[0]) ?? "unknown error";
}

/** The file's mapping, checked; a file that is not a Meter Master mapping is one line naming its first problem. */
function parseMapping(value: unknown, file: string) {
  try {
    return parseMeterMasterMapping(value, file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const [first] = err.issues;
    const more = err.issues.length > 1 ? ` (${err.issues.length} problems, this is the first)` : "";
    throw new InputError(
      redactCredentials(
        `--mapping ${file}: not a Meter Master mapping: ${first ? `${first.path}: got ${first.value}; expected ${first.expected}` : "no details"}${more}`,
      ),
    );
  }
}

/** stdin, whole; on a terminal, first says that it waits for the event there. */
function readStdin(): string {
  if (process.stdin.isTTY)
    process.stderr.write("waiting for the Debezium event on stdin (paste it, then Ctrl-D; or: npm run map-event -- --source NAME < event.json)\n");
  return readFileSync(0, "utf8");
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
    throw new InputError(`stdin is not JSON: ${firstLine(err)}`);
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
    options: {
      source: { type: "string" },
      mapping: { type: "string", default: DEFAULT_MAPPING },
      topic: { type: "string", default: "cli" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return help();
  if (!values.source) throw new UsageError("--source is required");
  const mapping = parseMapping(await loadMapping(values.mapping), values.mapping);
  const source = mapping.sources[values.source];
  if (!source) throw new UsageError(`no mapping for source "${values.source}" in ${values.mapping} (mapped: ${Object.keys(mapping.sources).join(", ")})`);
  const text = readStdin();
  let event: ReturnType<typeof decodeRecord>;
  try {
    event = decodeRecord(recordFromText(text, values.topic));
  } catch (err) {
    if (err instanceof InputError) throw err;
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

function help(): number {
  process.stdout.write(`${USAGE}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "--help" || command === "-h" || command === "help") return help();
    if (command === "map") return await map(rest);
    throw new UsageError(command ? `unknown command "${command}"` : "no command given");
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof InputError || err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
