// The thin adapter boundary: something that can apply planned steps to a Meter Master table.

import type { WriteStep } from "./plan.js";

export interface MeterMasterStore {
  readonly target: "postgres" | "mssql";
  /** Create the Meter Master and tombstone tables if they do not exist. */
  ensureTable(): Promise<void>;
  /** Apply all steps of one batch in one transaction: all of them or none. */
  apply(steps: WriteStep[]): Promise<void>;
  /** Cheap round trip, for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
