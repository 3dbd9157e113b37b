// What a real `cdktf deploy` on a Docker host depends on in the synthesized JSON, beyond its
// shape: how Terraform reads each string, plans that stay empty on a redeploy, a registrar
// that runs again after it failed, and containers that are stopped, not killed, on destroy.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { beforeAll, describe, expect, it } from "vitest";
import { stackFile } from "../../stacks/constructs/init-files.js";
import { Secrets } from "../../stacks/constructs/secrets.js";
import type { SinkApp } from "../../stacks/constructs/sink-app.js";
import { loadPipelineInputs } from "../../stacks/inputs.js";
import { PipelineStack, type PipelineStackProps, secretKinds } from "../../stacks/pipeline-stack.js";
import { container, containers, type Synthesized, synth } from "./synth-helpers.js";
import { jsonStrings, readAsTerraform, templateSequences } from "./terraform-template.js";

/** The references the stack makes on purpose: variables, other resources' attributes, and `self` in the registrar's check. */
const DELIBERATE = /^(var\.[a-z0-9_]+|docker_[a-z_]+\.[A-Za-z0-9_-]+\.[a-z_]+|self\.[a-z_]+( == null \? "" : self\.[a-z_]+)?)$/;

const COMPONENT_INIT_DIR: Record<string, string> = { mssql: "mssql", oracle: "oracle", mysql: "mysql", postgres: "postgres" };

/** The real Terraform CLI, where installed: configurations without providers run offline. */
const terraform = spawnSync("terraform", ["version"], { encoding: "utf8" });

let inputs: PipelineStackProps;
let stack: PipelineStack;
let json: Synthesized;

beforeAll(async () => {
  // The stack as `cdktf synth` builds it from the shipped config files: every source embedded.
  inputs = await loadPipelineInputs();
  stack = new PipelineStack(Testing.app(), "meter-master", inputs);
  json = JSON.parse(Testing.synth(stack)) as Synthesized;
});

/** Every uploaded file: the container's component, the path in the container, and the raw JSON string. */
function uploads(): Array<{ component: string; file: string; content: string }> {
  return Object.values(containers(json)).flatMap((c: any) =>
    (c.upload ?? []).map((u: any) => ({ component: String(c.name).replace(/^meter-master-/, ""), file: u.file, content: u.content })),
  );
}

/** What each uploaded file must be, byte for byte, taken from where it comes from. */
function sourceOf(u: { component: string; file: string }): string {
  if (u.component === "registrar") return JSON.stringify(inputs.connectors, null, 2);
  if (u.component === "sink-app") return (stack.node.findChild("sink-app") as SinkApp).configJson;
  return readFileSync(stackFile(`init-sql/${COMPONENT_INIT_DIR[u.component]}/${basename(u.file)}`), "utf8");
}

