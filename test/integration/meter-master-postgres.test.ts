// The position-guarded upsert against a real PostgreSQL: replays after a crash and events that
// arrive late leave Meter Master exactly as one clean, in-order pass would.

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringifyJsonExact } from "../../sink-app/src/decode/json.js";
import { seededRandom } from "../../sink-app/src/demo-api/faults.js";
import { planWrite } from "../../sink-app/src/meter-master/plan.js";
import { pgArrayLiteral, pgUpsert } from "../../sink-app/src/meter-master/postgres-sql.js";
import { createPostgresStore, pgPoolConfig } from "../../sink-app/src/meter-master/postgres-store.js";
import type { DeleteMode, MeterMasterChange, MeterMasterRow } from "../../sink-app/src/meter-master/row.js";
import type { MeterMasterStore, StoreConnection } from "../../sink-app/src/meter-master/store.js";
import { testEnv } from "../support/env.js";

const DB = "meter_master_store_it";

/** PostgreSQL LSN-style positions: fixed-width, so text order is commit order. */
const position = (lsn: number) => `${String(lsn).padStart(20, "0")}/${String(lsn + 88).padStart(20, "0")}`;

/**
 * A realistic change history of one source: meters installed, read many times, re-addressed,
 * removed (with and without the before image), re-installed under the same key, and one
 * table truncate in the middle when `withTruncate`.
 */
function history(seed: number, length: number, withTruncate: boolean, keyOnlyDeletes = true): MeterMasterChange[] {
  const rand = seededRandom(seed);
  const out: MeterMasterChange[] = [];
  const live = new Map<string, MeterMasterRow>();
  let lsn = 24_000_000;
  for (let i = 0; i < length; i++) {
    lsn += 40 + Math.floor(rand() * 400);
    const ts = new Date(Date.UTC(2026, 10, 1, 6) + i * 1_000).toISOString();
    if (withTruncate && i === Math.floor(length / 2)) {
      out.push({ kind: "truncate", sourceSystem: "postgres", position: position(lsn), sourceTs: ts });
      live.clear();
      continue;
    }
    const key = String(1 + Math.floor(rand() * 25));
    const before = live.get(key);
    const roll = rand();
    if (before && roll < 0.12) {
      const withValues = !keyOnlyDeletes || rand() < 0.5;
      out.push({ kind: "delete", hasValues: withValues, row: { ...before, is_deleted: true, source_op: "d", source_ts: ts, source_position: position(lsn) } });
      live.delete(key);
      continue;
    }
    const reading = `${Math.floor(rand() * 99_999)}.${String(Math.floor(rand() * 1000)).padStart(3, "0")}`;
    const row: MeterMasterRow = {
      source_system: "postgres",
      source_key: key,
      meter_id: before?.meter_id ?? `EL-2026-${key.padStart(6, "0")}`,
      meter_type: "ELECTRIC",
      status: rand() < 0.9 ? "active" : "inactive",
      customer_ref: rand() < 0.2 ? null : `CUST-${88_000 + Number(key)}`,
      location: rand() < 0.5 ? `${key} Harbour Road, Portsmouth` : `Müllerstraße ${key}, Köln`,
      installed_at: "2021-09-15",
      last_reading: reading,
      last_reading_at: `2026-11-01T06:${String(i % 60).padStart(2, "0")}:00.000000Z`,
      attributes: { tariff: rand() < 0.5 ? "E7" : "standard", smart: rand() < 0.5 },
      is_deleted: false,
      source_op: before ? "u" : "c",
      source_ts: ts,
      source_position: position(lsn),
    };
    out.push({ kind: "upsert", row });
    live.set(key, row);
  }
  return out;
}

function batches<T>(items: T[], rand: () => number, maxSize = 17): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; ) {
    const n = 1 + Math.floor(rand() * maxSize);
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}

let admin: pg.Client;
let db: pg.Client;
const stores: MeterMasterStore[] = [];

/** The store's connection to one table of the test database. */
function storeConnection(table: string): StoreConnection {
  const env = testEnv().postgres;
  return {
    host: env.host,
    port: env.port,
    database: DB,
    user: env.user,
    password: env.password,
    table: { schema: "public", table },
    tls: { enabled: false, trustServerCertificate: false },
  };
}

async function freshStore(table: string): Promise<MeterMasterStore> {
  const store = createPostgresStore(storeConnection(table));
  stores.push(store);
  await store.ensureTable();
  return store;
}

async function apply(store: MeterMasterStore, changes: MeterMasterChange[], mode: DeleteMode): Promise<void> {
  await store.apply(planWrite(changes, mode));
}

