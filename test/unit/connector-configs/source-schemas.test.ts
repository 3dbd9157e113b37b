import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { sourceConnectorSchema } from "../../../connector-configs/schemas/debezium.js";
import { configIssuesFromZod } from "../../../connector-configs/schemas/errors.js";
import { mssqlInput, mysqlInput, oracleInput, postgresInput } from "./fixtures.js";

/** Issues of a failed parse as { path, expected } so tests can assert on the field and the message. */
function problems(input: unknown) {
  const r = sourceConnectorSchema.safeParse(input, { reportInput: true });
  if (r.success) return [];
  return configIssuesFromZod("f.ts", r.error as z.ZodError, input).map((i) => ({ path: i.path, expected: i.expected, value: i.value }));
}

const withPath = (input: unknown, path: string) => problems(input).filter((p) => p.path === path);

describe("source connector schemas accept realistic configs and fill Debezium defaults", () => {
  it("accepts a PostgreSQL config and applies pgoutput, initial snapshot, a 10 s heartbeat and Debezium's publication defaults", () => {
    const cfg = sourceConnectorSchema.parse(postgresInput());
    expect(cfg).toMatchObject({
      kind: "postgres",
      enabled: true,
      tasksMax: 1,
      pluginName: "pgoutput",
      snapshotMode: "initial",
      heartbeatIntervalMs: 10_000,
      publicationName: "dbz_publication",
      publicationAutocreateMode: "all_tables",
      decimalHandlingMode: "precise",
      dropSlotOnRemove: true,
      errors: { tolerance: "none", logEnable: false, logIncludeMessages: false },
      topicCreation: { replicationFactor: -1, partitions: -1 },
    });
    expect(cfg.connection.port).toBe(5433);
  });

  it("defaults each database's port and the schema history bootstrap servers", () => {
    expect(sourceConnectorSchema.parse(mysqlInput())).toMatchObject({
      connection: { port: 3306 },
      schemaHistory: { bootstrapServers: "kafka:9092", storeOnlyCapturedTablesDdl: false },
    });
    expect(sourceConnectorSchema.parse(mssqlInput())).toMatchObject({ connection: { port: 1433 }, heartbeatIntervalMs: 0 });
    expect(sourceConnectorSchema.parse(oracleInput())).toMatchObject({ connection: { port: 1521 }, adapter: "logminer" });
  });

  it("accepts MySQL with flavor mariadb and defaults the flavor to mysql", () => {
    expect(sourceConnectorSchema.parse(mysqlInput())).toMatchObject({ flavor: "mariadb" });
    const { flavor: _omit, ...rest } = mysqlInput();
    expect(sourceConnectorSchema.parse(rest)).toMatchObject({ flavor: "mysql" });
  });
});

