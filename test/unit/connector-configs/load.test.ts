import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConnectorConfigs, loadConnectorFiles } from "../../../connector-configs/load.js";
import { ConfigValidationError } from "../../../connector-configs/schemas/errors.js";

const BROKEN = fileURLToPath(new URL("./fixtures/broken/", import.meta.url));

async function failure(p: Promise<unknown>): Promise<ConfigValidationError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConfigValidationError) return e;
    throw e;
  }
  throw new Error("expected a ConfigValidationError");
}

describe("loadConnectorConfigs", () => {
  it("reports every problem of every file at once, each with file, path, value and expectation", async () => {
    const err = await failure(loadConnectorConfigs(BROKEN));
    const rows = err.issues.map((i) => `${path.basename(i.file)} ${i.path} ${i.value}`);
    expect(rows).toEqual(
      expect.arrayContaining([
        'billing-pg.ts connection.port "5432"',
        "billing-pg.ts connection.password (a literal string of 11 characters, hidden)",
        "notes.ts (default export) (missing)",
        "billing-api.ts authorization.oauth2.clientId (missing)",
        "billing-api.ts authorization.oauth2.clientSecret (missing)",
        "registry-b.ts connection.serverId 5501",
      ]),
    );
    expect(err.message).not.toContain("Winter2026!");
  });

  it("refuses two enabled connectors with the same name, naming the other file", async () => {
    const err = await failure(loadConnectorFiles([path.join(BROKEN, "sources/billing-copy.ts"), path.join(BROKEN, "sources/billing-copy.ts")]));
    expect(err.issues.map((i) => [i.path, i.expected])).toEqual(
      expect.arrayContaining([["name", expect.stringMatching(/a connector name not already used by .*billing-copy\.ts/)]]),
    );
  });

  it("refuses two MySQL readers with the same server id on one server", async () => {
    const err = await failure(loadConnectorFiles([path.join(BROKEN, "sources/registry-a.ts"), path.join(BROKEN, "sources/registry-b.ts")]));
    expect(err.issues).toEqual([
      expect.objectContaining({ path: "connection.serverId", expected: expect.stringMatching(/database.server.id on mariadb-01:3306/) }),
    ]);
  });

  it("picks the schema by folder, so an HTTP sink file needs no kind", async () => {
    const loaded = await loadConnectorFiles([path.join(BROKEN, "sources/registry-a.ts")]);
    expect(loaded.sources.map((s) => s.config.kind)).toEqual(["mysql"]);
    const err = await failure(loadConnectorFiles([path.join(BROKEN, "http-sinks/billing-api.ts")]));
    expect(err.issues.every((i) => i.path.startsWith("authorization.oauth2."))).toBe(true);
  });

  it("loads the shipped config files without a problem", async () => {
    const loaded = await loadConnectorConfigs();
    expect(loaded.sources).toHaveLength(4);
    expect(loaded.httpSinks.length).toBeGreaterThanOrEqual(1);
  });
});
