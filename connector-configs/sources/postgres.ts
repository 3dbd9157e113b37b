// Debezium source connector for the PostgreSQL meter system (table public.meters).
// Hover a field in your editor for its description (Debezium key) and default (from connector-configs/schemas/debezium.ts).
// For your own server: set connection.host/port/database, and mark the source external in
// connector-configs/deployment.ts. The password is never written here: Kafka Connect reads it
// from the environment variable named below.
import { defineSourceConnector } from "../define.js";

export default defineSourceConnector({
  kind: "postgres",
  name: "postgres",
  enabled: true,
  connection: {
    host: "postgres",
    port: 5432,
    user: "debezium",
    password: { env: "POSTGRES_DEBEZIUM_PASSWORD" },
    database: "meters",
  },
  tables: ["public.meters"],
  // One slot per connector; removing the connector drops it when the database is external.
  slotName: "meter_master_postgres",
  // Created by the database owner (stacks/init-sql/postgres), so the Debezium login needs no superuser.
  publicationName: "dbz_publication",
  // Exact decimal text: Meter Master and the API endpoints read readings without base64 decoding.
  decimalHandlingMode: "string",
  // Signal table (created by stacks/init-sql/postgres): `npm run connectors -- resync postgres` sends
  // an execute-snapshot signal there, and incremental snapshots keep their watermarks in it.
  signalDataCollection: "public.debezium_signal",
  // Without heartbeats the slot never advances on a quiet database and WAL piles up.
  heartbeatIntervalMs: 10_000,
  // Emit TRUNCATE (Debezium skips it by default): Meter Master marks the source's rows deleted.
  skippedOperations: [],
});
