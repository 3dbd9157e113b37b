import { describe, expect, it } from "vitest";
import { z } from "zod";
import { sourceConnectorSchema } from "../../../connector-configs/schemas/debezium.js";
import { ConfigValidationError, configIssuesFromZod, dottedPath, formatConfigErrors, parseConfig } from "../../../connector-configs/schemas/errors.js";
import { postgresInput } from "./fixtures.js";

describe("error formatter", () => {
  it("prints file, dotted path, the bad value and what was expected for each problem", () => {
    const input = { ...postgresInput(), connection: { ...postgresInput().connection, port: "5432" }, snapshotMode: "sometimes" };
    const r = sourceConnectorSchema.safeParse(input, { reportInput: true });
    expect(r.success).toBe(false);
    const text = formatConfigErrors("connector-configs/sources/billing.ts", r.error!, input);
    const lines = text.split("\n");
    expect(lines[0]).toBe("2 configuration problems:");
    expect(lines).toContain('  connector-configs/sources/billing.ts: connection.port: got "5432"; expected a number');
    const snap = lines.find((l) => l.includes(": snapshotMode:"));
    expect(snap).toMatch(/^ {2}connector-configs\/sources\/billing\.ts: snapshotMode: got "sometimes"; expected .*"initial".*"no_data"/);
  });

  it("says ranges in words, as limits rather than zod's restatement of the problem", () => {
    const input = { ...postgresInput(), connection: { ...postgresInput().connection, port: 99_999 }, tables: [] };
    const r = sourceConnectorSchema.safeParse(input, { reportInput: true });
    const issues = configIssuesFromZod("pg.ts", r.error!, input);
    expect(issues.find((i) => i.path === "connection.port")).toMatchObject({ value: "99999", expected: "a number <= 65535" });
    expect(issues.find((i) => i.path === "tables")?.expected).toBe("a list of at least 1 item");
  });

  it("reports each unknown key on its own line with its value", () => {
    const input = { ...postgresInput(), heartbeat: 5000, slot: "x" };
    const r = sourceConnectorSchema.safeParse(input);
    const issues = configIssuesFromZod("pg.ts", r.error!, input);
    expect(issues.map((i) => [i.path, i.value])).toEqual([
      ["heartbeat", "5000"],
      ["slot", '"x"'],
    ]);
  });

  it("says (missing) for a required field that is absent", () => {
    const { tables: _t, ...input } = postgresInput();
    const r = sourceConnectorSchema.safeParse(input);
    const issues = configIssuesFromZod("pg.ts", r.error!, input);
    expect(issues).toEqual([{ file: "pg.ts", path: "tables", value: "(missing)", expected: "an array" }]);
  });

  it("hides literal strings found under secret-looking paths", () => {
    const schema = z.object({ auth: z.object({ clientSecret: z.object({ env: z.string() }) }) });
    const input = { auth: { clientSecret: "hunter2-very-secret" } };
    const text = formatConfigErrors("x.ts", schema.safeParse(input).error!, input);
    expect(text).not.toContain("hunter2");
    expect(text).toContain("auth.clientSecret: got (a literal string of 19 characters, hidden)");
  });

  it("formats array indexes and non-identifier keys readably", () => {
    expect(dottedPath(["transforms", 0, "config", "type"])).toBe("transforms[0].config.type");
    expect(dottedPath(["passthrough", "slot.max.retries"])).toBe('passthrough["slot.max.retries"]');
    expect(dottedPath([])).toBe("(root)");
  });

  it("parseConfig throws a ConfigValidationError carrying every issue", () => {
    const schema = z.object({ a: z.number(), b: z.string() }).strict();
    let caught: unknown;
    try {
      parseConfig(schema, { a: "1", b: 2 }, "deployment.ts");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigValidationError);
    const err = caught as ConfigValidationError;
    expect(err.issues.map((i) => i.path)).toEqual(["a", "b"]);
    expect(err.message).toContain('deployment.ts: a: got "1"');
    expect(parseConfig(schema, { a: 1, b: "x" }, "deployment.ts")).toEqual({ a: 1, b: "x" });
  });
});
