// The demo API receiver: a node:http server that records what the sink-app delivers.
//
//   POST   /api/:source     JSON object or array of events -> 200 {accepted}
//   GET    /api/:source     summary (count, uniqueKeys, repeatedDeliveries, ...) + events
//   DELETE /api/:source     forget that source (tests)
//   GET    /api             summaries of all sources;  DELETE /api forgets everything
//   GET    /healthz         liveness/readiness
//   GET    /admin/faults    current fault injection;  POST /admin/faults merges a JSON patch
import { appendFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SOURCE_NAME } from "../validation.js";
import type { DemoApiConfig } from "./config.js";
import { decideFault, type FaultSettings, FaultSettingsSchema, seededRandom } from "./faults.js";
import { createRecorder, type Recorder } from "./recorder.js";

export interface DemoApiLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface DemoApiServer {
  /** Base URL, e.g. http://127.0.0.1:39123 */
  url: string;
  port: number;
  recorder: Recorder;
  faults(): FaultSettings;
  /** Merges a patch into the fault settings (same as POST /admin/faults); throws on invalid values. */
  setFaults(patch: unknown): FaultSettings;
  /** Stops listening, ends hanging requests and open connections. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startDemoApi(config: DemoApiConfig, deps: { logger?: DemoApiLogger; now?: () => Date } = {}): Promise<DemoApiServer> {
  const logger = deps.logger ?? { info() {}, warn() {} };
  const now = deps.now ?? (() => new Date());
  const recorder = createRecorder({ keyProperty: config.keyProperty, maxEventsPerSource: config.maxEventsPerSource });
  let faults = config.faults;
  let roll = faults.seed === undefined ? Math.random : seededRandom(faults.seed);
  const hanging = new Set<{ timer: NodeJS.Timeout; res: ServerResponse }>();
  // Appends are chained so the JSONL file keeps arrival order.
  let fileQueue: Promise<void> = Promise.resolve();

  const setFaults = (patch: unknown): FaultSettings => {
    if (patch === null || typeof patch !== "object" || Array.isArray(patch)) {
      throw new HttpError(400, "fault settings must be a JSON object");
    }
    const parsed = FaultSettingsSchema.safeParse({ ...faults, ...(patch as object) });
    if (!parsed.success) {
      throw new HttpError(400, parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
    }
    const seedChanged = "seed" in (patch as object);
    faults = parsed.data;
    if (seedChanged) roll = faults.seed === undefined ? Math.random : seededRandom(faults.seed);
    logger.info({ faults }, "fault injection changed");
    return faults;
  };

  async function handlePost(source: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req, config.maxBodyBytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch (err) {
      throw new HttpError(400, `body is not valid JSON: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object") {
      throw new HttpError(400, "body must be a JSON object (one event) or a JSON array of events");
    }
    const events = Array.isArray(parsed) ? parsed : [parsed];
    const headerValue = req.headers[config.keyHeader.toLowerCase()];
    const headerKey = typeof headerValue === "string" && headerValue !== "" ? headerValue : null;

    const fault = decideFault(faults, roll);
    switch (fault.type) {
      case "down":
        logger.warn({ source, events: events.length }, "injected fault: endpoint down (503)");
        return sendJson(
          res,
          503,
          { error: "endpoint is down (injected fault)" },
          fault.retryAfterSeconds === undefined ? {} : { "retry-after": String(fault.retryAfterSeconds) },
        );
      case "fail":
        logger.warn({ source, events: events.length }, "injected fault: 500");
        return sendJson(res, 500, { error: "injected failure" });
      case "rate-limit":
        logger.warn({ source, events: events.length }, "injected fault: 429");
        return sendJson(res, 429, { error: "rate limited (injected fault)" }, { "retry-after": String(fault.retryAfterSeconds) });
      case "timeout": {
        if (fault.record) await store(source, headerKey, events);
        logger.warn({ source, events: events.length, hangMs: fault.hangMs, recorded: fault.record }, "injected fault: hanging");
        await new Promise<void>((resolve) => {
          const entry = {
            res,
            timer: setTimeout(() => {
              hanging.delete(entry);
              resolve();
            }, fault.hangMs),
          };
          hanging.add(entry);
          res.on("close", () => {
            clearTimeout(entry.timer);
            hanging.delete(entry);
            resolve();
          });
        });
        if (res.destroyed || res.writableEnded) return;
        return fault.record ? sendJson(res, 200, { accepted: events.length, late: true }) : sendJson(res, 504, { error: "timed out (injected fault)" });
      }
      case "none":
        await store(source, headerKey, events);
        return sendJson(res, 200, { accepted: events.length });
    }
  }

  async function store(source: string, headerKey: string | null, events: unknown[]): Promise<void> {
    const recorded = recorder.record(source, { headerKey, events }, now());
    if (config.recordFile) {
      const file = config.recordFile;
      const lines = `${recorded.map((e) => JSON.stringify({ source, ...e })).join("\n")}\n`;
      fileQueue = fileQueue.then(() => appendFile(file, lines, "utf8"));
      await fileQueue.catch((err: unknown) => {
        fileQueue = Promise.resolve();
        logger.warn({ file, err: String(err) }, "could not append to the record file");
      });
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://demo-api");
    const parts = url.pathname.split("/").filter(Boolean);
    const method = req.method ?? "GET";

    if (url.pathname === "/healthz") {
      if (method !== "GET" && method !== "HEAD") throw new HttpError(405, "use GET");
      return sendJson(res, 200, { status: "ok" });
    }
    if (url.pathname === "/admin/faults") {
      if (method === "GET") return sendJson(res, 200, faults);
      if (method === "POST") {
        const raw = await readBody(req, 64 * 1024);
        let patch: unknown;
        try {
          patch = JSON.parse(raw.toString("utf8") || "{}");
        } catch {
          throw new HttpError(400, "body is not valid JSON");
        }
        return sendJson(res, 200, setFaults(patch));
      }
      throw new HttpError(405, "use GET or POST");
    }
    if (parts[0] === "api" && parts.length === 1) {
      if (method === "GET") return sendJson(res, 200, { sources: recorder.sources().map((s) => recorder.summary(s)) });
      if (method === "DELETE") {
        recorder.clear();
        return sendJson(res, 200, { cleared: "all" });
      }
      throw new HttpError(405, "use GET or DELETE");
    }
    if (parts[0] === "api" && parts.length === 2) {
      const source = decodeURIComponent(parts[1]!);
      if (!SOURCE_NAME.test(source)) throw new HttpError(404, `unknown source name "${source}" (lowercase [a-z][a-z0-9_-]*)`);
      if (method === "POST") return handlePost(source, req, res);
      if (method === "GET") {
        const limit = Number(url.searchParams.get("limit") ?? "");
        const events = recorder.events(source);
        return sendJson(res, 200, {
          ...recorder.summary(source),
          events: Number.isInteger(limit) && limit > 0 ? events.slice(-limit) : events,
        });
      }
      if (method === "DELETE") {
        recorder.clear(source);
        return sendJson(res, 200, { cleared: source });
      }
      throw new HttpError(405, "use POST, GET or DELETE");
    }
    throw new HttpError(404, `no route for ${method} ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status >= 500) logger.warn({ err: String(err), url: req.url }, "request failed");
      if (!res.headersSent && !res.destroyed) sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost === "0.0.0.0" ? "127.0.0.1" : urlHost}:${address.port}`,
    port: address.port,
    recorder,
    faults: () => faults,
    setFaults,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const entry of hanging) {
        clearTimeout(entry.timer);
        entry.res.destroy();
      }
      hanging.clear();
      server.closeIdleConnections();
      // Keep-alive sockets mid-request would hold close() open; a demo receiver need not wait.
      const force = setTimeout(() => server.closeAllConnections(), 2_000);
      await closed;
      clearTimeout(force);
      // A failed append was already logged where it happened; closing waits only for it to settle.
      await fileQueue.catch(() => undefined);
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        reject(new HttpError(413, `body larger than ${maxBytes} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
