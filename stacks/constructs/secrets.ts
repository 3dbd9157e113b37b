import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";

/**
 * Every password of the stack is a sensitive Terraform variable named after the environment
 * variable that carries it into a container (MYSQL_DEBEZIUM_PASSWORD -> var.mysql_debezium_password,
 * set as TF_VAR_mysql_debezium_password). Nothing secret is ever a literal in the synthesized JSON.
 */
/**
 * `generated`: a password of a container this stack runs (its value can be anything strong, so
 * `npm run secrets:init` generates it). `provided`: a credential of something outside the stack
 * (an external database, an API token), which only the user can give.
 */
export type SecretKind = "generated" | "provided";

export class Secrets extends Construct {
  private readonly variables = new Map<string, TerraformVariable>();
  private readonly generatedNames = new Set<string>();

  /** `NAME=<value of var.name>` for a container's env list, declaring the variable on first use. */
  env(envName: string, kind: SecretKind = "provided"): string {
    return `${envName}=${this.variable(envName, kind).stringValue}`;
  }

  variable(envName: string, kind: SecretKind = "provided"): TerraformVariable {
    // A container the stack runs sets this password itself, so whoever else reads it gets the same value.
    if (kind === "generated") this.generatedNames.add(envName);
    if (!/^[A-Z][A-Z0-9_]*$/.test(envName)) {
      throw new Error(`secret environment variable names are UPPER_SNAKE_CASE, got "${envName}"`);
    }
    let v = this.variables.get(envName);
    if (!v) {
      v = new TerraformVariable(this, envName.toLowerCase(), {
        type: "string",
        sensitive: true,
        nullable: false,
        description: `Secret passed to containers as ${envName}. Set TF_VAR_${envName.toLowerCase()} (npm run secrets:init writes them to .env).`,
      });
      // A stable name, so users set it as TF_VAR_<name> whatever the construct tree looks like.
      v.overrideLogicalId(envName.toLowerCase());
      this.variables.set(envName, v);
    }
    return v;
  }

  /** Environment variable names of every declared secret, sorted. */
  names(): string[] {
    return [...this.variables.keys()].sort();
  }

  /** The kind of each declared secret. */
  kinds(): Record<string, SecretKind> {
    return Object.fromEntries(this.names().map((n) => [n, this.generatedNames.has(n) ? "generated" : "provided"]));
  }
}

/** Names in `${env:NAME}` config-provider references of rendered Kafka Connect configs. */
export function envReferences(configs: ReadonlyArray<Record<string, string>>): string[] {
  const names = new Set<string>();
  for (const config of configs) {
    for (const value of Object.values(config)) {
      for (const m of value.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)) names.add(m[1]!);
    }
  }
  return [...names].sort();
}
