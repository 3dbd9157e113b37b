// Pure decisions of the operator commands: where a consumer group would move, what one skip
// means, lag from offsets, and how records of a dead letter topic read. No I/O here.

/** One partition of a group: its committed offset (-1 none) and the partition's ends. */
export interface PartitionPosition {
  topic: string;
  partition: number;
  committed: bigint;
  earliest: bigint;
  latest: bigint;
}

/** Records between the committed offset and the end; with no commit, everything retained. */
export function lagOf(p: PartitionPosition): bigint {
  const from = p.committed < 0n ? p.earliest : p.committed;
  return p.latest > from ? p.latest - from : 0n;
}

/** An error whose message is the whole explanation for the operator. */
export class OperatorError extends Error {
  override name = "OperatorError";
}

export interface GroupMember {
  id: string;
  clientId: string;
  host: string;
}

/** Offsets of a group may only change while nobody consumes: Kafka refuses it then, and a live consumer would overwrite it. */
export function refuseWhileLive(group: string, state: string, members: readonly GroupMember[]): void {
  // Brokers spell states "Empty" (classic protocol) or "EMPTY"; an unknown group is "Dead".
  const st = state.toUpperCase();
  if (members.length === 0 && (st === "EMPTY" || st === "DEAD" || st === "")) return;
  const who = members.map((m) => `${m.clientId}@${m.host}`).join(", ") || "(none listed)";
  throw new OperatorError(
    `consumer group ${group} has ${members.length} live member(s) (state ${state}): ${who}. ` +
      "Stop the sink-app first (docker stop meter-master-sink-app), then run this again; the group keeps its offsets and the sink-app resumes from the new position when started.",
  );
}

export type MoveTarget = { kind: "offset"; offset: bigint } | { kind: "earliest" } | { kind: "latest" } | { kind: "time"; at: Date };

/**
 * The new committed offset of one partition for a target. `atTime` is what Kafka answered for the
 * timestamp (the first offset whose record time is >= it, or -1 when none is: then the end).
 * An explicit offset outside what the partition retains is refused.
 */
export function newOffset(p: PartitionPosition, target: MoveTarget, atTime?: bigint): bigint {
  switch (target.kind) {
    case "earliest":
      return p.earliest;
    case "latest":
      return p.latest;
    case "time":
      return atTime === undefined || atTime < 0n ? p.latest : atTime;
    case "offset":
      if (target.offset < p.earliest || target.offset > p.latest) {
        throw new OperatorError(
          `offset ${target.offset} is outside ${p.topic}[${p.partition}], which holds offsets ${p.earliest}..${p.latest - 1n} (${p.latest} is its end)`,
        );
      }
      return target.offset;
  }
}

/** Skipping the one record a group is stuck on: the committed offset moves past the record at it. */
export function skipOne(p: PartitionPosition): { skipped: bigint; next: bigint } {
  const at = p.committed < 0n ? p.earliest : p.committed;
  if (at >= p.latest)
    throw new OperatorError(`${p.topic}[${p.partition}] has no record at the group's position ${at} (the group is at the end): nothing to skip`);
  return { skipped: at, next: at + 1n };
}

/** `2026-11-24T06:00:00Z`, `2026-11-24` (UTC midnight), or `-1d`, `-6h`, `-30m` (relative to now). */
export function parseTime(text: string, now: Date = new Date()): Date {
  const rel = /^-(\d+)([dhm])$/.exec(text);
  if (rel) {
    const ms = Number(rel[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[rel[2] as "d" | "h" | "m"];
    return new Date(now.getTime() - ms);
  }
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text))
    throw new OperatorError(`--to-time ${text}: expected an ISO time (2026-11-24T06:00:00Z), a date, or -1d / -6h / -30m`);
  return d;
}

/** `3:1042` -> partition 3, offset 1042. */
export function parseRecordRef(text: string): { partition: number; offset: bigint } {
  const m = /^(\d+):(\d+)$/.exec(text);
  if (!m) throw new OperatorError(`"${text}": expected <partition>:<offset>, e.g. 0:42`);
  return { partition: Number(m[1]), offset: BigInt(m[2]!) };
}

/** A dead-lettered record as the sink-app wrote it (sink-app/src/pipeline/dead-letter.ts). */
export interface DeadLetter {
  partition: number;
  offset: bigint;
  reason: string;
  kind: string;
  sink: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: bigint;
  at: string;
  httpStatus?: string;
  /** Headers other than x-dlq-*: the original record's own. */
  originalHeaders: [string, string][];
}

export function readDeadLetter(partition: number, offset: bigint, headers: readonly [string, string][]): DeadLetter {
  const h = new Map(headers);
  const need = (k: string) => {
    const v = h.get(k);
    if (v === undefined) throw new OperatorError(`record ${partition}:${offset} has no ${k} header: not a dead letter written by the sink-app`);
    return v;
  };
  return {
    partition,
    offset,
    reason: need("x-dlq-reason"),
    kind: h.get("x-dlq-error-kind") ?? "?",
    sink: h.get("x-dlq-sink") ?? "?",
    sourceTopic: need("x-dlq-source-topic"),
    sourcePartition: Number(need("x-dlq-partition")),
    sourceOffset: BigInt(need("x-dlq-offset")),
    at: h.get("x-dlq-timestamp") ?? "?",
    ...(h.has("x-dlq-http-status") ? { httpStatus: h.get("x-dlq-http-status") } : {}),
    originalHeaders: headers.filter(([k]) => !k.startsWith("x-dlq-")) as [string, string][],
  };
}
