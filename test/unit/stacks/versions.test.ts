// The tests prove the versions that are deployed: the local test environment runs the same
// Kafka, Debezium and Oracle JDBC driver versions as the images the stack declares.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_IMAGES } from "../../../connector-configs/schemas/deployment.js";
import { DEBEZIUM_VERSION, KAFKA_VERSION, OJDBC_VERSION } from "../../../scripts/test-env/versions.js";

const connectDockerfile = readFileSync(resolve(import.meta.dirname, "../../../stacks/images/kafka-connect/Dockerfile"), "utf8");
const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, "m").exec(connectDockerfile)?.[1];

describe("deployed versions match the tested versions", () => {
  it("Kafka: the apache/kafka image tag is the Kafka the tests run", () => {
    expect(DEFAULT_IMAGES.kafka).toBe(`apache/kafka:${KAFKA_VERSION}`);
  });

  it("Debezium: the Connect base image tag is the Debezium plugins' version", () => {
    expect(DEFAULT_IMAGES.connectBase.endsWith(`:${DEBEZIUM_VERSION}`)).toBe(true);
    expect(arg("BASE_IMAGE")).toBe(DEFAULT_IMAGES.connectBase);
  });

  it("Oracle JDBC: the Connect image adds the driver version the tests validate with", () => {
    expect(arg("OJDBC_VERSION")).toBe(OJDBC_VERSION);
  });
});
