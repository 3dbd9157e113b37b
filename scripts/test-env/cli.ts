// Usage: npm exec -- tsx scripts/test-env/cli.ts up [--with-jdbc-sink] [--keep-data]
//        npm exec -- tsx scripts/test-env/cli.ts fetch [--with-jdbc-sink]
// `up` starts the environment, prints its connection info as JSON on stdout
// and stays up until Ctrl-C / SIGTERM. `fetch` only fills the artifact cache.
import { DEFAULT_CACHE_DIR, ensureArtifacts } from "./artifacts.js";
import { environmentInfo, startTestEnvironment } from "./index.js";
import { DEFAULT_DEBEZIUM_PLUGINS } from "./versions.js";

async function main(argv: string[]): Promise<void> {
  const [command, ...flags] = argv;
  const withJdbcSink = flags.includes("--with-jdbc-sink");
  if (command === "fetch") {
    await ensureArtifacts(DEFAULT_CACHE_DIR, [...DEFAULT_DEBEZIUM_PLUGINS, ...(withJdbcSink ? (["jdbc"] as const) : [])]);
    return;
  }
  if (command !== "up") {
    process.stderr.write("usage: cli.ts up [--with-jdbc-sink] [--keep-data] | fetch [--with-jdbc-sink]\n");
    process.exitCode = 2;
    return;
  }
  const env = await startTestEnvironment({ withJdbcSink, keepData: flags.includes("--keep-data") });
  process.stdout.write(`${JSON.stringify(environmentInfo(env), null, 2)}\n`);
  process.stderr.write("[test-env] up; press Ctrl-C to stop\n");
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      process.stderr.write(`[test-env] ${signal}: stopping\n`);
      resolve();
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
  clearInterval(keepAlive);
  await env.stop();
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`[test-env] ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
