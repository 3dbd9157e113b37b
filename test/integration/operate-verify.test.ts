// Proof of sync on the real pipeline: PostgreSQL and MariaDB (for MySQL) -> Debezium on Kafka
// Connect -> Kafka -> the sink-app -> Meter Master (PostgreSQL here), all started by the e2e harness
// with the shipped connector files (which now name a signal table). `verify` (the CLI, in process)
// finds what was changed behind the pipeline's back in Meter Master, `resync` repairs it through an
// incremental snapshot, and `verify` then exits 0.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SourceConnectorConfig } from "../../connector-configs/schemas/debezium.js";
import { runCli } from "../../scripts/connectors/cli.js";
import type { TestEnvironmentInfo } from "../../scripts/test-env/index.js";
import { freePort } from "../../scripts/test-env/ports.js";
import { demoApiConfigFromEnv } from "../../sink-app/src/demo-api/config.js";
import { type DemoApiServer, startDemoApi } from "../../sink-app/src/demo-api/server.js";
import { stackFile } from "../../stacks/constructs/init-files.js";
import {
  applyConnectors,
  buildSinkApp,
  createSourceDatabases,
  METER_MASTER_DB,
  MYSQL_SOURCE_DB,
  pgClient,
  projectSourceConfigs,
  removePipeline,
  SinkAppProcess,
  sinkAppConfig,
  waitUntil,
} from "../e2e/harness.js";
import { testEnv } from "../support/env.js";

const run = promisify(execFile);

let env: TestEnvironmentInfo;
let configs: SourceConnectorConfig[];
let meterMaster: pg.Client;
let api: DemoApiServer | undefined;
let sink: SinkAppProcess | undefined;

