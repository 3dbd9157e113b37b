// Bundles the sink-app's entry points with esbuild into dist/ (ES modules, code splitting), so the
// image runs without node_modules and Node loads only what runs: each database driver is a chunk
// of its own, imported when it is the configured target.
//
//   node sink-app/build.mjs [--outdir DIR]        (npm run build -w sink-app)
//
// @platformatic/kafka's index also re-exports its schema-registry support (avsc, Confluent
// registry client), which the sink-app never uses but Node would load and keep in memory; the
// bundle resolves the package to its clients module instead. Measured in npm run bench (README).

import { rm } from "node:fs/promises";
import { createRequire, isBuiltin } from "node:module";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const here = import.meta.dirname;

/** The entry points the image runs (stacks/constructs/sink-app.ts names them). */
export const ENTRY_POINTS = ["main.ts", "healthcheck.ts", "connect/registrar-main.ts", "demo-api/main.ts"];

export const kafkaClientsOnly = {
  name: "platformatic-kafka-clients-only",
  setup(b) {
    const require = createRequire(join(here, "package.json"));
    // the package's exports map names only its index; its files are plain ES modules
    const pkgDir = dirname(dirname(require.resolve("@platformatic/kafka")));
    b.onResolve({ filter: /^@platformatic\/kafka$/ }, () => ({ path: join(pkgDir, "dist/clients/index.js") }));
    // its option validators, compiled when first used (src/kafka/ajv-lazy.mjs imports the real one)
    b.onResolve({ filter: /^ajv\/dist\/2020\.js$/ }, (args) =>
      args.importer.endsWith("ajv-lazy.mjs") ? undefined : { path: join(here, "src/kafka/ajv-lazy.mjs") },
    );
    // its WebAssembly, compiled on first use (src/kafka/wasm-lazy.mjs loads the package's inlined build)
    b.onResolve({ filter: /^@platformatic\/wasm-utils$/ }, (args) =>
      args.importer.endsWith("wasm-lazy.mjs") ? undefined : { path: join(here, "src/kafka/wasm-lazy.mjs") },
    );
  },
};

/**
 * zod's classic namespace re-exports every locale's error messages (`z.locales`, ~360 KB of the
 * ~730 KB zod puts in the bundle, all held in memory once loaded); the sink-app's messages are
 * English only, so the bundle's `z.locales` holds `en` alone.
 */
export const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: join(args.resolveDir, "../locales/index.js"), namespace: "zod-en" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-en" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

/**
 * Node gives a builtin `import`ed by an ES module a facade that reads every one of its exports,
 * lazy ones too: node:http's WebSocket loads Node's whole fetch stack (undici, http2, web
 * streams), node:util and node:fs load a dozen modules more. `require` reads only what is used.
 * Measured in Node 22 (the builtins this bundle imports): 3.2 MiB of heap and 15.1 MiB RSS
 * through import, 1.2 and 8.6 MiB through require. So every `import` of a builtin becomes a
 * require of it (the banner below gives the bundle its `require`).
 */
export const builtinsThroughRequire = {
  name: "builtins-through-require",
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
      args.kind === "import-statement" && isBuiltin(args.path) ? { path: args.path, namespace: "builtin-require" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "builtin-require" }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: "js" }));
  },
};

/** How every sink-app bundle is built (also used by the bundle's tests). */
export const BUNDLE_OPTIONS = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  // CommonJS dependencies (pg, mssql, pino) call require(); an ES module has none of its own
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  plugins: [kafkaClientsOnly, zodEnglishOnly, builtinsThroughRequire],
  // V8 keeps every module's source text in the heap, as two bytes per character once one
  // non-ASCII character is in it (dependencies' comments have some): without comments and
  // whitespace, the idle JS heap is 2.5 MiB smaller (with zodEnglishOnly, 20.7 -> 17.3 MiB).
  // Names stay as written, so stack traces name their functions; the .map files give positions.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
};

export async function buildSinkApp(outdir = join(here, "dist")) {
  await rm(outdir, { recursive: true, force: true });
  return build({
    ...BUNDLE_OPTIONS,
    absWorkingDir: here,
    entryPoints: ENTRY_POINTS.map((e) => join("src", e)),
    outbase: "src",
    outdir,
    splitting: true,
    sourcemap: true,
    legalComments: "none",
    chunkNames: "chunks/[name]-[hash]",
    // which source files went into which output (tests check what the entry chunk holds)
    metafile: true,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { values } = parseArgs({ options: { outdir: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true });
  if (values.help) {
    process.stdout.write("usage: node sink-app/build.mjs [--outdir DIR]   bundles sink-app/src into DIR (default sink-app/dist)\n");
    process.exit(0);
  }
  await buildSinkApp(values.outdir ? resolve(values.outdir) : undefined);
}
