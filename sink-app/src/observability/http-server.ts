// /healthz, /readyz and /metrics over node:http: three routes do not need a framework.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface Readiness {
  ready: boolean;
  /** per component: "ok" or why not, shown in the /readyz body */
  checks: Record<string, string>;
}

export interface HealthServerOptions {
  host: string;
  port: number;
  registry: Registry;
  readiness: () => Promise<Readiness>;
}

export interface HealthServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "text/plain", "method not allowed\n");
    if (path === "/healthz") return send(200, "application/json", `${JSON.stringify({ status: "ok" })}\n`);
    if (path === "/readyz") {
      options.readiness().then(
        (r) => send(r.ready ? 200 : 503, "application/json", `${JSON.stringify({ status: r.ready ? "ready" : "not ready", checks: r.checks })}\n`),
        (err: unknown) => send(503, "application/json", `${JSON.stringify({ status: "not ready", error: String(err) })}\n`),
      );
      return;
    }
    if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => send(200, options.registry.contentType, text),
        (err: unknown) => send(500, "text/plain", `${String(err)}\n`),
      );
      return;
    }
    send(404, "text/plain", "not found: try /healthz, /readyz or /metrics\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
