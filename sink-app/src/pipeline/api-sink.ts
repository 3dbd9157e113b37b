// The API endpoint sink of one source: decode (and map) each record as it is consumed, deliver the
// partition batch over HTTP, dead-letter what cannot be decoded/mapped or what the endpoint
// rejects for good. A batch's write resolves only once every record is delivered or dead-lettered.

import {
  type DeliveryItem,
  describeCause,
  type HttpDelivery,
  HttpDeliveryTransientError,
  idempotencyKeyFor,
  type RejectedItem,
} from "../delivery/http/index.js";
import type { BatchHandler, ConsumedRecord } from "../kafka/types.js";
import type { NamedSourceMapping } from "../mapping/map-event.js";
import { apiItemFor, type PayloadMode } from "./api-payload.js";
import { type BatchDeadLetters, BatchOrigin, SinkContext, type SinkDeps } from "./sink-common.js";

export interface ApiSinkDeps extends SinkDeps {
  delivery: HttpDelivery;
  payload: PayloadMode;
  mapping: NamedSourceMapping | undefined;
}

export function createApiHandler(deps: ApiSinkDeps): BatchHandler {
  const ctx = new SinkContext("api", deps);
  const { metrics } = deps;
  return (topic, partition) => {
    const stopTimer = metrics.batchDuration.startTimer(ctx.labels);
    // one item per distinct change; a change redelivered inside the batch is sent once
    const items = new Map<string, DeliveryItem>();
    const recordsByKey = new Map<string, ConsumedRecord[]>();
    const origin = new BatchOrigin(topic, partition);
    let skipped = 0;
    const dead = ctx.deadLetters();
    return {
      add(record) {
        origin.add(record);
        const event = dead.decode(record);
        if (!event) return;
        let item: ReturnType<typeof apiItemFor>;
        try {
          item = apiItemFor(event, deps.payload, deps.source, deps.mapping);
        } catch (err) {
          dead.unmappable(record, err);
          return;
        }
        if (item === null) {
          skipped++;
          return;
        }
        const key = idempotencyKeyFor(item.identity);
        if (!items.has(key)) items.set(key, { idempotencyKey: key, body: item.body });
        // the records stay: one the endpoint refuses for good goes to the dead letter topic as received
        const records = recordsByKey.get(key);
        if (records) records.push(record);
        else recordsByKey.set(key, [record]);
      },
      write() {
        metrics.eventsIn.inc(ctx.labels, origin.records);
        return deliverAll(origin, items, recordsByKey, dead, skipped, stopTimer);
      },
    };
  };

  async function deliverAll(
    origin: BatchOrigin,
    items: Map<string, DeliveryItem>,
    recordsByKey: Map<string, ConsumedRecord[]>,
    dead: BatchDeadLetters,
    skipped: number,
    stopTimer: () => void,
  ): Promise<void> {
    let pending = [...items.values()];
    const rejected: RejectedItem[] = [];
    let delivered = 0;
    await ctx.retry(
      "delivering to the API endpoint",
      async () => {
        const started = Date.now();
        const attempted = pending.length;
        try {
          const result = await deps.delivery.deliver(pending);
          rejected.push(...result.rejected);
          delivered += result.deliveredKeys.length;
          skipped += result.skipped;
          pending = [];
          if (result.requests > 0) {
            const refused = result.rejected.length
              ? `, ${result.rejected.length} refused (HTTP ${[...new Set(result.rejected.map((r) => r.status))].join("/")})`
              : "";
            deps.activity?.delivery(deps.source, {
              outcome: "delivered",
              items: attempted,
              durationMs: Date.now() - started,
              detail: `HTTP 2xx in ${result.requests} request(s)${refused}`,
            });
          }
        } catch (err) {
          deps.activity?.delivery(deps.source, {
            outcome: "failed",
            items: attempted,
            durationMs: Date.now() - started,
            detail: err instanceof HttpDeliveryTransientError ? describeCause(err.lastCause) : (err as Error).message,
          });
          // keep only what is still undelivered for the next attempt
          if (err instanceof HttpDeliveryTransientError) {
            const left = new Set(err.pendingKeys);
            delivered += err.deliveredKeys.length;
            pending = pending.filter((i) => left.has(i.idempotencyKey));
          }
          throw err;
        }
      },
      { ...origin.context(), items: items.size },
    );
    for (const r of rejected) {
      for (const record of recordsByKey.get(r.idempotencyKey) ?? []) {
        dead.add(record, {
          kind: "rejected",
          message: `endpoint answered HTTP ${r.status}`,
          httpStatus: r.status,
          responseSnippet: r.responseSnippet,
        });
      }
    }
    await dead.flush();
    metrics.eventsOut.inc({ ...ctx.labels, outcome: "delivered" }, delivered);
    if (skipped) metrics.eventsOut.inc({ ...ctx.labels, outcome: "skipped" }, skipped);
    stopTimer();
  }
}
