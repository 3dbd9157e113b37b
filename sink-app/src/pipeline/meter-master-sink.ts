// The Meter Master sink: decode, map, write one partition batch; dead-letter what cannot be
// decoded or mapped. Preparing (decode, map, plan) is synchronous; the returned write resolves
// only when the batch is durably written.

import type { BatchHandler } from "../kafka/types.js";
import { MapError, mapEvent, type NamedSourceMapping } from "../mapping/map-event.js";
import { planWrite } from "../meter-master/plan.js";
import type { DeleteMode, MeterMasterChange } from "../meter-master/row.js";
import type { MeterMasterStore } from "../meter-master/store.js";
import { SinkContext, type SinkDeps } from "./sink-common.js";

export interface MeterMasterSinkDeps extends SinkDeps {
  mapping: NamedSourceMapping;
  store: MeterMasterStore;
  deleteMode: DeleteMode;
}

export function createMeterMasterHandler(deps: MeterMasterSinkDeps): BatchHandler {
  const ctx = new SinkContext("meter-master", deps);
  const { metrics } = deps;
  return (batch) => {
    const stopTimer = metrics.batchDuration.startTimer(ctx.labels);
    metrics.eventsIn.inc(ctx.labels, batch.records.length);
    const dead = ctx.deadLetters();
    const changes: MeterMasterChange[] = [];
    let skipped = 0;
    for (const record of batch.records) {
      const event = dead.decode(record);
      if (!event) continue;
      const change = mapEvent(event, deps.mapping);
      if (change instanceof MapError) {
        dead.add(record, { kind: "map", message: change.message });
      } else if (change.kind === "skip") {
        skipped++;
      } else {
        changes.push(change);
      }
    }
    const steps = planWrite(changes, deps.deleteMode);
    // the write keeps the rows, not the records: their buffers (and the fetched batches they are
    // slices of) can go while the rows are written
    const where = { topic: batch.topic, partition: batch.partition, firstOffset: batch.records[0]?.offset.toString(), records: batch.records.length };
    return async () => {
      await ctx.retry("writing to Meter Master", () => deps.store.apply(steps), where);
      await dead.flush();
      metrics.eventsOut.inc({ ...ctx.labels, outcome: "written" }, changes.length);
      if (skipped) metrics.eventsOut.inc({ ...ctx.labels, outcome: "skipped" }, skipped);
      stopTimer();
      deps.logger.debug(
        {
          sink: "meter-master",
          source: deps.source,
          topic: where.topic,
          partition: where.partition,
          records: where.records,
          written: changes.length,
          statements: steps.length,
        },
        "batch written",
      );
    };
  };
}
