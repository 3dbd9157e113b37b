// Dead letter records: the original key, value and headers, plus why and where from. Pure.

import type { ConsumedRecord, RecordToProduce } from "../kafka/types.js";

export type DeadLetterKind = "decode" | "map" | "rejected";

export interface DeadLetterReason {
  kind: DeadLetterKind;
  /** human-readable reason, kept short enough for a header */
  message: string;
  sink: string;
  /** endpoint answer, for kind "rejected" */
  httpStatus?: number;
  responseSnippet?: string;
}

const MAX_HEADER_TEXT = 2_000;

function clip(text: string): string {
  return text.length > MAX_HEADER_TEXT ? `${text.slice(0, MAX_HEADER_TEXT - 3)}...` : text;
}

export function deadLetterRecord(topic: string, record: ConsumedRecord, reason: DeadLetterReason, now: Date): RecordToProduce {
  const headers: RecordToProduce["headers"] = record.headers
    .filter(([name]) => !name.startsWith("x-dlq-"))
    .map(([name, value]) => [name, value ?? Buffer.alloc(0)]);
  headers.push(
    ["x-dlq-reason", clip(reason.message)],
    ["x-dlq-error-kind", reason.kind],
    ["x-dlq-sink", reason.sink],
    ["x-dlq-source-topic", record.topic],
    ["x-dlq-partition", String(record.partition)],
    ["x-dlq-offset", record.offset.toString()],
    ["x-dlq-timestamp", now.toISOString()],
  );
  if (reason.httpStatus !== undefined) headers.push(["x-dlq-http-status", String(reason.httpStatus)]);
  if (reason.responseSnippet) headers.push(["x-dlq-response", clip(reason.responseSnippet)]);
  return { topic, key: record.key, value: record.value, headers };
}
