// The registrar (sink-app/src/connect/reconcile.ts, registrar.ts, registrar-main.ts) against the
// real Kafka Connect worker with the real Debezium PostgreSQL connector reading the test
// PostgreSQL. Configs are the project's typed source configs rendered by the project's
// renderer. Each test file run uses its own owner ids, so pruning never reaches connectors of
// other tests sharing the worker.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import "../../scripts/test-env/kafkajs-lz4.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDesiredConnectors, sourceTopics } from "../../connector-configs/render.js";
import type { PostgresSourceConfig } from "../../connector-configs/schemas/debezium.js";
import type { TestEnvironmentInfo } from "../../scripts/test-env/index.js";
import { ConnectClient, ConnectError } from "../../sink-app/src/connect/client.js";
import { type DesiredConnectors, OWNER_KEY, PG_DROP_SLOT_KEY } from "../../sink-app/src/connect/desired.js";
import { dropPostgresSlotAndPublication } from "../../sink-app/src/connect/postgres-cleanup.js";
import { ReconcileError, type ReconcileOptions, reconcile } from "../../sink-app/src/connect/reconcile.js";
import {
  cleanup,
  connectClient,
  connectTestEnv,
  createMetersDatabase,
  pgAdmin,
  postgresSource,
  publicationExists,
  runTsx,
  slotExists,
  taskStarts,
  uniq,
  waitForState,
} from "./connect-helpers.js";

let env: TestEnvironmentInfo;
let client: ConnectClient;
let database: string;

const owner = uniq("mm_it_registrar");
const A = uniq("it_reg_a"); // external database: slot and publication dropped on removal
const B = uniq("it_reg_b"); // embedded database: slot kept on removal
const FOREIGN = uniq("it_foreign"); // created by plain REST PUT, no ownership marker
const BROKEN = uniq("it_reg_broken");
const WRONG_PW = uniq("it_reg_wrongpw");
const REVIVED = uniq("it_reg_revived"); // FAILED for a missing publication, then the publication is created
const P = uniq("it_regmain"); // applied by the entry point process
const P_BROKEN = uniq("it_regmain_broken");
const ALL = [A, B, FOREIGN, BROKEN, WRONG_PW, REVIVED, P, P_BROKEN];

interface Request {
  method: string;
  path: string;
  body?: Record<string, string>;
}

