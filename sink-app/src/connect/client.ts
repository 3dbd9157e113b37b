// A small Kafka Connect REST client on global fetch. Retries what Connect
// answers while it is not ready or rebalancing (connection refused, 409, 503,
// and 404 where the caller says 404 means "not there yet"), with exponential
// backoff inside a bounded total time. Every error names the URL and connector.

export type ConnectorState = "RUNNING" | "PAUSED" | "STOPPED" | "FAILED" | "UNASSIGNED" | "RESTARTING";

export interface TaskStatus {
  id: number;
  state: ConnectorState;
  worker_id: string;
  trace?: string;
}

export interface ConnectorStatus {
  name: string;
  connector: { state: ConnectorState; worker_id: string; trace?: string };
  tasks: TaskStatus[];
  type: "source" | "sink" | string;
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: { connector: string; task: number }[];
  type: "source" | "sink" | string;
}

export interface ConnectorOverview {
  status: ConnectorStatus;
  info: ConnectorInfo;
}

/** GET /connectors/{name}/offsets body (KIP-875). */
export interface ConnectorOffsets {
  offsets: { partition: Record<string, unknown>; offset: Record<string, unknown> | null }[];
}

export interface ConfigValueInfo {
  name: string;
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}

export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  /** `value` is null for keys the plugin defines but did not evaluate (e.g. Oracle's XStream-only options under LogMiner). */
  configs: { definition: Record<string, unknown>; value: ConfigValueInfo | null }[];
}

export interface PluginInfo {
  class: string;
  type: string;
  version: string;
}

export interface RetryPolicy {
  /** Give up retrying after this long, in ms. */
  totalMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface ConnectClientOptions {
  /** Base URL of the Connect REST API, e.g. http://127.0.0.1:8083. */
  url: string;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout in ms (Connect itself answers 500 after 90 s on stuck requests). Default 30000. */
  requestTimeoutMs?: number;
  /** Injected for tests that count requests; defaults to global fetch. */
  fetch?: typeof fetch;
}

export class ConnectError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
    readonly connector?: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = "ConnectError";
  }
}

/** Connect could not be reached at all (refused, DNS, timeout) within the retry budget. */
export class ConnectUnreachableError extends ConnectError {
  override name = "ConnectUnreachableError";
}

/** The named connector does not exist (404 after any retries the call allowed). */
export class ConnectorNotFoundError extends ConnectError {
  override name = "ConnectorNotFoundError";
}

interface RequestOptions {
  body?: unknown;
  connector?: string;
  /** 404 means "not created yet / worker not ready": retry it within the budget. */
  retryNotFound?: boolean;
  /** Retry budget for this call; defaults to the client's. */
  retry?: Partial<RetryPolicy>;
}

