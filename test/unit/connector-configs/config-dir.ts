// A throw-away copy of the shipped connector-configs/ folder with one thing changed, the way a
// user edits it. Relative imports of the copies are pointed back at the real modules, so each
// copy loads exactly as the shipped file would.

import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CONNECTOR_CONFIG_DIR, configFilesIn } from "../../../connector-configs/load.js";
import { reportCleanup } from "../../../scripts/test-env/cleanup.js";

// Inside the repository, so the test runner serves the copies like any other module.
const SCRATCH = fileURLToPath(new URL("./.scratch/", import.meta.url));

/** Relative specifiers of `text` (a file that lived at `original`) made absolute. */
function pinImports(text: string, original: string): string {
  return text.replace(/(from\s+|import\s*\(\s*)(["'])(\.\.?\/[^"']+)\2/g, (_m, pre: string, q: string, spec: string) => {
    return `${pre}${q}${pathToFileURL(path.resolve(path.dirname(original), spec)).href}${q}`;
  });
}

export type Edit = { file: string; replace?: [string, string][]; content?: string; remove?: boolean };

/** Copies the shipped config files into a new folder, applies the edits, returns the folder. */
export async function configDir(edits: Edit[] = []): Promise<string> {
  await mkdir(SCRATCH, { recursive: true });
  const dir = await mkdtemp(path.join(SCRATCH, "cfg-"));
  created.push(dir);
  for (const file of await configFilesIn(CONNECTOR_CONFIG_DIR)) {
    const rel = path.relative(CONNECTOR_CONFIG_DIR, file);
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), pinImports(await readFile(file, "utf8"), file));
  }
  await mkdir(path.join(dir, "sources"), { recursive: true });
  await mkdir(path.join(dir, "http-sinks"), { recursive: true });
  for (const e of edits) {
    const target = path.join(dir, e.file);
    if (e.remove) {
      await rm(target);
      continue;
    }
    let text = e.content !== undefined ? pinImports(e.content, path.join(CONNECTOR_CONFIG_DIR, e.file)) : await readFile(target, "utf8");
    for (const [from, to] of e.replace ?? []) {
      if (!text.includes(from)) throw new Error(`edit of ${e.file}: "${from}" not found`);
      text = text.replace(from, to);
    }
    await writeFile(target, text);
  }
  return dir;
}

const created: string[] = [];

/** Removes the folders this test file made (test files run in parallel, each with its own), and the scratch folder once empty. */
export async function removeScratch(): Promise<void> {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
  await rmdir(SCRATCH).catch(reportCleanup("rmdir(SCRATCH)"));
}
