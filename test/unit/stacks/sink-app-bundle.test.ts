// The sink-app image runs bundles (sink-app/build.mjs), not node_modules: each entry point the
// stack starts exists and runs with no node_modules at all, code the sink-app never runs is not
// in the entry chunk, Node's builtins are loaded through require, and the Kafka client's option
// checks still work where they are deferred.

import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerCommand } from "../../../scripts/test-env/sink-app-process.js";

const REPO = resolve(import.meta.dirname, "../../..");
const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mm-bundle-test-"));
  // as the image has it: sink-app/dist and sink-app/package.json, nothing else
  await run(process.execPath, [join(REPO, "sink-app/build.mjs"), "--outdir", join(dir, "sink-app/dist")], { cwd: REPO });
  await cp(join(REPO, "sink-app/package.json"), join(dir, "sink-app/package.json"));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs an entry point of the copy outside the repository; resolves to its exit code and output. */
async function node(entry: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<{ code: number; out: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "SINK_APP_CONFIG" && k !== "NODE_OPTIONS"));
  try {
    const r = await run(process.execPath, [...nodeArgs, join(dir, entry)], { cwd: dir, env: { ...clean, ...env }, timeout: 30_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("the sink-app bundle", () => {
  it("has every entry point the stack and the image's CMD start", async () => {
    const stack = await readFile(join(REPO, "stacks/constructs/sink-app.ts"), "utf8");
    const entries = [...[...stack.matchAll(/"(sink-app\/dist\/[^"]+\.js)"/g)].map((m) => m[1]!), containerCommand().at(-1)!];
    expect(entries).toEqual(
      expect.arrayContaining([
        "sink-app/dist/main.js",
        "sink-app/dist/healthcheck.js",
        "sink-app/dist/connect/registrar-main.js",
        "sink-app/dist/demo-api/main.js",
      ]),
    );
    for (const entry of entries) await expect(readFile(join(dir, entry))).resolves.toBeDefined();
  });

  it("loads its whole module graph with no node_modules: main.js gets as far as reading its config", async () => {
    const { code, out } = await node("sink-app/dist/main.js");
    expect(out).toContain("SINK_APP_CONFIG is not set");
    expect(code).toBe(2);
  });

  it("runs the demo API receiver with no node_modules", async () => {
    const { code, out } = await node("sink-app/dist/demo-api/main.js", { PORT: "not-a-port" });
    // it got as far as checking its settings: every module it imports was found in the bundle
    expect(out).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
    expect(code).not.toBe(0);
  });

  it("leaves the Kafka client's schema-registry support and the SQL Server driver out of the entry chunk", async () => {
    const main = await readFile(join(dir, "sink-app/dist/main.js"), "utf8");
    expect(main).not.toContain("ConfluentSchemaRegistry");
    // the bundle is minified (no path comments left): esbuild's metafile says what went where
    const { buildSinkApp } = (await import(join(REPO, "sink-app/build.mjs"))) as { buildSinkApp: (outdir: string) => ReturnType<typeof build> };
    const { metafile } = await buildSinkApp(join(dir, "meta-build"));
    const outputs = Object.entries(metafile!.outputs);
    const sourcesOf = (match: (file: string) => boolean) => outputs.filter(([file]) => match(file)).flatMap(([, o]) => Object.keys(o.inputs));
    // what Node loads at start: main.js and the chunks it imports statically, transitively
    const loadedAtStart = new Set<string>();
    const visit = (file: string) => {
      if (loadedAtStart.has(file)) return;
      loadedAtStart.add(file);
      for (const i of metafile!.outputs[file]!.imports) if (i.kind === "import-statement" && !i.external) visit(i.path);
    };
    visit(outputs.find(([file]) => file.endsWith("meta-build/main.js"))![0]);
    const startSources = sourcesOf((file) => loadedAtStart.has(file));
    expect(startSources.some((f) => f.includes("src/service.ts"))).toBe(true);
    expect(startSources.some((f) => f.includes("node_modules/@platformatic/kafka/"))).toBe(true);
    expect(startSources.filter((f) => /node_modules\/(avsc|tedious)\//.test(f))).toEqual([]);
    // the SQL Server store is a chunk of its own (with its driver), imported only when SQL Server is the target
    expect(sourcesOf((file) => /chunks\/mssql-store-[^/]*\.js$/.test(file)).some((f) => f.includes("node_modules/tedious/"))).toBe(true);
    const chunks = await readdir(join(dir, "sink-app/dist/chunks"));
    expect(chunks.some((c) => c.startsWith("mssql-store-") && c.endsWith(".js"))).toBe(true);
  });

  it("takes Node's builtins through require, so loading it does not load Node's fetch stack", async () => {
    // prints, as the process exits, which of Node's own modules behind fetch it loaded
    const probe = join(dir, "fetch-stack-probe.mjs");
    await writeFile(
      probe,
      `process.on("exit", () => console.log("FETCH STACK " + JSON.stringify(process.moduleLoadList.filter((m) => /undici|http2/.test(m)))));`,
    );
    const { out } = await node("sink-app/dist/main.js", {}, ["--import", probe]);
    expect(out).toContain("SINK_APP_CONFIG is not set"); // its whole static module graph was loaded
    expect(out).toContain("FETCH STACK []");

    // the probe sees it: the same import of node:http, bundled without the plugin, loads undici and http2
    const { BUNDLE_OPTIONS } = (await import(join(REPO, "sink-app/build.mjs"))) as { BUNDLE_OPTIONS: Parameters<typeof build>[0] };
    const entry = join(dir, "imports-http.ts");
    await writeFile(entry, `import { createServer } from "node:http"; console.log(typeof createServer);`);
    const bundle = async (outfile: string, plugins: NonNullable<(typeof BUNDLE_OPTIONS)["plugins"]>) =>
      build({ ...BUNDLE_OPTIONS, plugins, entryPoints: [entry], outfile: join(dir, outfile), logLevel: "error", absWorkingDir: join(REPO, "sink-app") });
    await bundle("sink-app/with-plugin.js", BUNDLE_OPTIONS.plugins!);
    await bundle(
      "sink-app/without-plugin.js",
      BUNDLE_OPTIONS.plugins!.filter((p) => p.name !== "builtins-through-require"),
    );
    expect((await node("sink-app/with-plugin.js", {}, ["--import", probe])).out).toContain("FETCH STACK []");
    expect((await node("sink-app/without-plugin.js", {}, ["--import", probe])).out).toMatch(/FETCH STACK \[".*undici/);
  });

  it("still rejects invalid Kafka client options: the deferred validators compile on first use", async () => {
    const { BUNDLE_OPTIONS } = (await import(join(REPO, "sink-app/build.mjs"))) as { BUNDLE_OPTIONS: Parameters<typeof build>[0] };
    const entry = join(dir, "probe.ts");
    await writeFile(
      entry,
      `import { Consumer } from "@platformatic/kafka";
try { new Consumer({ clientId: "probe", groupId: "g", bootstrapBrokers: ["127.0.0.1:1"], sessionTimeout: "soon" as unknown as number }); console.log("accepted"); }
catch (err) { console.log("rejected: " + (err as Error).message); }
const ok = new Consumer({ clientId: "probe", groupId: "g", bootstrapBrokers: ["127.0.0.1:1"] });
console.log("valid options accepted"); await ok.close();`,
    );
    await build({ ...BUNDLE_OPTIONS, entryPoints: [entry], outfile: join(dir, "sink-app/probe.js"), logLevel: "error", absWorkingDir: join(REPO, "sink-app") });
    const { out } = await node("sink-app/probe.js");
    expect(out).toMatch(/rejected: .*sessionTimeout/);
    expect(out).toContain("valid options accepted");
  });
});
