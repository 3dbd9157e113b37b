// Micro-benchmark of the sink-app's record decoding on Debezium-sized records (no servers):
// plain JSON.parse, the exact reviver parse (parseJsonExact, what decoding used before commit
// 83a02fa), the sink-app's parseConnectJson, and decodeRecord (key + value), per record.
// Checks parseConnectJson gives exactly what the exact reviver parse gives (bigints included).
//
//   npx tsx scripts/bench/decode-micro.ts [--records 20000]

import { isDeepStrictEqual } from "node:util";
import { decodeRecord, type RecordInput } from "../../sink-app/src/decode/envelope.js";
import { parseConnectJson, parseJsonExact } from "../../sink-app/src/decode/json.js";
import { intFlag, parseFlags } from "./lib/common.js";
import { debeziumRecordFactory } from "./lib/debezium-records.js";

function time(label: string, n: number, fn: () => void): number {
  fn(); // warm up
  const t = performance.now();
  fn();
  const ms = performance.now() - t;
  process.stderr.write(`${label.padEnd(58)} ${((ms / n) * 1000).toFixed(1).padStart(7)} µs/record\n`);
  return (ms / n) * 1000;
}

function main(): void {
  const flags = parseFlags(process.argv.slice(2));
  const n = intFlag(flags, "records", 20_000);
  const make = debeziumRecordFactory();
  const texts: string[] = [];
  const records: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    const r = make(i);
    texts.push(r.value.toString("utf8"));
    records.push({ topic: "t", partition: 0, offset: BigInt(i), key: r.key, value: r.value, headers: [] });
  }
  for (let i = 0; i < Math.min(n, 2_000); i++) {
    if (!isDeepStrictEqual(parseConnectJson(texts[i]!), parseJsonExact(texts[i]!))) throw new Error(`record ${i}: parseConnectJson differs from the exact parse`);
  }
  const avg = Math.round(texts.reduce((s, t) => s + t.length, 0) / n);
  process.stderr.write(`${n} records, ${avg} bytes each on average\n`);
  const us = {
    plainJsonParse: time("JSON.parse (no reviver; loses int64 precision)", n, () => texts.forEach((t) => JSON.parse(t))),
    parseJsonExact: time("parseJsonExact (reviver over the whole text)", n, () => texts.forEach((t) => parseJsonExact(t))),
    parseConnectJson: time("parseConnectJson (sink-app today)", n, () => texts.forEach((t) => parseConnectJson(t))),
    decodeRecord: time("decodeRecord (sink-app today, key + value)", n, () => records.forEach((r) => decodeRecord(r))),
  };
  process.stdout.write(`${JSON.stringify({ records: n, avgBytes: avg, usPerRecord: us })}\n`);
}

main();