/** Everything but updated_at, which records when the sink wrote. */
async function snapshot(table: string): Promise<unknown[]> {
  const rows = await db.query(`SELECT source_system, source_key, meter_id, meter_type, status, customer_ref, location, installed_at::text,
      last_reading::text, last_reading_at, attributes, is_deleted, source_op, source_ts, source_position
    FROM public.${table} ORDER BY source_system, source_key`);
  return rows.rows;
}

beforeAll(async () => {
  const env = testEnv().postgres;
  admin = new pg.Client({ host: env.host, port: env.port, user: env.user, password: env.password, database: env.database });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  db = new pg.Client({ host: env.host, port: env.port, user: env.user, password: env.password, database: DB });
  await db.connect();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await db?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin?.end();
});

describe.each(["soft", "hard"] as const)("Meter Master upserts on PostgreSQL, %s deletes", (mode) => {
  it("replays after crashes (overlapping restarts from older offsets) leave the table as one clean pass", async () => {
    for (const seed of [1, 2, 3]) {
      const changes = history(seed, 400, true);
      const clean = await freshStore(`mm_clean_${mode}_${seed}`);
      for (const b of batches(changes, seededRandom(seed + 100))) await apply(clean, b, mode);

      const replayed = await freshStore(`mm_replay_${mode}_${seed}`);
      const rand = seededRandom(seed + 200);
      // consume up to a crash point, restart from an earlier committed offset, repeat
      let committed = 0;
      while (committed < changes.length) {
        const crashAt = Math.min(changes.length, committed + 1 + Math.floor(rand() * 120));
        for (const b of batches(changes.slice(committed, crashAt), rand)) await apply(replayed, b, mode);
        const rewind = Math.floor(rand() * 60);
        committed = crashAt >= changes.length ? crashAt : Math.max(0, crashAt - rewind);
      }
      expect(await snapshot(`mm_replay_${mode}_${seed}`)).toEqual(await snapshot(`mm_clean_${mode}_${seed}`));
    }
  });

  // Deletes carry their before image here, as the shipped sources produce them (REPLICA IDENTITY
  // FULL, full binlog row images, CDC before images). A key-only delete that arrives before the
  // key's first upsert can only leave a soft-deleted row without the columns it never saw.
  it("an event older than the stored row changes nothing, so late batches in any order converge to the clean pass", async () => {
    for (const seed of [4, 5]) {
      const changes = history(seed, 300, false, false);
      const clean = await freshStore(`mm_inorder_${mode}_${seed}`);
      await apply(clean, changes, mode);

      const shuffled = await freshStore(`mm_shuffled_${mode}_${seed}`);
      const rand = seededRandom(seed + 300);
      const parts = batches(changes, rand, 25);
      for (let i = parts.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [parts[i], parts[j]] = [parts[j]!, parts[i]!];
      }
      for (const b of parts) await apply(shuffled, b, mode);
      // and the whole history once more, as a re-snapshot would
      await apply(shuffled, changes, mode);
      expect(await snapshot(`mm_shuffled_${mode}_${seed}`)).toEqual(await snapshot(`mm_inorder_${mode}_${seed}`));
    }
  });
});

it("keeps exact decimals, time zones, unicode and NULLs as given", async () => {
  const store = await freshStore("mm_values");
  const row: MeterMasterRow = {
    source_system: "oracle",
    source_key: '["NYC","M-1001"]',
    meter_id: "M-1001",
    meter_type: "ELECTRIC",
    status: "active",
    customer_ref: null,
    location: "Ünïcödé Straße 5, 東京 — ☃",
    installed_at: "2020-02-29",
    last_reading: "99999999999999.9999",
    last_reading_at: "2026-11-24T04:00:00.123456Z",
    attributes: { notes: "call ahead — gate", null_column: null },
    is_deleted: false,
    source_op: "r",
    source_ts: "2026-11-24T04:00:00.500Z",
    source_position: "00000000000000000042",
  };
  await apply(store, [{ kind: "upsert", row }], "soft");
  const stored = await db.query(`SELECT last_reading::text, to_char(last_reading_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at,
      location, customer_ref, installed_at::text, attributes FROM public.mm_values`);
  expect(stored.rows).toEqual([
    {
      last_reading: "99999999999999.9999",
      at: "2026-11-24T04:00:00.123456",
      location: row.location,
      customer_ref: null,
      installed_at: "2020-02-29",
      attributes: row.attributes,
    },
  ]);
});

