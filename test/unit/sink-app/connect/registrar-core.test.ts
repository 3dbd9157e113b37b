import { describe, expect, it } from "vitest";
import { ConfigValidationError } from "../../../../connector-configs/schemas/errors.js";
import { resolveConnectUrl } from "../../../../scripts/connectors/cli.js";
import { httpSinkFileContent, validateHttpSinkAnswers } from "../../../../scripts/connectors/http-sink-file.js";
import { isOwnedBy, sameConfig } from "../../../../sink-app/src/connect/reconcile.js";
import { parseDesiredConnectors } from "../../../../sink-app/src/connect/registrar.js";
import { parseProperties, parseSecretPlaceholder, resolveSecret } from "../../../../sink-app/src/connect/secrets.js";

describe("secret placeholders", () => {
  it("parses env and file references and nothing else", () => {
    expect(parseSecretPlaceholder("${env:POSTGRES_DEBEZIUM_PASSWORD}")).toEqual({ env: "POSTGRES_DEBEZIUM_PASSWORD" });
    expect(parseSecretPlaceholder("${file:/opt/secrets/db.properties:pg.password}")).toEqual({ file: "/opt/secrets/db.properties", key: "pg.password" });
    expect(parseSecretPlaceholder("Winter2026!")).toBeUndefined();
    expect(parseSecretPlaceholder("prefix${env:X}")).toBeUndefined();
  });

  it("resolves an env reference from the given environment and refuses literals", async () => {
    await expect(resolveSecret("${env:PG_PW}", { PG_PW: "s3cret" })).resolves.toBe("s3cret");
    await expect(resolveSecret("${env:PG_PW}", {})).rejects.toThrow(/PG_PW is not set/);
    await expect(resolveSecret("Winter2026!", {})).rejects.toThrow(/refusing to use a literal secret/);
  });

  it("parses Java properties files the way FileConfigProvider reads them", () => {
    const props = parseProperties("# Debezium logins\npg.password=s3cret\n! old\nmysql.password: other\n\n");
    expect([...props]).toEqual([
      ["pg.password", "s3cret"],
      ["mysql.password", "other"],
    ]);
  });
});

describe("reconcile helpers", () => {
  it("compares configs by exact keys and values, order-insensitively", () => {
    expect(sameConfig({ a: "1", b: "2" }, { b: "2", a: "1" })).toBe(true);
    expect(sameConfig({ a: "1" }, { a: "1", b: "2" })).toBe(false);
    expect(sameConfig({ a: "1", b: "2" }, { a: "1", c: "2" })).toBe(false);
    expect(sameConfig({ a: "1" }, { a: "01" })).toBe(false);
  });

  it("treats only connectors with our marker value as ours", () => {
    expect(isOwnedBy({ "meter-master.managed-by": "meter-master-cdc" }, "meter-master-cdc")).toBe(true);
    expect(isOwnedBy({ "meter-master.managed-by": "plant-7" }, "meter-master-cdc")).toBe(false);
    expect(isOwnedBy({ "connector.class": "x" }, "meter-master-cdc")).toBe(false);
  });

  it("reads the registrar file as an object or as a bare array of connectors", () => {
    const c = { name: "postgres", config: { name: "postgres", "meter-master.managed-by": "plant-7" } };
    // A file written before declared state existed: running, with the default restart policy.
    const parsed = {
      ...c,
      state: "running",
      autoRestart: { enabled: true, maxRestarts: 10, backoffUnitSeconds: 60, maxBackoffSeconds: 3600, stableSeconds: 600 },
    };
    expect(parseDesiredConnectors({ owner: "plant-7", connectors: [c] })).toEqual({ owner: "plant-7", connectors: [parsed] });
    expect(parseDesiredConnectors([c])).toEqual({ owner: "plant-7", connectors: [parsed] });
    expect(parseDesiredConnectors([], "fallback")).toEqual({ owner: "fallback", connectors: [] });
    expect(() => parseDesiredConnectors({ owner: "plant-7", connectors: [c, c] })).toThrow(/declared twice/);
    expect(() => parseDesiredConnectors({ owner: "other", connectors: [c] })).toThrow(/must equal owner/);
  });
});

describe("connectors CLI helpers", () => {
  it("resolves the Connect URL from the option, then CONNECT_URL, then the local default", () => {
    expect(resolveConnectUrl("http://connect:8083", { CONNECT_URL: "http://x:1" })).toBe("http://connect:8083");
    expect(resolveConnectUrl(undefined, { CONNECT_URL: "http://10.1.2.3:8083" })).toBe("http://10.1.2.3:8083");
    expect(resolveConnectUrl(undefined, {})).toBe("http://127.0.0.1:8083");
  });

  it("writes an HTTP sink file importing defineHttpSink relative to where it lives", () => {
    const text = httpSinkFileContent({ name: "billing_api", topic: "postgres.public.meters", url: "https://billing.example.com/api" });
    expect(text).toContain('import { defineHttpSink } from "../define.js";');
    expect(text).toContain('name: "billing_api",');
    expect(text).toContain('topics: ["postgres.public.meters"],');
    expect(text).toContain('url: "https://billing.example.com/api",');
    expect(text).toContain("Consumer group: Group_billing_api.");
  });

  it("checks add-http-sink answers against the schema before writing", () => {
    expect(() => validateHttpSinkAnswers({ name: "billing api", topic: "t", url: "https://x.example.com" }, "add-http-sink")).toThrow(ConfigValidationError);
    expect(() => validateHttpSinkAnswers({ name: "billing_api", topic: "t", url: "mailto:x@example.com" }, "add-http-sink")).toThrow(/url/);
    expect(() =>
      validateHttpSinkAnswers({ name: "billing_api", topic: "postgres.public.meters", url: "https://x.example.com/api" }, "add-http-sink"),
    ).not.toThrow();
  });
});
