import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, closeSync, openSync, rmSync, writeFileSync } from "node:fs";

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Set once the process has exited; readiness polls use it to fail fast. */
  exit: ProcessExit | undefined;
  exited: Promise<ProcessExit>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
}

/**
 * Owns every server process of one test environment. Each child is started in
 * its own session/process group (detached), so one signal to the group also
 * reaches what it forks (PostgreSQL backends). Three layers make sure nothing
 * outlives the environment:
 *   1. stop(): SIGTERM, a short grace period, then SIGKILL, in reverse start order;
 *   2. a process 'exit' hook that SIGKILLs the groups synchronously;
 *   3. a detached watchdog shell that notices when this Node process is gone
 *      (even after SIGKILL) and kills the groups and removes the temp dir.
 */
export class ProcessSupervisor {
  private readonly processes: ManagedProcess[] = [];
  private readonly children = new Map<number, ChildProcess>();
  private readonly pgidFile: string;
  private readonly onExit = (): void => this.killAllSync();
  private stopped = false;

  constructor(private readonly rootDir: string) {
    this.pgidFile = `${rootDir}/.process-groups`;
    writeFileSync(this.pgidFile, "");
    process.on("exit", this.onExit);
    this.startWatchdog();
  }

  start(name: string, command: string, args: string[], logFile: string, options: StartOptions = {}): ManagedProcess {
    if (this.stopped) throw new Error(`cannot start ${name}: the environment is stopping`);
    const fd = openSync(logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        detached: true,
        stdio: ["ignore", fd, fd],
        env: options.env ?? process.env,
        cwd: options.cwd,
        uid: options.uid,
        gid: options.gid,
      });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    child.unref();
    appendFileSync(this.pgidFile, `${child.pid}\n`);
    const managed: ManagedProcess = {
      name,
      pid: child.pid,
      logFile,
      exit: undefined,
      exited: new Promise<ProcessExit>((resolve) => {
        child.on("exit", (code, signal) => {
          managed.exit = { code, signal };
          resolve({ code, signal });
        });
        child.on("error", () => {
          managed.exit = { code: -1, signal: null };
          resolve(managed.exit);
        });
      }),
    };
    this.processes.push(managed);
    this.children.set(child.pid, child);
    return managed;
  }

  /** Stop one process (used to simulate outages); the rest keep running. */
  async stopProcess(managed: ManagedProcess, graceMs = 10_000): Promise<void> {
    if (managed.exit) return;
    // Children are unref'd, so while one shuts down (MariaDB takes seconds) nothing else may keep
    // Node's event loop alive: without this timer Node would exit mid-stop, and the exit hook
    // would SIGKILL what was still shutting down.
    const keepAlive = setInterval(() => undefined, 1_000);
    let grace: NodeJS.Timeout | undefined;
    try {
      signalGroup(managed.pid, "SIGTERM");
      const timedOut = await Promise.race([managed.exited.then(() => false), new Promise<boolean>((r) => (grace = setTimeout(() => r(true), graceMs)))]);
      if (timedOut) {
        signalGroup(managed.pid, "SIGKILL");
        await managed.exited;
      }
      // Forked children (e.g. PostgreSQL backends) share the group; make sure they are gone too.
      signalGroup(managed.pid, "SIGKILL");
    } finally {
      clearTimeout(grace);
      clearInterval(keepAlive);
    }
  }

  async stopAll(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const managed of [...this.processes].reverse()) {
      await this.stopProcess(managed, graceMs);
    }
    process.off("exit", this.onExit);
  }

  /** Last resort during process exit: no awaiting possible there. */
  killAllSync(): void {
    for (const managed of this.processes) signalGroup(managed.pid, "SIGKILL");
    try {
      rmSync(this.rootDir, { recursive: true, force: true });
    } catch {
      // nothing more we can do while exiting
    }
  }

  private startWatchdog(): void {
    // Polls once a second whether the parent still lives and the temp dir
    // still exists; exits quietly after a normal stop (dir removed).
    const script = `
      parent="$1"; dir="$2"; groups="$dir/.process-groups"
      while kill -0 "$parent" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
      [ -d "$dir" ] || exit 0
      for g in $(cat "$groups" 2>/dev/null); do kill -TERM -- "-$g" 2>/dev/null; done
      sleep 3
      for g in $(cat "$groups" 2>/dev/null); do kill -KILL -- "-$g" 2>/dev/null; done
      rm -rf "$dir"
    `;
    const watchdog = spawn("/bin/sh", ["-c", script, "test-env-watchdog", String(process.pid), this.rootDir], {
      detached: true,
      stdio: "ignore",
    });
    watchdog.unref();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
