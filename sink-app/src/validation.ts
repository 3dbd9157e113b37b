// Readable zod failures: "<file>: <path>: <what was expected> (got <value>)", one line per issue.

import type { z } from "zod";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly file: string,
    readonly issues: string[],
  ) {
    super(`invalid configuration in ${file}:\n  ${issues.join("\n  ")}`);
  }
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return "(root)";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

function formatValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const input = (issue as { input?: unknown }).input;
    const got = "input" in issue ? ` (got ${formatValue(input)})` : "";
    return `${formatPath(issue.path)}: ${issue.message}${got}`;
  });
}

/** Parse or throw a ConfigError naming the file, each field path, the expectation and the value. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, file: string): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw new ConfigError(file, formatIssues(result.error));
  return result.data;
}
