// The connectors CLI (scripts/connectors.ts) run as a process, the way an operator runs it
// (`npx tsx scripts/connectors.ts <cmd> --connect-url <url>`, which is what
// `npm run connectors -- <cmd>` runs), against the real Kafka Connect worker with a real
// Debezium PostgreSQL connector. The connector is declared in a config file in a temp
// `--dir`, applied by the CLI itself under an owner id of this file only.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestEnvironmentInfo } from "../../scripts/test-env/index.js";
import { freePort } from "../../scripts/test-env/ports.js";
import { OWNER_KEY } from "../../sink-app/src/connect/desired.js";
import {
  cleanup,
  connectClient,
  connectTestEnv,
  createMetersDatabase,
  type ProcessResult,
  pollUntil,
  runTsx,
  taskStarts,
  uniq,
  waitForState,
} from "./connect-helpers.js";

let env: TestEnvironmentInfo;
let database: string;
let dir: string;
const NAME = uniq("it_cli");
const OWNER = uniq("mm_it_cli");
const UNKNOWN = uniq("no_such_connector");

/** The CLI as a process; every run's output is printed so a failure shows what the operator saw. */
async function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  // Only what the test passes decides the URL: no CONNECT_URL from the shell running the tests.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  if (!("CONNECT_URL" in extraEnv)) delete childEnv.CONNECT_URL;
  const raw = await runTsx(["scripts/connectors.ts", ...args], { env: childEnv, timeoutMs: 150_000 });
  // cli-table3 colours borders and headers when the environment asks for colour (vitest sets FORCE_COLOR).
  const r = { ...raw, stdout: stripVTControlCharacters(raw.stdout), stderr: stripVTControlCharacters(raw.stderr) };
  console.log(`$ connectors ${args.join(" ")}\n  -> exit ${r.code} in ${r.ms} ms\n${r.stdout}${r.stderr ? `[stderr]\n${r.stderr}` : ""}`);
  return r;
}
const url = () => ["--connect-url", env.connect.url];

/** A source config file as a user writes one (a plain object is accepted as well as defineSourceConnector). */
function sourceFile(fields: { name: string; port: number | string; database: string }): string {
  return `// written by connectors-cli.test.ts
export default {
  kind: "postgres",
  name: ${JSON.stringify(fields.name)},
  connection: {
    host: ${JSON.stringify(env.postgres.host)},
    port: ${fields.port},
    user: ${JSON.stringify(env.postgres.debeziumUser)},
    password: { env: "POSTGRES_DEBEZIUM_PASSWORD" },
    database: ${JSON.stringify(fields.database)},
  },
  tables: ["public.meters"],
  slotName: ${JSON.stringify(fields.name)},
  publicationName: ${JSON.stringify(`${fields.name}_pub`)},
  decimalHandlingMode: "string",
};
`;
}

beforeAll(async () => {
  env = await connectTestEnv();
  database = await createMetersDatabase(env);
  dir = await mkdtemp(join(tmpdir(), "mm-connectors-cli-"));
  await mkdir(join(dir, "sources"));
  await writeFile(join(dir, "sources", `${NAME}.ts`), sourceFile({ name: NAME, port: env.postgres.port, database }));
});

