import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONNECTOR_CONFIG_DIR, loadConnectorConfigs } from "../../../connector-configs/load.js";
import { type ConnectorConfig, defaultMysqlServerId, renderConnector, renderDesiredConnectors, sourceTopics } from "../../../connector-configs/render.js";
import { sourceConnectorSchema } from "../../../connector-configs/schemas/debezium.js";
import { httpSinkSchema } from "../../../connector-configs/schemas/http-sink.js";
import { desiredConnectorsSchema } from "../../../sink-app/src/connect/desired.js";
import { httpSinkInput, mssqlInput, mysqlInput, postgresInput } from "./fixtures.js";

const loaded = await loadConnectorConfigs();
const byName = (name: string): ConnectorConfig => {
  const l = [...loaded.sources, ...loaded.httpSinks].find((x) => x.config.name === name);
  if (!l) throw new Error(`no default config named ${name}`);
  return l.config;
};

const common = {
  "tasks.max": "1",
  "snapshot.mode": "initial",
  "decimal.handling.mode": "string",
  "poll.interval.ms": "100",
  "extended.headers.enabled": "false",
  "topic.creation.default.replication.factor": "-1",
  "topic.creation.default.partitions": "-1",
  "errors.tolerance": "none",
  "errors.log.enable": "false",
  "errors.log.include.messages": "false",
  "meter-master.managed-by": "meter-master-cdc",
};

