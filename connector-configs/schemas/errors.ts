// One way to report a bad config, for every config file of the package
// (connector configs here, the deployment config by the lead): per problem,
// the file, the dotted field path, the bad value and what was expected.
import type { z } from "zod";

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
export class ConfigValidationError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(formatIssues(issues));
    this.name = "ConfigValidationError";
    this.issues = issues;
  }
}

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

// A literal secret typed into the wrong place must not be echoed into logs or CI output.
const SECRET_PATH = /pass(word)?|secret|token|authorization|credential|api[-_]?key/i;

/** Renders a value for an error line: short, JSON-like, with literal secrets hidden. */
export function displayValue(value: unknown, path: readonly PathSegment[] = []): string {
  if (value === undefined) return "(missing)";
  if (typeof value === "string" && path.some((p) => typeof p === "string" && SECRET_PATH.test(p))) {
    return `(a literal string of ${value.length} characters, hidden)`;
  }
  let s: string;
  try {
    s = typeof value === "bigint" ? `${value}n` : JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as PropertyKey];
  }
  return cur;
}

/**
 * Turns a ZodError into ConfigIssues. `input` is the value that was parsed; it
 * supplies the bad value when the issue does not carry it.
 */
export function configIssuesFromZod(file: string, error: z.ZodError, input?: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path as PathSegment[];
    if (issue.code === "unrecognized_keys") {
      // One line per unknown key, so each names its own path.
      const container = valueAt(input, path);
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        issues.push({
          file,
          path: dottedPath(keyPath),
          value: displayValue(valueAt(container, [key]), keyPath),
          expected: `no such field here (unknown keys are rejected; check the spelling against the schema${
            path.length === 0 ? ", or use `passthrough` for a rare connector option" : ""
          })`,
        });
      }
      continue;
    }
    const value = "input" in issue && issue.input !== undefined ? issue.input : valueAt(input, path);
    issues.push({ file, path: dottedPath(path), value: displayValue(value, path), expected: expectation(issue) });
  }
  return issues;
}

const UNITS: Record<string, [string, string]> = { string: ["characters", "a text of"], array: ["items", "a list of"], set: ["items", "a set of"] };

/**
 * What was expected, in words that follow "expected": zod's own messages for ranges and types
 * ("Too big: expected number to be <=65535") restate the problem; the line already shows the value.
 */
function expectation(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") return `${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
  if (issue.code === "too_big" || issue.code === "too_small") {
    const big = issue.code === "too_big";
    const limit = big ? issue.maximum : issue.minimum;
    const op = big ? (issue.inclusive === false ? "<" : "<=") : issue.inclusive === false ? ">" : ">=";
    const unit = UNITS[issue.origin];
    if (unit) return `${unit[1]} ${big ? "at most" : "at least"} ${String(limit)} ${Number(limit) === 1 ? unit[0].slice(0, -1) : unit[0]}`;
    return `a ${issue.origin} ${op} ${String(limit)}`;
  }
  return issue.message;
}

/** One problem per line: `file: path: got <value>; expected <what>`. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => `  ${i.file}: ${i.path}: got ${i.value}; expected ${i.expected}`);
  const n = issues.length;
  return [`${n} configuration problem${n === 1 ? "" : "s"}:`, ...lines].join("\n");
}

/** Formats a ZodError for one file (what the lead's deployment config validation prints too). */
export function formatConfigErrors(file: string, error: z.ZodError, input?: unknown): string {
  return formatIssues(configIssuesFromZod(file, error, input));
}

/** Parses `input` with `schema`; on failure throws ConfigValidationError naming `file`. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, file: string): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigValidationError(configIssuesFromZod(file, result.error, input));
}
