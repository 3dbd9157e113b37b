// The Meter Master sink: decode and map each record as it is consumed, write one partition batch;
// dead-letter what cannot be decoded or mapped. The write resolves only when the batch is durably
// written.

import type { BatchHandler } from "../kafka/types.js";
import { MapError, mapEvent, type NamedSourceMapping } from "../mapping/map-event.js";
import { planWrite } from "../meter-master/plan.js";
import type { DeleteMode, MeterMasterChange } from "../meter-master/row.js";
import type { MeterMasterStore } from "../meter-master/store.js";
import { BatchOrigin, SinkContext, type SinkDeps } from "./sink-common.js";

export interface MeterMasterSinkDeps extends SinkDeps {
  mapping: NamedSourceMapping;
  store: MeterMasterStore;
  deleteMode: DeleteMode;
}

export function createMeterMasterHandler(deps: MeterMasterSinkDeps): BatchHandler {
  const ctx = new SinkContext("meter-master", deps);
  const { metrics } = deps;
  return (topic, partition) => {
    const stopTimer = metrics.batchDuration.startTimer(ctx.labels);
    const dead = ctx.deadLetters();
    // the batch keeps the mapped changes, not the records: their buffers (and the fetched batches
    // they are slices of) can go as soon as each is mapped
    const changes: MeterMasterChange[] = [];
    const origin = new BatchOrigin(topic, partition);
    let skipped = 0;
    return {
      add(record) {
        origin.add(record);
        const event = dead.decode(record);
        if (!event) return;
        const change = mapEvent(event, deps.mapping);
        if (change instanceof MapError) {
          dead.unmappable(record, change);
        } else if (change.kind === "skip") {
          skipped++;
        } else {
          changes.push(change);
        }
      },
      async write() {
        metrics.eventsIn.inc(ctx.labels, origin.records);
        const steps = planWrite(changes, deps.deleteMode);
        await ctx.retry("writing to Meter Master", () => deps.store.apply(steps), origin.context());
        await dead.flush();
        metrics.eventsOut.inc({ ...ctx.labels, outcome: "written" }, changes.length);
        if (skipped) metrics.eventsOut.inc({ ...ctx.labels, outcome: "skipped" }, skipped);
        stopTimer();
        deps.logger.debug(
          { sink: "meter-master", source: deps.source, topic, partition, records: origin.records, written: changes.length, statements: steps.length },
          "batch written",
        );
      },
    };
  };
}
