import { readFileSync } from "node:fs";
import type { ManagedProcess } from "./processes.js";

/** Last lines of a log file, for error messages. */
export function tailFile(path: string, lines = 40): string {
  try {
    const text = readFileSync(path, "utf8");
    return text.split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** The process being waited on: if it exits, fail at once instead of timing out. */
  process?: ManagedProcess;
}

/**
 * Poll `probe` until it returns a value other than undefined. No fixed sleeps:
 * the wait ends as soon as the component answers, and after `timeoutMs` it
 * fails with the last probe error and the tail of the component's log.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  let lastError = "";
  // Some probes (fetch while a server is half up) hold no ref'd handle; without
  // this timer Node could find its event loop empty and exit mid-wait.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    return await poll();
  } finally {
    clearInterval(keepAlive);
  }

  async function poll(): Promise<T> {
    for (;;) {
      if (options.process?.exit) {
        const { code, signal } = options.process.exit;
        throw new Error(
          `${what}: ${options.process.name} exited (code ${code}, signal ${signal}) before it was ready.\n--- last lines of ${options.process.logFile} ---\n${tailFile(options.process.logFile)}`,
        );
      }
      try {
        const value = await probe();
        if (value !== undefined) return value;
        lastError = "not ready yet";
      } catch (error) {
        lastError = (error as Error).message;
      }
      if (Date.now() >= deadline) {
        const log = options.process ? `\n--- last lines of ${options.process.logFile} ---\n${tailFile(options.process.logFile)}` : "";
        throw new Error(`${what}: not ready after ${Math.round(options.timeoutMs / 1000)} s (last: ${lastError})${log}`);
      }
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}
