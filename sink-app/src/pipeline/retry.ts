// Retry a batch until it succeeds: a sink never commits past an event it has not written or
// delivered, so the only ways out are success or shutdown (abort).

export interface RetryOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** aborted on shutdown once the grace period is over */
  signal: AbortSignal;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

export class ShutdownAbort extends Error {
  override readonly name = "ShutdownAbort";
  constructor() {
    super("shutting down: batch abandoned without committing its offsets (it is redelivered on restart)");
  }
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoffDelay(attempt: number, initialDelayMs: number, maxDelayMs: number, random: () => number): number {
  const exp = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(exp / 2 + (exp / 2) * random());
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ShutdownAbort());
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ShutdownAbort());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export async function retryUntilDone<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    if (options.signal.aborted) throw new ShutdownAbort();
    try {
      return await work();
    } catch (err) {
      if (err instanceof ShutdownAbort) throw err;
      const delay = backoffDelay(attempt, options.initialDelayMs, options.maxDelayMs, random);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}
