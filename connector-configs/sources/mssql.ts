// Debezium source connector for the SQL Server meter system (table MeterSource.dbo.Meters, CDC enabled).
// Hover a field in your editor for its description (Debezium key) and default (from connector-configs/schemas/debezium.ts).
import { defineSourceConnector } from "../define.js";

export default defineSourceConnector({
  kind: "mssql",
  name: "mssql",
  enabled: true,
  connection: {
    host: "mssql",
    port: 1433,
    user: "debezium",
    password: { env: "MSSQL_DEBEZIUM_PASSWORD" },
    databases: ["MeterSource"],
    // The embedded server has a self-signed certificate: keep TLS, trust that certificate.
    // Against your own server with a CA-signed certificate, remove this line.
    trustServerCertificate: true,
  },
  tables: ["dbo.Meters"],
  decimalHandlingMode: "string",
  schemaHistory: { topic: "schema-history.mssql", bootstrapServers: "kafka:9092" },
});
