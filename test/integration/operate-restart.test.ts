// A declared pause is kept by Kafka Connect itself (its config topic), so it survives a restart
// of the worker, and a redeploy leaves it paused. Proven on a Connect worker of its own (its own
// group and internal topics), so restarting it does not disturb the shared one.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDesiredConnectors } from "../../connector-configs/render.js";
import { DEFAULT_CACHE_DIR, ensureArtifacts } from "../../scripts/test-env/artifacts.js";
import { type StartedConnect, startConnect } from "../../scripts/test-env/connect.js";
import type { TestEnvironmentInfo } from "../../scripts/test-env/index.js";
import { ProcessSupervisor } from "../../scripts/test-env/processes.js";
import { DEBEZIUM_CONNECTOR_CLASSES } from "../../scripts/test-env/versions.js";
import { ConnectClient } from "../../sink-app/src/connect/client.js";
import { reconcile } from "../../sink-app/src/connect/reconcile.js";
import { cleanup, connectTestEnv, createMetersDatabase, pollUntil, postgresSource, uniq } from "./connect-helpers.js";

const OWNER = "it-restart";

let env: TestEnvironmentInfo;
let dir: string;
let supervisor: ProcessSupervisor;
let worker: StartedConnect | undefined;
let database: string;
const name = uniq("it_paused");
const cluster = { groupId: uniq("it-restart-connect"), topicPrefix: uniq("_it_restart_connect") };

async function startWorker(n: number): Promise<StartedConnect> {
  const artifacts = await ensureArtifacts(DEFAULT_CACHE_DIR, ["postgres"]);
  return startConnect(supervisor, {
    java: artifacts.java,
    libsDir: artifacts.kafkaLibsDir,
    dir: join(dir, `connect-${n}`),
    logsDir: dir,
    bootstrap: env.kafka.bootstrap,
    pluginDirs: [artifacts.pluginDirs.postgres!],
    expectedClasses: [DEBEZIUM_CONNECTOR_CLASSES.postgres],
    secrets: env.secrets,
    cluster,
  });
}

const client = () => new ConnectClient({ url: worker!.info.url, retry: { totalMs: 60_000 } });
const desired = () => renderDesiredConnectors([postgresSource(env, database, name, { state: "paused" })], { owner: OWNER });

/** The connector and every task PAUSED, and still so a moment later (a task that comes up would show). */
async function stillPaused(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const s = await pollUntil("the connector's status", async () =>
      client()
        .status(name, { retryNotFound: true })
        .catch(() => undefined),
    );
    expect(s.connector.state).toBe("PAUSED");
    for (const t of s.tasks) expect(t.state).toBe("PAUSED");
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

beforeAll(async () => {
  env = await connectTestEnv();
  dir = await mkdtemp(join(tmpdir(), "mm-connect-restart-"));
  supervisor = new ProcessSupervisor(dir);
  database = await createMetersDatabase(env);
  worker = await startWorker(1);
}, 300_000);

afterAll(async () => {
  if (worker)
    await client()
      .delete(name)
      .catch(() => undefined); // absent when a step before failed
  await supervisor?.stopAll(10_000);
  await cleanup(env, { slots: [name], databases: [database] });
  await rm(dir, { recursive: true, force: true });
}, 120_000);

describe("a declared pause across a Kafka Connect worker restart", () => {
  it("is created paused, stays paused after the worker restarts, and a redeploy changes nothing", async () => {
    const created = await reconcile(desired(), client(), { runningTimeoutMs: 60_000, settleMs: 1_000 });
    expect(created.created).toEqual([name]);
    await stillPaused();

    // The worker goes away (as when its container restarts) and comes back on the same cluster.
    await supervisor.stopProcess(worker!.process, 15_000);
    worker = await startWorker(2);
    await stillPaused();

    // A redeploy: the same declared state, so nothing to resume or pause.
    const redeploy = await reconcile(desired(), client(), { runningTimeoutMs: 60_000, settleMs: 1_000 });
    expect(redeploy.unchanged).toEqual([name]);
    expect([...redeploy.created, ...redeploy.updated, ...redeploy.resumed]).toEqual([]);
    await stillPaused();
  });
});
