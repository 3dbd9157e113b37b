import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { prepareStateDir, readDotEnv, writeSecretVariables } from "../../../stacks/deploy-files.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "deploy-files-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const mode = (p: string) => statSync(p).mode & 0o777;

describe("plain cdktf deploy gets the secrets from .env", () => {
  it("writes them, mode 0600, as Terraform variables in the stack's working directory", () => {
    const root = tempDir();
    writeFileSync(join(root, ".env"), "# comment\nTF_VAR_postgres_password='p w'\nOTHER=1\n");
    const stackDir = join(root, "cdktf.out", "stacks", "meter-master");
    const r = writeSecretVariables(stackDir, ["POSTGRES_PASSWORD", "MYSQL_ROOT_PASSWORD"], { env: {}, dotEnv: readDotEnv(root) });
    const file = join(stackDir, "secrets.auto.tfvars.json");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ postgres_password: "p w" });
    expect(mode(file)).toBe(0o600);
    expect(r).toEqual({ found: ["POSTGRES_PASSWORD"], missing: ["TF_VAR_mysql_root_password"] });
  });

  it("lets an exported TF_VAR_ win over .env, as Terraform itself would without the file", () => {
    const stackDir = tempDir();
    writeSecretVariables(stackDir, ["POSTGRES_PASSWORD"], { env: { TF_VAR_postgres_password: "exported" }, dotEnv: { TF_VAR_postgres_password: "from-file" } });
    expect(JSON.parse(readFileSync(join(stackDir, "secrets.auto.tfvars.json"), "utf8"))).toEqual({ postgres_password: "exported" });
  });
});

describe("the Terraform state, which holds every secret, is private", () => {
  it("lives in a 0700 folder, its files 0600", () => {
    const root = tempDir();
    const state = prepareStateDir(root, "meter-master");
    writeFileSync(state, "{}", { mode: 0o644 });
    prepareStateDir(root, "meter-master");
    expect(mode(join(root, ".terraform-state"))).toBe(0o700);
    expect(mode(state)).toBe(0o600);
  });

  it("moves a state file an earlier version left in the project root, so the deployment is not forgotten", () => {
    const root = tempDir();
    writeFileSync(join(root, "terraform.meter-master.tfstate"), '{"serial": 7}');
    const state = prepareStateDir(root, "meter-master");
    expect(readFileSync(state, "utf8")).toBe('{"serial": 7}');
    expect(existsSync(join(root, "terraform.meter-master.tfstate"))).toBe(false);
  });
});
