// What an API endpoint receives per event, and the identity its idempotency key is built from. Pure.

import type { DecodedEvent, DecodedRow } from "../decode/envelope.js";
import { bigintsToStrings } from "../decode/json.js";
import { isoFromEpochMs } from "../decode/time.js";
import type { ChangeIdentity } from "../delivery/http/idempotency.js";
import { toAttributeValue } from "../mapping/conversions.js";
import { canonicalKey, MapError, mapEvent, type NamedSourceMapping } from "../mapping/map-event.js";

export type PayloadMode = "meter-master-row" | "change-event";

export interface ApiItem {
  identity: ChangeIdentity;
  body: unknown;
}

function plainRow(row: DecodedRow | null): Record<string, unknown> | null {
  if (row === null) return null;
  return Object.fromEntries(Object.entries(row).map(([column, value]) => [column, toAttributeValue(value)]));
}

/** source_key of a change event: by the mapping's key columns, else the record key's columns in order. */
function sourceKeyOf(event: DecodedEvent, mapping: NamedSourceMapping | undefined): string {
  if (event.type === "truncate") return "*";
  const image = event.type === "change" ? (event.after ?? event.before) : null;
  if (mapping) return canonicalKey(mapping.key, image, event);
  if (event.key !== null) return canonicalKey(Object.keys(event.key), event.key);
  throw new MapError("record has no key and the source has no mapping naming its key columns");
}

/**
 * The decoded Debezium change: op, before/after with readable values (decimals as exact text,
 * dates and times as ISO text, JSON columns as JSON), the source block and where it was read.
 */
export function changeEventBody(event: Exclude<DecodedEvent, { type: "tombstone" }>, sourceSystem: string, sourceKey: string): Record<string, unknown> {
  const common = {
    source_system: sourceSystem,
    source_key: sourceKey,
    source_position: event.position,
    source_ts: event.sourceTsMs === null ? null : isoFromEpochMs(event.sourceTsMs),
    source: bigintsToStrings(event.source),
    kafka: { topic: event.topic, partition: event.partition, offset: event.offset.toString() },
  };
  if (event.type === "truncate") return { op: "t", before: null, after: null, ...common };
  return {
    op: event.op,
    before: plainRow(event.before),
    after: plainRow(event.after),
    ...(event.keyChange ? { key_change: event.keyChange } : {}),
    ...common,
  };
}

/**
 * The item for one decoded event, or null when there is nothing to deliver (tombstones; a
 * truncate has no Meter Master row). Throws MapError when the event cannot be mapped.
 */
export function apiItemFor(event: DecodedEvent, mode: PayloadMode, sourceSystem: string, mapping: NamedSourceMapping | undefined): ApiItem | null {
  if (event.type === "tombstone") return null;
  if (mode === "change-event") {
    const sourceKey = sourceKeyOf(event, mapping);
    return {
      identity: { sourceSystem, sourceKey, sourcePosition: event.position, op: event.type === "truncate" ? "t" : event.op },
      body: changeEventBody(event, sourceSystem, sourceKey),
    };
  }
  if (!mapping) throw new MapError(`payload meter-master-row needs a mapping for source "${sourceSystem}"`);
  const change = mapEvent(event, mapping);
  if (change instanceof MapError) throw change;
  if (change.kind === "skip" || change.kind === "truncate") return null;
  const row = change.row;
  return {
    identity: { sourceSystem, sourceKey: row.source_key, sourcePosition: row.source_position, op: row.source_op },
    body: row,
  };
}
