// The registrar's logic, apart from process concerns: read the rendered
// connectors file, reconcile, and turn the outcome into an exit code.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ConnectClient } from "./client.js";
import { DEFAULT_OWNER, type DesiredConnectors, desiredConnectorsSchema, OWNER_KEY, renderedConnectorSchema } from "./desired.js";
import { ReconcileError, type ReconcileOptions, reconcile } from "./reconcile.js";

/**
 * Accepts the full form `{ owner, connectors }`, or a bare array of `{ name, config }`
 * whose owner is taken from the connectors' marker (or `fallbackOwner`).
 */
export function parseDesiredConnectors(json: unknown, fallbackOwner = DEFAULT_OWNER): DesiredConnectors {
  if (Array.isArray(json)) {
    const connectors = z.array(renderedConnectorSchema).parse(json);
    const owner = connectors[0]?.config[OWNER_KEY] ?? fallbackOwner;
    return desiredConnectorsSchema.parse({ owner, connectors });
  }
  return desiredConnectorsSchema.parse(json);
}

export interface RegistrarEnv {
  CONNECT_URL?: string;
  REGISTRAR_CONNECTORS_FILE?: string;
  /** Overall bound in seconds for one connector to come up; default 180. */
  REGISTRAR_TIMEOUT_SECONDS?: string;
  /** Owner id when the file is a bare array with no connectors. */
  REGISTRAR_OWNER?: string;
  /** "true" keeps the replication slots of removed PostgreSQL connectors. */
  REGISTRAR_KEEP_POSTGRES_SLOTS?: string;
}

/** Runs one registration; returns the process exit code. Never throws. */
export async function runRegistrar(
  env: RegistrarEnv & NodeJS.ProcessEnv,
  io: { log: (line: string) => void; error: (line: string) => void },
  overrides: Partial<ReconcileOptions> = {},
): Promise<number> {
  const file = env.REGISTRAR_CONNECTORS_FILE;
  const url = env.CONNECT_URL;
  if (!file || !url) {
    io.error("registrar: CONNECT_URL and REGISTRAR_CONNECTORS_FILE must both be set");
    return 2;
  }
  let desired: DesiredConnectors;
  try {
    desired = parseDesiredConnectors(JSON.parse(await readFile(file, "utf8")), env.REGISTRAR_OWNER);
  } catch (err) {
    io.error(`registrar: cannot read connectors from ${file}: ${(err as Error).message}`);
    return 2;
  }
  const timeoutS = Number(env.REGISTRAR_TIMEOUT_SECONDS ?? 180);
  const client = new ConnectClient({ url, retry: { totalMs: 60_000 } });
  const started = Date.now();
  try {
    const r = await reconcile(desired, client, {
      runningTimeoutMs: (Number.isFinite(timeoutS) && timeoutS > 0 ? timeoutS : 180) * 1000,
      readiness: { totalMs: 300_000 },
      keepPostgresSlots: env.REGISTRAR_KEEP_POSTGRES_SLOTS === "true",
      log: (l) => io.log(`registrar: ${l}`),
      ...overrides,
    });
    io.log(
      `registrar: done in ${Math.round((Date.now() - started) / 1000)} s: ${r.created.length} created, ${r.updated.length} updated, ${r.unchanged.length} unchanged, ${r.deleted.length} deleted`,
    );
    return 0;
  } catch (err) {
    const name = err instanceof ReconcileError ? ` (connector ${err.connector})` : "";
    io.error(`registrar: FAILED${name}: ${(err as Error).message}`);
    return 1;
  }
}
