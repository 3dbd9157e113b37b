import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type ExposedGc, startIdleMemoryTrim } from "../../../sink-app/src/idle-memory.js";

const MiB = 2 ** 20;

/** A young generation that grows to `grown` under load and is back at 1 MiB after each collection. */
function fakeHeap(grown = 16 * MiB) {
  let young = grown;
  const gc = vi.fn<ExposedGc>(() => {
    young = 1 * MiB;
  });
  return { gc, youngGenerationBytes: () => young, grow: () => (young = grown) };
}

describe("idle memory trim", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("hands a grown young generation back once no batch started for the idle time, with a memory-reducing collection", () => {
    const heap = fakeHeap();
    const trims: unknown[] = [];
    const trim = startIdleMemoryTrim({ ...heap, idleMs: 5_000, onTrim: (t) => trims.push(t) });
    vi.advanceTimersByTime(4_999);
    expect(heap.gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(heap.gc).toHaveBeenCalledExactlyOnceWith({ type: "major", execution: "sync", flavor: "last-resort" });
    expect(trims).toEqual([{ beforeBytes: 16 * MiB, afterBytes: 1 * MiB, ms: expect.any(Number) }]);
    trim.stop();
  });

  it("leaves the heap alone while batches keep starting", () => {
    const heap = fakeHeap();
    const trim = startIdleMemoryTrim({ ...heap, idleMs: 5_000 });
    for (let t = 0; t < 60_000; t += 1_000) {
      trim.busy();
      vi.advanceTimersByTime(1_000);
    }
    expect(heap.gc).not.toHaveBeenCalled();
    // the last batch started less than one idle time before the next check: not idle yet
    vi.advanceTimersByTime(4_000);
    expect(heap.gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(5_000);
    expect(heap.gc).toHaveBeenCalledOnce();
    trim.stop();
  });

  it("collects once per idle spell: a young generation at its small size is not worth a collection", () => {
    const heap = fakeHeap();
    const trim = startIdleMemoryTrim({ ...heap, idleMs: 5_000 });
    vi.advanceTimersByTime(60_000);
    expect(heap.gc).toHaveBeenCalledOnce();
    // a burst grows it again; the next idle spell trims again
    trim.busy();
    heap.grow();
    vi.advanceTimersByTime(10_000);
    expect(heap.gc).toHaveBeenCalledTimes(2);
    trim.stop();
  });

  it("never collects a young generation that did not grow past the small size", () => {
    const heap = fakeHeap(2 * MiB);
    const trim = startIdleMemoryTrim({ ...heap, idleMs: 5_000 });
    vi.advanceTimersByTime(60_000);
    expect(heap.gc).not.toHaveBeenCalled();
    trim.stop();
  });

  it("is off when node runs without --expose-gc, and stops checking when stopped", () => {
    const off = startIdleMemoryTrim({ gc: undefined, youngGenerationBytes: () => 16 * MiB, idleMs: 5_000 });
    expect(vi.getTimerCount()).toBe(0);
    off.busy();
    off.stop();

    const heap = fakeHeap();
    const trim = startIdleMemoryTrim({ ...heap, idleMs: 5_000 });
    trim.stop();
    vi.advanceTimersByTime(60_000);
    expect(heap.gc).not.toHaveBeenCalled();
  });
});
