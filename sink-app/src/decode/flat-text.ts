// Texts built from parts, for values that wait in a batch until it is written.

/**
 * The parts as one flat string. V8 keeps a `+` or template literal of 13 or more characters as
 * a tree of its pieces (a rope): a 41-character source_position held ~220 bytes instead of 64,
 * and every young-generation collection copies that tree while the row waits for its batch's
 * write. Array.prototype.join writes one flat string, at no more CPU (docs/benchmarks.md,
 * round 9; test/unit/sink-app/mapping/row-memory.test.ts).
 */
export function flatText(parts: string[]): string {
  return parts.join("");
}
