/**
 * What a case checks once its peers are done, apart from transcripts: the bytes the proxy
 * delivered (in total, per connection, and the order of answers across clients) and the files
 * left in the peers' folders (size and MD5 computed here, never taken from the programs).
 * Each function returns the problems it found, one paragraph each.
 *
 * @module
 */

import type { ConformanceCase } from "./case.ts";
import { type ChunkRecord, countBytes, describeLog } from "./chunk_log.ts";
import { fileDigest } from "./file_digest.ts";
import { contentDigest } from "./files.ts";

/** Checks `bytes`, `connectionBytes` and `replyOrder` against the chunk logs of every proxy. */
export function verifyTraffic(
  testCase: ConformanceCase,
  logs: { main: readonly ChunkRecord[]; all: readonly ChunkRecord[]; connections: number },
): string[] {
  const problems: string[] = [];
  for (const [index, expected] of (testCase.connectionBytes ?? []).entries()) {
    const counted = countBytes(logs.main, index);
    if (counted.c2s !== expected.c2s || counted.s2c !== expected.s2c) {
      problems.push(
        `bytes of connection #${index}: c2s ${counted.c2s}, s2c ${counted.s2c}; ` +
          `expected c2s ${expected.c2s}, s2c ${expected.s2c}`,
      );
    }
  }
  if ((testCase.connectionBytes?.length ?? 0) > logs.connections) {
    problems.push(
      `expected ${testCase.connectionBytes!.length} connections, saw ${logs.connections}`,
    );
  }

  if (testCase.replyOrder) {
    const arrivals = testCase.replyOrder.map((text) => arrivalTime(logs.all, text));
    const inOrder = arrivals.every((t, i) =>
      t !== undefined && (i === 0 || t > (arrivals[i - 1] ?? Infinity))
    );
    if (!inOrder) {
      const delivered = logs.all.filter((r) => r.dir === "s2c").toSorted((a, b) => a.t - b.t)
        .map((r) => new TextDecoder().decode(r.head));
      problems.push(
        `server answers arrived as ${JSON.stringify(delivered)}, ` +
          `expected in the order ${JSON.stringify(testCase.replyOrder)}`,
      );
    }
  }

  if (testCase.bytes) {
    const counted = countBytes(logs.all);
    const { c2s, s2c } = testCase.bytes;
    if (counted.c2s !== c2s || counted.s2c !== s2c) {
      problems.push(
        `bytes through the proxy: c2s ${counted.c2s}, s2c ${counted.s2c}; ` +
          `expected c2s ${c2s}, s2c ${s2c}\n${describeLog(logs.all)}`,
      );
    }
  }
  return problems;
}

/**
 * When `text` had wholly reached a client: the time of the server-to-client chunk that
 * completed its first appearance in any connection's stream, reassembled from the chunk log
 * (so a reply delivered in pieces counts once whole); `undefined` if it never arrived. A chunk
 * longer than the bytes the log keeps leaves a gap that no text is taken to span.
 */
export function arrivalTime(log: readonly ChunkRecord[], text: string): number | undefined {
  const streams = new Map<number, { decoder: TextDecoder; text: string; ends: number[] }>();
  const times = new Map<number, number[]>();
  for (const record of log.filter((r) => r.dir === "s2c").toSorted((a, b) => a.t - b.t)) {
    let stream = streams.get(record.conn);
    if (!stream) {
      stream = { decoder: new TextDecoder(), text: "", ends: [] };
      streams.set(record.conn, stream);
      times.set(record.conn, []);
    }
    stream.text += stream.decoder.decode(record.head, { stream: true });
    if (record.size > record.head.length) stream.text += stream.decoder.decode() + "\u0000";
    stream.ends.push(stream.text.length);
    times.get(record.conn)!.push(record.t);
  }
  let first: number | undefined;
  for (const [conn, stream] of streams) {
    const at = stream.text.indexOf(text);
    if (at < 0) continue;
    const chunk = stream.ends.findIndex((end) => end >= at + text.length);
    const t = times.get(conn)![chunk];
    if (first === undefined || t < first) first = t;
  }
  return first;
}

/** The size and MD5 of the file at `path`, or `undefined` if nothing is there. */
function digestIfPresent(path: string) {
  return fileDigest(path).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  });
}

/** Checks `expectFiles`, finding each role's folder with `folderOf`. */
export async function verifyFiles(
  testCase: ConformanceCase,
  folderOf: (role: string) => string,
  fixturesDir: string,
): Promise<string[]> {
  const problems: string[] = [];
  for (const check of testCase.expectFiles ?? []) {
    const path = `${folderOf(check.at)}/${check.path}`;
    const where = `${check.at}: ${check.path}`;
    if ("holdsNone" in check) {
      for await (const entry of Deno.readDir(path)) {
        if (check.holdsNone.test(entry.name)) problems.push(`${where} holds ${entry.name}`);
      }
      continue;
    }
    const found = await digestIfPresent(path);
    if ("absent" in check) {
      if (found) problems.push(`${where} should not exist, but holds ${found.size} bytes`);
      continue;
    }
    if ("matches" in check) {
      const text = found ? await Deno.readTextFile(path) : undefined;
      if (text === undefined) problems.push(`${where} is missing`);
      else if (!check.matches.test(text)) {
        problems.push(`${where} does not match ${check.matches}:\n${text}`);
      }
      continue;
    }
    const want = await contentDigest(check.content, fixturesDir);
    if (!found) {
      problems.push(`${where} is missing (expected ${want.size} bytes, md5 ${want.md5})`);
    } else if (found.size !== want.size || found.md5 !== want.md5) {
      problems.push(
        `${where}: ${found.size} bytes, md5 ${found.md5}; expected ${want.size} bytes, md5 ${want.md5}`,
      );
    }
  }
  return problems;
}

/**
 * The file check that still holds after a fault (a cut connection, a broken protocol): each
 * file the case expects with some content is either absent, complete, or still what the case
 * put there before it ran. Anything else is a partial or mixed file under a final name.
 */
export async function verifyFilesAfterFault(
  testCase: ConformanceCase,
  folderOf: (role: string) => string,
  fixturesDir: string,
): Promise<string[]> {
  const problems: string[] = [];
  for (const check of testCase.expectFiles ?? []) {
    if (!("content" in check) || check.partial) continue;
    const found = await digestIfPresent(`${folderOf(check.at)}/${check.path}`);
    if (!found) continue;
    const input = testCase.files?.find((file) => file.at === check.at && file.path === check.path);
    // A link the case put there and nobody replaced is what was there before.
    if (input && "symlinkTo" in input) {
      const info = await Deno.lstat(`${folderOf(check.at)}/${check.path}`);
      if (info.isSymlink) continue;
    }
    const allowed = [await contentDigest(check.content, fixturesDir)];
    if (input && "content" in input) allowed.push(await contentDigest(input.content, fixturesDir));
    if (!allowed.some((want) => want.size === found.size && want.md5 === found.md5)) {
      problems.push(
        `${check.at}: ${check.path} holds ${found.size} bytes (md5 ${found.md5}): neither ` +
          `the whole expected file nor what was there before — a partial file under its final name`,
      );
    }
  }
  return problems;
}
