// The rules `npm run connectors -- validate` and `cdktf synth` share, one class of mistake per
// test, each made in a copy of the shipped config files as a user would make it.
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ConfigIssue } from "../../../connector-configs/schemas/errors.js";
import { checkConfigFiles, checkPipelineConfig, loadPipelineInputs } from "../../../stacks/inputs.js";
import { configDir, type Edit, removeScratch } from "./config-dir.js";

afterAll(removeScratch);

async function problems(edits: Edit[]): Promise<{ dir: string; issues: ConfigIssue[]; lines: string[] }> {
  const dir = await configDir(edits);
  const { issues } = await checkPipelineConfig(dir);
  return { dir, issues, lines: issues.map((i) => `${path.relative(dir, i.file)}: ${i.path}: got ${i.value}; expected ${i.expected}`) };
}

const mapping = (from: string, to: string): Edit => ({ file: "meter-master.ts", replace: [[from, to]] });

describe("meter-master.ts is checked before deploy", () => {
  it("a mapping whose table the connector does not capture is refused, naming both files", async () => {
    const { lines } = await problems([mapping('table: "public.meters"', 'table: "public.meter"')]);
    expect(lines).toEqual([
      expect.stringMatching(
        /^meter-master\.ts: sources\.postgres\.table: got "public\.meter"; expected a table that .*sources\/postgres\.ts captures \(tables: public\.meters\)/,
      ),
    ]);
  });

  it("a mapping for a source that no connector file declares is refused", async () => {
    const { lines } = await problems([mapping("    postgres: {\n", "    postgress: {\n")]);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^meter-master\.ts: sources\.postgress: got "postgress"; expected the name of a source connector \(connector files declare: mssql, mysql, oracle, postgres\)/,
        ),
        expect.stringMatching(/^meter-master\.ts: sources\.postgres: got \(missing\); expected a mapping for source "postgres": .*postgres\.ts is enabled/),
      ]),
    );
  });

  it("a Meter Master column that does not exist is refused, listing the columns there are", async () => {
    const { lines } = await problems([mapping('customer_ref: { from: "customer_id", trim: true },', 'customer: { from: "customer_id", trim: true },')]);
    expect(lines).toEqual([
      'meter-master.ts: sources.postgres.columns.customer: got {"from":"customer_id","trim":true}; expected a Meter Master column: meter_id, meter_type, status, customer_ref, location, installed_at, last_reading, last_reading_at',
    ]);
  });

  it("a mapping without meter_id is refused", async () => {
    const { lines } = await problems([mapping('meter_id: { from: "serial_no", trim: true },', "")]);
    expect(lines).toEqual([expect.stringMatching(/^meter-master\.ts: sources\.postgres\.columns\.meter_id: got \(missing\); expected a string or an object/)]);
  });

  it("decimal-bytes without a scale is refused", async () => {
    const { lines } = await problems([mapping('encoding: "decimal-bytes", scale: 3', 'encoding: "decimal-bytes"')]);
    expect(lines).toEqual([
      "meter-master.ts: sources.postgres.columns.last_reading.scale: got (missing); expected the column's scale: encoding decimal-bytes needs it",
    ]);
  });

  it("an unknown time zone is refused", async () => {
    const { lines } = await problems([mapping('timezone: "UTC" },\n', 'timezone: "Europe/Berln" },\n')]);
    expect(lines).toEqual([
      'meter-master.ts: sources.mysql.columns.last_reading_at.timezone: got "Europe/Berln"; expected an IANA time zone name such as UTC or Europe/Berlin',
    ]);
  });

  it("a text conversion on a number column is refused", async () => {
    const { lines } = await problems([
      mapping('last_reading: { from: "last_value", encoding: "decimal-bytes", scale: 3 }', 'last_reading: { from: "last_value", trim: true }'),
    ]);
    expect(lines).toEqual([
      "meter-master.ts: sources.postgres.columns.last_reading.trim: got true; expected no trim: trim, case and values apply to text columns only, and last_reading is decimal",
    ]);
  });

  it("an encoding that does not give the column's type is refused", async () => {
    const { lines } = await problems([
      mapping('installed_at: { from: "installed_on", encoding: "epoch-days" }', 'installed_at: { from: "installed_on", encoding: "decimal-text" }'),
    ]);
    expect(lines).toEqual([
      'meter-master.ts: sources.postgres.columns.installed_at.encoding: got "decimal-text"; expected an encoding that gives a date for installed_at: epoch-days, epoch-millis, epoch-micros, epoch-nanos, iso',
    ]);
  });

  it("an unknown option value is refused, listing the options", async () => {
    const { lines } = await problems([
      mapping('meter_type: { from: "kind", trim: true, case: "upper" }', 'meter_type: { from: "kind", trim: true, case: "title" }'),
    ]);
    expect(lines).toEqual([expect.stringMatching(/^meter-master\.ts: sources\.postgres\.columns\.meter_type\.case: got "title"; expected .*"upper".*"lower"/)]);
  });
});

