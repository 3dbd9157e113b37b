// Pure: the TypeScript source of a new HTTP sink config file, as
// `connectors add-http-sink` writes it (reviewable, deployed by cdktf deploy).
import path from "node:path";
import { CONNECTOR_CONFIG_DIR } from "../../connector-configs/load.js";
import { parseConfig } from "../../connector-configs/schemas/errors.js";
import { httpSinkSchema } from "../../connector-configs/schemas/http-sink.js";

export interface HttpSinkAnswers {
  name: string;
  topic: string;
  url: string;
}

export function httpSinkFileName(name: string): string {
  return `${name}.ts`;
}

/** Checks the answers against the real schema before anything is written; throws ConfigValidationError naming `source`. */
export function validateHttpSinkAnswers(a: HttpSinkAnswers, source: string): void {
  parseConfig(httpSinkSchema, { kind: "http-sink", name: a.name, topics: [a.topic], url: a.url }, source);
}

/** The file text. `importFrom` is the directory the file will live in, to import defineHttpSink relative to it. */
export function httpSinkFileContent(a: HttpSinkAnswers, fileDir: string = path.join(CONNECTOR_CONFIG_DIR, "http-sinks")): string {
  let rel = path.relative(fileDir, path.join(CONNECTOR_CONFIG_DIR, "define.js")).split(path.sep).join("/");
  if (!rel.startsWith(".")) rel = `./${rel}`;
  const q = (s: string) => JSON.stringify(s);
  return `// HTTP sink written by \`npm run connectors -- add-http-sink\`. Review it, then run \`cdktf deploy\`.
// Every field is described in connector-configs/schemas/http-sink.ts; hover in your editor.
// Consumer group: Group_${a.name}. Tombstones are dropped (the Aiven sink fails on null values).
import { defineHttpSink } from ${q(rel)};

export default defineHttpSink({
  name: ${q(a.name)},
  enabled: true,
  topics: [${q(a.topic)}],
  url: ${q(a.url)},
  authorization: { type: "none" },
  contentType: "application/json",
  batching: { enabled: false },
  delivery: { maxRetries: 10, retryBackoffMs: 3000 },
  timeoutSeconds: 30,
  dropTombstones: true,
});
`;
}
