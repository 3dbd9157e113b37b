import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { appendToEnvFile, ENV_FILE_HEADER } from "../../../../scripts/deploy/env-file.js";

describe("secrets:init appends to .env and never rewrites it", () => {
  it("keeps comments, blank lines and other variables exactly, and adds only the new keys at the end", () => {
    const before = '# my notes\nFOO=bar\n\nTF_VAR_postgres_password="kept as it was"\n# trailing comment';
    const after = appendToEnvFile(before, [["TF_VAR_mysql_root_password", "Abc123"]]);
    expect(after.startsWith(`${before}\n`)).toBe(true);
    expect(after.slice(before.length)).toBe("\nTF_VAR_mysql_root_password=Abc123\n");
  });

  it("starts a new file with a header that says it is git-ignored", () => {
    expect(appendToEnvFile(null, [["TF_VAR_a", "x"]])).toBe(`${ENV_FILE_HEADER}TF_VAR_a=x\n`);
  });

  it("changes nothing when there is nothing to add", () => {
    expect(appendToEnvFile("A=1", [])).toBe("A=1");
  });

  it("writes values that Node's env-file parser reads back unchanged, symbols included", () => {
    const values: Array<[string, string]> = [
      ["TF_VAR_plain", "Abc123xyz"],
      ["TF_VAR_symbols", 'p@ss w0rd#with "quotes" $HOME and =signs'],
      ["TF_VAR_token", "eyJhbGciOi.J9-_x/y+z=="],
    ];
    const parsed = parseEnv(appendToEnvFile(null, values));
    for (const [k, v] of values) expect(parsed[k]).toBe(v);
  });

  it("refuses a value it cannot write safely instead of corrupting the file", () => {
    expect(() => appendToEnvFile(null, [["TF_VAR_x", "it's"]])).toThrow(/export it as TF_VAR_/);
  });
});
