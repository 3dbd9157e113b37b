// Both images build with the Docker engine's built-in Dockerfile frontend, so a build needs no
// image from Docker Hub beyond its FROM lines (which a private registry can replace).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../../..");
const DOCKERFILES = ["sink-app/Dockerfile", "stacks/images/kafka-connect/Dockerfile"];

describe("Dockerfiles", () => {
  it.each(DOCKERFILES)("%s names no frontend image (a `# syntax=` line is fetched from Docker Hub on every build)", (file) => {
    expect(readFileSync(resolve(REPO, file), "utf8")).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it("the Connect image checks every download against a SHA-256 before using it", () => {
    const text = readFileSync(resolve(REPO, "stacks/images/kafka-connect/Dockerfile"), "utf8");
    const downloads = text.match(/curl [^;]*-o (\S+)/g) ?? [];
    expect(downloads.length).toBe(2);
    for (const d of downloads) {
      const file = /-o (\S+)/.exec(d)![1]!;
      expect(text, file).toMatch(new RegExp(`\\s${file.replace(/\./g, "\\.")}" \\| sha256sum -c -`));
    }
  });
});