afterAll(async () => {
  if (env) await cleanup(env, { connectors: [NAME], slots: [NAME], databases: database ? [database] : [] });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("connectors CLI against the real Kafka Connect worker", () => {
  it("apply renders the files of --dir and applies them as the registrar does: exit 0 once connector and task are RUNNING", async () => {
    const r = await cli(["apply", ...url(), "--dir", dir, "--owner", OWNER, "--external", NAME, "--timeout-seconds", "90"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${NAME}: created`);
    expect(r.stdout).toContain(`${NAME}: RUNNING`);
    expect(r.stdout).toContain("applied: 1 created, 0 updated, 0 unchanged, 0 deleted");
    const client = connectClient(env);
    const s = await client.status(NAME);
    expect([s.connector.state, ...s.tasks.map((t) => t.state)]).toEqual(["RUNNING", "RUNNING"]);
    expect((await client.getConfig(NAME))[OWNER_KEY]).toBe(OWNER);
  });

  it("apply of the same files again reports the connector unchanged (--json) and does not restart its task", async () => {
    const starts = await taskStarts(env, NAME);
    const r = await cli(["apply", ...url(), "--dir", dir, "--owner", OWNER, "--external", NAME, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ created: [], updated: [], unchanged: [NAME], deleted: [], resumed: [], paused: [], stopped: [], slotsDropped: [] });
    expect(await taskStarts(env, NAME)).toBe(starts);
  });

  it("list prints a table row with name, type, class, state, tasks and owner", async () => {
    const r = await cli(["list", ...url()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/name\s*│\s*type\s*│\s*class\s*│\s*state\s*│\s*tasks\s*│\s*managed by/);
    const row = r.stdout.split("\n").find((l) => l.includes(NAME));
    expect(row).toMatch(new RegExp(`${NAME}\\s*│\\s*source\\s*│\\s*PostgresConnector\\s*│\\s*RUNNING\\s*│\\s*0:RUNNING\\s*│\\s*${OWNER}`));
  });

  it("list --json prints the same as JSON", async () => {
    const r = await cli(["list", ...url(), "--json"]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string }[];
    expect(rows.find((x) => x.name === NAME)).toEqual({
      name: NAME,
      type: "source",
      class: "io.debezium.connector.postgresql.PostgresConnector",
      state: "RUNNING",
      tasks: [{ id: 0, state: "RUNNING" }],
      managedBy: OWNER,
    });
  });

  it("status <name> shows the connector and its task RUNNING on the worker next to the declared state, as a table and as JSON; status without a name includes it", async () => {
    const table = await cli(["status", NAME, ...url(), "--dir", dir]);
    expect(table.code).toBe(0);
    const worker = new URL(env.connect.url).host;
    expect(table.stdout).toMatch(new RegExp(`${NAME}\\s*│\\s*-\\s*│\\s*running\\s*│\\s*RUNNING\\s*│\\s*${worker}`));
    expect(table.stdout).toMatch(new RegExp(`${NAME}\\s*│\\s*0\\s*│\\s*-\\s*│\\s*RUNNING\\s*│\\s*${worker}`));
    const json = await cli(["status", NAME, ...url(), "--json", "--dir", dir]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: NAME, declared: "running", connector: { state: "RUNNING" }, tasks: [{ id: 0, state: "RUNNING" }] });
    const all = await cli(["status", ...url(), "--json"]);
    expect((JSON.parse(all.stdout) as { name: string }[]).map((s) => s.name)).toContain(NAME);
  });

  it("pause leaves connector and task PAUSED, status says it differs from the declared state, and a later apply brings it back to the declared running", async () => {
    const r = await cli(["pause", NAME, ...url()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${NAME}: pause requested`);
    await waitForState(env, NAME, "PAUSED", 30_000);
    const s = await cli(["status", NAME, ...url(), "--json", "--dir", dir]);
    expect(JSON.parse(s.stdout)).toMatchObject({ declared: "running", connector: { state: "PAUSED" }, tasks: [{ state: "PAUSED" }] });
    const table = await cli(["status", NAME, ...url(), "--dir", dir]);
    expect(table.stdout).toMatch(new RegExp(`${NAME}\\s*│\\s*-\\s*│\\s*running \\(differs\\)\\s*│\\s*PAUSED`));
    // The files declare it running (the default): apply holds the worker to that, as a deploy does.
    const a = await cli(["apply", ...url(), "--dir", dir, "--owner", OWNER, "--external", NAME, "--json"]);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ unchanged: [NAME], resumed: [NAME] });
    await waitForState(env, NAME, "RUNNING", 30_000);
  });

  it("resume brings connector and task back to RUNNING", async () => {
    expect((await cli(["pause", NAME, ...url()])).code).toBe(0);
    await waitForState(env, NAME, "PAUSED", 30_000);
    const r = await cli(["resume", NAME, ...url(), "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: NAME, action: "resume", ok: true });
    await waitForState(env, NAME, "RUNNING", 30_000);
  });

  it("restart restarts the connector's task (the worker logs a new task start) and it RUNs again", async () => {
    const before = await taskStarts(env, NAME);
    const r = await cli(["restart", NAME, ...url()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${NAME}: restart requested`);
    await pollUntil(`a new start of task ${NAME}-0`, async () => ((await taskStarts(env, NAME)) > before ? true : undefined), 30_000);
    await waitForState(env, NAME, "RUNNING", 30_000);
  });

  it("an unknown connector name gives exit 1 and names the known connectors (status, pause, delete)", async () => {
    for (const cmd of ["status", "pause", "delete"]) {
      const r = await cli([cmd, UNKNOWN, ...url()]);
      expect(r.code, cmd).toBe(1);
      expect(r.stderr, cmd).toContain(`No connector named "${UNKNOWN}" on Kafka Connect at ${env.connect.url}. Known connectors: `);
      expect(r.stderr, cmd).toContain(NAME);
    }
    // Nothing happened to the real one.
    expect((await connectClient(env).status(NAME)).connector.state).toBe("RUNNING");
  });

  it("delete removes the connector from the worker", async () => {
    const r = await cli(["delete", NAME, ...url()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${NAME}: deleted`);
    await pollUntil(
      `${NAME} to be gone`,
      async () => {
        const res = await fetch(`${env.connect.url}/connectors/${NAME}/status`);
        return res.status === 404 ? true : undefined;
      },
      30_000,
    );
    const list = await cli(["list", ...url(), "--json"]);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((x) => x.name)).not.toContain(NAME);
  });

  it("with Kafka Connect unreachable (--connect-url or CONNECT_URL), every command fails fast with exit 1, the URL and a hint", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const runs = await Promise.all([
      cli(["list", "--connect-url", dead, "--wait-seconds", "1"]),
      cli(["status", NAME, "--wait-seconds", "1"], { CONNECT_URL: dead }),
      cli(["apply", "--connect-url", dead, "--wait-seconds", "1", "--dir", dir, "--owner", OWNER]),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Kafka Connect at ${dead}`);
      expect(r.stderr).toContain("Kafka Connect is unreachable (ECONNREFUSED)");
      expect(r.stderr).toContain("Hint: is the pipeline deployed?");
      expect(r.ms).toBeLessThan(20_000);
    }
  });
});

describe("connectors validate (offline)", () => {
  let bad: string;
  beforeAll(async () => {
    bad = await mkdtemp(join(tmpdir(), "mm-connectors-cli-bad-"));
    await mkdir(join(bad, "sources"));
    await writeFile(join(bad, "sources", "postgres.ts"), sourceFile({ name: "broken_pg", port: 99999, database: "meters" }));
  });
  afterAll(async () => {
    if (bad) await rm(bad, { recursive: true, force: true });
  });

  it("a broken file exits non-zero naming the file, the field, the value and what was expected, without any Kafka Connect", async () => {
    const file = join(bad, "sources", "postgres.ts");
    // CONNECT_URL points nowhere: validate must not need Connect.
    const noConnect = { CONNECT_URL: `http://127.0.0.1:${await freePort()}` };
    for (const args of [
      ["validate", file],
      ["validate", "--dir", bad],
    ]) {
      const r = await cli(args, noConnect);
      expect(r.code, args.join(" ")).not.toBe(0);
      // The formatter's wording of "expected" is zod's message ("Too big: expected number to be <=65535").
      expect(r.stderr).toMatch(/^1 configuration problem:$/m);
      expect(r.stderr).toContain(`  ${file}: connection.port: got 99999; expected `);
      expect(r.stderr).toMatch(/connection\.port: got 99999; expected .*<= ?65535/);
    }
  });

  it("a good file exits 0 and lists it", async () => {
    const file = join(dir, "sources", `${NAME}.ts`);
    const r = await cli(["validate", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`OK  ${file}  (postgres "${NAME}")`);
  });
});
