import { defineConfig } from "vitest/config";

// Three projects so a reader can run one layer alone:
//   unit        pure logic, no I/O, milliseconds
//   synth       the synthesized Terraform JSON of the stacks
//   integration real servers: PostgreSQL, MariaDB, Kafka, Kafka Connect + Debezium,
//               provisioned once by test/support/global-setup.ts
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "synth",
          include: ["test/synth/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          // One shared Kafka/Connect/database set: files run one after another in one process.
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
