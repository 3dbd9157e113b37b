import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of a file under stacks/. */
export function stackFile(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

/** Content of an init script under stacks/init-sql/, uploaded into a container at synth time. */
export function initSql(relative: string): string {
  return readFileSync(stackFile(`init-sql/${relative}`), "utf8");
}
