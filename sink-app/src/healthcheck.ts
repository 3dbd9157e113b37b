// Docker HEALTHCHECK of the sink-app container (no curl in the image): exit 0 when /readyz
// answers 200 on the port the config names.

import { loadSinkAppConfig } from "./config.js";

async function check(): Promise<number> {
  const file = process.env.SINK_APP_CONFIG;
  if (!file) return 1;
  const { http } = loadSinkAppConfig(file);
  const host = http.host === "0.0.0.0" || http.host === "::" ? "127.0.0.1" : http.host;
  try {
    const res = await fetch(`http://${host.includes(":") ? `[${host}]` : host}:${http.port}/readyz`, { signal: AbortSignal.timeout(3_000) });
    return res.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

process.exitCode = await check();