describe("rules across files are the same for validate and synth", () => {
  const external: Edit = { file: "deployment.ts", replace: [['postgres: { database: { mode: "embedded" } }', 'postgres: { database: { mode: "external" } }']] };

  it("an external source still pointing at the embedded container is refused by validate, with the message synth gives", async () => {
    const { dir, lines } = await problems([external]);
    expect(lines).toEqual([
      expect.stringMatching(
        /^sources\/postgres\.ts: connection\.host: got "postgres"; expected your server's address: .*deployment\.ts marks postgres external/,
      ),
    ]);
    const synth = await loadPipelineInputs(dir).catch((e: unknown) => e);
    expect((synth as { issues: ConfigIssue[] }).issues).toEqual((await checkPipelineConfig(dir)).issues);
  });

  it("validate <file> reports the problems of that file and of rules that name it, checked against its folder", async () => {
    const dir = await configDir([external, mapping('table: "public.meters"', 'table: "public.meter"')]);
    const onlyMapping = await checkConfigFiles([path.join(dir, "meter-master.ts")]);
    expect(onlyMapping.issues.map((i) => `${path.basename(i.file)} ${i.path}`)).toEqual(["meter-master.ts sources.postgres.table"]);
    const onlyDeployment = await checkConfigFiles([path.join(dir, "deployment.ts")]);
    expect(onlyDeployment.issues.map((i) => `${path.basename(i.file)} ${i.path}`)).toEqual(["postgres.ts connection.host"]);
  });

  it("a lower-case secret env name in a connector file is refused by the schema, so synth never reaches the secrets construct", async () => {
    const { dir, lines } = await problems([
      { file: "sources/postgres.ts", replace: [['{ env: "POSTGRES_DEBEZIUM_PASSWORD" }', '{ env: "postgres_debezium_password" }']] },
    ]);
    expect(lines).toEqual([
      expect.stringMatching(
        /^sources\/postgres\.ts: connection\.password\.env: got \(a literal string of 26 characters, hidden\); expected the NAME of an environment variable in UPPER_SNAKE_CASE/,
      ),
    ]);
    await expect(loadPipelineInputs(dir)).rejects.toMatchObject({ name: "ConfigError" });
  });

  it("a lower-case env name for an endpoint secret is refused in api-endpoints.ts", async () => {
    const { lines } = await problems([
      {
        file: "api-endpoints.ts",
        replace: [
          [
            '    url: demoApi("mssql"),\n',
            '    url: demoApi("mssql"),\n    allowInsecureAuth: true,\n    auth: { type: "static", valueEnv: "mssql_api_token" },\n',
          ],
        ],
      },
    ]);
    expect(lines).toEqual([
      expect.stringMatching(
        /^api-endpoints\.ts: mssql\.auth\.valueEnv: got \(a literal string of 15 characters, hidden\); expected the NAME of an environment variable in UPPER_SNAKE_CASE/,
      ),
    ]);
  });

  it("an endpoint for a source that no connector file declares is refused", async () => {
    const { lines } = await problems([
      { file: "api-endpoints.ts", replace: [["  postgres: {\n", '  billing: { url: "https://billing.example.com/meters" },\n  postgres: {\n']] },
    ]);
    expect(lines).toEqual([expect.stringMatching(/^api-endpoints\.ts: billing: got "billing"; expected the name of a source connector/)]);
  });

  it("a rule on a whole endpoint shows the bad field's value, not the endpoint", async () => {
    const { lines } = await problems([
      {
        file: "api-endpoints.ts",
        replace: [['    url: demoApi("mysql"),\n', '    url: demoApi("mysql"),\n    retries: { initialBackoffMs: 90_000, maxBackoffMs: 1_000 },\n']],
      },
    ]);
    expect(lines).toEqual([expect.stringMatching(/^api-endpoints\.ts: mysql\.retries\.initialBackoffMs: got 90000; expected /)]);
  });

  it("a rule on the whole deployment shows the clashing port, not the deployment", async () => {
    const { lines } = await problems([{ file: "deployment.ts", replace: [['kafka: { mode: "embedded" },', 'kafka: { mode: "embedded", hostPort: 5432 },']] }]);
    expect(lines).toEqual(["deployment.ts: kafka.hostPort: got 5432; expected host port 5432 is already used by sources.postgres.database.hostPort"]);
  });
});
