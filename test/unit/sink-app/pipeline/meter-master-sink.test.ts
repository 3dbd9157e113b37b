// The Meter Master sink's per-record outcomes, with a recording store and producer: what is
// written, and what goes to the dead letter topic under which kind.
import { beforeAll, describe, expect, it } from "vitest";
import meterMasterConfig from "../../../../connector-configs/meter-master.js";
import type { ConsumedRecord, RecordToProduce } from "../../../../sink-app/src/kafka/types.js";
import type { NamedSourceMapping } from "../../../../sink-app/src/mapping/map-event.js";
import { parseMeterMasterMapping } from "../../../../sink-app/src/mapping/schema.js";
import type { WriteStep } from "../../../../sink-app/src/meter-master/plan.js";
import { createMetrics } from "../../../../sink-app/src/observability/metrics.js";
import { createMeterMasterHandler } from "../../../../sink-app/src/pipeline/meter-master-sink.js";
import { fixtureJson, record } from "../fixtures.js";

let mapping: NamedSourceMapping;
beforeAll(() => {
  const mappings = parseMeterMasterMapping(meterMasterConfig, "connector-configs/meter-master.ts");
  mapping = { ...mappings.sources.postgres!, sourceSystem: "postgres" };
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** One batch of these records through the sink: the steps it wrote and the dead letters it produced. */
async function sinkBatch(values: Array<{ value: object; key?: object }>) {
  const written: WriteStep[][] = [];
  const deadLetters: RecordToProduce[] = [];
  const handler = createMeterMasterHandler({
    source: "postgres",
    deadLetterTopic: "meter-master.dlq",
    producer: { send: async (records) => void deadLetters.push(...records), close: async () => {} },
    metrics: createMetrics().metrics,
    logger: quiet,
    retry: { initialDelayMs: 1, maxDelayMs: 1 },
    signal: new AbortController().signal,
    mapping,
    store: {
      target: "postgres",
      ensureTable: async () => {},
      apply: async (steps) => void written.push(steps),
      ping: async () => {},
      counts: async () => [],
      close: async () => {},
    },
    deleteMode: "soft",
  });
  const batch = handler("postgres.public.meters", 0);
  values.forEach(({ value, key }, i) => {
    const input = record(value, { key, offset: BigInt(i) });
    batch.add({ ...input, timestamp: 0n } satisfies ConsumedRecord);
  });
  await batch.write();
  const header = (r: RecordToProduce, name: string) => String(r.headers.find(([n]) => n === name)?.[1]);
  return {
    writtenKeys: written.flat().flatMap((step) => ("rows" in step ? step.rows.map((row) => `${step.kind} ${row.source_key}`) : [])),
    deadLetters: deadLetters.map((r) => `${header(r, "x-dlq-offset")} ${header(r, "x-dlq-error-kind")}: ${header(r, "x-dlq-reason")}`),
  };
}

/** A key whose schema says int64 but whose value is text: it fails only when decoded. */
const malformedKey = { schema: { type: "struct", fields: [{ field: "id", type: "int64" }] }, payload: { id: "not an integer" } };

function update(change: (payload: Record<string, any>) => void): object {
  const value = fixtureJson("postgres/update.json");
  change(value.payload);
  return value;
}

describe("the Meter Master sink, record by record", () => {
  it("writes an update whose before-image and key cannot be decoded: it reads neither", async () => {
    const result = await sinkBatch([{ value: update((p) => (p.before.installed_on = "not a day")), key: malformedKey }]);
    expect(result).toEqual({ writtenKeys: ["upsert 1001"], deadLetters: [] });
  });

  it("dead-letters as a decode failure a delete whose before-image cannot be decoded, and writes the rest", async () => {
    const badDelete = update((p) => {
      p.op = "d";
      p.after = null;
      p.before.installed_on = "not a day";
    });
    const result = await sinkBatch([{ value: badDelete }, { value: update(() => {}) }]);
    expect(result.writtenKeys).toEqual(["upsert 1001"]);
    expect(result.deadLetters).toEqual([expect.stringMatching(/^0 decode: before\.installed_on: io\.debezium\.time\.Date expects an integer/)]);
  });

  it("dead-letters as a decode failure a row without its key column when the record key cannot be decoded", async () => {
    const result = await sinkBatch([{ value: update((p) => delete p.after.id), key: malformedKey }]);
    expect(result).toEqual({ writtenKeys: [], deadLetters: [expect.stringMatching(/^0 decode: key\.id: int64 expects an integer/)] });
  });

  it("dead-letters as a map failure a text with a NUL character, and writes the rest", async () => {
    const result = await sinkBatch([{ value: update((p) => (p.after.address = "1 Null\u0000 Road")) }, { value: update(() => {}) }]);
    expect(result.writtenKeys).toEqual(["upsert 1001"]);
    expect(result.deadLetters).toEqual([expect.stringMatching(/^0 map: location holds a NUL character \(U\+0000\)/)]);
  });

  it("dead-letters as a map failure a value the mapping refuses", async () => {
    const result = await sinkBatch([{ value: update((p) => (p.after.serial_no = "x".repeat(201))) }]);
    expect(result).toEqual({ writtenKeys: [], deadLetters: [expect.stringMatching(/^0 map: meter_id is 201 characters, the Meter Master column holds 200/)] });
  });
});
