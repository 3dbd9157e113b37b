// Runs scripts/bench/consume-worker.ts as a child process and returns its JSON result.

import { join } from "node:path";
import { killChild, REPO, spawnTracked } from "./common.js";

export interface RawResult {
  client: string;
  parse?: boolean;
  records?: number;
  bytes?: number;
  avgRecordBytes?: number;
  consumeMs?: number;
  totalMs?: number;
  eventsPerSec?: number;
  eventsPerSecInclJoin?: number;
  mbPerSec?: number;
  cpuSeconds?: number;
  peakRssMiB?: number | null;
  error?: string;
}

export async function runConsumeWorker(opts: {
  client: "platformatic" | "kafkajs" | "confluent";
  bootstrap: string;
  topic: string;
  records: number;
  parse?: boolean;
  confluentModuleDir?: string;
  timeoutMs?: number;
}): Promise<RawResult> {
  const args = [
    "--import",
    "tsx",
    join(REPO, "scripts/bench/consume-worker.ts"),
    "--client",
    opts.client,
    "--bootstrap",
    opts.bootstrap,
    "--topic",
    opts.topic,
    "--records",
    String(opts.records),
    "--timeout-ms",
    String(opts.timeoutMs ?? 600_000),
    ...(opts.parse ? ["--parse"] : []),
    ...(opts.confluentModuleDir ? ["--confluent-module", opts.confluentModuleDir] : []),
  ];
  const child = spawnTracked(process.execPath, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  killChild(child, "SIGKILL");
  const line = out.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as RawResult;
  } catch {
    return { client: opts.client, error: `worker exited ${code} without a result: ${(err || out).trim().slice(-1500)}` };
  }
}
