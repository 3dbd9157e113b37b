// What the demo API received, per source, with dedupe statistics by idempotency key (pure, in memory).

export interface RecordedEvent {
  seq: number;
  receivedAt: string;
  /** The event's own key (body property), else the request's header key for a single event. */
  idempotencyKey: string | null;
  /** Times this key had been received before this event (0 = first delivery). */
  previousDeliveries: number;
  body: unknown;
}

export interface SourceSummary {
  source: string;
  /** Events received, repeats included. */
  count: number;
  requests: number;
  uniqueKeys: number;
  /** Events whose key had been received before (at-least-once repeats). */
  repeatedDeliveries: number;
  withoutKey: number;
  /** Events still held in memory (oldest are dropped beyond maxEventsPerSource; stats stay exact). */
  retained: number;
}

interface SourceLog {
  events: RecordedEvent[];
  keyCounts: Map<string, number>;
  count: number;
  requests: number;
  repeatedDeliveries: number;
  withoutKey: number;
}

export interface Recorder {
  /** Records one request's events; returns them as recorded (for the JSONL file). */
  record(source: string, request: { headerKey: string | null; events: unknown[] }, receivedAt: Date): RecordedEvent[];
  summary(source: string): SourceSummary;
  events(source: string): RecordedEvent[];
  sources(): string[];
  clear(source?: string): void;
}

export function createRecorder(options: { keyProperty: string; maxEventsPerSource: number }): Recorder {
  const logs = new Map<string, SourceLog>();
  let seq = 0;

  const logOf = (source: string): SourceLog => {
    let log = logs.get(source);
    if (!log) {
      log = { events: [], keyCounts: new Map(), count: 0, requests: 0, repeatedDeliveries: 0, withoutKey: 0 };
      logs.set(source, log);
    }
    return log;
  };

  const keyOf = (event: unknown, headerKey: string | null, single: boolean): string | null => {
    if (event !== null && typeof event === "object" && !Array.isArray(event)) {
      const own = (event as Record<string, unknown>)[options.keyProperty];
      if (typeof own === "string" && own !== "") return own;
    }
    // A batch's header key names the batch, not an event; only a single event inherits it.
    return single ? headerKey : null;
  };

  return {
    record(source, request, receivedAt) {
      const log = logOf(source);
      log.requests++;
      const single = request.events.length === 1;
      const recorded = request.events.map((body): RecordedEvent => {
        const key = keyOf(body, request.headerKey, single);
        let previous = 0;
        if (key === null) {
          log.withoutKey++;
        } else {
          previous = log.keyCounts.get(key) ?? 0;
          log.keyCounts.set(key, previous + 1);
          if (previous > 0) log.repeatedDeliveries++;
        }
        log.count++;
        return { seq: ++seq, receivedAt: receivedAt.toISOString(), idempotencyKey: key, previousDeliveries: previous, body };
      });
      log.events.push(...recorded);
      if (log.events.length > options.maxEventsPerSource) {
        log.events.splice(0, log.events.length - options.maxEventsPerSource);
      }
      return recorded;
    },
    summary(source) {
      const log = logs.get(source);
      return {
        source,
        count: log?.count ?? 0,
        requests: log?.requests ?? 0,
        uniqueKeys: log?.keyCounts.size ?? 0,
        repeatedDeliveries: log?.repeatedDeliveries ?? 0,
        withoutKey: log?.withoutKey ?? 0,
        retained: log?.events.length ?? 0,
      };
    },
    events(source) {
      return [...(logs.get(source)?.events ?? [])];
    },
    sources() {
      return [...logs.keys()].sort();
    },
    clear(source) {
      if (source === undefined) logs.clear();
      else logs.delete(source);
    },
  };
}
