/**
 * File contents a case puts in a peer's folder before it starts, and the digests the harness
 * expects of files afterwards. A content is a fixture file, literal text or bytes, or bytes
 * generated at test time (so large inputs are never committed); its digest is computed here,
 * independently of the programs under test.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { type FileDigest, fileDigest } from "./file_digest.ts";

/** What a file holds. */
export type FileContent =
  /** A file under the fixtures folder, e.g. `files/every_byte.bin`. */
  | { fixture: string }
  /** This text, as UTF-8. */
  | { text: string }
  /** These bytes. */
  | { bytes: number[] }
  /** `size` bytes of a fixed pseudo-random sequence (the same on every run). */
  | { generated: number }
  /** The first `[1]` bytes of `{ generated: [0] }`: what a cut-off transfer of it holds. */
  | { generatedPrefix: [number, number] };

const BLOCK = 1 << 20;

/**
 * The pseudo-random bytes of a `{ generated: size }` content, one block at a time, stopping
 * after `limit` bytes (for a prefix).
 */
function* generatedBlocks(size: number, limit = size): Generator<Uint8Array> {
  // xorshift32: cheap, fixed, and varied enough that no window of the file repeats a chunk.
  let state = 0x9e3779b9 ^ size;
  const block = new Uint8Array(BLOCK);
  const words = new Uint32Array(block.buffer);
  for (let done = 0; done < limit; done += BLOCK) {
    for (let i = 0; i < words.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      words[i] = state >>> 0;
    }
    yield block.subarray(0, Math.min(BLOCK, limit - done));
  }
}

/** The bytes of a small content (fixture, text or bytes). */
async function smallBytes(content: FileContent, fixturesDir: string): Promise<Uint8Array> {
  if ("fixture" in content) return await Deno.readFile(`${fixturesDir}/${content.fixture}`);
  if ("text" in content) return new TextEncoder().encode(content.text);
  if ("bytes" in content) return Uint8Array.from(content.bytes);
  throw new Error("generated content has no small form");
}

/** Digests of generated contents met so far in this process, by content. */
const generatedDigests = new Map<string, FileDigest>();

/** Writes `content` to `path` (creating its folder) and returns its size and MD5. */
export async function writeContent(
  content: FileContent,
  path: string,
  fixturesDir: string,
): Promise<FileDigest> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  const blocks = generated(content);
  if (!blocks) {
    const data = await smallBytes(content, fixturesDir);
    await Deno.writeFile(path, data);
    return { size: data.length, md5: createHash("md5").update(data).digest("hex") };
  }
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  for (const block of blocks) {
    for (let w = 0; w < block.length;) w += await file.write(block.subarray(w));
  }
  // Hashed apart from the write, so that one place remembers each generated digest.
  return await contentDigest(content, fixturesDir);
}

/** The blocks of a generated content, or undefined for the small kinds. */
function generated(content: FileContent): Iterable<Uint8Array> | undefined {
  if ("generated" in content) return generatedBlocks(content.generated);
  if ("generatedPrefix" in content) return generatedBlocks(...content.generatedPrefix);
  return undefined;
}

/** Size and MD5 of `content`, computed without writing it. */
export async function contentDigest(
  content: FileContent,
  fixturesDir: string,
): Promise<FileDigest> {
  if ("fixture" in content) return await fileDigest(`${fixturesDir}/${content.fixture}`);
  const blocks = generated(content);
  if (!blocks) {
    const data = await smallBytes(content, fixturesDir);
    return { size: data.length, md5: createHash("md5").update(data).digest("hex") };
  }
  // The digest of a generated content is the same every time: hash it only the first time.
  const key = JSON.stringify(content);
  const known = generatedDigests.get(key);
  if (known) return known;
  const hash = createHash("md5");
  let size = 0;
  for (const block of blocks) {
    hash.update(block);
    size += block.length;
  }
  const digest = { size, md5: hash.digest("hex") };
  generatedDigests.set(key, digest);
  return digest;
}
