// `.env` is the user's file: secrets:init only appends what is missing, and never rewrites,
// reorders or drops a line it did not write (comments and other variables stay as they are).

export const ENV_FILE_HEADER = "# Secrets of the Meter Master stack (TF_VAR_* values). Git-ignored; keep it that way.\n";

/** The text of `.env` after appending `additions` (in order) to `existing` (null: no file yet). */
export function appendToEnvFile(existing: string | null, additions: ReadonlyArray<readonly [string, string]>): string {
  if (additions.length === 0) return existing ?? "";
  let text = existing ?? ENV_FILE_HEADER;
  if (text.length > 0 && !text.endsWith("\n")) text += "\n";
  for (const [key, value] of additions) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`not an environment variable name: ${key}`);
    text += `${key}=${quoteEnvValue(value)}\n`;
  }
  return text;
}

/** Single quotes keep every character literal in Node's env-file parser (and in a POSIX shell). */
function quoteEnvValue(value: string): string {
  if (/^[A-Za-z0-9_./:@+-]*$/.test(value)) return value;
  if (value.includes("'") || value.includes("\n")) {
    throw new Error("a secret value with a single quote or a line break cannot be written to .env; export it as TF_VAR_* instead");
  }
  return `'${value}'`;
}