/** A real ConnectClient whose requests (all of them real) are also written down. */
function recordingClient(): { client: ConnectClient; requests: Request[] } {
  const requests: Request[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = new URL(String(input));
    requests.push({ method: init?.method ?? "GET", path: url.pathname, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    return fetch(input, init);
  };
  return { client: new ConnectClient({ url: env.connect.url, retry: { totalMs: 30_000 }, fetch: recording }), requests };
}

const mutating = (rs: Request[]) => rs.filter((r) => r.method !== "GET");

/** The product's slot cleanup with the secret the registrar container has in its environment. */
function reconcileOpts(extra: Partial<ReconcileOptions> = {}): ReconcileOptions {
  return {
    runningTimeoutMs: 90_000,
    settleMs: 2_000,
    pollMs: 500,
    dropPostgresSlot: (cfg) => dropPostgresSlotAndPublication(cfg, { env: { POSTGRES_DEBEZIUM_PASSWORD: env.secrets.POSTGRES_DEBEZIUM_PASSWORD } }),
    log: (l) => console.log(`[registrar] ${l}`),
    ...extra,
  };
}

function desired(sources: PostgresSourceConfig[], who = owner, external: string[] = [A, P]): DesiredConnectors {
  return renderDesiredConnectors(sources, { owner: who, externalSources: external });
}

/** Reads `count` records of `topic` from the beginning with a fresh consumer group. */
async function readTopic(topic: string, count: number, timeoutMs = 60_000): Promise<{ key: unknown; value: any }[]> {
  const kafka = new Kafka({ clientId: "it-registrar", brokers: [env.kafka.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniq("it_registrar_reader") });
  const got: { key: unknown; value: any }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${count} records on ${topic} after ${timeoutMs} ms`)), timeoutMs);
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            got.push({
              key: message.key ? JSON.parse(message.key.toString()) : null,
              value: message.value ? JSON.parse(message.value.toString()) : null,
            });
            if (got.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

/** Keys whose values differ between two configs. */
function changedKeys(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}

beforeAll(async () => {
  env = await connectTestEnv();
  client = connectClient(env);
  database = await createMetersDatabase(env);
});

afterAll(async () => {
  if (env) await cleanup(env, { connectors: ALL, slots: ALL, databases: database ? [database] : [] });
});

describe("registrar reconcile against the real worker and a real PostgreSQL source", () => {
  const srcA = () => postgresSource(env, database, A);
  const srcB = () => postgresSource(env, database, B);

  it("apply creates the declared connectors, returns only when connector and task are RUNNING, and the snapshot rows arrive on the topic", async () => {
    const d = desired([srcA(), srcB()]);
    const r = await reconcile(d, client, reconcileOpts());
    expect(r.created.sort()).toEqual([A, B].sort());
    expect([r.updated, r.unchanged, r.deleted]).toEqual([[], [], []]);

    for (const name of [A, B]) {
      const s = await client.status(name);
      expect(s.connector.state).toBe("RUNNING");
      expect(s.tasks.map((t) => t.state)).toEqual(["RUNNING"]);
      // Exactly the rendered config, ownership marker included.
      expect(await client.getConfig(name)).toEqual(d.connectors.find((c) => c.name === name)!.config);
      expect(await slotExists(env, name)).toBe(true);
    }
    expect((await client.getConfig(A))[OWNER_KEY]).toBe(owner);
    expect((await client.getConfig(A))[PG_DROP_SLOT_KEY]).toBe("true");
    expect((await client.getConfig(B))[PG_DROP_SLOT_KEY]).toBeUndefined();
    // Connect holds the reference; the password itself is in no connector config it shows.
    expect((await client.getConfig(A))["database.password"]).toBe("${env:POSTGRES_DEBEZIUM_PASSWORD}");
    expect(JSON.stringify(await client.listConnectors())).not.toContain(env.secrets.POSTGRES_DEBEZIUM_PASSWORD);

    const [topic] = sourceTopics(srcA());
    expect(topic).toBe(`${A}.public.meters`);
    const records = await readTopic(topic!, 2);
    const rows = records.map((r) => r.value.payload).sort((x, y) => x.after.id - y.after.id);
    expect(rows.map((p) => p.op)).toEqual(["r", "r"]);
    expect(rows.map((p) => p.source.db)).toEqual([database, database]);
    expect(rows.map((p) => [p.after.serial_no, p.after.kind, p.after.last_value])).toEqual([
      ["EL-2019-000142", "ELECTRIC", "18234.512"],
      ["GA-2021-003318", "GAS", "4411.070"],
    ]);
    expect(records.map((r) => (r.key as { payload: { id: number } }).payload.id).sort()).toEqual([1, 2]);
  });

  it("applying the same desired set again changes nothing: only GET requests, no task restart, identical configs", async () => {
    const d = desired([srcA(), srcB()]);
    const before = { a: await client.getConfig(A), b: await client.getConfig(B), startsA: await taskStarts(env, A), startsB: await taskStarts(env, B) };
    const { client: rec, requests } = recordingClient();
    const r = await reconcile(d, rec, reconcileOpts());
    expect(r.unchanged.sort()).toEqual([A, B].sort());
    expect([r.created, r.updated, r.deleted]).toEqual([[], [], []]);
    expect(mutating(requests)).toEqual([]);
    expect(await client.getConfig(A)).toEqual(before.a);
    expect(await client.getConfig(B)).toEqual(before.b);
    expect(await taskStarts(env, A)).toBe(before.startsA);
    expect(await taskStarts(env, B)).toBe(before.startsB);
    expect((await client.status(A)).tasks.map((t) => t.state)).toEqual(["RUNNING"]);
  });

  it("changing one field of one source re-applies exactly that field with one PUT, and leaves the other connector untouched", async () => {
    const before = { a: await client.getConfig(A), b: await client.getConfig(B), startsA: await taskStarts(env, A), startsB: await taskStarts(env, B) };
    const changedA = postgresSource(env, database, A, { heartbeatIntervalMs: 5_000 });
    const d = desired([changedA, srcB()]);
    const { client: rec, requests } = recordingClient();
    const r = await reconcile(d, rec, reconcileOpts());
    expect(r.updated).toEqual([A]);
    expect(r.unchanged).toEqual([B]);
    expect([r.created, r.deleted]).toEqual([[], []]);

    const writes = mutating(requests);
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([`PUT /connectors/${A}/config`]);
    expect(changedKeys(before.a, writes[0]!.body!)).toEqual(["heartbeat.interval.ms"]);
    const after = await client.getConfig(A);
    expect(changedKeys(before.a, after)).toEqual(["heartbeat.interval.ms"]);
    expect(after["heartbeat.interval.ms"]).toBe("5000");
    expect(await client.getConfig(B)).toEqual(before.b);
    expect(await taskStarts(env, B)).toBe(before.startsB);
    // The worker restarted A's task with the new config, and reconcile returned once it RUNs again.
    expect(await taskStarts(env, A)).toBeGreaterThan(before.startsA);
    expect((await client.status(A)).tasks.map((t) => t.state)).toEqual(["RUNNING"]);
  });

  it("a connector it owns and no longer declares is deleted with its replication slot and publication (external source); a connector created by plain REST PUT is left alone", async () => {
    // Someone else's connector on the same worker: plain PUT, no ownership marker.
    const foreignConfig = { ...desired([postgresSource(env, database, FOREIGN)]).connectors[0]!.config };
    delete foreignConfig[OWNER_KEY];
    const put = await fetch(`${env.connect.url}/connectors/${FOREIGN}/config`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(foreignConfig),
    });
    expect(put.status).toBe(201);
    await waitForState(env, FOREIGN, "RUNNING");
    const foreignStarts = await taskStarts(env, FOREIGN);
    const pubA = (await client.getConfig(A))["publication.name"]!;
    expect(await publicationExists(env, database, pubA)).toBe(true);

    const { client: rec, requests } = recordingClient();
    const r = await reconcile(desired([srcB()]), rec, reconcileOpts());
    expect(r.deleted).toEqual([A]);
    expect(r.slotsDropped).toEqual([A]);
    expect(r.unchanged).toEqual([B]);
    expect(mutating(requests).map((w) => `${w.method} ${w.path}`)).toEqual([`DELETE /connectors/${A}`]);

    await expect(client.status(A)).rejects.toMatchObject({ status: 404 });
    expect(await slotExists(env, A)).toBe(false);
    expect(await publicationExists(env, database, pubA)).toBe(false);

    expect(await client.getConfig(FOREIGN)).toEqual(foreignConfig);
    expect((await client.status(FOREIGN)).tasks.map((t) => t.state)).toEqual(["RUNNING"]);
    expect(await taskStarts(env, FOREIGN)).toBe(foreignStarts);
    expect(await slotExists(env, FOREIGN)).toBe(true);
  });

  it("a removed connector whose config does not ask for slot cleanup (embedded database) is deleted but its replication slot is kept", async () => {
    const r = await reconcile(desired([]), client, reconcileOpts());
    expect(r.deleted).toEqual([B]);
    expect(r.slotsDropped).toEqual([]);
    await expect(client.status(B)).rejects.toMatchObject({ status: 404 });
    expect(await slotExists(env, B)).toBe(true);
    // Still not ours to touch.
    expect((await client.status(FOREIGN)).connector.state).toBe("RUNNING");
  });

  it("refuses to take over a connector of the same name that someone else created, before changing anything", async () => {
    const { client: rec, requests } = recordingClient();
    const err = await reconcile(desired([postgresSource(env, database, FOREIGN)]), rec, reconcileOpts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReconcileError);
    expect((err as Error).message).toContain(`connector ${FOREIGN} already exists in Kafka Connect but was not created by this deployment`);
    expect(mutating(requests)).toEqual([]);
  });

  it("a task that FAILS (publication missing, autocreation disabled) makes reconcile fail well before its timeout, with the task's stack trace in the error", async () => {
    const broken = postgresSource(env, database, BROKEN, { publicationAutocreateMode: "disabled", publicationName: "no_such_publication" });
    const started = Date.now();
    const err = await reconcile(desired([broken], uniq("mm_it_broken")), client, reconcileOpts({ runningTimeoutMs: 120_000 })).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    console.log(`[registrar] broken config detected in ${elapsed} ms`);
    expect(err).toBeInstanceOf(ReconcileError);
    const e = err as ReconcileError;
    expect(e.connector).toBe(BROKEN);
    expect(e.message).toMatch(new RegExp(`^task ${BROKEN}-0 FAILED on `));
    expect(e.trace).toContain("Publication autocreation is disabled, please create one and restart the connector.");
    expect(e.message).toContain("at io.debezium.connector.postgresql.");
    expect(elapsed).toBeLessThan(60_000);
  });

  describe("a connector whose task FAILED because its publication is missing (autocreation disabled)", () => {
    const who = uniq("mm_it_revived");
    const revived = () => postgresSource(env, database, REVIVED, { publicationAutocreateMode: "disabled" });
    const AUTOCREATE_TRACE = "Publication autocreation is disabled, please create one and restart the connector.";

    it("while the cause is still there, reconcile's restart of the failed task ends in an error with the task's trace", async () => {
      const d = desired([revived()], who, []);
      const first = await reconcile(d, client, reconcileOpts()).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(ReconcileError);
      expect((first as ReconcileError).trace).toContain(AUTOCREATE_TRACE);

      // The task fails again after the restart with the very same trace: seen RESTARTING in
      // between, it is final; else it is final once the restart grace (30 s) is over.
      const lines: string[] = [];
      const started = Date.now();
      const again = await reconcile(
        d,
        client,
        reconcileOpts({
          log: (l) => {
            lines.push(l);
            console.log(`[registrar] ${l}`);
          },
        }),
      ).catch((e: unknown) => e);
      console.log(`[registrar] failure after the restart reported in ${Date.now() - started} ms`);
      expect(again).toBeInstanceOf(ReconcileError);
      expect((again as ReconcileError).message).toMatch(new RegExp(`^task ${REVIVED}-0 FAILED on `));
      expect((again as ReconcileError).trace).toContain(AUTOCREATE_TRACE);
      expect(lines).toContain(`${REVIVED}: unchanged but FAILED; restarting failed parts`);
      expect(Date.now() - started).toBeLessThan(60_000);
    });

    it("once the cause is removed (the publication created), reconcile brings it to RUNNING, with no stale trace reported", async () => {
      const d = desired([revived()], who, []);
      const admin = await pgAdmin(env, database);
      try {
        await admin.query(`CREATE PUBLICATION ${revived().publicationName} FOR TABLE public.meters`);
      } finally {
        await admin.end();
      }
      // The worker still shows the task FAILED with the old trace until something restarts it.
      const failed = await client.status(REVIVED);
      expect(failed.tasks.map((t) => [t.state, t.trace?.includes(AUTOCREATE_TRACE)])).toEqual([["FAILED", true]]);
      const startsBefore = await taskStarts(env, REVIVED);

      // One restart of the failed task; right after Connect accepts it, status still shows the
      // old FAILED for a moment, which must not be taken for the outcome.
      const lines: string[] = [];
      const { client: rec, requests } = recordingClient();
      const r = await reconcile(
        d,
        rec,
        reconcileOpts({
          log: (l) => {
            lines.push(l);
            console.log(`[registrar] ${l}`);
          },
        }),
      );
      expect(r.unchanged).toEqual([REVIVED]);
      expect([r.created, r.updated, r.deleted]).toEqual([[], [], []]);
      expect(mutating(requests).map((w) => `${w.method} ${w.path}`)).toEqual([`POST /connectors/${REVIVED}/restart`]);
      expect(lines).toContain(`${REVIVED}: unchanged but FAILED; restarting failed parts`);
      expect(lines).toContain(`${REVIVED}: RUNNING`);
      expect(lines.join("\n")).not.toContain(AUTOCREATE_TRACE);

      const s = await client.status(REVIVED);
      expect([s.connector.state, ...s.tasks.map((t) => t.state)]).toEqual(["RUNNING", "RUNNING"]);
      expect(await taskStarts(env, REVIVED)).toBe(startsBefore + 1);
      // And it really streams: the snapshot of both rows is on its topic.
      const records = await readTopic(`${REVIVED}.public.meters`, 2);
      expect(records.map((rec) => rec.value.payload.after.serial_no).sort()).toEqual(["EL-2019-000142", "GA-2021-003318"]);
    });
  });

  it("a config Connect's own validation rejects (wrong password) fails reconcile at once with Connect's message and creates nothing", async () => {
    const wrong = postgresSource(env, database, WRONG_PW, {
      connection: { host: env.postgres.host, port: env.postgres.port, user: env.postgres.debeziumUser, password: { env: "MYSQL_DEBEZIUM_PASSWORD" }, database },
    });
    const started = Date.now();
    const err = await reconcile(desired([wrong], uniq("mm_it_wrongpw")), client, reconcileOpts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).status).toBe(400);
    expect((err as Error).message).toContain(`PUT /connectors/${WRONG_PW}/config`);
    expect((err as Error).message).toContain('password authentication failed for user "cdc_test"');
    expect(Date.now() - started).toBeLessThan(15_000);
    await expect(client.status(WRONG_PW)).rejects.toMatchObject({ status: 404 });
  });
});

describe("registrar container entry point (sink-app/src/connect/registrar-main.ts) as a process", () => {
  const procOwner = uniq("mm_it_regmain");
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mm-registrar-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs the entry point with the environment the registrar container gets. */
  async function runRegistrarMain(d: DesiredConnectors | undefined) {
    const file = join(dir, `${uniq("connectors")}.json`);
    if (d) await writeFile(file, JSON.stringify(d));
    const r = await runTsx(["sink-app/src/connect/registrar-main.ts"], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CONNECT_URL: env.connect.url,
        ...(d ? { REGISTRAR_CONNECTORS_FILE: file } : {}),
        REGISTRAR_TIMEOUT_SECONDS: "90",
        POSTGRES_DEBEZIUM_PASSWORD: env.secrets.POSTGRES_DEBEZIUM_PASSWORD,
      },
    });
    console.log(`[registrar-main] exit ${r.code} in ${r.ms} ms\n${r.stdout}${r.stderr}`);
    return r;
  }

  it("exits 0 once the declared connector and its task are RUNNING", async () => {
    const r = await runRegistrarMain(desired([postgresSource(env, database, P)], procOwner));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`registrar: ${P}: RUNNING`);
    expect(r.stdout).toMatch(/registrar: done in \d+ s: 1 created, 0 updated, 0 unchanged, 0 deleted/);
    const s = await client.status(P);
    expect([s.connector.state, ...s.tasks.map((t) => t.state)]).toEqual(["RUNNING", "RUNNING"]);
  });

  it("exits non-zero with the failing connector and its task's trace on stderr when a task FAILS", async () => {
    const broken = postgresSource(env, database, P_BROKEN, { publicationAutocreateMode: "disabled", publicationName: "no_such_publication" });
    const r = await runRegistrarMain(desired([postgresSource(env, database, P), broken], procOwner));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`registrar: ${P}: unchanged`);
    expect(r.stderr).toContain(`registrar: FAILED (connector ${P_BROKEN}): task ${P_BROKEN}-0 FAILED`);
    expect(r.stderr).toContain("Publication autocreation is disabled");
    expect(r.ms).toBeLessThan(60_000);
  });

  it("exits 0 after removing what it no longer declares, dropping the external source's slot with the secret from its own environment", async () => {
    expect(await slotExists(env, P)).toBe(true);
    const r = await runRegistrarMain({ owner: procOwner, connectors: [] });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/0 created, 0 updated, 0 unchanged, 2 deleted/);
    expect(r.stdout).toContain(`registrar: ${P}: replication slot ${P} dropped`);
    await expect(client.status(P)).rejects.toMatchObject({ status: 404 });
    await expect(client.status(P_BROKEN)).rejects.toMatchObject({ status: 404 });
    expect(await slotExists(env, P)).toBe(false);
  });

  it("exits 2 and says what is missing when REGISTRAR_CONNECTORS_FILE is not set", async () => {
    const r = await runRegistrarMain(undefined);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("registrar: CONNECT_URL and REGISTRAR_CONNECTORS_FILE must both be set");
  });
});
