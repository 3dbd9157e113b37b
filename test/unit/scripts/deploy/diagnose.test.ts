import { describe, expect, it } from "vitest";
import { diagnoseDeployFailure, type InspectedContainer } from "../../../../scripts/deploy/diagnose.js";

const started = new Date("2026-11-30T10:00:00Z");
const at = (s: number) => new Date(started.getTime() + s * 1000).toISOString();

function c(name: string, state: InspectedContainer["State"], created = at(5)): InspectedContainer {
  return { Name: `/${name}`, Created: created, State: state };
}
const healthy = { Status: "running", ExitCode: 0, Health: { Status: "healthy" } };
const facts = (containers: InspectedContainer[], providerInstalled = true) => ({ providerInstalled, containers, startedAt: started, prefix: "meter-master" });

describe("a failed deploy is told apart by kind", () => {
  it("a provider that was never installed is a download or lock failure, whatever else is there", () => {
    expect(diagnoseDeployFailure(facts([], false)).kind).toBe("provider");
  });

  it("a registrar that exited non-zero in this deploy is a registrar failure", () => {
    const d = diagnoseDeployFailure(facts([c("meter-master-kafka", healthy), c("meter-master-registrar", { Status: "exited", ExitCode: 1 })]));
    expect(d).toMatchObject({ kind: "registrar", container: "meter-master-registrar" });
    expect(d.message).toMatch(/deploy again: the registrar runs again/);
  });

  it("a container still starting or unhealthy is a health-check timeout, named, with its last health output", () => {
    const oracle = c("meter-master-oracle", {
      Status: "running",
      ExitCode: 0,
      Health: {
        Status: "starting",
        Log: [
          { ExitCode: 1, Output: "first\n" },
          { ExitCode: 1, Output: "ORA-01109: database not open\n" },
        ],
      },
    });
    const d = diagnoseDeployFailure(facts([c("meter-master-kafka", healthy), oracle]));
    expect(d).toMatchObject({ kind: "health-check", container: "meter-master-oracle" });
    expect(d.message).toContain("ORA-01109: database not open");
  });

  it("a container that stopped instead of becoming healthy is named with its exit code", () => {
    const d = diagnoseDeployFailure(facts([c("meter-master-mssql", { Status: "exited", ExitCode: 1 })]));
    expect(d).toMatchObject({ kind: "exited", container: "meter-master-mssql" });
    expect(d.message).toContain("exit 1");
  });

  it("containers left from an earlier deploy do not count for this one", () => {
    const old = c("meter-master-registrar", { Status: "exited", ExitCode: 1 }, at(-3600));
    expect(diagnoseDeployFailure(facts([old])).kind).toBe("plan-or-apply");
  });

  it("with nothing created or failed, it is a plan or apply error, and no hint about unhealthy containers", () => {
    const d = diagnoseDeployFailure(facts([c("meter-master-kafka", healthy)]));
    expect(d.kind).toBe("plan-or-apply");
    expect(d.message).not.toMatch(/unhealthy/);
  });
});
