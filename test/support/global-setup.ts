// Starts the real test environment once for the integration project (PostgreSQL, MariaDB,
// Kafka, Kafka Connect + Debezium) and stops it when the run ends, also when tests fail.
// Test files read it through test/support/env.ts.
import type { TestProject } from "vitest/node";
import { environmentInfo, type RunningTestEnvironment, startTestEnvironment } from "../../scripts/test-env/index.js";

let env: RunningTestEnvironment | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  env = await startTestEnvironment();
  project.provide("testEnv", environmentInfo(env));
  // Printed once so the output says plainly what this run could not exercise.
  process.stderr.write(
    `[test-env] NOT RUN here (no server available on this machine): ${env.missing.join("; ")}. Tests that would need them say NOT RUN by name.\n`,
  );
  const stop = async (): Promise<void> => {
    await env?.stop();
  };
  // An interrupted run (Ctrl-C) must not leave servers behind either.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void stop().finally(() => process.exit(130));
    });
  }
  return stop;
}
