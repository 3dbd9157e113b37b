// Debezium source connector for the MySQL meter system (table meterdb.meter_registry).
// Hover a field in your editor for its description (Debezium key) and default (from connector-configs/schemas/debezium.ts).
// Reading a MariaDB server? Set flavor: "mariadb" (Debezium 3 uses a separate connector for it).
import { defineSourceConnector } from "../define.js";

export default defineSourceConnector({
  kind: "mysql",
  flavor: "mysql",
  name: "mysql",
  enabled: true,
  connection: {
    host: "mysql",
    port: 3306,
    user: "debezium",
    password: { env: "MYSQL_DEBEZIUM_PASSWORD" },
    // Unset: a stable id derived from the source name. Set it if your replication topology needs a specific one.
    // serverId: 184054,
  },
  tables: ["meterdb.meter_registry"],
  decimalHandlingMode: "string",
  // Signal table (created by stacks/init-sql/mysql): `npm run connectors -- resync mysql` sends
  // an execute-snapshot signal there, and incremental snapshots keep their watermarks in it.
  signalDataCollection: "meterdb.debezium_signal",
  // Debezium creates this topic with infinite retention; never shorten it.
  schemaHistory: { topic: "schema-history.mysql", bootstrapServers: "kafka:9092" },
});
