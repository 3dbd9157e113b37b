// Turn one batch of Meter Master changes into the set-based steps that apply it. Pure.
//
// MERGE and INSERT ... ON CONFLICT both refuse a key twice in one statement, so each key is
// collapsed to its last change first. That is safe because every change carries the complete
// state after it (or, for a key-only delete, nothing that a later change would need).

import type { DeleteMode, MeterMasterChange, MeterMasterRow, RowChange } from "./row.js";

export type WriteStep =
  /** insert or update full rows where the stored position is older (deleted rows included, soft mode) */
  | { kind: "upsert"; rows: MeterMasterRow[]; guardTombstones: boolean }
  /** soft delete when only the key is known: flag and position, keep stored columns */
  | { kind: "mark-deleted"; rows: MeterMasterRow[] }
  /** hard delete: remove older rows, remember the delete's position in the tombstone table */
  | { kind: "hard-delete"; rows: MeterMasterRow[] }
  /** hard mode: forget tombstones older than rows that were just written */
  | { kind: "clear-tombstones"; rows: MeterMasterRow[] }
  | { kind: "truncate"; sourceSystem: string; position: string; sourceTs: string | null; mode: DeleteMode };

/** Plain code-unit comparison: the order source_position is designed for. */
export function comparePositions(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function keyOf(row: MeterMasterRow): string {
  return `${row.source_system}\u0000${row.source_key}`;
}

/**
 * Keep, per key, the change with the highest position; on equal positions the later one in
 * batch (Kafka offset) order. Input order is preserved for the survivors' first appearance.
 */
export function collapseByKey(changes: RowChange[]): RowChange[] {
  const last = new Map<string, RowChange>();
  for (const change of changes) {
    const key = keyOf(change.row);
    const seen = last.get(key);
    if (!seen || comparePositions(change.row.source_position, seen.row.source_position) >= 0) last.set(key, change);
  }
  return [...last.values()];
}

function stepsForSegment(changes: RowChange[], mode: DeleteMode): WriteStep[] {
  const collapsed = collapseByKey(changes);
  const steps: WriteStep[] = [];
  if (mode === "soft") {
    const full = collapsed.filter((c) => c.kind === "upsert" || c.hasValues).map((c) => c.row);
    const keyOnly = collapsed.filter((c) => c.kind === "delete" && !c.hasValues).map((c) => c.row);
    if (full.length) steps.push({ kind: "upsert", rows: full, guardTombstones: false });
    if (keyOnly.length) steps.push({ kind: "mark-deleted", rows: keyOnly });
    return steps;
  }
  const upserts = collapsed.filter((c) => c.kind === "upsert").map((c) => c.row);
  const deletes = collapsed.filter((c) => c.kind === "delete").map((c) => c.row);
  if (upserts.length) {
    steps.push({ kind: "upsert", rows: upserts, guardTombstones: true });
    steps.push({ kind: "clear-tombstones", rows: upserts });
  }
  if (deletes.length) steps.push({ kind: "hard-delete", rows: deletes });
  return steps;
}

/**
 * The steps for a batch, in order. A truncate is a barrier: changes before it are written
 * first, then the truncate, then the changes after it.
 */
export function planWrite(changes: MeterMasterChange[], mode: DeleteMode): WriteStep[] {
  const steps: WriteStep[] = [];
  let segment: RowChange[] = [];
  for (const change of changes) {
    if (change.kind === "upsert" || change.kind === "delete") {
      segment.push(change);
    } else if (change.kind === "truncate") {
      steps.push(...stepsForSegment(segment, mode));
      segment = [];
      steps.push({ kind: "truncate", sourceSystem: change.sourceSystem, position: change.position, sourceTs: change.sourceTs, mode });
    }
  }
  steps.push(...stepsForSegment(segment, mode));
  return steps;
}
