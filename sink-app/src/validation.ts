// The one way a bad config is reported, for every config file of the package (connector files,
// deployment.ts, meter-master.ts, api-endpoints.ts, the sink-app's runtime config): per problem,
// the file, the dotted field path, the bad value and what was expected. Secrets are never echoed.
// It lives in the sink-app because the sink-app image holds only sink-app/; the stack and the
// connectors CLI import it from here (connector-configs/schemas/errors.ts re-exports it).

import { z } from "zod";

/** Source names double as Meter Master `source_system`, topic prefixes, connector names and consumer group parts. */
export const SOURCE_NAME = /^[a-z][a-z0-9_-]*$/;

export const SourceNameSchema = z
  .string()
  .regex(SOURCE_NAME, "a lowercase name: a letter, then letters, digits, '_' or '-' (e.g. \"postgres\")")
  .max(64)
  .describe("Source name: the Kafka Connect connector name, the default topic prefix, and `source_system` in Meter Master. Lowercase [a-z][a-z0-9_-]*.");

/** The message for a source name used as a record key (checked by hand, so the line names the key). */
export const SOURCE_NAME_EXPECTED = "a lowercase source name: a letter, then letters, digits, '_' or '-'";

/**
 * superRefine for a record keyed by source name: one issue per bad key, at the key. Pass it with
 * `{ when: () => true }` so it also runs when some values have problems of their own.
 */
export function refineSourceNameKeys(record: unknown, ctx: z.RefinementCtx): void {
  if (typeof record !== "object" || record === null) return; // a missing record has its own issue
  for (const name of Object.keys(record)) {
    if (!SOURCE_NAME.test(name)) ctx.addIssue({ code: "custom", path: [name], input: name, message: SOURCE_NAME_EXPECTED });
  }
}

export interface ConfigIssue {
  /** The config file the problem is in (as given by the caller, usually relative to the repo). */
  file: string;
  /** Dotted field path inside the file's exported value, e.g. `connection.port` or `transforms[0].type`. */
  path: string;
  /** The value found there, already rendered for display (secrets hidden). */
  value: string;
  /** What was expected instead, in words. */
  expected: string;
}

/** Thrown when one or more config files are invalid; carries every problem found, not only the first. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(formatIssues(issues));
    this.issues = issues;
  }
}

/** The same class under the name the stack and the CLI use. */
export { ConfigError as ConfigValidationError };

type PathSegment = PropertyKey;

/** `["transforms", 0, "type"]` -> `transforms[0].type`; the empty path is `(root)`. */
export function dottedPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const s = String(seg);
      // Keys that are not plain identifiers (e.g. Kafka Connect keys in `passthrough`) are quoted.
      const plain = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s);
      out += plain ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
    }
  }
  return out || "(root)";
}

// ---------------------------------------------------------------- secrets

// Whole words of a path segment (camelCase, snake_case, dotted Kafka keys) that mark a secret.
const SECRET_WORDS = new Set(["password", "passwd", "pwd", "secret", "token", "authorization", "credential", "credentials", "apikey", "jaas"]);

function words(segment: string): string[] {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * A path whose value is (or names) a secret: a segment with a secret word (`password`,
 * `clientSecret`, `authorization`, `database.password` in passthrough, `api_key`...), or a field
 * that names the environment variable holding one (`env`, `valueEnv`, `passwordEnv`): a value that
 * fails there is most likely the secret pasted in place of the name.
 */
export function isSecretPath(path: readonly PathSegment[]): boolean {
  return path.some((p) => {
    if (typeof p !== "string") return false;
    if (p === "env" || /[a-z]Env$/.test(p)) return true;
    const w = words(p);
    return w.some((x) => SECRET_WORDS.has(x)) || w.some((x, i) => x === "api" && w[i + 1] === "key");
  });
}

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;
// user:password@host without a scheme (e.g. in a list of host:port addresses)
const BARE_USERINFO = /(^|[\s"',])[^\s"',/:@]+:[^\s"',/@]+@/g;
const AUTH_SCHEME = /\b(bearer|basic|token|digest)(\s+)[A-Za-z0-9\-._~+/]+=*/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const KEY_VALUE = /\b(password|passwd|pwd|secret|token|api[-_]?key)(\s*[=:]\s*)[^\s&;,"']+/gi;

/** Hides anything in free text that looks like a credential: URL user-info, bearer/basic tokens, JWTs, `password=...`. */
export function redactCredentials(text: string): string {
  return text
    .replace(URL_USERINFO, "$1***@")
    .replace(BARE_USERINFO, "$1***@")
    .replace(AUTH_SCHEME, "$1$2***")
    .replace(JWT, "***")
    .replace(KEY_VALUE, "$1$2***");
}

function hideLeaves(value: unknown, path: readonly PathSegment[], depth = 0): unknown {
  if (typeof value === "string") return isSecretPath(path) ? `(a literal string of ${value.length} characters, hidden)` : redactCredentials(value);
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v, i) => hideLeaves(v, [...path, i], depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideLeaves(v, [...path, k], depth + 1)]));
}

