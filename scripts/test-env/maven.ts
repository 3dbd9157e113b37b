import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { progress } from "./log.js";
import { MAVEN_CENTRAL } from "./versions.js";

export interface MavenCoordinate {
  groupId: string;
  artifactId: string;
  version: string;
  classifier?: string;
  extension: string;
}

/** Repository-relative path, e.g. io/debezium/debezium-connector-postgres/3.5.0.Final/...-plugin.tar.gz */
export function mavenPath(c: MavenCoordinate): string {
  const file = `${c.artifactId}-${c.version}${c.classifier ? `-${c.classifier}` : ""}.${c.extension}`;
  return `${c.groupId.replaceAll(".", "/")}/${c.artifactId}/${c.version}/${file}`;
}

export function mavenFileName(c: MavenCoordinate): string {
  return mavenPath(c).split("/").at(-1)!;
}

/** Maven's .sha1 files hold the hex digest, sometimes followed by the file name. */
export function parseSha1File(text: string): string {
  const match = /\b([0-9a-fA-F]{40})\b/.exec(text);
  if (!match) throw new Error(`not a sha1 file: ${JSON.stringify(text.slice(0, 80))}`);
  return match[1]!.toLowerCase();
}

async function sha1Of(path: string): Promise<string> {
  const hash = createHash("sha1");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new Error(`GET ${url} -> HTTP ${res.status}`);
  return res.text();
}

/**
 * Download one artifact into `target`, verified against Maven Central's .sha1.
 * A cached file is reused only when its recorded digest still matches; the
 * download goes to a temp name and is renamed, so an interrupted run never
 * leaves a half file that a later run would trust.
 */
export async function downloadVerified(c: MavenCoordinate, target: string): Promise<string> {
  const url = `${MAVEN_CENTRAL}/${mavenPath(c)}`;
  const sha1Path = `${target}.sha1`;
  if ((await exists(target)) && (await exists(sha1Path))) {
    const expected = parseSha1File(await readFile(sha1Path, "utf8"));
    if ((await sha1Of(target)) === expected) return target;
    progress(`cached ${mavenFileName(c)} fails its checksum; downloading again`);
  }
  await mkdir(dirname(target), { recursive: true });
  const expected = parseSha1File(await fetchText(`${url}.sha1`));
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const tmp = `${target}.part-${process.pid}`;
    try {
      await downloadTo(url, tmp);
      const actual = await sha1Of(tmp);
      if (actual !== expected) throw new Error(`sha1 mismatch for ${url}: expected ${expected}, got ${actual}`);
      await rename(tmp, target);
      await writeFile(sha1Path, `${expected}\n`);
      return target;
    } catch (error) {
      lastError = error;
      await rm(tmp, { force: true });
      progress(`download attempt ${attempt} of ${url} failed: ${(error as Error).message}`);
    }
  }
  throw new Error(`could not download ${url}: ${(lastError as Error).message}`);
}

async function downloadTo(url: string, path: string): Promise<void> {
  const res = await fetch(url, { signal: AbortSignal.timeout(15 * 60_000) });
  if (!res.ok || !res.body) throw new Error(`GET ${url} -> HTTP ${res.status}`);
  const total = Number(res.headers.get("content-length") ?? 0);
  const name = url.split("/").at(-1);
  let received = 0;
  let nextReport = 0;
  const started = Date.now();
  const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
  body.on("data", (chunk: Buffer) => {
    received += chunk.length;
    if (received >= nextReport) {
      const pct = total ? ` (${Math.floor((received / total) * 100)}%)` : "";
      progress(`downloading ${name}: ${(received / 1e6).toFixed(1)} MB${pct}`);
      nextReport += 10e6;
    }
  });
  await pipeline(body, createWriteStream(path));
  progress(`downloaded ${name}: ${(received / 1e6).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
