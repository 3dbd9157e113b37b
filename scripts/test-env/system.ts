import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { progress } from "./log.js";

const execFileAsync = promisify(execFile);

export const isRoot = (): boolean => process.getuid?.() === 0;
const isDebian = (): boolean => existsSync("/etc/debian_version") && existsSync("/usr/bin/apt-get");

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /**
   * Run in its own session. Used for apt-get: package scripts may signal their
   * whole process group, which must not reach this Node process.
   */
  detached?: boolean;
}

/** Run a program to completion; on failure the error carries its output tail. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout = (stdout + d.toString()).slice(-1_000_000)));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-100_000)));
    child.on("error", (e) => reject(new Error(`${cmd} could not be started: ${e.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${cmd} ${args.join(" ")} failed (code ${code}, signal ${signal})\n${stderr.slice(-4000)}${stdout.slice(-2000)}`));
    });
  });
}

let aptUpdated = false;

/**
 * Install Debian packages when a needed program is missing. Only as root on
 * Debian (what CI is); anywhere else the error names what to install, since
 * silently skipping would hide a broken environment.
 */
export async function ensureDebianPackages(what: string, packages: string[]): Promise<void> {
  if (!isRoot() || !isDebian()) {
    throw new Error(
      `${what} is not installed. Install the Debian/Ubuntu package(s) ${packages.join(", ")} (e.g. sudo apt-get install -y ${packages.join(" ")}) and run again.`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  // Package install scripts must not start system services: the test
  // environment runs its own server processes on private ports. policy-rc.d
  // exit 101 is Debian's documented way to say "do not start services now".
  const policy = "/usr/sbin/policy-rc.d";
  const wrotePolicy = !existsSync(policy);
  if (wrotePolicy) writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    if (!aptUpdated) {
      progress("apt-get update");
      await run("apt-get", ["update", "-q"], { env, detached: true });
      aptUpdated = true;
    }
    progress(`apt-get install ${packages.join(" ")} (for ${what})`);
    await run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...packages], { env, detached: true });
  } finally {
    if (wrotePolicy) rmSync(policy, { force: true });
  }
}

export function which(program: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...extraDirs, ...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
  for (const dir of dirs) {
    if (dir && existsSync(`${dir}/${program}`)) return `${dir}/${program}`;
  }
  return undefined;
}

/** Newest Debian PostgreSQL server binaries directory, e.g. /usr/lib/postgresql/15/bin. */
function findPostgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(`${root}/${v}/bin/postgres`) && existsSync(`${root}/${v}/bin/initdb`))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? `${root}/${versions[0]}/bin` : undefined;
}

export async function postgresBinDir(): Promise<string> {
  const found = findPostgresBinDir();
  if (found) return found;
  await ensureDebianPackages("PostgreSQL server", ["postgresql"]);
  const after = findPostgresBinDir();
  if (!after) throw new Error("postgresql was installed but no /usr/lib/postgresql/<version>/bin/postgres was found");
  return after;
}

export interface MariaDbBinaries {
  server: string;
  installDb: string;
}

export async function mariadbBinaries(): Promise<MariaDbBinaries> {
  const find = (): MariaDbBinaries | undefined => {
    const server = which("mariadbd") ?? which("mysqld");
    const installDb = which("mariadb-install-db") ?? which("mysql_install_db");
    return server && installDb ? { server, installDb } : undefined;
  };
  const found = find();
  if (found) return found;
  await ensureDebianPackages("MariaDB server", ["mariadb-server"]);
  const after = find();
  if (!after) throw new Error("mariadb-server was installed but mariadbd / mariadb-install-db were not found");
  return after;
}

export async function ensureJavaAndMaven(): Promise<{ java: string; mvn: string }> {
  let java = which("java");
  let mvn = which("mvn");
  const missing: string[] = [];
  if (!java) missing.push("openjdk-17-jre-headless");
  if (!mvn) missing.push("maven");
  if (missing.length) await ensureDebianPackages("Java 17 and Maven (to run and fetch Kafka)", missing);
  java = which("java");
  mvn = which("mvn");
  if (!java || !mvn) throw new Error("java and mvn are required on PATH");
  const version = await execFileAsync(java, ["-version"]).then(
    (r) => r.stderr,
    (e: { stderr?: string }) => e.stderr ?? "",
  );
  const major = Number(/version "(\d+)/.exec(version)?.[1] ?? 0);
  if (major < 17) throw new Error(`Kafka 4.x and Debezium 3.x need Java 17 or newer; ${java} is ${major || "unknown"}. Install openjdk-17-jre-headless.`);
  return { java, mvn };
}

export interface ServiceUser {
  uid: number;
  gid: number;
  name: string;
}

/**
 * PostgreSQL refuses to run as root and MariaDB wants its own user, so when we
 * are root the servers run as an unprivileged system user. When we are not
 * root they simply run as us.
 */
export async function serviceUser(preferred: string): Promise<ServiceUser | undefined> {
  if (!isRoot()) return undefined;
  const lookup = async (): Promise<ServiceUser | undefined> => {
    try {
      const uid = Number((await run("id", ["-u", preferred])).trim());
      const gid = Number((await run("id", ["-g", preferred])).trim());
      return { uid, gid, name: preferred };
    } catch {
      return undefined;
    }
  };
  const existing = await lookup();
  if (existing) return existing;
  await run("useradd", ["--system", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", preferred]);
  const created = await lookup();
  if (!created) throw new Error(`could not create system user ${preferred}`);
  return created;
}
