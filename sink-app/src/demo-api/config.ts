// Demo API receiver settings from the environment (pure: takes the env record).
import { z } from "zod";
import { type FaultSettings, FaultSettingsSchema } from "./faults.js";

// Docker and shells often pass unset values as "": treat them as absent so defaults apply.
const fromEnv = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema);

export const DemoApiEnvSchema = z
  .object({
    PORT: fromEnv(z.coerce.number().int().min(0).max(65_535).default(8080)).describe("Listen port (0 = any free port)."),
    HOST: fromEnv(z.string().default("0.0.0.0")).describe("Bind address; 0.0.0.0 in the container, 127.0.0.1 in tests."),
    DEMO_API_FAIL_RATE: fromEnv(z.coerce.number().min(0).max(1).default(0)).describe("Share of POSTs answered 500."),
    DEMO_API_TIMEOUT_RATE: fromEnv(z.coerce.number().min(0).max(1).default(0)).describe("Share of POSTs that hang longer than the client timeout."),
    DEMO_API_429_RATE: fromEnv(z.coerce.number().min(0).max(1).default(0)).describe("Share of POSTs answered 429 with Retry-After."),
    DEMO_API_SEED: fromEnv(z.coerce.number().int().optional()).describe("Seed for deterministic fault injection."),
    DEMO_API_RETRY_AFTER_SECONDS: fromEnv(z.coerce.number().int().min(0).default(1)).describe("Retry-After of injected 429s."),
    DEMO_API_HANG_MS: fromEnv(z.coerce.number().int().min(0).default(30_000)).describe("How long an injected timeout hangs."),
    DEMO_API_RECORD_FILE: fromEnv(z.string().optional()).describe("Also append every received event to this JSONL file."),
    DEMO_API_KEY_PROPERTY: fromEnv(z.string().min(1).default("idempotencyKey")).describe(
      "Event property holding its idempotency key (the sink-app's idempotencyKeyProperty).",
    ),
    DEMO_API_KEY_HEADER: fromEnv(z.string().min(1).default("Idempotency-Key")).describe("Request header holding a single event's idempotency key."),
    DEMO_API_MAX_EVENTS: fromEnv(z.coerce.number().int().min(1).default(10_000)).describe(
      "Events kept in memory per source (oldest dropped first; counts stay exact).",
    ),
    DEMO_API_MAX_BODY_BYTES: fromEnv(
      z.coerce
        .number()
        .int()
        .min(1)
        .default(10 * 1024 * 1024),
    ).describe("Largest request body accepted (413 beyond)."),
  })
  // Other variables of the process environment are not ours to reject.
  .loose();

export interface DemoApiConfig {
  port: number;
  host: string;
  faults: FaultSettings;
  recordFile: string | undefined;
  keyProperty: string;
  keyHeader: string;
  maxEventsPerSource: number;
  maxBodyBytes: number;
}

export function demoApiConfigFromEnv(env: Record<string, string | undefined>): DemoApiConfig {
  const parsed = DemoApiEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`);
    throw new Error(`demo API environment is invalid:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const faults = FaultSettingsSchema.safeParse({
    failRate: e.DEMO_API_FAIL_RATE,
    timeoutRate: e.DEMO_API_TIMEOUT_RATE,
    rate429: e.DEMO_API_429_RATE,
    retryAfterSeconds: e.DEMO_API_RETRY_AFTER_SECONDS,
    hangMs: e.DEMO_API_HANG_MS,
    seed: e.DEMO_API_SEED,
  });
  if (!faults.success) {
    throw new Error(
      `demo API fault settings are invalid: ${faults.error.issues.map((i) => i.message).join("; ")} (DEMO_API_FAIL_RATE + DEMO_API_TIMEOUT_RATE + DEMO_API_429_RATE <= 1)`,
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    faults: faults.data,
    recordFile: e.DEMO_API_RECORD_FILE,
    keyProperty: e.DEMO_API_KEY_PROPERTY,
    keyHeader: e.DEMO_API_KEY_HEADER,
    maxEventsPerSource: e.DEMO_API_MAX_EVENTS,
    maxBodyBytes: e.DEMO_API_MAX_BODY_BYTES,
  };
}