it("reads every value back from its array parameter as it was sent", async () => {
  const viaJson = ['a "quote"', "NULL", "null", "", " padded ", "{braces},commas", "Ünïcödé 東京 ☃ 🚀"];
  const oneByOne = [...viaJson, "a \\ backslash", "C:\\new\\table", "line\nbreak\ttab", "\u0001\u001f"];
  for (const [values, nullWritten] of [
    [viaJson, ",null}"],
    [oneByOne, ",NULL}"],
  ] as const) {
    const literal = pgArrayLiteral([...values, null]);
    expect(literal.endsWith(nullWritten)).toBe(true); // JSON.stringify writes null, the quoting one by one NULL
    const { rows } = await db.query("SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS a(v, n) ORDER BY n", [literal]);
    expect(rows.map((r) => r.v)).toEqual([...values, null]);
  }
  const documents = [{ q: 'say "hi"\n', path: "C:\\new", n: 12345678901234567890n }, { q: "plain" }];
  const { rows } = await db.query("SELECT v::text FROM unnest($1::jsonb[]) WITH ORDINALITY AS a(v, n) ORDER BY n", [
    pgArrayLiteral(documents.map((d) => stringifyJsonExact(d))),
  ]);
  expect(rows.map((r) => r.v)).toEqual(['{"n": 12345678901234567890, "q": "say \\"hi\\"\\n", "path": "C:\\\\new"}', '{"q": "plain"}']);
  const flags = await db.query("SELECT unnest($1::boolean[]) AS v", [pgArrayLiteral([true, false, null])]);
  expect(flags.rows.map((r) => r.v)).toEqual([true, false, null]);
});

/** A stored row of the demo mapping, as the tests below start from. */
const base: MeterMasterRow = {
  source_system: "postgres",
  source_key: "20",
  meter_id: "EL-TOAST-0020",
  meter_type: "ELECTRIC",
  status: "active",
  customer_ref: "CUST-20",
  location: "20 Default Road",
  installed_at: "2021-02-03",
  last_reading: "20.0000",
  last_reading_at: "2024-02-02T02:02:02.000000Z",
  attributes: { tags: { blob: "x".repeat(5000) }, smart: true },
  is_deleted: false,
  source_op: "c",
  source_ts: "2024-02-02T02:02:02.000Z",
  source_position: position(100),
};

describe("what a change did not carry keeps what Meter Master holds (real PostgreSQL)", () => {
  const stored = async (table: string) =>
    (await db.query(`SELECT meter_id, status, location, last_reading::text, attributes, is_deleted, source_op FROM public.${table}`)).rows;

  it.each(["soft", "hard"] as const)("a placeholder column and attribute key keep the stored values (%s mode, separate batches)", async (mode) => {
    const table = `mm_unchanged_${mode}`;
    const store = await freshStore(table);
    await apply(store, [{ kind: "upsert", row: base }], mode);
    const update: MeterMasterRow = {
      ...base,
      status: "inactive",
      location: null,
      last_reading: "20.1250",
      attributes: { smart: false },
      source_op: "u",
      source_position: position(200),
      unchanged: { columns: ["location"], attributes: ["tags"] },
    };
    await apply(store, [{ kind: "upsert", row: update }], mode);
    expect(await stored(table)).toEqual([
      {
        meter_id: "EL-TOAST-0020",
        status: "inactive",
        location: "20 Default Road",
        last_reading: "20.1250",
        attributes: { tags: base.attributes.tags, smart: false },
        is_deleted: false,
        source_op: "u",
      },
    ]);
  });

  it("a soft delete keeps the stored columns, whatever the before-image says", async () => {
    const store = await freshStore("mm_delete_keeps");
    await apply(store, [{ kind: "upsert", row: base }], "soft");
    // REPLICA IDENTITY DEFAULT: key-only delete, the mapping wrote nulls
    const keyOnly: MeterMasterRow = {
      ...base,
      meter_id: null,
      meter_type: null,
      status: null,
      customer_ref: null,
      location: null,
      installed_at: null,
      last_reading: null,
      last_reading_at: null,
      attributes: {},
      is_deleted: true,
      source_op: "d",
      source_position: position(300),
    };
    await apply(store, [{ kind: "delete", hasValues: false, row: keyOnly }], "soft");
    expect(await stored("mm_delete_keeps")).toEqual([
      {
        meter_id: "EL-TOAST-0020",
        status: "active",
        location: "20 Default Road",
        last_reading: "20.0000",
        attributes: base.attributes,
        is_deleted: true,
        source_op: "d",
      },
    ]);
  });

  it("a key first seen in its delete is stored with the full before-image's values", async () => {
    const store = await freshStore("mm_delete_new");
    await apply(store, [{ kind: "delete", hasValues: true, row: { ...base, is_deleted: true, source_op: "d" } }], "soft");
    expect(await stored("mm_delete_new")).toEqual([
      {
        meter_id: "EL-TOAST-0020",
        status: "active",
        location: "20 Default Road",
        last_reading: "20.0000",
        attributes: base.attributes,
        is_deleted: true,
        source_op: "d",
      },
    ]);
  });

  it("stores every digit of JSON numbers in attributes", async () => {
    const store = await freshStore("mm_json_digits");
    const { parseJsonDocumentExact } = await import("../../sink-app/src/decode/json.js");
    const tags = parseJsonDocumentExact('{"big": 12345678901234567890, "exact": 1.10, "nested": [18446744073709551615, -9223372036854775809]}');
    await apply(store, [{ kind: "upsert", row: { ...base, attributes: { tags } } }], "soft");
    const res = await db.query(
      `SELECT attributes->'tags' = '{"big": 12345678901234567890, "exact": 1.10, "nested": [18446744073709551615, -9223372036854775809]}'::jsonb AS same, (attributes->'tags'->>'big') AS big FROM public.mm_json_digits`,
    );
    expect(res.rows).toEqual([{ same: true, big: "12345678901234567890" }]);
  });
});

