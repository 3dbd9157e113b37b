// Fault injection of the demo API receiver (pure): which answer a POST gets.
import { z } from "zod";

export const FaultSettingsSchema = z
  .object({
    down: z.boolean().default(false).describe("Answer every POST /api/:source with 503 (endpoint 'down')."),
    downRetryAfterSeconds: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Retry-After sent with the 'down' 503; omitted when not set, so clients use their own backoff."),
    failRate: z.number().min(0).max(1).default(0).describe("Share of POSTs answered 500."),
    timeoutRate: z.number().min(0).max(1).default(0).describe("Share of POSTs that hang for hangMs before answering."),
    rate429: z.number().min(0).max(1).default(0).describe("Share of POSTs answered 429 with Retry-After."),
    retryAfterSeconds: z.number().int().min(0).default(1).describe("Retry-After of the injected 429s."),
    hangMs: z.number().int().min(0).default(30_000).describe("How long a 'timeout' POST hangs; longer than the client timeout (sink-app default 10 s)."),
    recordOnTimeout: z
      .boolean()
      .default(true)
      .describe("A hanging POST still records its events (processed, answer lost): the client retries and the dedupe stats show the repeat."),
    seed: z.number().int().optional().describe("Seed of the fault dice; the same seed gives the same fault sequence."),
  })
  .strict()
  .superRefine((f, ctx) => {
    const total = f.failRate + f.timeoutRate + f.rate429;
    if (total > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["failRate"],
        message: `failRate + timeoutRate + rate429 must be at most 1, got ${total}`,
      });
    }
  })
  .describe("Fault injection of the demo API receiver.");

export type FaultSettings = z.infer<typeof FaultSettingsSchema>;
export type FaultSettingsInput = z.input<typeof FaultSettingsSchema>;

export type Fault =
  | { type: "none" }
  | { type: "down"; retryAfterSeconds?: number }
  | { type: "fail" }
  | { type: "timeout"; hangMs: number; record: boolean }
  | { type: "rate-limit"; retryAfterSeconds: number };

/** mulberry32: tiny, fast, good enough for dice; deterministic per seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One die roll per POST decides among fail, timeout and 429, in that band order. */
export function decideFault(settings: FaultSettings, roll: () => number): Fault {
  if (settings.down) {
    return settings.downRetryAfterSeconds === undefined ? { type: "down" } : { type: "down", retryAfterSeconds: settings.downRetryAfterSeconds };
  }
  if (settings.failRate + settings.timeoutRate + settings.rate429 === 0) return { type: "none" };
  const u = roll();
  if (u < settings.failRate) return { type: "fail" };
  if (u < settings.failRate + settings.timeoutRate) {
    return { type: "timeout", hangMs: settings.hangMs, record: settings.recordOnTimeout };
  }
  if (u < settings.failRate + settings.timeoutRate + settings.rate429) {
    return { type: "rate-limit", retryAfterSeconds: settings.retryAfterSeconds };
  }
  return { type: "none" };
}
