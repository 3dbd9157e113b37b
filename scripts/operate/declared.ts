// What the config files declare about each connector (state, restart policy), for the operator
// commands that compare it with the worker or bring a connector back to it.
import { CONNECTOR_CONFIG_DIR, loadConnectorConfigs } from "../../connector-configs/load.js";
import type { ConnectorState } from "../../sink-app/src/connect/desired.js";

export interface Declared {
  state: ConnectorState;
  kind: string;
  file: string;
}

/** Every connector the files under `dir` declare (enabled ones), by name; throws when the files do not load. */
export async function declaredConnectors(dir: string = CONNECTOR_CONFIG_DIR): Promise<Map<string, Declared>> {
  const loaded = await loadConnectorConfigs(dir);
  const out = new Map<string, Declared>();
  for (const l of [...loaded.sources, ...loaded.httpSinks]) {
    if (l.config.enabled) out.set(l.config.name, { state: l.config.state, kind: l.config.kind, file: l.displayFile });
  }
  return out;
}

/** The same, or the reason the files could not be read (the caller shows it and goes on without). */
export async function tryDeclaredConnectors(dir?: string): Promise<{ declared: Map<string, Declared> } | { error: string }> {
  try {
    return { declared: await declaredConnectors(dir) };
  } catch (err) {
    return { error: (err as Error).message.split("\n")[0] ?? String(err) };
  }
}
