import { describe, expect, it } from "vitest";
import { demoApiConfigFromEnv } from "../../../../sink-app/src/demo-api/config.js";
import { decideFault, FaultSettingsSchema, seededRandom } from "../../../../sink-app/src/demo-api/faults.js";
import { createRecorder } from "../../../../sink-app/src/demo-api/recorder.js";

describe("demo API fault dice", () => {
  it("gives the same fault sequence for the same seed", () => {
    const settings = FaultSettingsSchema.parse({ failRate: 0.3, timeoutRate: 0.1, rate429: 0.2, seed: 7 });
    const run = () => {
      const roll = seededRandom(7);
      return Array.from({ length: 50 }, () => decideFault(settings, roll).type);
    };
    expect(run()).toEqual(run());
    expect(new Set(run())).toEqual(new Set(["none", "fail", "timeout", "rate-limit"]));
  });

  it("injects each fault at roughly its configured rate", () => {
    const settings = FaultSettingsSchema.parse({ failRate: 0.2, timeoutRate: 0.1, rate429: 0.3 });
    const roll = seededRandom(12345);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const t = decideFault(settings, roll).type;
      counts[t] = (counts[t] ?? 0) + 1;
    }
    expect(counts.fail! / 10_000).toBeCloseTo(0.2, 1);
    expect(counts.timeout! / 10_000).toBeCloseTo(0.1, 1);
    expect(counts["rate-limit"]! / 10_000).toBeCloseTo(0.3, 1);
    expect(counts.none! / 10_000).toBeCloseTo(0.4, 1);
  });

  it("answers 'down' for every request while down, whatever the rates", () => {
    const settings = FaultSettingsSchema.parse({ down: true, downRetryAfterSeconds: 2, failRate: 0 });
    expect(decideFault(settings, () => 0.99)).toEqual({ type: "down", retryAfterSeconds: 2 });
  });

  it("carries the 429 Retry-After and the hang duration into the decision", () => {
    const settings = FaultSettingsSchema.parse({ timeoutRate: 0.5, rate429: 0.5, retryAfterSeconds: 3, hangMs: 1500, recordOnTimeout: false });
    expect(decideFault(settings, () => 0.1)).toEqual({ type: "timeout", hangMs: 1500, record: false });
    expect(decideFault(settings, () => 0.9)).toEqual({ type: "rate-limit", retryAfterSeconds: 3 });
  });

  it("rejects rates that add up to more than 1", () => {
    const result = FaultSettingsSchema.safeParse({ failRate: 0.6, rate429: 0.6 });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toBe("failRate + timeoutRate + rate429 must be at most 1, got 1.2");
  });
});

describe("demo API recorder", () => {
  const at = new Date("2025-03-04T10:00:00Z");

  it("counts repeated deliveries by each event's own key, inside batches too", () => {
    const rec = createRecorder({ keyProperty: "idempotencyKey", maxEventsPerSource: 100 });
    rec.record(
      "mysql",
      {
        headerKey: "batch-1",
        events: [
          { meter_id: "M-1", idempotencyKey: "k1" },
          { meter_id: "M-2", idempotencyKey: "k2" },
        ],
      },
      at,
    );
    rec.record(
      "mysql",
      {
        headerKey: "batch-2",
        events: [
          { meter_id: "M-2", idempotencyKey: "k2" },
          { meter_id: "M-3", idempotencyKey: "k3" },
        ],
      },
      at,
    );
    expect(rec.summary("mysql")).toEqual({
      source: "mysql",
      count: 4,
      requests: 2,
      uniqueKeys: 3,
      repeatedDeliveries: 1,
      withoutKey: 0,
      retained: 4,
    });
    expect(rec.events("mysql").map((e) => [e.idempotencyKey, e.previousDeliveries])).toEqual([
      ["k1", 0],
      ["k2", 0],
      ["k2", 1],
      ["k3", 0],
    ]);
  });

  it("uses the header key for a single keyless event but never a batch's header key", () => {
    const rec = createRecorder({ keyProperty: "idempotencyKey", maxEventsPerSource: 100 });
    rec.record("postgres", { headerKey: "pg-7", events: [{ meter_id: "E-7" }] }, at);
    rec.record("postgres", { headerKey: "batch-9", events: [{ meter_id: "E-8" }, { meter_id: "E-9" }] }, at);
    expect(rec.events("postgres").map((e) => e.idempotencyKey)).toEqual(["pg-7", null, null]);
    expect(rec.summary("postgres").withoutKey).toBe(2);
  });

  it("keeps exact counts while dropping the oldest events beyond the memory cap", () => {
    const rec = createRecorder({ keyProperty: "idempotencyKey", maxEventsPerSource: 2 });
    for (const k of ["a", "b", "c"]) rec.record("oracle", { headerKey: null, events: [{ idempotencyKey: k }] }, at);
    expect(rec.summary("oracle")).toMatchObject({ count: 3, uniqueKeys: 3, retained: 2 });
    expect(rec.events("oracle").map((e) => e.idempotencyKey)).toEqual(["b", "c"]);
  });

  it("clears one source or all", () => {
    const rec = createRecorder({ keyProperty: "idempotencyKey", maxEventsPerSource: 10 });
    rec.record("mssql", { headerKey: null, events: [{}] }, at);
    rec.record("oracle", { headerKey: null, events: [{}] }, at);
    rec.clear("mssql");
    expect(rec.sources()).toEqual(["oracle"]);
    rec.clear();
    expect(rec.sources()).toEqual([]);
    expect(rec.summary("oracle").count).toBe(0);
  });
});

describe("demo API environment", () => {
  it("defaults to 0.0.0.0:8080 without faults, treating empty variables as unset", () => {
    const cfg = demoApiConfigFromEnv({ PORT: "", HOST: "", DEMO_API_FAIL_RATE: "" });
    expect(cfg).toMatchObject({ port: 8080, host: "0.0.0.0", recordFile: undefined, keyProperty: "idempotencyKey", keyHeader: "Idempotency-Key" });
    expect(cfg.faults).toMatchObject({ down: false, failRate: 0, timeoutRate: 0, rate429: 0, retryAfterSeconds: 1 });
  });

  it("reads fault injection from DEMO_API_* variables", () => {
    const cfg = demoApiConfigFromEnv({
      PORT: "9099",
      HOST: "127.0.0.1",
      DEMO_API_FAIL_RATE: "0.1",
      DEMO_API_TIMEOUT_RATE: "0.05",
      DEMO_API_429_RATE: "0.2",
      DEMO_API_SEED: "42",
      DEMO_API_RECORD_FILE: "/data/received.jsonl",
    });
    expect(cfg).toMatchObject({ port: 9099, host: "127.0.0.1", recordFile: "/data/received.jsonl" });
    expect(cfg.faults).toMatchObject({ failRate: 0.1, timeoutRate: 0.05, rate429: 0.2, seed: 42 });
  });

  it("names the variable when a value is invalid", () => {
    expect(() => demoApiConfigFromEnv({ DEMO_API_FAIL_RATE: "lots" })).toThrow(/DEMO_API_FAIL_RATE: Invalid input: expected number/);
    expect(() => demoApiConfigFromEnv({ DEMO_API_FAIL_RATE: "0.7", DEMO_API_429_RATE: "0.7" })).toThrow(
      /DEMO_API_FAIL_RATE \+ DEMO_API_TIMEOUT_RATE \+ DEMO_API_429_RATE <= 1/,
    );
  });
});