const RETRY_STATUS = new Set([409, 503]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    if ((e as { name?: string }).name === "TimeoutError") return "ETIMEDOUT";
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = encodeURIComponent;

export class ConnectClient {
  readonly url: string;
  private readonly retry: RetryPolicy;
  private readonly requestTimeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: ConnectClientOptions) {
    this.url = opts.url.replace(/\/+$/, "");
    this.retry = { totalMs: 60_000, initialDelayMs: 250, maxDelayMs: 5_000, ...opts.retry };
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  private describe(method: string, path: string, connector?: string): string {
    return `Kafka Connect at ${this.url}: ${method} ${path}${connector ? ` (connector "${connector}")` : ""}`;
  }

  /** One REST call with the retry rules above; returns the parsed JSON body (undefined for 204). */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const policy = { ...this.retry, ...opts.retry };
    const deadline = Date.now() + policy.totalMs;
    let delay = policy.initialDelayMs;
    const what = this.describe(method, path, opts.connector);
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchImpl(this.url + path, {
          method,
          headers: opts.body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
      } catch (err) {
        const code = networkCode(err);
        if (code === undefined) {
          const cause = (err as { cause?: { message?: string } }).cause?.message;
          throw new ConnectError(`${what} failed: ${(err as Error).message}${cause ? ` (${cause})` : ""}`, this.url, undefined, opts.connector);
        }
        if (Date.now() + delay > deadline) {
          throw new ConnectUnreachableError(
            `${what}: Kafka Connect is unreachable (${code}) after ${attempt} attempt(s) over ${Math.round(policy.totalMs / 1000)} s. Is it running, and is the URL right? (set --connect-url or CONNECT_URL)`,
            this.url,
            undefined,
            opts.connector,
          );
        }
        await sleep(delay);
        delay = Math.min(delay * 2, policy.maxDelayMs);
        continue;
      }
      const text = await res.text();
      let body: unknown;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      if (res.ok) return body as T;
      const retriable = RETRY_STATUS.has(res.status) || (res.status === 404 && opts.retryNotFound === true);
      if (retriable && Date.now() + delay <= deadline) {
        await sleep(delay);
        delay = Math.min(delay * 2, policy.maxDelayMs);
        continue;
      }
      const detail = typeof body === "object" && body !== null && "message" in body ? String((body as { message: unknown }).message) : text.slice(0, 500);
      const message = `${what} failed: HTTP ${res.status}${detail ? `: ${detail}` : ""}${retriable ? ` (still failing after ${Math.round(policy.totalMs / 1000)} s of retries)` : ""}`;
      if (res.status === 404 && opts.connector !== undefined) throw new ConnectorNotFoundError(message, this.url, 404, opts.connector, body);
      throw new ConnectError(message, this.url, res.status, opts.connector, body);
    }
  }

  /** GET / — the worker's version; retries until the REST server answers. */
  serverInfo(retry?: Partial<RetryPolicy>): Promise<{ version: string; commit: string; kafka_cluster_id: string }> {
    return this.request("GET", "/", { retry });
  }

  /** Waits until the worker answers GET / and GET /connectors (the herder has joined its group). */
  async waitUntilReady(retry?: Partial<RetryPolicy>): Promise<void> {
    await this.serverInfo(retry);
    await this.request("GET", "/connectors", { retry, retryNotFound: true });
  }

  /** Every connector with its status and config (GET /connectors?expand=status&expand=info). */
  async listConnectors(): Promise<Record<string, ConnectorOverview>> {
    return (await this.request<Record<string, ConnectorOverview>>("GET", "/connectors?expand=status&expand=info")) ?? {};
  }

  getConfig(name: string): Promise<Record<string, string>> {
    return this.request("GET", `/connectors/${enc(name)}/config`, { connector: name });
  }

  /** Creates or updates (PUT is idempotent in Connect). */
  putConfig(name: string, config: Record<string, string>): Promise<ConnectorInfo> {
    return this.request("PUT", `/connectors/${enc(name)}/config`, { connector: name, body: config });
  }

  status(name: string, opts: { retryNotFound?: boolean; retry?: Partial<RetryPolicy> } = {}): Promise<ConnectorStatus> {
    return this.request("GET", `/connectors/${enc(name)}/status`, { connector: name, ...opts });
  }

  async pause(name: string): Promise<void> {
    await this.request("PUT", `/connectors/${enc(name)}/pause`, { connector: name });
  }

  async resume(name: string): Promise<void> {
    await this.request("PUT", `/connectors/${enc(name)}/resume`, { connector: name });
  }

  /** POST /connectors/{name}/restart?includeTasks=..&onlyFailed=.. */
  async restart(name: string, opts: { includeTasks?: boolean; onlyFailed?: boolean } = {}): Promise<void> {
    const q = `includeTasks=${opts.includeTasks ?? true}&onlyFailed=${opts.onlyFailed ?? false}`;
    await this.request("POST", `/connectors/${enc(name)}/restart?${q}`, { connector: name });
  }

  /** PUT /connectors/{name}/stop: tasks are shut down and their config dropped; offsets can then be read and changed (Connect 3.5+). */
  async stop(name: string): Promise<void> {
    await this.request("PUT", `/connectors/${enc(name)}/stop`, { connector: name });
  }

  /** POST /connectors: creates a connector directly in `initialState` (KIP-980, Connect 3.7+), so a declared pause or stop never runs a task first. */
  create(name: string, config: Record<string, string>, initialState: "RUNNING" | "PAUSED" | "STOPPED" = "RUNNING"): Promise<ConnectorInfo> {
    return this.request("POST", "/connectors", { connector: name, body: { name, config, initial_state: initialState } });
  }

  /** GET /connectors/{name}/offsets: a source connector's offsets as its tasks committed them (partition and offset maps are the plugin's own). */
  async offsets(name: string): Promise<ConnectorOffsets> {
    return (await this.request<ConnectorOffsets>("GET", `/connectors/${enc(name)}/offsets`, { connector: name })) ?? { offsets: [] };
  }

  /** PATCH /connectors/{name}/offsets: writes the given offsets; the connector must be STOPPED. A null `offset` removes that partition's offset. */
  async alterOffsets(name: string, offsets: ConnectorOffsets): Promise<string> {
    const r = await this.request<{ message?: string }>("PATCH", `/connectors/${enc(name)}/offsets`, { connector: name, body: offsets });
    return r?.message ?? "";
  }

  /** DELETE /connectors/{name}/offsets: removes every offset; the connector must be STOPPED. */
  async resetOffsets(name: string): Promise<string> {
    const r = await this.request<{ message?: string }>("DELETE", `/connectors/${enc(name)}/offsets`, { connector: name });
    return r?.message ?? "";
  }

  async delete(name: string): Promise<void> {
    await this.request("DELETE", `/connectors/${enc(name)}`, { connector: name });
  }

  /** PUT /connector-plugins/{class}/config/validate: Connect's and the plugin's own validation. */
  validate(connectorClass: string, config: Record<string, string>): Promise<ConfigInfos> {
    return this.request("PUT", `/connector-plugins/${enc(connectorClass)}/config/validate`, { body: config, connector: config.name });
  }

  /** Topics the connector has used since it was created or its topics were reset. */
  async topics(name: string): Promise<string[]> {
    const body = await this.request<Record<string, { topics: string[] }>>("GET", `/connectors/${enc(name)}/topics`, { connector: name });
    return body?.[name]?.topics ?? [];
  }

  plugins(): Promise<PluginInfo[]> {
    return this.request("GET", "/connector-plugins?connectorsOnly=true");
  }
}

/** The config values that carry validation errors, as `key: message` lines. */
export function validationErrors(infos: ConfigInfos): { key: string; errors: string[] }[] {
  return infos.configs.flatMap((c) => (c.value && c.value.errors.length > 0 ? [{ key: c.value.name, errors: c.value.errors }] : []));
}
