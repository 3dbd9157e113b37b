import { describe, expect, it } from "vitest";
import { randomClusterId } from "../../../../scripts/test-env/kafka.js";

describe("the test environment's KRaft cluster id", () => {
  it("is never one that starts with '-', which kafka-storage's argument parser takes for an option", () => {
    // 0xF8 encodes as '-' first in URL-safe base64; the second draw does not.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x11)];
    const id = randomClusterId(() => draws.shift()!);
    expect(id).toBe(Buffer.alloc(16, 0x11).toString("base64url"));
    expect(draws).toEqual([]);
  });

  it("is 22 URL-safe base64 characters, as Kafka's own ids are", () => {
    for (let i = 0; i < 2000; i++) expect(randomClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
