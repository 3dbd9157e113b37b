// Drops the replication slot (and publication) of a removed PostgreSQL
// connector. A slot nobody reads makes the server keep WAL forever, so the
// registrar cleans up when it removes a connector reading an external database.
import pg from "pg";
import { resolveSecret } from "./secrets.js";

export interface PostgresCleanupResult {
  slot: "dropped" | "absent";
  publication: "dropped" | "absent" | "kept (no permission)";
}

export interface PostgresCleanupOptions {
  env?: NodeJS.ProcessEnv;
  /** How long to retry while the slot is still held by the stopping task (55006 object_in_use). Default 60000. */
  slotReleaseTimeoutMs?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Uses the connector's own connection settings and secret reference from its (last known) config. */
export async function dropPostgresSlotAndPublication(config: Record<string, string>, opts: PostgresCleanupOptions = {}): Promise<PostgresCleanupResult> {
  const slot = config["slot.name"] ?? "debezium";
  const publication = config["publication.name"] ?? "dbz_publication";
  const password = await resolveSecret(config["database.password"] ?? "", opts.env);
  const client = new pg.Client({
    host: config["database.hostname"],
    port: Number(config["database.port"] ?? 5432),
    user: config["database.user"],
    password,
    database: config["database.dbname"],
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    const deadline = Date.now() + (opts.slotReleaseTimeoutMs ?? 60_000);
    let slotResult: PostgresCleanupResult["slot"];
    for (;;) {
      try {
        const r = await client.query("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", [slot]);
        slotResult = (r.rowCount ?? 0) > 0 ? "dropped" : "absent";
        break;
      } catch (err) {
        // The task may still hold the slot for a moment after DELETE returns.
        if ((err as { code?: string }).code === "55006" && Date.now() < deadline) {
          await sleep(1000);
          continue;
        }
        throw err;
      }
    }
    let pubResult: PostgresCleanupResult["publication"];
    const exists = await client.query("SELECT 1 FROM pg_publication WHERE pubname = $1", [publication]);
    if ((exists.rowCount ?? 0) === 0) pubResult = "absent";
    else {
      try {
        await client.query(`DROP PUBLICATION IF EXISTS ${client.escapeIdentifier(publication)}`);
        pubResult = "dropped";
      } catch (err) {
        // A publication created by the table owner cannot be dropped by the Debezium login; it retains no WAL.
        if ((err as { code?: string }).code !== "42501") throw err;
        opts.log?.(`  publication ${publication} belongs to another role; left in place (it retains no WAL)`);
        pubResult = "kept (no permission)";
      }
    }
    return { slot: slotResult, publication: pubResult };
  } finally {
    await client.end();
  }
}
