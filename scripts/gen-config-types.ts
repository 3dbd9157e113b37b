// Writes connector-configs/schemas/config-types.generated.ts: the TypeScript types the define*
// helpers take, with each field's zod description and default as JSDoc, so an editor shows them
// on hover. The zod schemas stay the single source of truth (and the single check); this file is
// derived from them through z.toJSONSchema (input side: what a config file may write).
//
//   npx tsx scripts/gen-config-types.ts          rewrite the file
//   npx tsx scripts/gen-config-types.ts --check  exit 1 if it is stale
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { mssqlSourceSchema, mysqlSourceSchema, oracleSourceSchema, postgresSourceSchema } from "../connector-configs/schemas/debezium.js";
import { DeploymentSchema } from "../connector-configs/schemas/deployment.js";
import { httpSinkSchema } from "../connector-configs/schemas/http-sink.js";
import { ApiEndpointsSchema } from "../sink-app/src/delivery/http/config.js";
import { MeterMasterMappingSchema } from "../sink-app/src/mapping/schema.js";

export const GENERATED_FILE = fileURLToPath(new URL("../connector-configs/schemas/config-types.generated.ts", import.meta.url));

/** The types to emit: name, schema, and whether the name is an interface (object) or a type alias. */
const ROOTS: ReadonlyArray<readonly [string, z.ZodType]> = [
  ["PostgresSourceFile", postgresSourceSchema],
  ["MysqlSourceFile", mysqlSourceSchema],
  ["MssqlSourceFile", mssqlSourceSchema],
  ["OracleSourceFile", oracleSourceSchema],
  ["HttpSinkFile", httpSinkSchema],
  ["DeploymentFile", DeploymentSchema],
  ["MeterMasterMappingFile", MeterMasterMappingSchema],
  ["ApiEndpointsFile", ApiEndpointsSchema],
];

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  description?: string;
  default?: unknown;
  $ref?: string;
};

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const propName = (k: string) => (IDENT.test(k) ? k : JSON.stringify(k));

/** A JSDoc block from a description and a default (nothing when there is neither). */
function jsdoc(s: JsonSchema, indent: string): string {
  const lines: string[] = [];
  if (s.description) lines.push(...s.description.split("\n"));
  if (s.default !== undefined) lines.push(`@default ${JSON.stringify(s.default)}`);
  if (lines.length === 0) return "";
  const safe = lines.map((l) => l.replace(/\*\//g, "*\\/"));
  if (safe.length === 1) return `${indent}/** ${safe[0]} */\n`;
  return `${indent}/**\n${safe.map((l) => `${indent} * ${l}`).join("\n")}\n${indent} */\n`;
}

function union(parts: string[]): string {
  const unique = [...new Set(parts)];
  return unique.length === 1 ? unique[0]! : unique.map((p) => (p.includes("\n") || p.includes(" & ") ? `(${p})` : p)).join(" | ");
}

/** The TypeScript type of a JSON schema, multi-line objects indented by `indent`. */
function typeOf(s: JsonSchema, indent: string): string {
  if (s.$ref) throw new Error(`unexpected $ref ${s.$ref}: the generator expects inlined schemas`);
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return union(s.enum.map((v) => JSON.stringify(v)));
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives) return union(alternatives.map((a) => typeOf(a, indent)));
  // allOf members that only add constraints (two regexes on one string) say nothing about the type.
  const shaped = (s.allOf ?? []).filter((a) => a.type ?? a.properties ?? a.const ?? a.enum ?? a.oneOf ?? a.anyOf ?? a.allOf ?? a.items ?? a.$ref);
  if (shaped.length > 0) return [...(s.type ? [typeOf({ ...s, allOf: undefined }, indent)] : []), ...shaped.map((a) => typeOf(a, indent))].join(" & ");
  if (Array.isArray(s.type)) return union(s.type.map((t) => typeOf({ ...s, type: t }, indent)));
  switch (s.type) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      const item = s.items ? typeOf(s.items, indent) : "unknown";
      return /^[\w".]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    case "object":
      return objectType(s, indent);
    default:
      return "unknown";
  }
}

function objectType(s: JsonSchema, indent: string): string {
  const props = Object.entries(s.properties ?? {});
  const extra = s.additionalProperties;
  if (props.length === 0) {
    if (extra === false) return "Record<string, never>";
    return `Record<string, ${extra && extra !== true ? typeOf(extra, indent) : "unknown"}>`;
  }
  const inner = `${indent}  `;
  const required = new Set(s.required ?? []);
  const members = props.map(([k, v]) => `${jsdoc(v, inner)}${inner}${propName(k)}${required.has(k) ? "" : "?"}: ${typeOf(v, inner)};`);
  if (extra && extra !== true) members.push(`${inner}[key: string]: ${typeOf(extra, inner)};`);
  return `{\n${members.join("\n")}\n${indent}}`;
}

/** The whole generated module, as text. */
export function generateConfigTypes(): string {
  const out: string[] = [
    "// Generated by scripts/gen-config-types.ts from the zod schemas: do not edit.",
    "// Run `npx tsx scripts/gen-config-types.ts` after changing a schema (a unit test fails while this file is stale).",
    "// Each field carries its schema description and default, so editors show them on hover.",
    "",
  ];
  for (const [name, schema] of ROOTS) {
    const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const body = typeOf(json, "");
    out.push(jsdoc({ description: json.description }, "").trimEnd());
    out.push(body.startsWith("{") ? `export interface ${name} ${body}` : `export type ${name} = ${body};`);
    out.push("");
  }
  out.push("/** One Debezium source connector file (connector-configs/sources/). */");
  out.push("export type SourceConnectorFile = PostgresSourceFile | MysqlSourceFile | MssqlSourceFile | OracleSourceFile;");
  return `${out.filter((l, i) => !(l === "" && out[i - 1] === "")).join("\n")}\n`;
}

async function main(): Promise<void> {
  const text = generateConfigTypes();
  if (process.argv.includes("--check")) {
    const current = await readFile(GENERATED_FILE, "utf8").catch(() => "");
    if (current !== text) {
      console.error(`${path.relative(process.cwd(), GENERATED_FILE)} is stale: run npx tsx scripts/gen-config-types.ts`);
      process.exit(1);
    }
    return;
  }
  await writeFile(GENERATED_FILE, text);
  console.log(`wrote ${path.relative(process.cwd(), GENERATED_FILE)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