/** Renders a value for an error line: short, JSON-like, with secrets hidden wherever they sit in it. */
export function displayValue(value: unknown, path: readonly PathSegment[] = []): string {
  if (value === undefined) return "(missing)";
  if (typeof value === "string" && isSecretPath(path)) return `(a literal string of ${value.length} characters, hidden)`;
  const safe = hideLeaves(value, path);
  let s: string;
  try {
    s = typeof safe === "bigint" ? `${safe}n` : (JSON.stringify(safe, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(safe));
  } catch {
    s = String(safe);
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

// ---------------------------------------------------------------- zod issues

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as PropertyKey];
  }
  return cur;
}

const DEFAULT_UNKNOWN_KEY = /^Unrecognized keys?:/;

/**
 * Turns a ZodError into ConfigIssues. `input` is the value that was parsed: the bad value is
 * read from it at the issue's path, so a rule on a whole object still shows only the bad field.
 */
export function configIssuesFromZod(file: string, error: z.ZodError, input?: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues.flatMap(closestBranch)) {
    const path = issue.path as PathSegment[];
    if (issue.code === "unrecognized_keys") {
      // One line per unknown key, so each names its own path.
      const container = valueAt(input, path) ?? issue.input;
      const custom = !DEFAULT_UNKNOWN_KEY.test(issue.message);
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        issues.push({
          file,
          path: dottedPath(keyPath),
          value: displayValue(valueAt(container, [key]), keyPath),
          expected: custom
            ? issue.message
            : `no such field here (unknown keys are rejected; check the spelling against the schema${
                path.length === 0 ? ", or use `passthrough` for a rare connector option" : ""
              })`,
        });
      }
      continue;
    }
    issues.push({ file, path: dottedPath(path), value: displayValue(badValue(issue, path, input), path), expected: expectation(issue) });
  }
  return issues;
}

/**
 * A union whose alternatives failed: when exactly one alternative had the right shape (its
 * problems are all inside the value), report those problems rather than "expected a string".
 */
function closestBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
  const shaped = issue.errors.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
  if (shaped.length !== 1) return [issue];
  return shaped[0]!.flatMap((i) => closestBranch({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue));
}

function badValue(issue: z.core.$ZodIssue, path: readonly PathSegment[], input: unknown): unknown {
  const own = (issue as { input?: unknown }).input;
  if (input === undefined) return own;
  const at = valueAt(input, path);
  // A rule about a record key (a source name, a header name) carries the key itself.
  if (issue.code === "custom" && typeof own === "string" && path.at(-1) === own) return own;
  // A rule on an object (superRefine) carries the whole object as its input: show the field instead.
  if (issue.code === "custom") return at !== undefined || own === undefined || typeof own === "object" ? at : own;
  return own !== undefined ? own : at;
}

const UNITS: Record<string, [string, string]> = { string: ["characters", "a text of"], array: ["items", "a list of"], set: ["items", "a set of"] };

const article = (s: string) => (/^[aeiou]/.test(s) ? "an" : "a");

/**
 * What was expected, in words that follow "expected": zod's own messages for ranges and types
 * ("Too big: expected number to be <=65535") restate the problem; the line already shows the value.
 */
function expectation(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") return `${article(issue.expected)} ${issue.expected}`;
  if (issue.code === "too_big" || issue.code === "too_small") {
    const big = issue.code === "too_big";
    const limit = big ? issue.maximum : issue.minimum;
    const op = big ? (issue.inclusive === false ? "<" : "<=") : issue.inclusive === false ? ">" : ">=";
    const unit = UNITS[issue.origin];
    if (unit) return `${unit[1]} ${big ? "at most" : "at least"} ${String(limit)} ${Number(limit) === 1 ? unit[0].slice(0, -1) : unit[0]}`;
    return `a ${issue.origin} ${op} ${String(limit)}`;
  }
  if (issue.code === "invalid_union" && issue.message === "Invalid input") {
    // Say what each alternative wanted at this spot: "a string or an object".
    const wanted = issue.errors.flatMap((branch) =>
      branch.filter((i) => i.path.length === 0 && i.code === "invalid_type").map((i) => (i as { expected: string }).expected),
    );
    if (wanted.length > 0) return [...new Set(wanted)].map((w) => `${article(w)} ${w}`).join(" or ");
    const first = issue.errors.map((b) => b[0]).find((i) => i !== undefined);
    if (first) return `${dottedPath(first.path as PathSegment[])}: ${expectation(first as z.core.$ZodIssue)}`;
  }
  return issue.message;
}

/** One problem per line: `file: path: got <value>; expected <what>`. Credential-looking text is hidden on every line. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => redactCredentials(`  ${i.file}: ${i.path}: got ${i.value}; expected ${i.expected}`));
  const n = issues.length;
  return [`${n} configuration problem${n === 1 ? "" : "s"}:`, ...lines].join("\n");
}

/** Formats a ZodError for one file. */
export function formatConfigErrors(file: string, error: z.ZodError, input?: unknown): string {
  return formatIssues(configIssuesFromZod(file, error, input));
}

/** Parses `input` with `schema`; on failure throws ConfigError naming `file`, each path, value and expectation. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, file: string): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(configIssuesFromZod(file, result.error, input));
}

/** The same under the name the connector configs use. */
export const parseConfig = parseOrThrow;

/** Parses without throwing: the value, or the issues naming `file`. */
export function checkConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  file: string,
): { ok: true; value: z.output<S> } | { ok: false; issues: ConfigIssue[] } {
  const result = schema.safeParse(input, { reportInput: true });
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: configIssuesFromZod(file, result.error, input) };
}
