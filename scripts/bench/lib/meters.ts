// Realistic meter data for the demo source table public.meters (stacks/init-sql/postgres), and the
// statements that change it in large batches: every row of an INSERT, UPDATE or DELETE below is
// exactly one Debezium change event (a DELETE adds a tombstone record to the topic).

import { randomUUID } from "node:crypto";
import type pg from "pg";

import { seededRandom } from "../../../sink-app/src/demo-api/faults.js";

export { seededRandom };

const STREETS = [
  "Harbour Road",
  "Müllerstraße",
  "Rue de la Paix",
  "High Street",
  "Station Road",
  "Kerkstraat",
  "Calle Mayor",
  "Ulica Długa",
  "Church Lane",
  "Bahnhofstraße",
  "Via Roma",
  "Mill Lane",
];
const CITIES = [
  "Portsmouth PO1 3AX",
  "50667 Köln",
  "75002 Paris",
  "Leeds LS1 4AP",
  "1012 Amsterdam",
  "28013 Madrid",
  "80-831 Gdańsk",
  "York YO1 7HH",
  "80335 München",
  "00184 Roma",
  "Bristol BS1 5TR",
];
const KINDS = [
  { kind: "ELECTRIC", prefix: "EL", weight: 0.6 },
  { kind: "GAS", prefix: "GA", weight: 0.25 },
  { kind: "WATER", prefix: "WA", weight: 0.15 },
] as const;
const TARIFFS = ["E7", "standard", "HC/HP", "dynamic", "night-saver"];

export interface MeterRow {
  serial_no: string;
  kind: string;
  state: string;
  customer_id: string | null;
  address: string | null;
  installed_on: string;
  last_value: string;
  last_value_at: string;
  tags: string | null;
  external_ref: string | null;
  smart: boolean;
}

export class MeterData {
  private readonly rnd: () => number;
  private seq = 0;

  constructor(
    seed: number,
    /** distinguishes runs; keeps serial numbers unique next to the demo rows */
    private readonly series = 7,
  ) {
    this.rnd = seededRandom(seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rnd() * items.length)]!;
  }

  row(overrides: Partial<MeterRow> = {}): MeterRow {
    const n = ++this.seq;
    const u = this.rnd();
    const k = u < KINDS[0].weight ? KINDS[0] : u < KINDS[0].weight + KINDS[1].weight ? KINDS[1] : KINDS[2];
    const year = 2005 + Math.floor(this.rnd() * 21);
    const installed = new Date(Date.UTC(year, Math.floor(this.rnd() * 12), 1 + Math.floor(this.rnd() * 28)));
    const hasCustomer = this.rnd() > 0.05;
    const smart = this.rnd() < 0.55;
    return {
      serial_no: `${k.prefix}-${year}-${this.series}${String(n).padStart(7, "0")}`,
      kind: k.kind,
      state: this.rnd() < 0.92 ? "active" : this.rnd() < 0.7 ? "inactive" : "removed",
      customer_id: hasCustomer ? `CUST-${String(10_000 + Math.floor(this.rnd() * 89_999))}` : null,
      address: hasCustomer ? `${1 + Math.floor(this.rnd() * 240)} ${this.pick(STREETS)}, ${this.pick(CITIES)}` : null,
      installed_on: installed.toISOString().slice(0, 10),
      last_value: this.reading(0),
      last_value_at: new Date(Date.UTC(2026, 10, 1) - Math.floor(this.rnd() * 86_400_000 * 30)).toISOString(),
      tags:
        this.rnd() < 0.8
          ? JSON.stringify({ tariff: this.pick(TARIFFS), phase: this.rnd() < 0.8 ? 1 : 3, feeder: `F${1 + Math.floor(this.rnd() * 40)}` })
          : null,
      external_ref: this.rnd() < 0.6 ? randomUUID() : null,
      smart,
      ...overrides,
    };
  }

  /** A meter reading, numeric(14,3) as exact text. */
  reading(min: number): string {
    const v = min + this.rnd() * 50_000;
    return v.toFixed(3);
  }

  /** A new reading: a little more than before, read now-ish. */
  nextReading(): { value: string; at: string; state: string | null } {
    return {
      value: this.reading(this.rnd() * 10_000),
      at: new Date(Date.now() - Math.floor(this.rnd() * 60_000)).toISOString(),
      // now and then a meter changes state
      state: this.rnd() < 0.02 ? this.pick(["active", "inactive"]) : null,
    };
  }

  random(): number {
    return this.rnd();
  }
}

const INSERT = `INSERT INTO public.meters (serial_no, kind, state, customer_id, address, installed_on, last_value, last_value_at, tags, external_ref, smart)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::numeric[], $8::timestamptz[], $9::jsonb[], $10::uuid[], $11::boolean[])
RETURNING id`;

/** One statement for the whole batch; returns the new ids in insertion order. */
export async function insertMeters(client: pg.ClientBase, rows: MeterRow[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const col = <K extends keyof MeterRow>(k: K) => rows.map((r) => r[k]);
  const res = await client.query<{ id: string }>(INSERT, [
    col("serial_no"),
    col("kind"),
    col("state"),
    col("customer_id"),
    col("address"),
    col("installed_on"),
    col("last_value"),
    col("last_value_at"),
    col("tags"),
    col("external_ref"),
    col("smart"),
  ]);
  return res.rows.map((r) => Number(r.id));
}

const UPDATE = `UPDATE public.meters AS m
SET last_value = u.v, last_value_at = u.at, state = coalesce(u.state, m.state)
FROM unnest($1::bigint[], $2::numeric[], $3::timestamptz[], $4::text[]) AS u(id, v, at, state)
WHERE m.id = u.id`;

/** ids must be distinct and exist: then every id is exactly one update event. */
export async function updateReadings(client: pg.ClientBase, data: MeterData, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const readings = ids.map(() => data.nextReading());
  const res = await client.query(UPDATE, [ids, readings.map((r) => r.value), readings.map((r) => r.at), readings.map((r) => r.state)]);
  return res.rowCount ?? 0;
}

export async function deleteMeters(client: pg.ClientBase, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await client.query("DELETE FROM public.meters WHERE id = ANY($1::bigint[])", [ids]);
  return res.rowCount ?? 0;
}

/** Live ids with O(1) random pick and removal. */
export class IdPool {
  private readonly ids: number[] = [];
  private readonly index = new Map<number, number>();

  add(ids: number[]): void {
    for (const id of ids) {
      if (this.index.has(id)) continue;
      this.index.set(id, this.ids.length);
      this.ids.push(id);
    }
  }

  get size(): number {
    return this.ids.length;
  }

  /** `n` distinct random ids (removed from the pool when `take`). */
  sample(n: number, rnd: () => number, take = false): number[] {
    const out: number[] = [];
    const chosen = new Set<number>();
    const limit = Math.min(n, this.ids.length);
    while (out.length < limit) {
      const id = this.ids[Math.floor(rnd() * this.ids.length)]!;
      if (chosen.has(id)) continue;
      chosen.add(id);
      out.push(id);
    }
    if (take) for (const id of out) this.remove(id);
    return out;
  }

  remove(id: number): void {
    const i = this.index.get(id);
    if (i === undefined) return;
    const last = this.ids.pop()!;
    this.index.delete(id);
    if (i < this.ids.length) {
      this.ids[i] = last;
      this.index.set(last, i);
    }
  }
}
