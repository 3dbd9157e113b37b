// Entry point of the demo API receiver container.
//   node main.js                 serve (PORT default 8080, HOST default 0.0.0.0)
//   node main.js --healthcheck   exit 0 when /healthz answers 200 (Docker HEALTHCHECK without curl)
import { pino } from "pino";
import { demoApiConfigFromEnv } from "./config.js";
import { startDemoApi } from "./server.js";

async function healthcheck(): Promise<number> {
  const config = demoApiConfigFromEnv(process.env);
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  try {
    const res = await fetch(`http://${hostPart}:${config.port}/healthz`, { signal: AbortSignal.timeout(3_000) });
    return res.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

async function serve(): Promise<void> {
  const logger = pino({ name: "demo-api" });
  const config = demoApiConfigFromEnv(process.env);
  const api = await startDemoApi(config, {
    logger: { info: (o, m) => logger.info(o, m), warn: (o, m) => logger.warn(o, m) },
  });
  logger.info({ url: api.url, host: config.host, port: api.port, faults: config.faults, recordFile: config.recordFile }, "demo API listening");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    // Do not let a stuck close hold the container past Docker's stop timeout.
    setTimeout(() => process.exit(1), 8_000).unref();
    api.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.warn({ err: String(err) }, "error while closing");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

if (process.argv.includes("--healthcheck")) {
  process.exitCode = await healthcheck();
} else {
  await serve();
}
