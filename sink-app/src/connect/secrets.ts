// Resolves the config-provider placeholders a connector config holds
// (`${env:VAR}`, `${file:/path:key}`) the way Kafka Connect does, so the
// registrar can log in to a source with the same secret the connector uses.
import { readFile } from "node:fs/promises";

export type SecretPlaceholder = { env: string } | { file: string; key: string };

/** The reference inside a placeholder; undefined for anything else (e.g. a literal). */
export function parseSecretPlaceholder(value: string): SecretPlaceholder | undefined {
  const env = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
  if (env) return { env: env[1]! };
  const file = /^\$\{file:([^:}]+):([^:}]+)\}$/.exec(value);
  if (file) return { file: file[1]!, key: file[2]! };
  return undefined;
}

/** Minimal Java properties parsing: `key=value` / `key: value` lines, # and ! comments. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("!")) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** The secret behind `value`; throws naming the variable or file when it is not available here. */
export async function resolveSecret(value: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const ref = parseSecretPlaceholder(value);
  if (!ref) throw new Error("the config holds no ${env:...} or ${file:...} reference; refusing to use a literal secret");
  if ("env" in ref) {
    const v = env[ref.env];
    if (v === undefined) throw new Error(`environment variable ${ref.env} is not set in this container`);
    return v;
  }
  const props = parseProperties(await readFile(ref.file, "utf8"));
  const v = props.get(ref.key);
  if (v === undefined) throw new Error(`key ${ref.key} not found in ${ref.file}`);
  return v;
}