describe("rendering the default config files", () => {
  it("loads exactly the four sources and the example sink from connector-configs/", () => {
    expect(loaded.sources.map((l) => path.relative(CONNECTOR_CONFIG_DIR, l.file)).sort()).toEqual([
      "sources/mssql.ts",
      "sources/mysql.ts",
      "sources/oracle.ts",
      "sources/postgres.ts",
    ]);
    expect(loaded.httpSinks.map((l) => l.config.name)).toEqual(["example-postgres-api"]);
  });

  it("renders the PostgreSQL source exactly", () => {
    expect(renderConnector(byName("postgres"))).toEqual({
      name: "postgres",
      config: {
        ...common,
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        name: "postgres",
        "topic.prefix": "postgres",
        "database.hostname": "postgres",
        "database.port": "5432",
        "database.user": "debezium",
        "database.password": "${env:POSTGRES_DEBEZIUM_PASSWORD}",
        "database.dbname": "meters",
        "table.include.list": "public.meters",
        "heartbeat.interval.ms": "10000",
        "plugin.name": "pgoutput",
        "slot.name": "meter_master_postgres",
        "publication.name": "dbz_publication",
        "signal.data.collection": "public.debezium_signal",
        "publication.autocreate.mode": "all_tables",
        // waits after empty reads of the replication stream: what a quiet-time change waits (docs/benchmarks.md)
        "poll.interval.ms": "25",
        "skipped.operations": "none",
      },
    });
  });

  it("renders the MySQL source exactly, with a derived database.include.list and server id", () => {
    expect(renderConnector(byName("mysql"))).toEqual({
      name: "mysql",
      config: {
        ...common,
        "connector.class": "io.debezium.connector.mysql.MySqlConnector",
        name: "mysql",
        "topic.prefix": "mysql",
        "database.hostname": "mysql",
        "database.port": "3306",
        "database.user": "debezium",
        "database.password": "${env:MYSQL_DEBEZIUM_PASSWORD}",
        "database.server.id": String(defaultMysqlServerId("mysql")),
        "database.include.list": "meterdb",
        "table.include.list": "meterdb.meter_registry",
        "signal.data.collection": "meterdb.debezium_signal",
        "heartbeat.interval.ms": "0",
        "schema.history.internal.kafka.topic": "schema-history.mysql",
        "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
        "schema.history.internal.store.only.captured.tables.ddl": "false",
      },
    });
  });

  it("renders the SQL Server source exactly", () => {
    expect(renderConnector(byName("mssql"))).toEqual({
      name: "mssql",
      config: {
        ...common,
        "connector.class": "io.debezium.connector.sqlserver.SqlServerConnector",
        name: "mssql",
        "topic.prefix": "mssql",
        "database.hostname": "mssql",
        "database.port": "1433",
        "database.user": "debezium",
        "database.password": "${env:MSSQL_DEBEZIUM_PASSWORD}",
        "database.names": "MeterSource",
        "database.trustServerCertificate": "true",
        "table.include.list": "dbo.Meters",
        "heartbeat.interval.ms": "0",
        "schema.history.internal.kafka.topic": "schema-history.mssql",
        "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
        "schema.history.internal.store.only.captured.tables.ddl": "false",
      },
    });
  });

  it("renders the Oracle source exactly, with LogMiner and the PDB", () => {
    expect(renderConnector(byName("oracle"))).toEqual({
      name: "oracle",
      config: {
        ...common,
        "connector.class": "io.debezium.connector.oracle.OracleConnector",
        name: "oracle",
        "topic.prefix": "oracle",
        "database.hostname": "oracle",
        "database.port": "1521",
        "database.user": "c##dbzuser",
        "database.password": "${env:ORACLE_DEBEZIUM_PASSWORD}",
        "database.dbname": "FREE",
        "database.pdb.name": "FREEPDB1",
        "database.connection.adapter": "logminer",
        "table.include.list": "METERS.METER_ASSETS",
        "heartbeat.interval.ms": "0",
        "schema.history.internal.kafka.topic": "schema-history.oracle",
        "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
        "schema.history.internal.store.only.captured.tables.ddl": "true",
      },
    });
  });

  it("renders the example HTTP sink exactly: Group_<name>, tombstone filter first, JSON-array batches", () => {
    expect(renderConnector(byName("example-postgres-api"))).toEqual({
      name: "example-postgres-api",
      config: {
        "connector.class": "io.aiven.kafka.connect.http.HttpSinkConnector",
        name: "example-postgres-api",
        "tasks.max": "1",
        topics: "postgres.public.meters",
        "http.url": "http://demo-api:8080/api/postgres",
        "http.authorization.type": "none",
        "http.headers.content.type": "application/json",
        "batching.enabled": "true",
        "batch.max.size": "500",
        "batch.prefix": "[",
        "batch.suffix": "]",
        "batch.separator": ",",
        "max.retries": "10",
        "retry.backoff.ms": "3000",
        "http.timeout": "30",
        "consumer.override.group.id": "Group_example-postgres-api",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        transforms: "dropTombstones",
        "transforms.dropTombstones.type": "org.apache.kafka.connect.transforms.Filter",
        "transforms.dropTombstones.predicate": "isTombstone",
        predicates: "isTombstone",
        "predicates.isTombstone.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
        "errors.tolerance": "none",
        "errors.log.enable": "false",
        "errors.log.include.messages": "false",
        "meter-master.managed-by": "meter-master-cdc",
      },
    });
  });

  it("renders only strings, and every password-like value is a config-provider reference", () => {
    for (const l of [...loaded.sources, ...loaded.httpSinks]) {
      const { config } = renderConnector(l.config);
      for (const [k, v] of Object.entries(config)) {
        expect(typeof v, k).toBe("string");
        if (/password|secret|authorization$/.test(k)) expect(v, `${l.displayFile} ${k}`).toMatch(/^\$\{(env|file):[^}]+\}$/);
      }
    }
  });

  it("names the change topic of each default source as the sink-app expects", () => {
    expect(loaded.sources.flatMap((l) => sourceTopics(l.config)).sort()).toEqual([
      "mssql.MeterSource.dbo.Meters",
      "mysql.meterdb.meter_registry",
      "oracle.METERS.METER_ASSETS",
      "postgres.public.meters",
    ]);
  });
});