describe("source connector schemas reject bad values with the field path", () => {
  it("rejects an unknown top-level key and points to passthrough", () => {
    const p = withPath({ ...postgresInput(), snapshotModus: "initial" }, "snapshotModus");
    expect(p).toHaveLength(1);
    expect(p[0]!.expected).toMatch(/unknown keys are rejected.*passthrough/);
  });

  it("rejects an unknown key inside connection", () => {
    const input = postgresInput();
    expect(withPath({ ...input, connection: { ...input.connection, hostname: "x" } }, "connection.hostname")).toHaveLength(1);
  });

  it("rejects a literal password and never echoes it", () => {
    const input = postgresInput();
    const p = withPath({ ...input, connection: { ...input.connection, password: "Winter2026!" } }, "connection.password");
    expect(p).toHaveLength(1);
    expect(p[0]!.expected).toMatch(/secret reference/);
    expect(p[0]!.value).not.toContain("Winter2026!");
    expect(p[0]!.value).toMatch(/hidden/);
  });

  it("rejects an env secret whose name is not an environment variable name", () => {
    const input = postgresInput();
    expect(problems({ ...input, connection: { ...input.connection, password: { env: "MY-PASSWORD" } } }).length).toBeGreaterThan(0);
  });

  it("rejects a file secret with a relative path or a ':' in the key", () => {
    const input = postgresInput();
    expect(problems({ ...input, connection: { ...input.connection, password: { file: "secrets.properties", key: "pw" } } }).length).toBeGreaterThan(0);
    expect(problems({ ...input, connection: { ...input.connection, password: { file: "/s.properties", key: "a:b" } } }).length).toBeGreaterThan(0);
  });

  it("rejects ports outside 1..65535", () => {
    for (const port of [0, 65536, 54.5]) {
      const input = mysqlInput();
      expect(withPath({ ...input, connection: { ...input.connection, port } }, "connection.port"), `port ${port}`).toHaveLength(1);
    }
  });

  it("rejects a host given as a URL", () => {
    const input = postgresInput();
    expect(withPath({ ...input, connection: { ...input.connection, host: "postgres://db:5432" } }, "connection.host")).toHaveLength(1);
  });

  it("rejects source names that are not lowercase identifiers", () => {
    expect(withPath({ ...postgresInput(), name: "Billing PG" }, "name")).toHaveLength(1);
    expect(withPath({ ...postgresInput(), name: "9pg" }, "name")).toHaveLength(1);
  });

  it("rejects table names that are regexes or lack the schema part", () => {
    expect(withPath({ ...postgresInput(), tables: ["meters"] }, "tables[0]")).toHaveLength(1);
    expect(withPath({ ...postgresInput(), tables: ["public.meter.*"] }, "tables[0]")).toHaveLength(1);
    expect(withPath({ ...postgresInput(), tables: [] }, "tables")).toHaveLength(1);
  });

  it("rejects a snapshot mode the connector does not have", () => {
    expect(withPath({ ...postgresInput(), snapshotMode: "recovery" }, "snapshotMode")).toHaveLength(1);
    expect(withPath({ ...postgresInput(), snapshotMode: "schema_only" }, "snapshotMode")).toHaveLength(1);
    expect(problems({ ...mysqlInput(), snapshotMode: "recovery" })).toEqual([]);
  });

  it("rejects a negative heartbeat interval", () => {
    expect(withPath({ ...postgresInput(), heartbeatIntervalMs: -1 }, "heartbeatIntervalMs")).toHaveLength(1);
  });

  it("rejects a heartbeat action query when heartbeats are off", () => {
    const p = withPath(
      { ...postgresInput(), heartbeatIntervalMs: 0, heartbeatActionQuery: "UPDATE debezium_heartbeat SET ts = now()" },
      "heartbeatActionQuery",
    );
    expect(p).toHaveLength(1);
    expect(p[0]!.expected).toMatch(/heartbeatIntervalMs > 0/);
  });

  it("rejects tasksMax other than 1 for single-task connectors, and more tasks than databases for SQL Server", () => {
    expect(withPath({ ...postgresInput(), tasksMax: 2 }, "tasksMax")).toHaveLength(1);
    expect(withPath({ ...oracleInput(), tasksMax: 3 }, "tasksMax")).toHaveLength(1);
    const p = withPath({ ...mssqlInput(), tasksMax: 2 }, "tasksMax");
    expect(p).toHaveLength(1);
    expect(p[0]!.expected).toMatch(/one task per database \(1 database/);
    const two = mssqlInput();
    expect(problems({ ...two, tasksMax: 2, connection: { ...two.connection, databases: ["MeterSource", "MeterArchive"] } })).toEqual([]);
  });

  it("rejects trustServerCertificate when encryption is off", () => {
    const input = mssqlInput();
    const p = withPath({ ...input, connection: { ...input.connection, encrypt: false } }, "connection.trustServerCertificate");
    expect(p).toHaveLength(1);
  });

  it("rejects a MySQL signal table outside the captured databases", () => {
    const p = withPath({ ...mysqlInput(), signalDataCollection: "ops.debezium_signal" }, "signalDataCollection");
    expect(p).toHaveLength(1);
    expect(p[0]!.expected).toMatch(/meterdb/);
    expect(problems({ ...mysqlInput(), signalDataCollection: "meterdb.debezium_signal" })).toEqual([]);
  });

  it("rejects a MySQL server id outside 1..4294967295", () => {
    const input = mysqlInput();
    expect(withPath({ ...input, connection: { ...input.connection, serverId: 0 } }, "connection.serverId")).toHaveLength(1);
    expect(withPath({ ...input, connection: { ...input.connection, serverId: 4_294_967_296 } }, "connection.serverId")).toHaveLength(1);
  });

  it("rejects an invalid PostgreSQL slot name", () => {
    expect(withPath({ ...postgresInput(), slotName: "Meter-Master" }, "slotName")).toHaveLength(1);
  });

  it("rejects an Oracle adapter other than LogMiner", () => {
    expect(withPath({ ...oracleInput(), adapter: "xstream" }, "adapter")).toHaveLength(1);
  });

  it("rejects topic creation settings that are neither -1 nor positive", () => {
    expect(withPath({ ...postgresInput(), topicCreation: { partitions: 0 } }, "topicCreation.partitions")).toHaveLength(1);
    expect(withPath({ ...postgresInput(), topicCreation: { replicationFactor: -2 } }, "topicCreation.replicationFactor")).toHaveLength(1);
  });

  it("rejects an unknown kind, naming the four kinds", () => {
    const p = problems({ ...postgresInput(), kind: "db2" });
    expect(p.map((x) => x.expected).join()).toMatch(/mssql.*oracle.*mysql.*postgres/);
  });
});

describe("passthrough may not shadow typed fields", () => {
  it("rejects a passthrough key a typed field renders, naming that field", () => {
    const p = withPath({ ...postgresInput(), passthrough: { "heartbeat.interval.ms": "5000" } }, 'passthrough["heartbeat.interval.ms"]');
    expect(p).toHaveLength(1);
    expect(p[0]!.expected).toMatch(/typed field `heartbeatIntervalMs`/);
  });

  it("rejects a passthrough key of a typed field even when that field is unset", () => {
    const p = withPath({ ...postgresInput(), passthrough: { "heartbeat.action.query": "SELECT 1" } }, 'passthrough["heartbeat.action.query"]');
    expect(p[0]!.expected).toMatch(/heartbeatActionQuery/);
    expect(withPath({ ...oracleInput(), passthrough: { "log.mining.strategy": "hybrid" } }, 'passthrough["log.mining.strategy"]')).toHaveLength(1);
  });

  it("rejects passthrough keys under prefixes owned by typed fields (transforms, schema history, ownership marker)", () => {
    expect(withPath({ ...postgresInput(), passthrough: { "transforms.unwrap.type": "x" } }, 'passthrough["transforms.unwrap.type"]')).toHaveLength(1);
    expect(
      withPath(
        { ...mysqlInput(), passthrough: { "schema.history.internal.kafka.recovery.attempts": "200" } },
        'passthrough["schema.history.internal.kafka.recovery.attempts"]',
      ),
    ).toHaveLength(1);
    expect(withPath({ ...postgresInput(), passthrough: { "meter-master.managed-by": "someone-else" } }, 'passthrough["meter-master.managed-by"]')).toHaveLength(
      1,
    );
    expect(withPath({ ...mysqlInput(), passthrough: { "database.include.list": "otherdb" } }, 'passthrough["database.include.list"]')).toHaveLength(1);
  });

  it("accepts passthrough keys no typed field covers", () => {
    expect(problems({ ...postgresInput(), passthrough: { "slot.max.retries": "10", "column.exclude.list": "public.meters.tags" } })).toEqual([]);
  });

  it("rejects passthrough keys inside a converter's option namespace", () => {
    const input = { ...postgresInput(), converters: [{ name: "isbn", type: "io.example.IsbnConverter" }], passthrough: { "isbn.schema.name": "x" } };
    expect(withPath(input, 'passthrough["isbn.schema.name"]')).toHaveLength(1);
  });
});

describe("SMTs, predicates and converters", () => {
  const unwrap = { name: "unwrap", type: "io.debezium.transforms.ExtractNewRecordState", config: { "delete.tombstone.handling.mode": "rewrite" } };

  it("accepts a transform that refers to a declared predicate", () => {
    const input = {
      ...postgresInput(),
      transforms: [{ ...unwrap, predicate: "onlyMeters" }],
      predicates: [{ name: "onlyMeters", type: "org.apache.kafka.connect.transforms.predicates.TopicNameMatches", config: { pattern: ".*meters" } }],
    };
    expect(problems(input)).toEqual([]);
  });

  it("rejects a transform naming an undeclared predicate", () => {
    const p = withPath({ ...postgresInput(), transforms: [{ ...unwrap, predicate: "nope" }] }, "transforms[0].predicate");
    expect(p[0]!.expected).toMatch(/declared in `predicates`/);
  });

  it("rejects duplicate transform names, negate without predicate, and type inside config", () => {
    expect(withPath({ ...postgresInput(), transforms: [unwrap, unwrap] }, "transforms[1].name")).toHaveLength(1);
    expect(withPath({ ...postgresInput(), transforms: [{ ...unwrap, negate: true }] }, "transforms[0].negate")).toHaveLength(1);
    expect(withPath({ ...postgresInput(), transforms: [{ ...unwrap, config: { type: "x" } }] }, "transforms[0].config.type")).toHaveLength(1);
  });

  it("rejects a transform type that is not a Java class name", () => {
    expect(withPath({ ...postgresInput(), transforms: [{ name: "t", type: "ExtractNewRecordState" }] }, "transforms[0].type")).toHaveLength(1);
  });

  it("rejects a converter name that would collide with connector keys", () => {
    const p = withPath({ ...postgresInput(), converters: [{ name: "database", type: "io.example.Conv" }] }, "converters[0].name");
    expect(p).toHaveLength(1);
    expect(p[0]!.expected).toMatch(/collide/);
  });
});
