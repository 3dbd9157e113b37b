// Hands V8's young generation back to the system once the sink-app is idle.
//
// The image lets the young generation grow to two semi-spaces of 4 MiB (sink-app/Dockerfile): a
// batch's rows then survive fewer scavenges, which takes ~10% off the CPU per change of a drain
// (docs/benchmarks.md, round 8). V8 grows it under load, and also while the process starts, but
// shrinks it only when its memory reducer runs: 8-20 s later, or not at all while nothing is
// allocated, so an idle sink-app would hold ~8 MiB more than it needs. So once no batch has
// started for a while and the young generation is larger than a small one, the sink-app asks V8
// for one memory-reducing collection (60-100 ms here), once per idle spell.

/** V8's gc() as `--expose-gc` installs it, in the options form Node 22's V8 takes (a test calls the real one). */
export type ExposedGc = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

export interface IdleMemoryTrimOptions {
  /** `globalThis.gc`; undefined (node started without `--expose-gc`) turns the trim off */
  gc: ExposedGc | undefined;
  /** bytes the young generation holds now (new_space in v8.getHeapSpaceStatistics()) */
  youngGenerationBytes: () => number;
  /**
   * How long without a new batch counts as idle. The trim runs between one and two of these
   * after the last batch started.
   * @default 5000
   */
  idleMs?: number;
  /**
   * A young generation of this size or less is left alone: two semi-spaces of 1 MiB, what V8
   * keeps for a light load (and what the image gave the sink-app before round 8).
   * @default 2 MiB
   */
  smallYoungGenerationBytes?: number;
  /** told about each trim: sizes before and after, and how long the collection took */
  onTrim?: (trim: { beforeBytes: number; afterBytes: number; ms: number }) => void;
  /** @default performance.now */
  now?: () => number;
}

export interface IdleMemoryTrim {
  /** A batch started (any sink, any source): the sink-app is not idle. */
  busy(): void;
  stop(): void;
}

const OFF: IdleMemoryTrim = { busy: () => undefined, stop: () => undefined };

export function startIdleMemoryTrim(options: IdleMemoryTrimOptions): IdleMemoryTrim {
  const { gc, youngGenerationBytes, idleMs = 5_000, smallYoungGenerationBytes = 2 * 2 ** 20, onTrim, now = () => performance.now() } = options;
  if (!gc) return OFF;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) {
      busy = false;
      return;
    }
    const beforeBytes = youngGenerationBytes();
    if (beforeBytes <= smallYoungGenerationBytes) return;
    const started = now();
    gc({ type: "major", execution: "sync", flavor: "last-resort" });
    onTrim?.({ beforeBytes, afterBytes: youngGenerationBytes(), ms: now() - started });
  }, idleMs);
  // never what keeps the process alive
  timer.unref();
  return {
    busy: () => {
      busy = true;
    },
    stop: () => clearInterval(timer),
  };
}
