// Debezium's own JDBC sink connector (io.debezium.connector.jdbc.JdbcSinkConnector), the
// baseline the sink-app is compared with: same topic, same target PostgreSQL server and database,
// upserts keyed by the record key, deletes applied. It reads Debezium's change envelope natively
// (it takes `after`, or deletes on `d` and tombstones), so no ExtractNewRecordState SMT is needed.

import { type ConnectClient, validationErrors } from "../../../sink-app/src/connect/client.js";
import type { PostgresInfo } from "../../test-env/postgres.js";

export const JDBC_SINK_CLASS = "io.debezium.connector.jdbc.JdbcSinkConnector";

export function jdbcSinkConfig(opts: {
  name: string;
  topic: string;
  postgres: PostgresInfo;
  database: string;
  table: string;
  batchSize: number;
}): Record<string, string> {
  return {
    "connector.class": JDBC_SINK_CLASS,
    name: opts.name,
    "tasks.max": "1",
    topics: opts.topic,
    "connection.url": `jdbc:postgresql://${opts.postgres.host}:${opts.postgres.port}/${opts.database}`,
    // the Debezium login of the local server; its password is an env var of the worker, as in a deployment
    "connection.username": opts.postgres.debeziumUser,
    "connection.password": "${env:POSTGRES_DEBEZIUM_PASSWORD}",
    "insert.mode": "upsert",
    "primary.key.mode": "record_key",
    "delete.enabled": "true",
    "schema.evolution": "basic",
    "collection.name.format": opts.table,
    "use.time.zone": "UTC",
    // the same batch size the sink-app uses (batching.maxEvents), fetched in polls of that size
    "batch.size": String(opts.batchSize),
    "consumer.override.max.poll.records": String(opts.batchSize),
  };
}

/** Connect's and the plugin's own validation; throws listing every problem. */
export async function validateJdbcSink(client: ConnectClient, config: Record<string, string>): Promise<void> {
  const infos = await client.validate(JDBC_SINK_CLASS, config);
  const errors = validationErrors(infos);
  if (errors.length > 0) {
    throw new Error(`JDBC sink config rejected by Kafka Connect:\n${errors.map((e) => `  ${e.key}: ${e.errors.join("; ")}`).join("\n")}`);
  }
}
