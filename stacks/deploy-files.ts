// Files that `cdktf deploy` and `cdktf destroy` need on the deploying machine besides the
// synthesized JSON: the secrets Terraform's variables take, and a private place for the state.
// main.ts calls these at synth time, so the plain cdktf commands work as well as the npm wrappers.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";

/** Terraform variable name of a secret, and the environment variable that sets it. */
export const tfVarName = (envName: string) => envName.toLowerCase();
export const tfVarEnv = (envName: string) => `TF_VAR_${tfVarName(envName)}`;

/** The values in the project's `.env`, parsed as Node parses env files (`node --env-file`). */
export function readDotEnv(projectRoot: string): Record<string, string> {
  const file = join(projectRoot, ".env");
  if (!existsSync(file)) return {};
  return parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
}

export interface SecretVariables {
  /** Environment names of the secrets that have a value. */
  readonly found: string[];
  /** `TF_VAR_*` names that neither the environment nor `.env` sets. */
  readonly missing: string[];
}

/**
 * Writes `secrets.auto.tfvars.json` (mode 0600) into the stack's working directory, where
 * Terraform reads it by itself. An exported `TF_VAR_*` wins over `.env`, as it would without
 * this file.
 */
export function writeSecretVariables(
  stackWorkDir: string,
  secretEnvNames: string[],
  sources: { env: NodeJS.ProcessEnv; dotEnv: Record<string, string> },
): SecretVariables {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of secretEnvNames) {
    const key = tfVarEnv(name);
    const value = sources.env[key] || sources.dotEnv[key];
    if (value) values[tfVarName(name)] = value;
    else missing.push(key);
  }
  mkdirSync(stackWorkDir, { recursive: true });
  const file = join(stackWorkDir, "secrets.auto.tfvars.json");
  writeFileSync(file, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { found: secretEnvNames.filter((n) => values[tfVarName(n)] !== undefined), missing };
}

/**
 * The folder that holds the Terraform state (which contains every secret): created 0700, and the
 * files in it made 0600, since Terraform creates them world-readable. A state file left in the
 * project root by an earlier version is moved in.
 */
export function prepareStateDir(projectRoot: string, stackName: string): string {
  const dir = join(projectRoot, ".terraform-state");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const suffix of ["", ".backup"]) {
    const old = join(projectRoot, `terraform.${stackName}.tfstate${suffix}`);
    const moved = join(dir, `${stackName}.tfstate${suffix}`);
    if (existsSync(old) && !existsSync(moved)) renameSync(old, moved);
  }
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o600);
  return join(dir, `${stackName}.tfstate`);
}
