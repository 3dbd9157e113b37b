/**
 * `npm run deploy` / `npm run destroy` / `npm run secrets:init`.
 *
 * Plain `cdktf deploy` and `cdktf destroy` work too (main.ts hands Terraform the secrets from
 * .env); these wrappers add what a newcomer needs around them: a check of what the deploy needs
 * before Terraform starts, and after a failure, which kind of failure it was and what to look at.
 */
import { randomInt } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { password } from "@inquirer/prompts";
import { execa } from "execa";
import { readDotEnv, tfVarEnv } from "../stacks/deploy-files.js";
import { loadPipelineInputs } from "../stacks/inputs.js";
import { secretKinds } from "../stacks/pipeline-stack.js";
import { diagnoseDeployFailure, type InspectedContainer } from "./deploy/diagnose.js";
import { appendToEnvFile } from "./deploy/env-file.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const envFile = join(root, ".env");
const STACK = "meter-master";

/** SQL Server's policy: 8+ characters from at least three of upper, lower, digit, symbol. */
export function meetsSqlServerPolicy(value: string): boolean {
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(value)).length;
  return value.length >= 8 && classes >= 3;
}

/** Alphanumeric (no quoting trouble in sqlcmd, sqlplus or shell), always meeting SQL Server's policy. */
export function generatePassword(length = 24): string {
  const sets = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789"];
  const all = sets.join("");
  const chars = sets.map((s) => s[randomInt(s.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}

async function loadInputs() {
  const inputs = await loadPipelineInputs();
  return { inputs, kinds: secretKinds(inputs) };
}

/** Adds to .env what is missing: generated passwords for the stack's own containers, and asks for the rest. */
async function initSecrets(): Promise<void> {
  const { kinds } = await loadInputs();
  const known = { ...readDotEnv(root), ...process.env };
  const additions: Array<[string, string]> = [];
  const stillMissing: string[] = [];
  let generated = 0;
  for (const [name, kind] of Object.entries(kinds)) {
    const key = tfVarEnv(name);
    if (known[key]) continue;
    if (kind === "generated") {
      additions.push([key, generatePassword()]);
      generated++;
    } else if (process.stdin.isTTY) {
      // An external database's password or an API token: only the user knows it.
      const value = await password({ message: `${key} (credential of a system outside the stack; empty to skip):`, mask: "*" });
      if (value) additions.push([key, value]);
      else stillMissing.push(key);
    } else stillMissing.push(key);
  }
  const before = existsSync(envFile) ? readFileSync(envFile, "utf8") : null;
  if (additions.length > 0) {
    writeFileSync(envFile, appendToEnvFile(before, additions), { mode: 0o600 });
  }
  if (existsSync(envFile)) chmodSync(envFile, 0o600);
  console.log(
    additions.length > 0
      ? `Added ${additions.length} secret(s) to .env (${generated} generated): ${additions.map(([k]) => k).join(", ")}`
      : ".env already has every secret the stack's own containers need.",
  );
  if (stillMissing.length > 0) {
    console.log(`Still missing (credentials of systems outside the stack; add them to .env or export them): ${stillMissing.join(", ")}`);
    process.exitCode = 2;
  }
}

/** What the deploy needs on this machine, checked before Terraform starts. */
async function preflight(): Promise<string[]> {
  const problems: string[] = [];
  const docker = await execa("docker", ["version", "--format", "{{.Server.Version}}"], { reject: false });
  if (docker.failed) {
    const why =
      String(docker.stderr || docker.message || "")
        .split("\n")
        .find((l) => l.trim()) ?? "";
    problems.push(`Docker: the daemon is not reachable (${why.trim()}). Start Docker, or set DOCKER_HOST, and check \`docker version\`.`);
  } else if (Number(docker.stdout.split(".")[0]) < 24) {
    problems.push(`Docker: Engine ${docker.stdout.trim()} is too old; 24 or newer is needed.`);
  }
  const terraform = await execa("terraform", ["version", "-json"], { reject: false });
  if (terraform.failed) {
    problems.push("Terraform: `terraform` is not on PATH. Install Terraform 1.5 or newer (cdktf runs it).");
  } else {
    const version = String((JSON.parse(terraform.stdout) as { terraform_version?: string }).terraform_version ?? "0.0");
    const [major, minor] = version.split(".").map(Number);
    if (major! < 1 || (major === 1 && minor! < 5)) problems.push(`Terraform: ${version} is too old; 1.5 or newer is needed.`);
  }
  return problems;
}

async function stackContainers(prefix: string): Promise<InspectedContainer[]> {
  const ids = await execa("docker", ["ps", "-aq", "--filter", `name=^${prefix}-`], { reject: false });
  const list = ids.stdout.split("\n").filter(Boolean);
  if (ids.failed || list.length === 0) return [];
  const inspected = await execa("docker", ["inspect", ...list], { reject: false });
  return inspected.failed ? [] : (JSON.parse(inspected.stdout) as InspectedContainer[]);
}

async function run(command: "deploy" | "destroy", args: string[]): Promise<void> {
  const { inputs, kinds } = await loadInputs();
  const known = { ...readDotEnv(root), ...process.env };
  const missing = Object.keys(kinds)
    .map(tfVarEnv)
    .filter((k) => !known[k]);
  if (command === "deploy") {
    const problems = await preflight();
    if (missing.length > 0) problems.push(`Secrets: ${missing.join(", ")} not set. Run \`npm run secrets:init\` (it adds them to .env), or export them.`);
    const sa = known.TF_VAR_mssql_sa_password;
    if (sa !== undefined && !meetsSqlServerPolicy(sa)) {
      problems.push(
        "Secrets: TF_VAR_mssql_sa_password does not meet SQL Server's password policy (8+ characters, 3 of: upper, lower, digit, symbol); SQL Server would refuse to start.",
      );
    }
    if (problems.length > 0) {
      console.error(`Cannot deploy yet:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
      process.exit(2);
    }
  }
  // Destroy needs no real secrets, but Terraform still asks for every declared variable.
  const placeholders = Object.fromEntries(missing.map((k) => [k, "unused-by-destroy"]));
  console.log(`Running cdktf ${command} ${args.join(" ")} (Terraform waits on each container's health check; progress below).`);
  const startedAt = new Date();
  const result = await execa("cdktf", [command, ...args], {
    cwd: root,
    stdio: "inherit",
    preferLocal: true,
    reject: false,
    env: { ...placeholders, CHECKPOINT_DISABLE: "1" },
  });
  if (result.exitCode === 0) return;
  if (command === "deploy") {
    const providerDir = join(root, "cdktf.out", "stacks", STACK, ".terraform", "providers", "registry.terraform.io", "kreuzwerker", "docker");
    const diagnosis = diagnoseDeployFailure({
      providerInstalled: existsSync(providerDir),
      containers: await stackContainers(inputs.deployment.name),
      startedAt,
      prefix: inputs.deployment.name,
    });
    console.error(`\ncdktf deploy failed (exit ${result.exitCode}): ${diagnosis.message}`);
    if (diagnosis.container && diagnosis.kind !== "registrar") {
      const logs = await execa("docker", ["logs", "--tail", "25", diagnosis.container], { reject: false, all: true });
      console.error(`\nLast lines of \`docker logs ${diagnosis.container}\`:\n${logs.all ?? ""}`);
    }
  } else {
    console.error(
      `\ncdktf destroy failed (exit ${result.exitCode}): Terraform's error above names the resource. Run it again once the cause is fixed; what is already removed stays removed.`,
    );
  }
  process.exit(result.exitCode ?? 1);
}

const [command, ...args] = process.argv.slice(2);
if (command === "secrets:init") await initSecrets();
else if (command === "deploy" || command === "destroy") await run(command, args);
else {
  console.error("usage: tsx scripts/deploy.ts deploy|destroy|secrets:init [cdktf args...]");
  process.exit(2);
}
