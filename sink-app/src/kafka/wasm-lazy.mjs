// Bundle-time stand-in for `@platformatic/wasm-utils` (sink-app/build.mjs): the Kafka client
// compiles its WebAssembly (CRC-32C, lz4, snappy) when it is imported. Here it is compiled on the
// first call instead (the first lz4 batch; a process that never meets one never compiles it),
// from the package's own inlined build, so the bundle needs no .wasm file beside it.

let wasm;
// esbuild bundles this require() of an ES module as a lazily initialised module
const load = () => (wasm ??= require("@platformatic/wasm-utils/bundled"));

export const crc32c = (...args) => load().crc32c(...args);
export const lz4Compress = (...args) => load().lz4Compress(...args);
export const lz4Decompress = (...args) => load().lz4Decompress(...args);
export const snappyCompress = (...args) => load().snappyCompress(...args);
export const snappyDecompress = (...args) => load().snappyDecompress(...args);
