// Synthetic records shaped and sized like the Debezium PostgreSQL connector's (JSON converter
// with schemas, REPLICA IDENTITY FULL so updates carry `before`): built from the project's
// fixture test/fixtures/debezium/postgres/update.json with per-record values.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./common.js";

interface Envelope {
  schema: unknown;
  payload: {
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    source: Record<string, unknown>;
    op: string;
    ts_ms: number;
    ts_us: number;
    ts_ns: number;
  };
}

const KEY_SCHEMA = {
  type: "struct",
  fields: [{ type: "int64", optional: false, default: 0, field: "id" }],
  optional: false,
  name: "postgres.public.meters.Key",
};

export function debeziumRecordFactory(): (i: number) => { key: Buffer; value: Buffer } {
  const template = JSON.parse(readFileSync(join(REPO, "test/fixtures/debezium/postgres/update.json"), "utf8")) as Envelope;
  const base = Date.UTC(2026, 0, 1);
  return (i) => {
    const id = 1_000 + (i % 70_000);
    const op = i % 10 < 7 ? "c" : "u";
    const ts = base + i * 7;
    const after = {
      ...template.payload.after,
      id,
      serial_no: `EL-2024-${String(id).padStart(6, "0")}`,
      customer_id: `CUST-${String(10_000 + (i % 89_000))}`,
      last_value: Buffer.from([0, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff]).toString("base64"),
      last_value_at: new Date(ts).toISOString(),
    };
    const payload = {
      ...template.payload,
      before: op === "u" ? { ...after, state: "active" } : null,
      after,
      source: { ...template.payload.source, ts_ms: ts, ts_us: ts * 1000, ts_ns: ts * 1_000_000, txId: 700 + i, lsn: 24_000_000 + i * 120 },
      op,
      ts_ms: ts + 20,
      ts_us: (ts + 20) * 1000,
      ts_ns: (ts + 20) * 1_000_000,
    };
    return {
      key: Buffer.from(JSON.stringify({ schema: KEY_SCHEMA, payload: { id } })),
      value: Buffer.from(JSON.stringify({ schema: template.schema, payload })),
    };
  };
}
