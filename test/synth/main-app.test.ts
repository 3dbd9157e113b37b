import { App, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import type { DeploymentInput } from "../../connector-configs/schemas/deployment.js";
import { ConfigValidationError } from "../../connector-configs/schemas/errors.js";
import { loadPipelineInputs } from "../../stacks/inputs.js";
import { PipelineStack, requiredSecrets } from "../../stacks/pipeline-stack.js";
import { container, type Synthesized, uploaded } from "./synth-helpers.js";

/** The path `cdktf synth` takes (main.ts): the real files under connector-configs/, loaded and checked. */
async function synthFromConfigFiles(deployment?: DeploymentInput) {
  const inputs = await loadPipelineInputs(undefined, deployment ? { deployment } : {});
  const stack = new PipelineStack(Testing.app(), "meter-master", inputs);
  return { inputs, json: JSON.parse(Testing.synth(stack)) as Synthesized };
}

describe("the stack built from the config files users edit", () => {
  it("registers one Debezium connector per enabled source, each marked as this package's", async () => {
    const { json } = await synthFromConfigFiles();
    const desired = JSON.parse(uploaded(container(json, "registrar"), "/etc/registrar/connectors.json"));
    const classes = desired.connectors.map((c: any) => [c.name, c.config["connector.class"]]);
    expect(classes).toEqual(
      expect.arrayContaining([
        ["mssql", "io.debezium.connector.sqlserver.SqlServerConnector"],
        ["oracle", "io.debezium.connector.oracle.OracleConnector"],
        ["mysql", "io.debezium.connector.mysql.MySqlConnector"],
        ["postgres", "io.debezium.connector.postgresql.PostgresConnector"],
      ]),
    );
    for (const c of desired.connectors) expect(c.config["meter-master.managed-by"]).toBe(desired.owner);
  });

  it("tells the sink-app to consume each enabled source's change topic", async () => {
    const { json } = await synthFromConfigFiles();
    const config = JSON.parse(uploaded(container(json, "sink-app"), "/etc/sink-app/config.json"));
    expect(Object.fromEntries(config.sources.map((s: any) => [s.name, s.topics]))).toEqual({
      mssql: ["mssql.MeterSource.dbo.Meters"],
      oracle: ["oracle.METERS.METER_ASSETS"],
      mysql: ["mysql.meterdb.meter_registry"],
      postgres: ["postgres.public.meters"],
    });
    expect(config.kafka.brokers).toEqual(["kafka:9092"]);
  });

  it("leaves a disabled source out everywhere: container, connector, sink-app config and secrets", async () => {
    const { json } = await synthFromConfigFiles({ sources: { oracle: { enabled: false } } });
    expect(JSON.stringify(json)).not.toMatch(/meter-master-oracle|oracle_password|oracle_debezium_password/);
    const desired = JSON.parse(uploaded(container(json, "registrar"), "/etc/registrar/connectors.json"));
    expect(desired.connectors.map((c: any) => c.name)).not.toContain("oracle");
    const config = JSON.parse(uploaded(container(json, "sink-app"), "/etc/sink-app/config.json"));
    expect(config.sources.map((s: any) => s.name)).not.toContain("oracle");
  });

  it("refuses an external source whose connector still points at the embedded container", async () => {
    const error = await loadPipelineInputs(undefined, { deployment: { sources: { postgres: { database: { mode: "external" } } } } }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error.message).toMatch(/connector-configs\/sources\/postgres\.ts: connection\.host: got "postgres"; expected your server's address/);
  });

  it("reports a bad deployment value with the file, field path, value and what was expected, and synthesizes nothing", async () => {
    const error = await loadPipelineInputs(undefined, { deployment: { connect: { hostPort: 99999 }, kafka: { mode: "bogus" } } as any }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error.message).toMatch(/^2 configuration problems:/);
    expect(error.message).toMatch(/connector-configs\/deployment\.ts: connect\.hostPort: got 99999; expected .*65535/);
    expect(error.message).toMatch(/connector-configs\/deployment\.ts: kafka\.mode: got .*"bogus".*; expected .*'embedded' \| 'external'/);
  });

  it("lists the secrets a deployment needs, for npm run secrets:init", async () => {
    const inputs = await loadPipelineInputs(undefined, { deployment: { sources: { oracle: { enabled: false }, mysql: { enabled: false } } } });
    expect(requiredSecrets(inputs)).toEqual([
      "MSSQL_DEBEZIUM_PASSWORD",
      "MSSQL_METER_MASTER_PASSWORD",
      "MSSQL_SA_PASSWORD",
      "POSTGRES_DEBEZIUM_PASSWORD",
      "POSTGRES_PASSWORD",
    ]);
    void App;
  });
});
