// Turn one batch of Meter Master changes into the set-based steps that apply it. Pure.
//
// MERGE and INSERT ... ON CONFLICT both refuse a key twice in one statement, so each key is
// collapsed to its last change first. Two things survive the collapse on purpose:
// - columns an update did not carry (`unchanged`) are filled from an earlier change of the same
//   batch, so the collapsed row is what applying each change in turn would give;
// - a delete keeps the columns Meter Master holds (it is a delete of the key), so in soft mode
//   the last upsert before it is written first, then the delete flags the row.

import type { DeleteMode, MeterMasterChange, MeterMasterRow, RowChange } from "./row.js";

export type WriteStep =
  /** insert or update full rows where the stored position is older (deleted rows included, soft mode) */
  | { kind: "upsert"; rows: MeterMasterRow[]; guardTombstones: boolean }
  /** soft delete: flag and position on a stored row, keep its columns; a missing key is inserted with the row's values */
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

/** `later` with the columns it did not carry taken from `earlier` (the state just before it). */
export function fillUnchanged(later: MeterMasterRow, earlier: MeterMasterRow): MeterMasterRow {
  if (!later.unchanged) return later;
  const known = (list: string[] | undefined, name: string) => !(list ?? []).includes(name);
  const row: MeterMasterRow = { ...later, attributes: { ...later.attributes } };
  const columns: string[] = [];
  for (const column of later.unchanged.columns) {
    if (known(earlier.unchanged?.columns, column))
      (row as unknown as Record<string, unknown>)[column] = (earlier as unknown as Record<string, unknown>)[column];
    else columns.push(column);
  }
  const attributes: string[] = [];
  for (const key of later.unchanged.attributes) {
    if (known(earlier.unchanged?.attributes, key) && Object.hasOwn(earlier.attributes, key)) row.attributes[key] = earlier.attributes[key];
    else attributes.push(key);
  }
  if (columns.length || attributes.length) row.unchanged = { columns, attributes };
  else delete row.unchanged;
  return row;
}

interface Collapsed {
  /** the key's last change */
  last: RowChange;
  /** the last upsert before a final delete (soft mode writes it first) */
  upsertBefore: MeterMasterRow | null;
}

function collapse(changes: RowChange[]): Collapsed[] {
  const byKey = new Map<string, Collapsed>();
  for (const change of changes) {
    const key = keyOf(change.row);
    const seen = byKey.get(key);
    if (seen && comparePositions(change.row.source_position, seen.last.row.source_position) < 0) continue;
    if (change.kind === "upsert") {
      const row = seen?.last.kind === "upsert" ? fillUnchanged(change.row, seen.last.row) : change.row;
      byKey.set(key, { last: { kind: "upsert", row }, upsertBefore: null });
    } else {
      const upsertBefore = seen?.last.kind === "upsert" ? seen.last.row : (seen?.upsertBefore ?? null);
      byKey.set(key, { last: change, upsertBefore });
    }
  }
  return [...byKey.values()];
}

/**
 * Keep, per key, the change with the highest position; on equal positions the later one in
 * batch (Kafka offset) order. Input order is preserved for the survivors' first appearance.
 */
export function collapseByKey(changes: RowChange[]): RowChange[] {
  return collapse(changes).map((c) => c.last);
}

function stepsForSegment(changes: RowChange[], mode: DeleteMode): WriteStep[] {
  const collapsed = collapse(changes);
  const steps: WriteStep[] = [];
  if (mode === "soft") {
    const upserts = collapsed.flatMap((c) => (c.last.kind === "upsert" ? [c.last.row] : c.upsertBefore ? [c.upsertBefore] : []));
    const deletes = collapsed.filter((c) => c.last.kind === "delete").map((c) => c.last.row);
    if (upserts.length) steps.push({ kind: "upsert", rows: upserts, guardTombstones: false });
    if (deletes.length) steps.push({ kind: "mark-deleted", rows: deletes });
    return steps;
  }
  const upserts = collapsed.filter((c) => c.last.kind === "upsert").map((c) => c.last.row);
  const deletes = collapsed.filter((c) => c.last.kind === "delete").map((c) => c.last.row);
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
