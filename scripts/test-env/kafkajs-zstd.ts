// Teaches kafkajs to read (and write) zstd record batches, with Node's own zstd (node:zlib, Node
// 22.15+). Kafka Connect's producer writes zstd (stacks/constructs/kafka-connect.ts and the test
// environment's worker), which kafkajs cannot decode by itself; the tests, the benchmarks and the
// fixture capture read those topics with kafkajs. Import it once for its effect.

import { zstdCompressSync, zstdDecompressSync } from "node:zlib";
import kafkajs from "kafkajs";

// kafkajs is CommonJS: its codec registry is a property of the module object
const { CompressionCodecs, CompressionTypes } = kafkajs;
CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  compress: async (encoder: { buffer: Buffer }) => zstdCompressSync(encoder.buffer),
  decompress: async (buffer: Buffer) => zstdDecompressSync(buffer),
});
