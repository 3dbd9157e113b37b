/**
 * `npm run deploy` / `npm run destroy` / `npm run secrets:init`.
 *
 * Wraps `cdktf deploy|destroy` so that a newcomer gets a clear message instead of a Terraform
 * prompt for a missing variable, or a SQL Server container that dies on a weak password and
 * surfaces only as a health-check timeout. Secrets live in .env (git-ignored) as TF_VAR_*.
 */
import { randomInt } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { loadPipelineInputs } from "../stacks/inputs.js";
import { requiredSecrets } from "../stacks/pipeline-stack.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const envFile = `${root}.env`;

/** SQL Server's policy: 8+ characters from at least three of upper, lower, digit, symbol. */
export function meetsSqlServerPolicy(password: string): boolean {
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  return password.length >= 8 && classes >= 3;
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

function readEnvFile(): Map<string, string> {
  const values = new Map<string, string>();
  if (!existsSync(envFile)) return values;
  for (const line of readFileSync(envFile, "utf8").split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (m) values.set(m[1]!, m[2]!.replace(/^"(.*)"$/, "$1"));
  }
  return values;
}

async function secretNames(): Promise<string[]> {
  return requiredSecrets(await loadPipelineInputs());
}

async function initSecrets(): Promise<void> {
  const existing = readEnvFile();
  const added: string[] = [];
  for (const name of await secretNames()) {
    const key = `TF_VAR_${name.toLowerCase()}`;
    if (existing.has(key) || process.env[key]) continue;
    existing.set(key, generatePassword());
    added.push(key);
  }
  const body = [...existing].map(([k, v]) => `${k}=${v}`).join("\n");
  writeFileSync(envFile, `# Secrets of the Meter Master stack. Git-ignored; keep it that way.\n${body}\n`, { mode: 0o600 });
  console.log(added.length ? `Wrote ${added.length} new secret(s) to .env: ${added.join(", ")}` : ".env already has every secret.");
}

async function run(command: "deploy" | "destroy", args: string[]): Promise<void> {
  for (const [k, v] of readEnvFile()) process.env[k] ??= v;
  const names = await secretNames();
  const missing = names.map((n) => `TF_VAR_${n.toLowerCase()}`).filter((k) => !process.env[k]);
  if (missing.length > 0 && command === "deploy") {
    console.error(`Missing secret(s): ${missing.join(", ")}.\nRun \`npm run secrets:init\` to generate them into .env, or export them.`);
    process.exit(2);
  }
  const sa = process.env.TF_VAR_mssql_sa_password;
  if (command === "deploy" && sa !== undefined && !meetsSqlServerPolicy(sa)) {
    console.error("TF_VAR_mssql_sa_password does not meet SQL Server's password policy (8+ characters, 3 of: upper, lower, digit, symbol); SQL Server would refuse to start.");
    process.exit(2);
  }
  // Destroy needs no real secrets, but Terraform still asks for declared variables.
  const env = Object.fromEntries(missing.map((k) => [k, "unused-by-destroy"]));
  console.log(`Running cdktf ${command} ${args.join(" ")} (progress below; Terraform waits on each health check).`);
  const result = await execa("cdktf", [command, ...args], {
    cwd: root,
    stdio: "inherit",
    preferLocal: true,
    reject: false,
    env: { ...env, CHECKPOINT_DISABLE: "1" },
  });
  if (result.exitCode !== 0) {
    console.error(
      `cdktf ${command} failed (exit ${result.exitCode}). See README "Troubleshooting": docker ps -a shows which container is unhealthy; docker logs <name> says why.`,
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
