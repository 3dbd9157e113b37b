// /healthz, /readyz, /metrics and the status page (/, /status, /status/events) over node:http:
// a handful of routes do not need a framework.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { STATUS_PAGE_HTML } from "./status-page.js";

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
  /** The status snapshot (observability/status.ts); without it, /status answers 503. */
  status?: () => Promise<unknown>;
  /** How often /status/events pushes a snapshot. @default 2000 */
  statusIntervalMs?: number;
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
    if (path === "/" || path === "/index.html") return send(200, "text/html; charset=utf-8", STATUS_PAGE_HTML);
    if (path === "/status") {
      if (!options.status) return send(503, "application/json", `${JSON.stringify({ status: "starting" })}\n`);
      options.status().then(
        (snapshot) => send(200, "application/json", `${JSON.stringify(snapshot)}\n`),
        (err: unknown) => send(500, "application/json", `${JSON.stringify({ error: String(err) })}\n`),
      );
      return;
    }
    if (path === "/status/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      const push = () => {
        if (!options.status) return void res.write(": starting\n\n");
        options.status().then(
          (snapshot) => res.write(`data: ${JSON.stringify(snapshot)}\n\n`),
          // The page keeps its last picture and says when it was taken; the next push may work.
          (err: unknown) => res.write(`: status failed: ${String(err).replace(/\n/g, " ")}\n\n`),
        );
      };
      push();
      const timer = setInterval(push, options.statusIntervalMs ?? 2_000);
      req.on("close", () => clearInterval(timer));
      return;
    }
    if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => send(200, options.registry.contentType, text),
        (err: unknown) => send(500, "text/plain", `${String(err)}\n`),
      );
      return;
    }
    send(404, "text/plain", "not found: try /, /status, /healthz, /readyz or /metrics\n");
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
