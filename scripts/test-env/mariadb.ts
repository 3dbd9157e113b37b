import { chown, mkdir } from "node:fs/promises";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { freePort } from "./ports.js";
import type { ManagedProcess, ProcessSupervisor } from "./processes.js";
import { mariadbBinaries, run, serviceUser } from "./system.js";
import { waitFor } from "./wait.js";

export interface MySqlInfo {
  host: string;
  port: number;
  rootUser: string;
  rootPassword: string;
  debeziumUser: string;
  debeziumPassword: string;
  /** e.g. "10.11.14-MariaDB-0+deb12u2": MariaDB stands in for MySQL here. */
  version: string;
  flavor: "mariadb";
}

export interface StartedMariaDb {
  info: MySqlInfo;
  process: ManagedProcess;
}

/** Debezium's documented grants for the MySQL/MariaDB connectors (BINLOG MONITOR is MariaDB 10.5+'s name for what SHOW BINARY LOGS needs). */
export const DEBEZIUM_MARIADB_GRANTS = ["SELECT", "RELOAD", "SHOW DATABASES", "REPLICATION SLAVE", "REPLICATION CLIENT", "BINLOG MONITOR", "LOCK TABLES"];

/**
 * A private mariadbd (not the system service): its own datadir, socket, pid
 * file and port, row-based binlog with full row images as Debezium requires.
 */
export async function startMariaDb(
  supervisor: ProcessSupervisor,
  dir: string,
  logsDir: string,
  secrets: { rootPassword: string; debeziumPassword: string },
): Promise<StartedMariaDb> {
  const bins = await mariadbBinaries();
  const owner = await serviceUser("mysql");
  const dataDir = join(dir, "data");
  const binlogDir = join(dir, "binlog");
  await mkdir(dataDir, { recursive: true });
  await mkdir(binlogDir, { recursive: true });
  if (owner) for (const p of [dir, dataDir, binlogDir]) await chown(p, owner.uid, owner.gid);
  const userArgs = owner ? [`--user=${owner.name}`] : [];

  await run(
    bins.installDb,
    ["--no-defaults", `--datadir=${dataDir}`, ...userArgs, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"],
    { cwd: dir },
  );

  const port = await freePort();
  const socket = join(dir, "mysqld.sock");
  const args = [
    "--no-defaults",
    ...userArgs,
    `--datadir=${dataDir}`,
    `--port=${port}`,
    "--bind-address=127.0.0.1",
    `--socket=${socket}`,
    `--pid-file=${join(dir, "mysqld.pid")}`,
    "--skip-name-resolve",
    `--log-bin=${join(binlogDir, "mysql-bin")}`,
    "--binlog-format=ROW",
    "--binlog-row-image=FULL",
    "--server-id=1",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
    "--default-time-zone=+00:00",
    // Throwaway data: small and fast rather than durable.
    "--innodb-buffer-pool-size=64M",
    "--innodb-flush-log-at-trx-commit=0",
    "--sync-binlog=0",
    "--max-connections=200",
  ];
  const logFile = join(logsDir, "mariadb.log");
  const proc = supervisor.start("mariadb", bins.server, args, logFile, { cwd: dir });

  // Fresh datadir: root@localhost has no password yet and is reachable on the socket only.
  const admin = await waitFor(
    "MariaDB",
    () => mysql.createConnection({ socketPath: socket, user: "root", password: "", connectTimeout: 2000, multipleStatements: true }),
    { timeoutMs: 60_000, process: proc },
  );
  let version: string;
  try {
    const [rows] = await admin.query<mysql.RowDataPacket[]>("select version() as v");
    version = String(rows[0]!.v);
    const root = secrets.rootPassword;
    const dbz = secrets.debeziumPassword;
    await admin.query(
      `CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY ${admin.escape(root)};
       GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
       CREATE OR REPLACE USER 'debezium'@'%' IDENTIFIED BY ${admin.escape(dbz)};
       GRANT ${DEBEZIUM_MARIADB_GRANTS.join(", ")} ON *.* TO 'debezium'@'%';
       ALTER USER 'root'@'localhost' IDENTIFIED BY ${admin.escape(root)};
       FLUSH PRIVILEGES;`,
    );
  } finally {
    await admin.end();
  }
  return {
    info: {
      host: "127.0.0.1",
      port,
      rootUser: "root",
      rootPassword: secrets.rootPassword,
      debeziumUser: "debezium",
      debeziumPassword: secrets.debeziumPassword,
      version,
      flavor: "mariadb",
    },
    process: proc,
  };
}
