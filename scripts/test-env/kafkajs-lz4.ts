// Teaches kafkajs to read (and write) lz4 record batches, with the LZ4 frame codec of
// @platformatic/kafka (the sink-app's client, WebAssembly). Kafka Connect's producer writes lz4
// (stacks/constructs/kafka-connect.ts and the test environment's worker), which kafkajs cannot
// decode by itself; the tests, the benchmarks and the fixture capture read those topics with
// kafkajs. Import it once for its effect.

import { compressionsAlgorithms } from "@platformatic/kafka";
import kafkajs from "kafkajs";

// kafkajs is CommonJS: its codec registry is a property of the module object
const { CompressionCodecs, CompressionTypes } = kafkajs;
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: async (encoder: { buffer: Buffer }) => compressionsAlgorithms.lz4.compressSync(encoder.buffer),
  decompress: async (buffer: Buffer) => compressionsAlgorithms.lz4.decompressSync(buffer),
});
