// The Meter Master row and the changes the sink applies to it, independent of the target DB.

export type SourceOp = "c" | "u" | "d" | "r" | "t";

export interface MeterMasterRow {
  source_system: string;
  /** canonical text of the source primary key; JSON array for composite keys */
  source_key: string;
  meter_id: string | null;
  meter_type: string | null;
  status: string | null;
  customer_ref: string | null;
  location: string | null;
  /** "YYYY-MM-DD" */
  installed_at: string | null;
  /** exact decimal text, at most 4 decimals */
  last_reading: string | null;
  /** "YYYY-MM-DDTHH:MM:SS.ffffffZ" */
  last_reading_at: string | null;
  /** source columns that no mapping names */
  attributes: Record<string, unknown>;
  is_deleted: boolean;
  source_op: SourceOp;
  /** commit time in the source, "YYYY-MM-DDTHH:MM:SS.mmmZ" */
  source_ts: string | null;
  /** sorts in commit order (plain binary string order) */
  source_position: string;
  /**
   * Values the event did not carry (Debezium's unavailable-value placeholder: an unchanged TOASTed
   * PostgreSQL column under REPLICA IDENTITY DEFAULT): Meter Master keeps what it holds for these
   * columns and attribute keys. Absent when the event carried every value.
   */
  unchanged?: Unchanged;
}

export interface Unchanged {
  /** mapped Meter Master columns (meter_id ... last_reading_at); null in the row */
  columns: string[];
  /** attribute keys; absent from the row's attributes */
  attributes: string[];
}

export type MeterMasterChange =
  /** c/u/r: the full row as it is after the change */
  | { kind: "upsert"; row: MeterMasterRow }
  /**
   * d: a delete of the key. It never changes the columns Meter Master holds (the row before a
   * delete is the state after the last change, already applied); they are written only when the
   * key is not stored yet: the before-image when `hasValues` (a full image), else nulls.
   */
  | { kind: "delete"; row: MeterMasterRow; hasValues: boolean }
  /** t: every row of the source system older than `position` is gone */
  | { kind: "truncate"; sourceSystem: string; position: string; sourceTs: string | null }
  /** nothing to write (tombstone) */
  | { kind: "skip"; reason: string };

export type RowChange = Extract<MeterMasterChange, { kind: "upsert" | "delete" }>;

export type DeleteMode = "soft" | "hard";
