// Pinned versions of everything the local test environment runs. Kept in one
// place so a bump is one edit and the cache directory names follow it.

export const KAFKA_VERSION = "4.1.1";
export const SCALA_BINARY_VERSION = "2.13";
export const DEBEZIUM_VERSION = "3.5.0.Final";
/** The Oracle JDBC driver the Connect image adds (Debezium's Oracle plugin ships none); same version. */
export const OJDBC_VERSION = "23.26.4.0.0";
/** Log4j 2 with its SLF4J 1.x binding: Kafka 4.1 compiles against slf4j-api 1.7. */
export const LOG4J_VERSION = "2.24.3";
export const MAVEN_DEPENDENCY_PLUGIN_VERSION = "3.8.1";

export const MAVEN_CENTRAL = "https://repo1.maven.org/maven2";

/** Debezium plugins the environment can load, by short name. */
export const DEBEZIUM_PLUGINS = ["postgres", "mysql", "mariadb", "sqlserver", "oracle", "jdbc"] as const;
export type DebeziumPluginName = (typeof DEBEZIUM_PLUGINS)[number];

/** Loaded by default. The JDBC sink is opt-in: every extra plugin slows Connect's plugin scan. */
export const DEFAULT_DEBEZIUM_PLUGINS: readonly DebeziumPluginName[] = ["postgres", "mysql", "mariadb", "sqlserver", "oracle"];

/** Connector classes each plugin provides (used for readiness and by tests). */
export const DEBEZIUM_CONNECTOR_CLASSES: Record<DebeziumPluginName, string> = {
  postgres: "io.debezium.connector.postgresql.PostgresConnector",
  mysql: "io.debezium.connector.mysql.MySqlConnector",
  mariadb: "io.debezium.connector.mariadb.MariaDbConnector",
  sqlserver: "io.debezium.connector.sqlserver.SqlServerConnector",
  oracle: "io.debezium.connector.oracle.OracleConnector",
  jdbc: "io.debezium.connector.jdbc.JdbcSinkConnector",
};
