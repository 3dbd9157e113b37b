// Realistic, valid inputs for each connector kind; tests change one thing at a time.
import type { SourceConnectorInput } from "../../../connector-configs/schemas/debezium.js";
import type { HttpSinkInput } from "../../../connector-configs/schemas/http-sink.js";

export const postgresInput = (): Extract<SourceConnectorInput, { kind: "postgres" }> => ({
  kind: "postgres",
  name: "billing_pg",
  connection: {
    host: "pg-billing.prod.internal",
    port: 5433,
    user: "debezium",
    password: { env: "BILLING_PG_DEBEZIUM_PASSWORD" },
    database: "billing",
  },
  tables: ["public.meters"],
  slotName: "meter_master_billing",
});

export const mysqlInput = (): Extract<SourceConnectorInput, { kind: "mysql" }> => ({
  kind: "mysql",
  flavor: "mariadb",
  name: "registry",
  connection: {
    host: "mariadb-01",
    user: "debezium",
    password: { file: "/etc/kafka-connect/secrets.properties", key: "registry.password" },
    serverId: 184054,
  },
  tables: ["meterdb.meter_registry"],
});

export const mssqlInput = (): Extract<SourceConnectorInput, { kind: "mssql" }> => ({
  kind: "mssql",
  name: "mssql",
  connection: {
    host: "sql01.corp.example",
    user: "debezium",
    password: { env: "MSSQL_DEBEZIUM_PASSWORD" },
    databases: ["MeterSource"],
    trustServerCertificate: true,
  },
  tables: ["dbo.Meters"],
});

export const oracleInput = (): Extract<SourceConnectorInput, { kind: "oracle" }> => ({
  kind: "oracle",
  name: "oracle",
  connection: {
    host: "ora19.corp.example",
    user: "c##dbzuser",
    password: { env: "ORACLE_DEBEZIUM_PASSWORD" },
    database: "ORCLCDB",
    pdb: "ORCLPDB1",
  },
  tables: ["METERS.METER_ASSETS"],
});

export const httpSinkInput = (): HttpSinkInput => ({
  kind: "http-sink",
  name: "billing_api",
  topics: ["postgres.public.meters"],
  url: "https://billing.example.com/api/v1/meter-changes",
});