describe("defaults are resolved by the schemas", () => {
  it("a parsed source carries its final topic prefix, schema history topic and MySQL server id", () => {
    const my = sourceConnectorSchema.parse({ ...mysqlInput(), connection: { ...mysqlInput().connection, serverId: undefined } });
    expect(my).toMatchObject({
      topicPrefix: "registry",
      schemaHistory: { topic: "schema-history.registry" },
      connection: { serverId: defaultMysqlServerId("registry") },
    });
    expect(sourceConnectorSchema.parse(postgresInput()).topicPrefix).toBe("billing_pg");
    expect(sourceConnectorSchema.parse({ ...mssqlInput(), topicPrefix: "corp" })).toMatchObject({
      topicPrefix: "corp",
      schemaHistory: { topic: "schema-history.mssql" },
    });
  });

  it("a value the user set is kept, and a parsed config parses again to itself", () => {
    const my = sourceConnectorSchema.parse({ ...mysqlInput(), topicPrefix: "reg", schemaHistory: { topic: "h.reg" } });
    expect(my).toMatchObject({ topicPrefix: "reg", schemaHistory: { topic: "h.reg" }, connection: { serverId: 184054 } });
    expect(sourceConnectorSchema.parse(my)).toEqual(my);
  });
});

describe("rendering options", () => {
  it("selects the MariaDB connector class for flavor mariadb and reads a file secret reference", () => {
    const { config } = renderConnector(sourceConnectorSchema.parse(mysqlInput()));
    expect(config["connector.class"]).toBe("io.debezium.connector.mariadb.MariaDbConnector");
    expect(config["database.password"]).toBe("${file:/etc/kafka-connect/secrets.properties:registry.password}");
    expect(config["database.server.id"]).toBe("184054");
  });

  it("uses the topic prefix for topics and renders SQL Server topics per database", () => {
    const cfg = sourceConnectorSchema.parse({
      ...mssqlInput(),
      topicPrefix: "corp-mssql",
      connection: { ...mssqlInput().connection, databases: ["MeterSource", "Meter$Archive"] },
    });
    expect(sourceTopics(cfg)).toEqual(["corp-mssql.MeterSource.dbo.Meters", "corp-mssql.Meter_Archive.dbo.Meters"]);
    expect(renderConnector(cfg).config["topic.prefix"]).toBe("corp-mssql");
  });

  it("marks a PostgreSQL connector of an external database for slot cleanup, unless dropSlotOnRemove is false", () => {
    const pg = sourceConnectorSchema.parse(postgresInput());
    expect(renderConnector(pg, { external: true }).config["meter-master.postgres.drop-slot-on-remove"]).toBe("true");
    expect(renderConnector(pg, { external: false }).config).not.toHaveProperty("meter-master.postgres.drop-slot-on-remove");
    const keep = sourceConnectorSchema.parse({ ...postgresInput(), dropSlotOnRemove: false });
    expect(renderConnector(keep, { external: true }).config).not.toHaveProperty("meter-master.postgres.drop-slot-on-remove");
  });

  it("renders transforms, predicates, converters and passthrough keys in Kafka Connect form", () => {
    const cfg = sourceConnectorSchema.parse({
      ...postgresInput(),
      converters: [{ name: "boolean", type: "io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter", config: { selector: "meterdb.*" } }],
      transforms: [
        {
          name: "route",
          type: "org.apache.kafka.connect.transforms.RegexRouter",
          predicate: "meters",
          negate: false,
          config: { regex: "(.*)", replacement: "cdc.$1" },
        },
      ],
      predicates: [{ name: "meters", type: "org.apache.kafka.connect.transforms.predicates.TopicNameMatches", config: { pattern: ".*meters" } }],
      passthrough: { "slot.max.retries": "10" },
    });
    expect(renderConnector(cfg).config).toMatchObject({
      converters: "boolean",
      "boolean.type": "io.debezium.connector.binlog.converters.TinyIntOneToBooleanConverter",
      "boolean.selector": "meterdb.*",
      transforms: "route",
      "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
      "transforms.route.predicate": "meters",
      "transforms.route.negate": "false",
      "transforms.route.regex": "(.*)",
      "transforms.route.replacement": "cdc.$1",
      predicates: "meters",
      "predicates.meters.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
      "predicates.meters.pattern": ".*meters",
      "slot.max.retries": "10",
    });
  });

  it("renders every oauth2 option and the dead letter queue of an HTTP sink", () => {
    const cfg = httpSinkSchema.parse({
      ...httpSinkInput(),
      authorization: {
        type: "oauth2",
        oauth2: {
          accessTokenUrl: "https://login.example.com/oauth2/token",
          clientId: "meter-master-cdc",
          clientSecret: { env: "BILLING_API_CLIENT_SECRET" },
          clientAuthorizationMode: "URL",
          clientScope: "meters.write",
        },
      },
      additionalHeaders: { "X-Tenant": "north" },
      delivery: { kafkaRetryBackoffMs: 60_000 },
      errors: { tolerance: "all", deadLetterQueue: { topic: "dlq.billing_api" } },
      dropTombstones: false,
      valueConverter: "json",
    });
    const { config } = renderConnector(cfg, { owner: "plant-7" });
    expect(config).toMatchObject({
      "http.authorization.type": "oauth2",
      "oauth2.access.token.url": "https://login.example.com/oauth2/token",
      "oauth2.client.id": "meter-master-cdc",
      "oauth2.client.secret": "${env:BILLING_API_CLIENT_SECRET}",
      "oauth2.client.authorization.mode": "URL",
      "oauth2.client.scope": "meters.write",
      "oauth2.response.token.property": "access_token",
      "http.headers.additional": "X-Tenant:north",
      "kafka.retry.backoff.ms": "60000",
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.name": "dlq.billing_api",
      "errors.deadletterqueue.topic.replication.factor": "1",
      "errors.deadletterqueue.context.headers.enable": "true",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
      "consumer.override.group.id": "Group_billing_api",
      "meter-master.managed-by": "plant-7",
    });
    expect(config).not.toHaveProperty("transforms");
    expect(config).not.toHaveProperty("batch.max.size");
  });

  it("renderDesiredConnectors keeps enabled connectors only, stamps the owner, and passes the registrar's schema", () => {
    const configs = [...loaded.sources, ...loaded.httpSinks].map((l) => l.config);
    const desired = renderDesiredConnectors(configs, { owner: "plant-7", externalSources: ["postgres"] });
    expect(desired.connectors.map((c) => c.name).sort()).toEqual(["mssql", "mysql", "oracle", "postgres"]);
    expect(desired.connectors.every((c) => c.config["meter-master.managed-by"] === "plant-7")).toBe(true);
    expect(desired.connectors.find((c) => c.name === "postgres")!.config["meter-master.postgres.drop-slot-on-remove"]).toBe("true");
    expect(desiredConnectorsSchema.parse(desired)).toEqual(desired);
  });

  it("writes a source's keys in the order Kafka Connect has always been given them", () => {
    const my = sourceConnectorSchema.parse({ ...mysqlInput(), passthrough: { "snapshot.fetch.size": "100" } });
    expect(Object.keys(renderConnector(my).config)).toEqual([
      "connector.class",
      "name",
      "tasks.max",
      "topic.prefix",
      "database.hostname",
      "database.port",
      "database.user",
      "database.password",
      "table.include.list",
      "snapshot.mode",
      "heartbeat.interval.ms",
      "decimal.handling.mode",
      "poll.interval.ms",
      "extended.headers.enabled",
      "topic.creation.default.replication.factor",
      "topic.creation.default.partitions",
      "database.server.id",
      "database.include.list",
      "schema.history.internal.kafka.topic",
      "schema.history.internal.kafka.bootstrap.servers",
      "schema.history.internal.store.only.captured.tables.ddl",
      "errors.tolerance",
      "errors.log.enable",
      "errors.log.include.messages",
      "snapshot.fetch.size",
      "meter-master.managed-by",
    ]);
    const pg = sourceConnectorSchema.parse(postgresInput());
    expect(Object.keys(renderConnector(pg, { external: true }).config).slice(-2)).toEqual([
      "meter-master.managed-by",
      "meter-master.postgres.drop-slot-on-remove",
    ]);
  });

  it("derives a stable MySQL server id in 1000000..1999999", () => {
    expect(defaultMysqlServerId("mysql")).toBe(defaultMysqlServerId("mysql"));
    expect(defaultMysqlServerId("mysql")).not.toBe(defaultMysqlServerId("mysql2"));
    for (const n of ["a", "mysql", "registry_eu"]) {
      expect(defaultMysqlServerId(n)).toBeGreaterThanOrEqual(1_000_000);
      expect(defaultMysqlServerId(n)).toBeLessThan(2_000_000);
    }
  });
});
