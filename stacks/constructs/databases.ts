import type { Construct } from "constructs";
import { EMBEDDED_METER_MASTER } from "../embedded-meter-master.js";
import { initSql } from "./init-files.js";
import type { Secrets } from "./secrets.js";
import { ServiceContainer } from "./service-container.js";

/** What every embedded database construct needs from the stack. */
export interface DatabaseProps {
  readonly prefix: string;
  readonly network: string;
  readonly hostIp: string;
  readonly secrets: Secrets;
  readonly image: string;
  readonly keepImageLocally: boolean;
  /** Host port on hostIp, or null to publish nothing. */
  readonly hostPort: number | null;
  readonly waitTimeoutSeconds: number;
  readonly keepDataOnDestroy: boolean;
  /** @default no limit */
  readonly memoryMb?: number;
  /** @default no limit */
  readonly cpus?: number;
}

function serviceProps(props: DatabaseProps, name: string, port: number) {
  return {
    prefix: props.prefix,
    name,
    image: props.image,
    keepImageLocally: props.keepImageLocally,
    network: props.network,
    hostIp: props.hostIp,
    ports: [{ internal: port, external: props.hostPort }],
    waitTimeoutSeconds: props.waitTimeoutSeconds,
    keepDataOnDestroy: props.keepDataOnDestroy,
    memoryMb: props.memoryMb,
    cpus: props.cpus,
    // A database killed mid-write recovers on the next start, but a clean shutdown is faster and safer.
    stopGraceSeconds: 60,
  };
}

/**
 * PostgreSQL 16 with wal_level=logical, the demo table public.meters in database `meters`,
 * the publication Debezium reuses, and the `debezium` replication login.
 */
export class PostgresDatabase extends ServiceContainer {
  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id, {
      ...serviceProps(props, "postgres", 5432),
      env: [
        "POSTGRES_USER=postgres",
        "POSTGRES_DB=meters",
        props.secrets.env("POSTGRES_PASSWORD", "generated"),
        props.secrets.env("POSTGRES_DEBEZIUM_PASSWORD", "generated"),
      ],
      command: ["postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=10", "-c", "max_wal_senders=10"],
      dataVolumes: { data: "/var/lib/postgresql/data" },
      files: [
        { path: "/docker-entrypoint-initdb.d/01-meters.sql", content: initSql("postgres/01-meters.sql") },
        { path: "/docker-entrypoint-initdb.d/02-debezium-user.sh", content: initSql("postgres/02-debezium-user.sh"), executable: true },
        { path: "/opt/meter-master/init/debezium-user.sql", content: initSql("postgres/debezium-user.sql") },
      ],
      // Over TCP: during init the entrypoint runs a temporary server on the socket only,
      // so a socket check would pass before the init scripts have finished.
      healthCheck: { test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -p 5432 -U postgres -d meters"] },
    });
  }
}

/**
 * MySQL 8.4 with row-based binlog and GTIDs, the demo table meterdb.meter_registry,
 * and the `debezium` login with Debezium's replication grants.
 */
export class MysqlDatabase extends ServiceContainer {
  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id, {
      ...serviceProps(props, "mysql", 3306),
      env: ["MYSQL_DATABASE=meterdb", props.secrets.env("MYSQL_ROOT_PASSWORD", "generated"), props.secrets.env("MYSQL_DEBEZIUM_PASSWORD", "generated")],
      command: [
        "mysqld",
        "--server-id=184054",
        "--log-bin=mysql-bin",
        "--binlog-row-image=FULL",
        "--gtid-mode=ON",
        "--enforce-gtid-consistency=ON",
        "--binlog-expire-logs-seconds=604800",
      ],
      dataVolumes: { data: "/var/lib/mysql" },
      files: [
        { path: "/docker-entrypoint-initdb.d/01-meter-registry.sql", content: initSql("mysql/01-meter-registry.sql") },
        { path: "/docker-entrypoint-initdb.d/02-debezium-user.sh", content: initSql("mysql/02-debezium-user.sh"), executable: true },
      ],
      // Over TCP for the same reason as PostgreSQL: the init-time server listens on no port.
      healthCheck: {
        test: ["CMD-SHELL", 'mysqladmin ping -h 127.0.0.1 -P 3306 -u root --password="$MYSQL_ROOT_PASSWORD" --silent'],
        startPeriod: "30s",
      },
    });
  }
}

