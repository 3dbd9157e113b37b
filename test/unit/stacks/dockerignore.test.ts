// The sink-app image builds from the repository root; .dockerignore keeps the context to what
// the Dockerfile copies. A COPY of a path the ignore file drops would fail only at deploy time.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../../..");

function allowed(): string[] {
  const lines = readFileSync(resolve(REPO, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim());
  expect(lines).toContain("*"); // an allow-list: everything else stays out
  return lines.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/$/, ""));
}

function copySources(): string[] {
  return readFileSync(resolve(REPO, "sink-app/Dockerfile"), "utf8")
    .split("\n")
    .filter((l) => /^COPY\s/.test(l) && !l.includes("--from="))
    .flatMap((l) => l.trim().split(/\s+/).slice(1, -1));
}

describe("sink-app image build context", () => {
  it("lets through every path sink-app/Dockerfile copies", () => {
    const allow = allowed();
    const sources = copySources();
    expect(sources).toContain("sink-app/src");
    for (const src of sources) {
      expect(
        allow.some((a) => src === a || src.startsWith(`${a}/`)),
        `${src} is excluded by .dockerignore`,
      ).toBe(true);
    }
  });

  it("keeps node_modules and the test environment's cache out", () => {
    const allow = allowed();
    expect(allow.some((a) => a === "node_modules" || a === ".cache" || a === "")).toBe(false);
  });
});
