// The running test environment, as globalSetup provided it, for integration and e2e tests.
import { inject } from "vitest";
import type { TestEnvironmentInfo } from "../../scripts/test-env/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    testEnv: TestEnvironmentInfo;
  }
}

export function testEnv(): TestEnvironmentInfo {
  const env = inject("testEnv");
  if (!env) throw new Error("no test environment: run this file through the integration project (test/support/global-setup.ts)");
  return env;
}
