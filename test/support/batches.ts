// Consumer tests look at whole batches; the sinks prepare each record as it arrives.
import type { BatchHandler, ConsumedRecord } from "../../sink-app/src/kafka/types.js";

export interface WholeBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
}

/** A BatchHandler that collects each batch's records and hands the whole batch to `write`. */
export function wholeBatches(write: (batch: WholeBatch) => Promise<void>): BatchHandler {
  return (topic, partition) => {
    const records: ConsumedRecord[] = [];
    return {
      add: (record) => {
        records.push(record);
      },
      write: () => write({ topic, partition, records }),
    };
  };
}
