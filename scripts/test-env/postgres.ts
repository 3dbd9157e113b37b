import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./ports.js";
import type { ManagedProcess, ProcessSupervisor } from "./processes.js";
import { postgresBinDir, run, serviceUser } from "./system.js";
import { waitFor } from "./wait.js";

export interface PostgresInfo {
  host: string;
  port: number;
  /** Superuser. */
  user: string;
  password: string;
  database: string;
  /** Login with REPLICATION for Debezium; its password is also secrets.POSTGRES_DEBEZIUM_PASSWORD. */
  debeziumUser: string;
  debeziumPassword: string;
  version: string;
}

export interface StartedPostgres {
  info: PostgresInfo;
  process: ManagedProcess;
}

/**
 * initdb into a temp dir and run `postgres` on a free 127.0.0.1 port with
 * logical decoding on. As root it runs as the unprivileged `postgres` user,
 * because PostgreSQL refuses to run as root.
 */
export async function startPostgres(
  supervisor: ProcessSupervisor,
  dir: string,
  logsDir: string,
  secrets: { password: string; debeziumPassword: string },
): Promise<StartedPostgres> {
  const bin = await postgresBinDir();
  const owner = await serviceUser("postgres");
  const dataDir = join(dir, "data");
  const socketDir = join(dir, "socket");
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await mkdir(socketDir, { recursive: true });
  const pwFile = join(dir, "pwfile");
  await writeFile(pwFile, `${secrets.password}\n`, { mode: 0o600 });
  if (owner) {
    for (const p of [dir, dataDir, socketDir, pwFile]) await chown(p, owner.uid, owner.gid);
  }
  await chmod(dataDir, 0o700);
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const env = { ...process.env, LC_ALL: "C.UTF-8", LANG: "C.UTF-8" };

  await run(
    join(bin, "initdb"),
    ["-D", dataDir, "-U", "postgres", `--pwfile=${pwFile}`, "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
    { ...asOwner, env, cwd: dir },
  );

  const port = await freePort();
  const settings: Record<string, string | number> = {
    listen_addresses: "127.0.0.1",
    port,
    unix_socket_directories: socketDir,
    wal_level: "logical",
    // Room for several Debezium connectors plus tests' own slots.
    max_replication_slots: 20,
    max_wal_senders: 20,
    max_connections: 200,
    timezone: "UTC",
    log_timezone: "UTC",
    // Throwaway data: trade durability for speed on a 2-core machine.
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    shared_buffers: "64MB",
  };
  const args = ["-D", dataDir, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
  const logFile = join(logsDir, "postgres.log");
  const proc = supervisor.start("postgres", join(bin, "postgres"), args, logFile, { ...asOwner, env, cwd: dir });

  const info: PostgresInfo = {
    host: "127.0.0.1",
    port,
    user: "postgres",
    password: secrets.password,
    database: "postgres",
    // Not "debezium": that role is the init SQL's, which the init-sql test creates as production does.
    debeziumUser: "cdc_test",
    debeziumPassword: secrets.debeziumPassword,
    version: "",
  };
  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ host: info.host, port, user: info.user, password: info.password, database: info.database, connectionTimeoutMillis: 2000 });
    await client.connect();
    return client;
  };
  const client = await waitFor("PostgreSQL", connect, { timeoutMs: 60_000, process: proc });
  try {
    info.version = (await client.query<{ server_version: string }>("show server_version")).rows[0]!.server_version;
    // Debezium's documented needs: LOGIN + REPLICATION. The test environment
    // stands in for many deployments, each creating its own tables and
    // publications, so the role is also superuser here (the production grants
    // are the init SQL's business, not the test harness's).
    await client.query(`create role ${info.debeziumUser} with login replication superuser password '${secrets.debeziumPassword.replaceAll("'", "''")}'`);
  } finally {
    await client.end();
  }
  return { info, process: proc };
}
