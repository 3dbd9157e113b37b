// The status page in a real browser (Debian's Chromium, headless) against the real pipeline:
// PostgreSQL -> Debezium -> Kafka -> the compiled sink-app -> Meter Master and the demo API.
// The README's screenshot (docs/status-page.png) is taken by this test.

import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type pg from "pg";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SourceConnectorConfig } from "../../connector-configs/schemas/debezium.js";
import { launchChromium } from "../../scripts/test-env/browser.js";
import type { TestEnvironmentInfo } from "../../scripts/test-env/index.js";
import { freePort } from "../../scripts/test-env/ports.js";
import { demoApiConfigFromEnv } from "../../sink-app/src/demo-api/config.js";
import { type DemoApiServer, startDemoApi } from "../../sink-app/src/demo-api/server.js";
import { testEnv } from "../support/env.js";
import {
  applyConnectors,
  buildSinkApp,
  createSourceDatabases,
  E2E_OWNER,
  PG_SOURCE_DB,
  pgClient,
  projectSourceConfigs,
  removePipeline,
  SinkAppProcess,
  sinkAppConfig,
} from "./harness.js";

const SCREENSHOT = resolve(import.meta.dirname, "../../docs/status-page.png");

let env: TestEnvironmentInfo;
let postgresConfig: SourceConnectorConfig;
let pgSource: pg.Client;
let apiPort: number;
let api: DemoApiServer | undefined;
let sink: SinkAppProcess;
let browser: Browser;
let page: Page;

const startApi = () => startDemoApi(demoApiConfigFromEnv({ PORT: String(apiPort), HOST: "127.0.0.1" }));
const text = async (selector: string) => (await page.locator(selector).first().textContent()) ?? "";
const number = async (selector: string) => Number((await text(selector)).replace(/[^0-9.]/g, ""));

/** Waits until the page (updated by server-sent events, never reloaded) satisfies `ok`. */
async function pageShows(what: string, ok: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > deadline)
      throw new Error(`the status page did not show ${what} within ${timeoutMs / 1000} s\n--- sink-app log ---\n${sink.log.slice(-2000)}`);
    await page.waitForTimeout(250);
  }
}

async function insertMeter(serial: string): Promise<void> {
  await pgSource.query(
    `INSERT INTO public.meters (serial_no, kind, state, customer_id, address, installed_on, last_value, last_value_at)
     VALUES ($1, 'ELECTRIC', 'active', 'C-STATUS', '1 Status Street', '2024-01-01', 1.5, now())`,
    [serial],
  );
}

beforeAll(async () => {
  env = testEnv();
  await Promise.all([buildSinkApp(), createSourceDatabases(env)]);
  browser = await launchChromium();
  pgSource = await pgClient(env, PG_SOURCE_DB);
  apiPort = await freePort();
  api = await startApi();
  postgresConfig = (await projectSourceConfigs(env)).find((c) => c.name === "postgres")!;
  await applyConnectors(env, [postgresConfig]);
  sink = await SinkAppProcess.create(
    (port) => ({
      ...sinkAppConfig(env, [postgresConfig], `http://127.0.0.1:${apiPort}`, port),
      status: { lagThresholdSeconds: 30, sampleSeconds: 1, rowCountSeconds: 5 },
      connect: { url: env.connect.url, owner: E2E_OWNER, pollSeconds: 1, connectors: [{ name: "postgres", state: "running", autoRestart: {} }] },
    }),
    { password: env.postgres.password },
  );
  await sink.start();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(sink.url);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await sink?.dispose();
  await api?.close();
  await pgSource?.end();
  await removePipeline(env);
}, 120_000);

describe("the status page, in headless Chromium, on the real pipeline", () => {
  it("shows every source with its connector and every sink", async () => {
    await pageShows("the postgres connector RUNNING", async () => (await text('[data-source="postgres"]')).includes("RUNNING"));
    await expect(page.locator('[data-sink="meter-master.postgres"]').count()).resolves.toBe(1);
    await expect(page.locator('[data-sink="api.postgres"]').count()).resolves.toBe(1);
    // The snapshot (the demo table's rows) arrives in Meter Master and at the endpoint.
    await pageShows("the snapshot delivered", async () => (await number('[data-sink="api.postgres"] [data-events-out]')) > 0);
    await pageShows("all in step", async () => (await text("#overall")) === "all in step");
  });

  it("counts a change made in PostgreSQL, without a reload", async () => {
    const before = await number('[data-sink="meter-master.postgres"] [data-events-in]');
    await insertMeter("SP-STATUS-1");
    await pageShows("one more event in Meter Master", async () => (await number('[data-sink="meter-master.postgres"] [data-events-in]')) > before);
    await pageShows("the last captured change", async () => /ago/.test(await text('[data-source="postgres"]')));
    await pageShows("a delivery with its HTTP outcome", async () => /HTTP 2xx/.test(await text('[data-sink="api.postgres"]')));
    await pageShows("the Meter Master row counts", async () => /\d+ \/ \d+/.test(await text('[data-sink="meter-master.postgres"]')));
  });

  it("turns the endpoint's sink red with the reason when the endpoint is down", async () => {
    await api!.close();
    api = undefined;
    await insertMeter("SP-STATUS-2");
    const apiSink = page.locator('[data-sink="api.postgres"]');
    await pageShows("the API sink red", async () => (await apiSink.getAttribute("class"))!.includes("level-red"));
    expect(await text('[data-sink="api.postgres"] [data-reason]')).toMatch(/retrying.*delivering to the API endpoint/);
    expect(await text("#overall")).toBe("needs attention");
    expect(await text("#problems")).toMatch(/API endpoint of postgres: retrying/);
    // Meter Master is not held back by the endpoint.
    expect(await page.locator('[data-sink="meter-master.postgres"]').getAttribute("class")).toContain("level-ok");
  });

  it("recovers when the endpoint is back", async () => {
    api = await startApi();
    await pageShows(
      "the API sink ok again",
      async () => (await page.locator('[data-sink="api.postgres"]').getAttribute("class"))!.includes("level-ok"),
      90_000,
    );
    await pageShows("all in step", async () => (await text("#overall")) === "all in step");
    // The README's picture: in step again, with the outage in the charts and the delivery log.
    await insertMeter("SP-STATUS-3");
    await pageShows("the new change delivered", async () => /SP-STATUS-3|HTTP 2xx/.test(await text('[data-sink="api.postgres"] .deliveries')));
    await page.waitForTimeout(2_000);
    mkdirSync(resolve(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it("serves the same data as JSON at /status for scripts", async () => {
    const status = (await (await fetch(`${sink.url}/status`)).json()) as { level: string; sinks: Array<{ sink: string; source: string; eventsIn: number }> };
    expect(status.level).toBe("ok");
    expect(status.sinks.map((s) => `${s.sink}.${s.source}`).sort()).toEqual(["api.postgres", "meter-master.postgres"]);
  });
});
