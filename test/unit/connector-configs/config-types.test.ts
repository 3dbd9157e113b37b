// Editor help is real: the types the define* helpers take are generated from the zod schemas
// with each field's description and default as JSDoc, the generated file is current, it accepts
// exactly what the schemas accept as input, and the TypeScript language service (what editors
// run) shows the description and the default when hovering a field of a shipped config file.
import { readFile } from "node:fs/promises";
import path from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { CONNECTOR_CONFIG_DIR } from "../../../connector-configs/load.js";
import type {
  ApiEndpointsFile,
  DeploymentFile,
  HttpSinkFile,
  MeterMasterMappingFile,
  SourceConnectorFile,
} from "../../../connector-configs/schemas/config-types.generated.js";
import type { SourceConnectorInput } from "../../../connector-configs/schemas/debezium.js";
import type { DeploymentInput } from "../../../connector-configs/schemas/deployment.js";
import type { HttpSinkInput } from "../../../connector-configs/schemas/http-sink.js";
import { GENERATED_FILE, generateConfigTypes } from "../../../scripts/gen-config-types.js";
import type { ApiEndpointsInput } from "../../../sink-app/src/delivery/http/config.js";
import type { MeterMasterMappingInput } from "../../../sink-app/src/mapping/schema.js";

// Checked by tsc (npm run typecheck): each generated type accepts what its schema's input accepts, and no more.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameAsSchemas: [
  Same<SourceConnectorFile, SourceConnectorInput>,
  Same<HttpSinkFile, HttpSinkInput>,
  Same<DeploymentFile, DeploymentInput>,
  Same<MeterMasterMappingFile, MeterMasterMappingInput>,
  Same<ApiEndpointsFile, ApiEndpointsInput>,
] = [true, true, true, true, true];

describe("generated config types", () => {
  it("the checked-in file is what the generator makes from today's schemas (run npx tsx scripts/gen-config-types.ts if not)", async () => {
    expect(await readFile(GENERATED_FILE, "utf8")).toBe(generateConfigTypes());
    expect(sameAsSchemas).toEqual([true, true, true, true, true]);
  });
});

/** A language service over the repository's tsconfig, as an editor opens a file. */
function languageService(files: string[]): ts.LanguageService {
  const configFile = path.resolve("tsconfig.json");
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configFile));
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => files,
    getScriptVersion: () => "1",
    getScriptSnapshot: (f) => (ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(f) ?? "") : undefined),
    getCurrentDirectory: () => process.cwd(),
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host, ts.createDocumentRegistry());
}

const file = (rel: string) => path.join(CONNECTOR_CONFIG_DIR, rel);
const SHIPPED = ["sources/postgres.ts", "sources/mysql.ts", "http-sinks/example-postgres-api.ts", "deployment.ts", "meter-master.ts", "api-endpoints.ts"].map(
  file,
);

describe("hovering a field of a shipped config file", () => {
  const service = languageService(SHIPPED);
  // Building the program (zod's types included) takes seconds, once.
  beforeAll(() => void service.getProgram(), 120_000);

  /** What the editor shows on hover over the first `field:` after `after` in the file. */
  function hover(rel: string, field: string, after = ""): { text: string; defaultTag: string | undefined } {
    const source = ts.sys.readFile(file(rel))!;
    const start = source.indexOf(after);
    const at = source.indexOf(`${field}:`, Math.max(start, 0));
    if (start < 0 || at < 0) throw new Error(`${rel}: no "${field}:" after "${after}"`);
    const info = service.getQuickInfoAtPosition(file(rel), at + 1);
    return {
      text: ts.displayPartsToString(info?.documentation),
      defaultTag: info?.tags
        ?.find((t) => t.name === "default")
        ?.text?.map((p) => p.text)
        .join(""),
    };
  }

  it.each([
    ["sources/postgres.ts", "slotName", "", /^slot\.name: the replication slot this connector reads from/, '"debezium"'],
    ["sources/postgres.ts", "port", "connection", /^database\.port: TCP port of the database server/, "5432"],
    ["sources/postgres.ts", "heartbeatIntervalMs", "", /^heartbeat\.interval\.ms: how often the connector emits a heartbeat/, "10000"],
    ["sources/mysql.ts", "flavor", "defineSourceConnector", /^Which Debezium connector reads the binlog/, '"mysql"'],
    ["sources/mysql.ts", "bootstrapServers", "schemaHistory", /^schema\.history\.internal\.kafka\.bootstrap\.servers:/, '"kafka:9092"'],
    ["http-sinks/example-postgres-api.ts", "timeoutSeconds", "", /^http\.timeout: HTTP response timeout in seconds/, "30"],
    ["http-sinks/example-postgres-api.ts", "maxRetries", "delivery", /^max\.retries: retries of a failed request/, "10"],
    ["deployment.ts", "sources", "defineDeployment", /^The four built-in source systems/, "{}"],
    ["meter-master.ts", "unmappedValue", "mssql", /^when `values` has no entry/, '"error"'],
    ["meter-master.ts", "encoding", "postgres", /^how the value is encoded when events carry no Connect schema/, undefined],
    ["api-endpoints.ts", "url", "mssql", /^Endpoint URL the changes are POSTed to/, undefined],
  ] as const)("%s: %s shows its description and default", { timeout: 60_000 }, (rel, field, after, description, dflt) => {
    const shown = hover(rel, field, after);
    expect(shown.text).toMatch(description);
    expect(shown.defaultTag).toBe(dflt);
  });
});