describe("what PostgreSQL refuses, so mapping dead-letters it (real PostgreSQL)", () => {
  it("a NUL character in a text column or in attributes fails the whole statement", async () => {
    const store = await freshStore("mm_nul");
    const clean = { ...base, source_key: "NUL-0" };
    for (const row of [
      { ...base, source_key: "NUL-1", location: "1 Null\u0000 Road" },
      { ...base, source_key: "NUL-2", attributes: { note: "a\u0000b" } },
    ]) {
      await expect(
        apply(
          store,
          [
            { kind: "upsert", row: clean },
            { kind: "upsert", row },
          ],
          "soft",
        ),
      ).rejects.toThrow(/unsupported Unicode escape sequence|invalid byte sequence/);
    }
    expect(await snapshot("mm_nul")).toEqual([]);
  });
});

describe("each write is planned for Meter Master as it is (real PostgreSQL)", () => {
  it("a statement first run while the table was nearly empty reads it and its tombstones through their primary keys once they have grown, for a few rows and for a full batch", async () => {
    const table = "mm_plan_growth";
    await freshStore(table);
    // only the sink's own session may replan here: no ANALYZE behind the test's back
    for (const t of [table, `${table}_tombstones`]) await db.query(`ALTER TABLE public.${t} SET (autovacuum_enabled = false)`);
    // a session as the store opens them
    const session = new pg.Client(pgPoolConfig(storeConnection(table)));
    await session.connect();
    try {
      const first = history(7, 1, false)[0] as Extract<MeterMasterChange, { kind: "upsert" }>;
      // rows that left a column out: the statement that reads the stored rows
      const rows = Array.from({ length: 40 }, (_, i) => ({ ...first.row, source_key: `k${i}`, unchanged: { columns: ["location"], attributes: [] } }));
      // hard deletes' upsert: it also looks for a newer tombstone of each key
      const upsert = (batch: MeterMasterRow[]) => pgUpsert({ schema: "public", table }, batch, true);
      // one quoted literal per array parameter; PREPARE takes their types from the statement's casts
      const literal = (batch: MeterMasterRow[]) =>
        upsert(batch)
          .values.map((v) => `'${String(v).replaceAll("'", "''")}'`)
          .join(", ");
      await session.query(`PREPARE upsert AS ${upsert(rows).text}`);
      // PostgreSQL would switch to one cached generic plan from the sixth run on
      for (let i = 0; i < 8; i++) await session.query(`EXECUTE upsert(${literal(rows.slice(i * 5, i * 5 + 5))})`);
      // an initial snapshot's worth of rows, and as many tombstones
      for (const [t, op] of [
        [table, "c"],
        [`${table}_tombstones`, "d"],
      ])
        await db.query(
          `INSERT INTO public.${t} (source_system, source_key, source_op, source_position)
           SELECT 'bulk', g::text, '${op}', lpad(g::text, 20, '0') FROM generate_series(1, 100000) AS g`,
        );
      // a few rows, and a full batch before any ANALYZE has counted the new rows
      const fullBatch = Array.from({ length: 500 }, (_, i) => ({ ...rows[0]!, source_key: `b${i}` }));
      for (const batch of [rows.slice(0, 5), fullBatch]) {
        const plan = (await session.query<{ "QUERY PLAN": string }>(`EXPLAIN EXECUTE upsert(${literal(batch)})`)).rows.map((r) => r["QUERY PLAN"]).join("\n");
        expect(plan).toMatch(new RegExp(`Index Scan using \\w+ on ${table} cur`));
        expect(plan).toMatch(new RegExp(`Index Scan using \\w+ on ${table}_tombstones d`));
        expect(plan).not.toMatch(/Seq Scan/);
      }
    } finally {
      await session.end();
    }
  });
});
