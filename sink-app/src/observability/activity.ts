// What the sinks did lately, beyond counters: the last event each sink saw, why it is retrying,
// and the last few HTTP deliveries per endpoint. The status page reads it; nothing else does.

export type SinkKind = "meter-master" | "api";

export interface SinkActivity {
  /** source.ts_ms of the newest event seen (commit time in the source), epoch ms. */
  lastEventSourceTsMs: number | null;
  /** When the sink-app saw that event, epoch ms. */
  lastEventAt: number | null;
  /** Since when the sink has been retrying a failed batch, epoch ms; null when it is not. */
  retryingSince: number | null;
  /** The last failure while retrying, in words. */
  lastError: string | null;
}

export interface DeliveryEntry {
  at: number;
  outcome: "delivered" | "failed";
  /** Items in the request(s). */
  items: number;
  durationMs: number;
  /** "HTTP 200", "HTTP 503: ...", "no response within 5000 ms", ... */
  detail: string;
}

const key = (sink: SinkKind, source: string) => `${sink}\u0000${source}`;

export class ActivityLog {
  readonly #sinks = new Map<string, SinkActivity>();
  readonly #deliveries = new Map<string, DeliveryEntry[]>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Deliveries kept per endpoint. */
    private readonly keepDeliveries = 8,
  ) {}

  #get(sink: SinkKind, source: string): SinkActivity {
    let a = this.#sinks.get(key(sink, source));
    if (!a) {
      a = { lastEventSourceTsMs: null, lastEventAt: null, retryingSince: null, lastError: null };
      this.#sinks.set(key(sink, source), a);
    }
    return a;
  }

  sawEvent(sink: SinkKind, source: string, sourceTsMs: number | null): void {
    const a = this.#get(sink, source);
    a.lastEventAt = this.now();
    if (sourceTsMs !== null && (a.lastEventSourceTsMs === null || sourceTsMs >= a.lastEventSourceTsMs)) a.lastEventSourceTsMs = sourceTsMs;
  }

  retrying(sink: SinkKind, source: string, error: string): void {
    const a = this.#get(sink, source);
    a.retryingSince ??= this.now();
    a.lastError = error;
  }

  recovered(sink: SinkKind, source: string): void {
    const a = this.#get(sink, source);
    a.retryingSince = null;
  }

  delivery(source: string, entry: Omit<DeliveryEntry, "at">): void {
    const list = this.#deliveries.get(source) ?? [];
    list.unshift({ at: this.now(), ...entry });
    this.#deliveries.set(source, list.slice(0, this.keepDeliveries));
  }

  sink(sink: SinkKind, source: string): SinkActivity {
    return { ...this.#get(sink, source) };
  }

  /** Newest first. */
  deliveries(source: string): DeliveryEntry[] {
    return [...(this.#deliveries.get(source) ?? [])];
  }
}
