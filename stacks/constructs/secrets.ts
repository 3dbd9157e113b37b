import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";

/**
 * Every password of the stack is a sensitive Terraform variable named after the environment
 * variable that carries it into a container (MYSQL_DEBEZIUM_PASSWORD -> var.mysql_debezium_password,
 * set as TF_VAR_mysql_debezium_password). Nothing secret is ever a literal in the synthesized JSON.
 */
export class Secrets extends Construct {
  private readonly variables = new Map<string, TerraformVariable>();

  /** `NAME=<value of var.name>` for a container's env list, declaring the variable on first use. */
  env(envName: string): string {
    return `${envName}=${this.variable(envName).stringValue}`;
  }

  variable(envName: string): TerraformVariable {
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
