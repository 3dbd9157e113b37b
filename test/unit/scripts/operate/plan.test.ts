// Pure decisions of the operator commands (scripts/operate/plan.ts).
import { describe, expect, it } from "vitest";
import {
  lagOf,
  newOffset,
  OperatorError,
  type PartitionPosition,
  parseRecordRef,
  parseTime,
  readDeadLetter,
  refuseWhileLive,
  skipOne,
} from "../../../../scripts/operate/plan.js";

const p = (committed: bigint, earliest = 10n, latest = 20n): PartitionPosition => ({ topic: "pg.public.meters", partition: 0, committed, earliest, latest });

describe("consumer group positions", () => {
  it("lag counts from the committed offset, or from the oldest retained record when nothing is committed", () => {
    expect(lagOf(p(15n))).toBe(5n);
    expect(lagOf(p(-1n))).toBe(10n);
    expect(lagOf(p(20n))).toBe(0n);
  });

  it("skip moves past the record at the group's position, and refuses at the end of the partition", () => {
    expect(skipOne(p(12n))).toEqual({ skipped: 12n, next: 13n });
    expect(skipOne(p(-1n))).toEqual({ skipped: 10n, next: 11n });
    expect(() => skipOne(p(20n))).toThrow(/nothing to skip/);
  });

  it("a time with no record at or after it moves to the end; an offset outside the retained range is refused", () => {
    expect(newOffset(p(15n), { kind: "time", at: new Date() }, -1n)).toBe(20n);
    expect(newOffset(p(15n), { kind: "time", at: new Date() }, 11n)).toBe(11n);
    expect(newOffset(p(15n), { kind: "earliest" })).toBe(10n);
    expect(newOffset(p(15n), { kind: "offset", offset: 20n })).toBe(20n);
    expect(() => newOffset(p(15n), { kind: "offset", offset: 9n })).toThrow(
      "offset 9 is outside pg.public.meters[0], which holds offsets 10..19 (20 is its end)",
    );
  });

  it("refuses while the group has members, naming them; an empty group passes", () => {
    expect(() => refuseWhileLive("api.postgres", "STABLE", [{ id: "m1", clientId: "meter-master-sink", host: "/10.0.0.5" }])).toThrow(
      /consumer group api.postgres has 1 live member\(s\) \(state STABLE\): meter-master-sink@\/10.0.0.5/,
    );
    expect(() => refuseWhileLive("api.postgres", "EMPTY", [])).not.toThrow();
    expect(() => refuseWhileLive("api.postgres", "Empty", [])).not.toThrow();
    expect(() => refuseWhileLive("api.postgres", "PREPARING_REBALANCE", [])).toThrow(OperatorError);
  });
});

describe("parsing operator input", () => {
  it("times: ISO, a date at UTC midnight, or relative -1d/-6h/-30m", () => {
    const now = new Date("2026-11-24T12:00:00Z");
    expect(parseTime("2026-11-23T06:00:00Z", now).toISOString()).toBe("2026-11-23T06:00:00.000Z");
    expect(parseTime("2026-11-23", now).toISOString()).toBe("2026-11-23T00:00:00.000Z");
    expect(parseTime("-1d", now).toISOString()).toBe("2026-11-23T12:00:00.000Z");
    expect(parseTime("-30m", now).toISOString()).toBe("2026-11-24T11:30:00.000Z");
    expect(() => parseTime("yesterday", now)).toThrow(/expected an ISO time/);
  });

  it("record references are <partition>:<offset>", () => {
    expect(parseRecordRef("3:1042")).toEqual({ partition: 3, offset: 1042n });
    expect(() => parseRecordRef("3-1042")).toThrow(/expected <partition>:<offset>/);
  });

  it("a dead letter reads back its reason and origin, and keeps the original record's own headers apart", () => {
    const l = readDeadLetter(0, 7n, [
      ["traceparent", "00-abc-01"],
      ["x-dlq-reason", "HTTP 422: meter_id missing"],
      ["x-dlq-error-kind", "rejected"],
      ["x-dlq-sink", "api.postgres"],
      ["x-dlq-source-topic", "postgres.public.meters"],
      ["x-dlq-partition", "2"],
      ["x-dlq-offset", "991"],
      ["x-dlq-timestamp", "2026-11-24T06:00:00.000Z"],
      ["x-dlq-http-status", "422"],
    ]);
    expect(l).toMatchObject({
      sourceTopic: "postgres.public.meters",
      sourcePartition: 2,
      sourceOffset: 991n,
      httpStatus: "422",
      originalHeaders: [["traceparent", "00-abc-01"]],
    });
    expect(() => readDeadLetter(0, 8n, [["a", "b"]])).toThrow(/not a dead letter written by the sink-app/);
  });
});
