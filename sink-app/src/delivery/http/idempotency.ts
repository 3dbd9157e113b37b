// Idempotency keys: how an endpoint recognises a redelivered event (pure).
import { createHash } from "node:crypto";

/** Keys go into an HTTP header for single requests, so they must be visible ASCII. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export interface ChangeIdentity {
  sourceSystem: string;
  /** Canonical source key text, e.g. `42` or `["NYC","M-1001"]`. */
  sourceKey: string;
  /** Commit-ordered source position (LSN, SCN, binlog file+pos). */
  sourcePosition: string;
  /** Debezium op: c, u, d, r. */
  op: string;
}

/**
 * Stable key of one change of one row: `<source>-<sha256 hex, 40 chars>`.
 * Hashed because source keys may hold any Unicode (NVARCHAR) or commas, which do not fit a header;
 * the row key is part of it because a snapshot gives every row the same position.
 */
export function idempotencyKeyFor(change: ChangeIdentity): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([change.sourceKey, change.sourcePosition, change.op]))
    .digest("hex")
    .slice(0, 40);
  return `${change.sourceSystem}-${digest}`;
}

/**
 * Header key of a batch request: a hash of its items' keys in order, so a retried batch
 * carries the same key, and a split half carries a different one.
 */
export function batchIdempotencyKey(itemKeys: readonly string[]): string {
  return `batch-${createHash("sha256").update(itemKeys.join("\n")).digest("hex").slice(0, 40)}`;
}

export function assertValidIdempotencyKey(key: string): void {
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new TypeError(`idempotency key ${JSON.stringify(key)} is not 1..200 visible ASCII characters; build keys with idempotencyKeyFor()`);
  }
}
