// After a failed `cdktf deploy`, say which kind of failure it was, from what Docker and
// Terraform left behind (the deploy's own output stays on the terminal, untouched).

/** What `docker inspect` says of one container of the stack (only the fields used here). */
export interface InspectedContainer {
  Name: string;
  Created: string;
  State: {
    Status: string;
    ExitCode: number;
    Health?: { Status: string; Log?: Array<{ ExitCode: number; Output: string }> };
  };
}

export interface DeployFacts {
  /** The Docker provider is installed in the stack's Terraform working directory. */
  readonly providerInstalled: boolean;
  /** Containers whose name starts with `<deployment name>-`. */
  readonly containers: InspectedContainer[];
  /** When this deploy started (containers created earlier are not this deploy's). */
  readonly startedAt: Date;
  readonly prefix: string;
}

export interface Diagnosis {
  kind: "provider" | "registrar" | "health-check" | "exited" | "plan-or-apply";
  /** The container to show logs of, if any. */
  container?: string;
  message: string;
}

const nameOf = (c: InspectedContainer) => c.Name.replace(/^\//, "");
const lastHealthOutput = (c: InspectedContainer) => c.State.Health?.Log?.at(-1)?.Output.trim() || "(no output)";

export function diagnoseDeployFailure(facts: DeployFacts): Diagnosis {
  if (!facts.providerInstalled) {
    return {
      kind: "provider",
      message:
        "Terraform could not install the kreuzwerker/docker provider (no access to registry.terraform.io, a proxy, or a " +
        "lock file that does not match). The error above says which; with a provider mirror, set it in ~/.terraformrc.",
    };
  }
  const recent = facts.containers.filter((c) => new Date(c.Created) >= new Date(facts.startedAt.getTime() - 1000));
  const registrar = recent.find((c) => nameOf(c) === `${facts.prefix}-registrar` && c.State.Status === "exited" && c.State.ExitCode !== 0);
  if (registrar) {
    return {
      kind: "registrar",
      container: nameOf(registrar),
      message:
        `The connector registrar failed (exit ${registrar.State.ExitCode}): a connector did not reach RUNNING. Its log is above. ` +
        "Fix the cause (usually a connector config or a source database) and deploy again: the registrar runs again.",
    };
  }
  const unhealthy = recent.find((c) => c.State.Health && c.State.Health.Status !== "healthy" && c.State.Status === "running");
  if (unhealthy) {
    return {
      kind: "health-check",
      container: nameOf(unhealthy),
      message:
        `${nameOf(unhealthy)} did not become healthy in time (health: ${unhealthy.State.Health!.Status}). ` +
        `Its last health check said: ${lastHealthOutput(unhealthy)}`,
    };
  }
  const exited = recent.find((c) => c.State.Status === "exited" || c.State.Status === "dead" || c.State.Status === "restarting");
  if (exited) {
    return {
      kind: "exited",
      container: nameOf(exited),
      message: `${nameOf(exited)} stopped (${exited.State.Status}, exit ${exited.State.ExitCode}) instead of becoming healthy.`,
    };
  }
  return {
    kind: "plan-or-apply",
    message: "Terraform stopped before any container failed: its error above names the resource and the reason.",
  };
}
