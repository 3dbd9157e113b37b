// The thin adapter boundary: something that can apply planned steps to a Meter Master table.

import type { TableRef } from "./identifiers.js";
import type { WriteStep } from "./plan.js";

/** How either store reaches its database. */
export interface StoreConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  table: TableRef;
  tls: {
    /** Connect with TLS. */
    enabled: boolean;
    /** Accept a certificate that does not verify (self-signed, wrong host): an explicit opt-out. */
    trustServerCertificate: boolean;
  };
  /** Connections; one per concurrently writing partition is plenty. @default 4 */
  poolSize?: number;
}

export interface MeterMasterStore {
  readonly target: "postgres" | "mssql";
  /** Create the Meter Master and tombstone tables if they do not exist. */
  ensureTable(): Promise<void>;
  /** Apply all steps of one batch in one transaction: all of them or none. */
  apply(steps: WriteStep[]): Promise<void>;
  /** Cheap round trip, for /readyz. */
  ping(): Promise<void>;
  /** Rows per source system, live and soft-deleted (the status page). */
  counts(): Promise<RowCounts[]>;
  close(): Promise<void>;
}

export interface RowCounts {
  sourceSystem: string;
  live: number;
  deleted: number;
}
