import { describe, expect, it } from "vitest";
import { DeploymentSchema } from "../../../connector-configs/schemas/deployment.js";
import { checkConfig } from "../../../connector-configs/schemas/errors.js";

const withClusterId = (clusterId: string) => checkConfig(DeploymentSchema, { kafka: { mode: "embedded", clusterId } }, "deployment.ts");

describe("the embedded Kafka's cluster id", () => {
  it("a cluster id starting with '-' is refused, saying kafka-storage would read it as an option", () => {
    const r = withClusterId("-kU3OEVBNTcwNTJENDM2Qg");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual([
      expect.objectContaining({ path: "kafka.clusterId", value: '"-kU3OEVBNTcwNTJENDM2Qg"', expected: expect.stringMatching(/start with '-'.*option/) }),
    ]);
  });

  it("a base64url id with '-' or '_' elsewhere is accepted, and the default parses", () => {
    expect(withClusterId("Mk-3OEVBNTcwNTJENDM2Q_").ok).toBe(true);
    const r = checkConfig(DeploymentSchema, {}, "deployment.ts");
    expect(r.ok && r.value.kafka.mode === "embedded" && r.value.kafka.clusterId).toBe("MkU3OEVBNTcwNTJENDM2Qg");
  });
});
