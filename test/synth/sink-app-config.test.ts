// The sink-app config the stack uploads is the sink-app's own typed config: it parses with the
// schema the service uses at start, and its addresses are those of the constructs that own them.
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import type { DeploymentInput } from "../../connector-configs/schemas/deployment.js";
import { parseSinkAppConfig } from "../../sink-app/src/config.js";
import { EMBEDDED_METER_MASTER } from "../../stacks/embedded-meter-master.js";
import { loadPipelineInputs } from "../../stacks/inputs.js";
import { PipelineStack } from "../../stacks/pipeline-stack.js";
import { container, type Synthesized, uploaded } from "./synth-helpers.js";

async function uploadedConfig(deployment?: DeploymentInput) {
  const inputs = await loadPipelineInputs(undefined, deployment ? { deployment } : {});
  const json = JSON.parse(Testing.synth(new PipelineStack(Testing.app(), "meter-master", inputs))) as Synthesized;
  const sinkApp = container(json, "sink-app");
  return { text: uploaded(sinkApp, "/etc/sink-app/config.json"), sinkApp };
}

describe("the sink-app config the stack uploads", () => {
  it("parses with the sink-app's own schema, mapping and endpoints included", async () => {
    const { text } = await uploadedConfig();
    const config = parseSinkAppConfig(JSON.parse(text), "/etc/sink-app/config.json");
    expect(Object.keys(config.mapping.sources).sort()).toEqual(["mssql", "mysql", "oracle", "postgres"]);
    expect(config.sources.map((s) => [s.name, s.endpoint?.url])).toEqual(expect.arrayContaining([["postgres", "http://demo-api:8080/api/postgres"]]));
  });

  it("takes Kafka's address from the Kafka construct and Meter Master's from the SQL Server construct", async () => {
    const { text, sinkApp } = await uploadedConfig();
    const config = parseSinkAppConfig(JSON.parse(text), "config.json");
    expect(config.kafka.brokers).toEqual(["kafka:9092"]);
    expect(config.meterMaster).toMatchObject({ kind: "mssql", host: "mssql", port: 1433, ...EMBEDDED_METER_MASTER, trustServerCertificate: true });
    // The password variable the config names is one the container is given.
    expect(JSON.stringify(sinkApp.env)).toContain(`${EMBEDDED_METER_MASTER.passwordEnv}=`);
  });

  it("batches as deployment.ts's sinkApp.batching says, with the sink-app's own defaults otherwise", async () => {
    const shipped = parseSinkAppConfig(JSON.parse((await uploadedConfig()).text), "config.json");
    expect(shipped.batching).toEqual({ maxEvents: 500, maxWaitMs: 10, commitIntervalMs: 1_000 });
    const { text } = await uploadedConfig({ sinkApp: { batching: { maxEvents: 250 } } });
    expect(parseSinkAppConfig(JSON.parse(text), "config.json").batching).toEqual({ maxEvents: 250, maxWaitMs: 10, commitIntervalMs: 1_000 });
  });

  it("takes an external target's and an external Kafka's addresses from deployment.ts", async () => {
    const { text } = await uploadedConfig({
      kafka: { mode: "external", bootstrapServers: "b1.example.com:9092,b2.example.com:9092" },
      meterMaster: { target: { mode: "external", kind: "postgres", host: "pg.example.com", port: 5433, database: "mm", user: "writer" } },
    });
    const config = parseSinkAppConfig(JSON.parse(text), "config.json");
    expect(config.kafka.brokers).toEqual(["b1.example.com:9092", "b2.example.com:9092"]);
    expect(config.meterMaster).toMatchObject({ kind: "postgres", host: "pg.example.com", port: 5433, database: "mm", user: "writer", schema: "public" });
  });
});