describe("strings as Terraform reads them", () => {
  it("has no ${ or %{ that Terraform would evaluate, except deliberate references", () => {
    const stray: string[] = [];
    for (const [path, value] of jsonStrings(json)) {
      for (const p of templateSequences(value)) {
        if (p.kind === "directive" || !DELIBERATE.test(p.expression)) stray.push(`${path}: ${value.slice(p.at, p.at + 60)}`);
      }
    }
    expect(stray).toEqual([]);
  });

  it("uploads every init script, the connectors file and the sink-app config exactly as their sources, byte for byte", () => {
    const all = uploads();
    // The files that carry shell and Kafka Connect `${...}` of their own are among them.
    expect(all.map((u) => `${u.component}:${basename(u.file)}`)).toEqual(
      expect.arrayContaining([
        "mysql:02-debezium-user.sh",
        "oracle:02-debezium-user.sh",
        "mssql:entrypoint.sh",
        "mssql:healthcheck.sh",
        "registrar:connectors.json",
      ]),
    );
    for (const u of all) expect(readAsTerraform(u.content), `${u.component}:${u.file}`).toBe(sourceOf(u));
    expect(all.some((u) => sourceOf(u).includes("${"))).toBe(true);
  });

  it.skipIf(terraform.status !== 0)(
    "reads back the same bytes when the real Terraform CLI evaluates them (NOT RUN, and skipped, where terraform is not on PATH)",
    () => {
      // A configuration of outputs only needs no provider, so this runs offline.
      const dir = mkdtempSync(join(tmpdir(), "tf-literals-"));
      try {
        const all = uploads();
        const output = Object.fromEntries(all.map((u, i) => [`f${i}`, { value: u.content }]));
        writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ output }));
        const tf = (...args: string[]) =>
          execFileSync("terraform", args, { cwd: dir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" } });
        tf("init", "-input=false", "-no-color");
        tf("apply", "-auto-approve", "-input=false", "-no-color");
        const values = JSON.parse(tf("output", "-json")) as Record<string, { value: string }>;
        for (const [i, u] of all.entries()) expect(values[`f${i}`]!.value, `${u.component}:${u.file}`).toBe(sourceOf(u));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("a redeploy with no change plans no change", () => {
  it("declares swap equal to memory on every container with a memory limit (Docker's default would read back as a change)", () => {
    const limited = Object.values(containers(json)).filter((c: any) => c.memory !== undefined);
    expect(limited.map((c: any) => c.name)).toEqual(expect.arrayContaining(["meter-master-connect", "meter-master-sink-app"]));
    for (const c of limited as any[]) expect(c.memory_swap, c.name).toBe(c.memory);
  });

  it("does the same for limits set in the deployment config", () => {
    const { json: custom } = synth({ connect: { resources: { memoryMb: 3072, cpus: 1.5 } } });
    expect(container(custom, "connect").memory_swap).toBe(3072);
  });
});

describe("the registrar", () => {
  const registrar = () => container(json, "registrar");
  const check = () => registrar().provisioner[0]["local-exec"];

  it("is checked by a create-time provisioner, so a failed run taints it and the next deploy runs it again", () => {
    // A postcondition on exit_code would be evaluated on every later plan against the failed container and block it.
    expect(registrar().lifecycle?.postcondition).toBeUndefined();
    expect(registrar().provisioner).toHaveLength(1);
    expect(check().when).toBeUndefined(); // create-time
    expect(check().interpreter).toEqual(["node", "-e"]);
    expect(check().environment.REGISTRAR_EXIT_CODE).toBe("${self.exit_code}");
    expect(registrar().attach).toBe(true);
    expect(registrar().must_run).toBe(false);
  });

  function runCheck(exitCode: string, log: string) {
    const command = readAsTerraform(check().command);
    return spawnSync(process.execPath, ["-e", command], { encoding: "utf8", env: { REGISTRAR_EXIT_CODE: exitCode, REGISTRAR_LOG: log } });
  }

  it("passes a run that exited 0, silently", () => {
    const r = runCheck("0", "registrar: done\n");
    expect([r.status, r.stdout, r.stderr]).toEqual([0, "", ""]);
  });

  it("fails a run that exited non-zero and shows its log as clean text", () => {
    // A TTY log ends lines with CR LF; stray control bytes (no NUL: an environment cannot carry one) are dropped.
    const r = runCheck("1", "\u0002\u0001registrar: FAILED (connector postgres): task postgres-0 FAILED\r\n");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("The connector registrar failed (exit code 1)");
    expect(r.stderr).toContain("registrar: FAILED (connector postgres): task postgres-0 FAILED\n");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is that no control character is left
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\r]/);
  });

  it.skipIf(terraform.status !== 0)(
    "with the real Terraform CLI: a failed check taints the resource, the next apply runs it again, and then plans no change (NOT RUN, and skipped, where terraform is not on PATH)",
    () => {
      // The same check on Terraform's built-in terraform_data resource (no provider download), with
      // the exit code it sees taken from a variable instead of a container.
      const dir = mkdtempSync(join(tmpdir(), "tf-registrar-"));
      try {
        const config = {
          variable: { registrar_exit_code: { type: "number" } },
          resource: {
            terraform_data: {
              registrar: {
                input: "connectors v1",
                provisioner: [
                  {
                    "local-exec": {
                      ...check(),
                      environment: { REGISTRAR_EXIT_CODE: "${var.registrar_exit_code}", REGISTRAR_LOG: "registrar: FAILED (connector postgres)" },
                    },
                  },
                ],
              },
            },
          },
        };
        writeFileSync(join(dir, "main.tf.json"), JSON.stringify(config));
        const tf = (...args: string[]) =>
          spawnSync("terraform", [...args, "-no-color", "-input=false"], {
            cwd: dir,
            encoding: "utf8",
            env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" },
          });
        expect(tf("init").status).toBe(0);
        const failed = tf("apply", "-auto-approve", "-var", "registrar_exit_code=1");
        expect(failed.status).toBe(1);
        expect(failed.stderr).toContain("The connector registrar failed (exit code 1)");
        expect(failed.stderr).toContain("registrar: FAILED (connector postgres)");
        // After the fix: the deploy simply works, because the failed one is replaced.
        const plan = tf("plan", "-var", "registrar_exit_code=0");
        expect(plan.stdout).toMatch(/terraform_data\.registrar is tainted, so must be replaced/);
        expect(tf("apply", "-auto-approve", "-var", "registrar_exit_code=0").status).toBe(0);
        expect(tf("plan", "-detailed-exitcode", "-var", "registrar_exit_code=0").status).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("runs with a TTY, so its log has no Docker stream headers", () => {
    expect(registrar().tty).toBe(true);
  });
});

describe("destroy", () => {
  it("stops every long-running container with a grace period instead of removing it at once", () => {
    for (const c of Object.values(containers(json)) as any[]) {
      if (c.attach) continue; // the registrar has exited by then
      expect(c.destroy_grace_seconds, c.name).toBeGreaterThanOrEqual(30);
      expect(c.stop_timeout, c.name).toBe(c.destroy_grace_seconds);
    }
    expect(container(json, "oracle").destroy_grace_seconds).toBe(60);
  });
});

describe("images", () => {
  it("verifies the Oracle JDBC driver baked into the Connect image against a pinned SHA-256", () => {
    const image = (Object.values(json.resource.docker_image) as any[]).find((i) => i.name === "meter-master/kafka-connect:local");
    expect(image.build.build_args.OJDBC_SHA256).toMatch(/^[0-9a-f]{64}$/);
    const dockerfile = readFileSync(stackFile("images/kafka-connect/Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/sha256sum -c/);
  });
});

describe("secrets:init", () => {
  it("generates the passwords of containers the stack runs", () => {
    expect(secretKinds(inputs)).toMatchObject({
      POSTGRES_PASSWORD: "generated",
      POSTGRES_DEBEZIUM_PASSWORD: "generated",
      MYSQL_ROOT_PASSWORD: "generated",
      MSSQL_SA_PASSWORD: "generated",
      ORACLE_APP_PASSWORD: "generated",
    });
  });

  it("leaves a secret that only a consumer reads (an external login, an API token) to the user", () => {
    const secrets = new Secrets(new TerraformStack(Testing.app(), "probe"), "secrets");
    secrets.env("MSSQL_API_TOKEN"); // an API endpoint's token, named in the sink-app config
    secrets.env("POSTGRES_DEBEZIUM_PASSWORD"); // read by Connect for an external server
    secrets.env("MYSQL_DEBEZIUM_PASSWORD");
    secrets.env("MYSQL_DEBEZIUM_PASSWORD", "generated"); // the embedded MySQL container sets it
    expect(secrets.kinds()).toEqual({ MSSQL_API_TOKEN: "provided", MYSQL_DEBEZIUM_PASSWORD: "generated", POSTGRES_DEBEZIUM_PASSWORD: "provided" });
  });
});