/** The connectors CLI in process, pointed at the test servers: only addresses and secrets differ from a deployment. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  // verify and resync take the database addresses; CONNECT_URL below serves every command
  const connection = ["verify", "resync"].includes(args[0]!)
    ? [
        "--source-address",
        `postgres=${env.postgres.host}:${env.postgres.port}`,
        `mysql=${env.mysql.host}:${env.mysql.port}`,
        "--meter-master",
        `postgres://${env.postgres.user}@${env.postgres.host}:${env.postgres.port}/${METER_MASTER_DB}`,
        "--page-size",
        "2", // several pages on both sides even with the four demo rows per source
      ]
    : [];
  const code = await runCli([...args, ...connection], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {
      POSTGRES_DEBEZIUM_PASSWORD: env.secrets.POSTGRES_DEBEZIUM_PASSWORD!,
      MYSQL_DEBEZIUM_PASSWORD: env.mysql.debeziumPassword,
      METER_MASTER_PASSWORD: env.postgres.password,
      CONNECT_URL: env.connect.url,
    },
    interactive: false,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeAll(async () => {
  env = testEnv();
  await Promise.all([buildSinkApp(), createSourceDatabases(env)]);
  // The MySQL container's own hook script: it also lets the debezium login write the signal table.
  await run("bash", [stackFile("init-sql/mysql/02-debezium-user.sh")], {
    env: {
      ...process.env,
      MYSQL_HOST: env.mysql.host,
      MYSQL_TCP_PORT: String(env.mysql.port),
      MYSQL_ROOT_PASSWORD: env.mysql.rootPassword,
      MYSQL_DEBEZIUM_PASSWORD: env.mysql.debeziumPassword,
      MYSQL_DATABASE: MYSQL_SOURCE_DB,
    },
  });
  meterMaster = await pgClient(env, METER_MASTER_DB);
  const apiPort = await freePort();
  api = await startDemoApi(demoApiConfigFromEnv({ PORT: String(apiPort), HOST: "127.0.0.1" }));
  configs = await projectSourceConfigs(env);
  expect(configs.map((c) => c.signalDataCollection)).toEqual(["public.debezium_signal", "meterdb.debezium_signal"]);
  await applyConnectors(env, configs);
  sink = await SinkAppProcess.create((port) => sinkAppConfig(env, configs, `http://127.0.0.1:${apiPort}`, port), { password: env.postgres.password });
  await sink.start();
}, 300_000);

afterAll(async () => {
  await sink?.dispose();
  await api?.close();
  if (!env) return;
  await meterMaster?.end();
  await removePipeline(env);
}, 120_000);

describe("verify and resync against the real pipeline", () => {
  it("verify exits 0 once the pipeline has delivered the snapshot: every key, every mapped column and attribute equal", async () => {
    const ok = await waitUntil(
      "verify exits 0",
      async () => {
        const r = await cli("verify");
        return r.code === 0 ? r : undefined;
      },
      120_000,
      2_000,
    ).catch(async (e: Error) => {
      const r = await cli("verify");
      throw new Error(`${e.message}\n${r.out}\n${r.err}\n--- sink-app log ---\n${sink?.log.slice(-2000)}`);
    });
    expect(ok.out).toContain("postgres (public.meters): 4 source row(s), 4 live Meter Master row(s): in sync");
    expect(ok.out).toContain("mysql (meterdb.meter_registry): 4 source row(s), 4 live Meter Master row(s): in sync");
  });

  it("verify names a row changed behind the pipeline's back, a missing and an extra row, with the differing columns, and exits non-zero", async () => {
    await meterMaster.query("UPDATE public.meter_master SET location = 'tampered' WHERE source_system = 'postgres' AND source_key = '2'");
    await meterMaster.query("DELETE FROM public.meter_master WHERE source_system = 'postgres' AND source_key = '3'");
    await meterMaster.query(
      "INSERT INTO public.meter_master (source_system, source_key, meter_id, source_op, source_position) VALUES ('postgres', '999', 'GHOST-1', 'c', '0')",
    );
    await meterMaster.query(`UPDATE public.meter_master SET last_reading = last_reading + 1 WHERE source_system = 'mysql' AND source_key = '["NYC","M-1001"]'`);

    const r = await cli("verify");
    console.log(`[verify]\n${r.out}\n${r.err}`);
    expect(r.code).toBe(1);
    expect(r.out).toContain("postgres (public.meters): 4 source row(s), 4 live Meter Master row(s): 3 difference(s)");
    expect(r.out).toContain("missing in Meter Master: 1: 3");
    expect(r.out).toContain("extra in Meter Master (no source row): 1: 999");
    expect(r.out).toContain('2: location source "Müllerstraße 12, 50667 Köln" / Meter Master "tampered"');
    expect(r.out).toContain('["NYC","M-1001"]: last_reading source "55021.7500" / Meter Master "55022.7500"');
    // the shipped SQL Server and Oracle files are enabled too; verify says it leaves them out
    expect(r.err).toBe(
      "not verified: mssql (mssql), oracle (oracle): verify reads PostgreSQL and MySQL/MariaDB sources only\nverify: 4 difference(s) in mysql, postgres",
    );

    const one = await cli("verify", "mysql", "--json");
    expect(one.code).toBe(1);
    const [report] = JSON.parse(one.out) as Array<{
      source: string;
      different: { count: number; examples: Array<{ key: string; columns: Array<{ column: string }> }> };
    }>;
    expect(report).toMatchObject({ source: "mysql", different: { count: 1, examples: [{ key: '["NYC","M-1001"]', columns: [{ column: "last_reading" }] }] } });
  });

  it("resync repairs them through Debezium's incremental snapshot (and --remove-extra the row no event names); verify then exits 0", async () => {
    const pgResync = await cli("resync", "postgres", "--remove-extra", "--yes", "--timeout-seconds", "180");
    console.log(`[resync postgres]\n${pgResync.out}\n${pgResync.err}`);
    expect(pgResync.code, pgResync.err).toBe(0);
    expect(pgResync.out).toMatch(/postgres: execute-snapshot signal [0-9a-f-]{36} sent for public\.meters/);
    expect(pgResync.out).toContain("postgres: marked 1 row(s) deleted: 999");

    const myResync = await cli("resync", "mysql", "--timeout-seconds", "180");
    console.log(`[resync mysql]\n${myResync.out}\n${myResync.err}`);
    expect(myResync.code, myResync.err).toBe(0);

    // the repair came from the snapshot's read events, not from anything resync wrote
    const repaired = await meterMaster.query<{ source_key: string; source_op: string; location: string }>(
      "SELECT source_key, source_op, location FROM public.meter_master WHERE source_system = 'postgres' AND source_key IN ('2', '3') ORDER BY source_key",
    );
    expect(repaired.rows).toEqual([
      { source_key: "2", source_op: "r", location: "Müllerstraße 12, 50667 Köln" },
      { source_key: "3", source_op: "r", location: null },
    ]);

    const after = await cli("verify");
    expect(after.code, `${after.out}\n${after.err}`).toBe(0);
    expect(after.out).toContain("postgres (public.meters): 4 source row(s), 4 live Meter Master row(s): in sync");
    expect(after.out).toContain("mysql (meterdb.meter_registry): 4 source row(s), 4 live Meter Master row(s): in sync");
  });

  it("resync refuses a connector that is not running: the signal would wait in the table", async () => {
    const paused = await cli("pause", "mysql");
    expect(paused.code).toBe(0);
    try {
      await waitUntil("mysql PAUSED", async () => ((await cli("status", "mysql", "--json")).out.includes('"PAUSED"') ? true : undefined), 30_000, 500);
      const r = await cli("resync", "mysql", "--no-wait");
      expect(r.code).toBe(1);
      expect(r.err).toContain("mysql is PAUSED; the signal would wait until it runs again");
    } finally {
      await cli("resume", "mysql");
    }
  });
});