export interface MssqlDatabaseProps extends DatabaseProps {
  /** Create the demo source database MeterSource with CDC on dbo.Meters. */
  readonly demoSource: boolean;
  /** Create the MeterMaster database and the sink-app's login. */
  readonly meterMasterTarget: boolean;
}

/**
 * SQL Server 2022 (Developer edition) with SQL Server Agent on. Optionally the demo source
 * MeterSource.dbo.Meters with CDC enabled and a 1 s capture polling interval, and optionally the
 * MeterMaster target database with the `meter_master_writer` login.
 */
export class MssqlDatabase extends ServiceContainer {
  /** TCP port on the stack's network. */
  readonly port = 1433;
  /** Meter Master's database, login and password variable on this server (when it is the target). */
  readonly meterMaster = EMBEDDED_METER_MASTER;

  constructor(scope: Construct, id: string, props: MssqlDatabaseProps) {
    const initFiles = [...(props.demoSource ? ["10-meter-source.sql"] : []), ...(props.meterMasterTarget ? ["20-meter-master.sql"] : [])];
    super(scope, id, {
      ...serviceProps(props, "mssql", 1433),
      env: [
        "ACCEPT_EULA=Y",
        "MSSQL_PID=Developer",
        "MSSQL_AGENT_ENABLED=true",
        props.secrets.env("MSSQL_SA_PASSWORD", "generated"),
        props.demoSource ? props.secrets.env("MSSQL_DEBEZIUM_PASSWORD", "generated") : "MSSQL_DEBEZIUM_PASSWORD=",
        props.meterMasterTarget ? props.secrets.env("MSSQL_METER_MASTER_PASSWORD", "generated") : "MSSQL_METER_MASTER_PASSWORD=",
      ],
      // The image has no init-script hook: this wrapper starts sqlservr and runs the scripts after recovery.
      entrypoint: ["/opt/meter-master/entrypoint.sh"],
      dataVolumes: { data: "/var/opt/mssql" },
      files: [
        { path: "/opt/meter-master/entrypoint.sh", content: initSql("mssql/entrypoint.sh"), executable: true },
        { path: "/opt/meter-master/healthcheck.sh", content: initSql("mssql/healthcheck.sh"), executable: true },
        ...initFiles.map((f) => ({ path: `/opt/meter-master/init/${f}`, content: initSql(`mssql/${f}`) })),
      ],
      // Healthy only with the Agent running and CDC on the demo table: a stopped Agent yields no events and no error.
      healthCheck: {
        test: ["CMD", "/opt/meter-master/healthcheck.sh", ...(props.demoSource ? ["dbo.Meters"] : [])],
        startPeriod: "30s",
        retries: 10,
      },
    });
  }
}

/**
 * Oracle Database 23 Free with archive log mode, supplemental logging, Debezium's LogMiner
 * user c##dbzuser, and the demo table METERS.METER_ASSETS in FREEPDB1.
 */
export class OracleDatabase extends ServiceContainer {
  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id, {
      ...serviceProps(props, "oracle", 1521),
      env: [
        "APP_USER=METERS",
        props.secrets.env("ORACLE_PASSWORD", "generated"),
        `APP_USER_PASSWORD=${props.secrets.variable("ORACLE_APP_PASSWORD", "generated").stringValue}`,
        props.secrets.env("ORACLE_DEBEZIUM_PASSWORD", "generated"),
      ],
      dataVolumes: { data: "/opt/oracle/oradata" },
      files: [
        { path: "/container-entrypoint-initdb.d/01-logminer.sh", content: initSql("oracle/01-logminer.sh"), executable: true },
        { path: "/container-entrypoint-initdb.d/02-debezium-user.sh", content: initSql("oracle/02-debezium-user.sh"), executable: true },
        { path: "/container-entrypoint-initdb.d/03-meter-assets.sql", content: initSql("oracle/03-meter-assets.sql") },
        { path: "/opt/meter-master/healthcheck.sh", content: initSql("oracle/healthcheck.sh"), executable: true },
      ],
      // The image declares no health check; its healthcheck.sh only says "open", ours also waits for the init scripts.
      healthCheck: { test: ["CMD", "/opt/meter-master/healthcheck.sh"], interval: "10s", startPeriod: "60s", retries: 10 },
      shmSizeMb: 1024,
    });
  }
}
