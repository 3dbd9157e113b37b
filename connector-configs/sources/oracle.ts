// Debezium source connector (LogMiner) for the Oracle meter system (table METERS.METER_ASSETS in FREEPDB1).
// Hover a field in your editor for its description (Debezium key) and default (from connector-configs/schemas/debezium.ts).
// Kafka Connect needs the Oracle JDBC driver; the stack adds it to the Connect image.
import { defineSourceConnector } from "../define.js";

export default defineSourceConnector({
  kind: "oracle",
  name: "oracle",
  enabled: true,
  connection: {
    host: "oracle",
    port: 1521,
    user: "c##dbzuser",
    password: { env: "ORACLE_DEBEZIUM_PASSWORD" },
    database: "FREE",
    pdb: "FREEPDB1",
  },
  tables: ["METERS.METER_ASSETS"],
  decimalHandlingMode: "string",
  schemaHistory: {
    topic: "schema-history.oracle",
    bootstrapServers: "kafka:9092",
    // Oracle databases hold many schemas; recording only the captured table's DDL keeps restarts fast.
    storeOnlyCapturedTablesDdl: true,
  },
});
