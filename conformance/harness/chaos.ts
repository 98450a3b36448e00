/**
 * Chaos for the recording proxy: fault modes that re-chunk, hold back or cut what crosses it,
 * each a {@linkcode Shaper}, seeded so that a failing run can be replayed exactly
 * (`deno task conformance --chaos --seed N`). Every connection and direction draws from its
 * own generator, derived from the seed, the connection's index and the direction, so the
 * choices do not depend on how the event loop interleaves connections.
 *
 * - `one-byte`: every byte its own write (the first {@linkcode ONE_BYTE_BUDGET} bytes of each
 *   direction, which holds every message of every case but the bulk of the largest files;
 *   after that, random pieces of 1 B to 16 KiB, so a 64 MiB transfer still ends in time). The
 *   first {@linkcode PACED_BYTES} bytes of each direction are paced, 1 ms apart: unpaced, the
 *   proxy outruns most readers, which then find whole messages waiting anyway.
 * - `random-splits`: every chunk cut at random points into pieces of 1 to 1,500 bytes.
 * - `coalesced`: writes that follow each other within a few milliseconds held back and merged
 *   into one (up to 64 KiB), the way Nagle's algorithm and busy receivers glue messages.
 * - `delays`: a random pause of up to 5 ms before each of the first 200 writes of a direction.
 * - `cut`: the first connection cut after a random number of bytes (0 to 511) in a random
 *   direction, as a vanished peer or a dropped link would.
 *
 * @module
 */

import type { Direction } from "./chunk_log.ts";
import { concatChunks, cutAfter } from "./shapers.ts";
import type { Shaper } from "./tcp_proxy.ts";

/** Every chaos mode, in the order `--chaos` runs them. */
export const CHAOS_MODES = ["one-byte", "random-splits", "coalesced", "delays", "cut"] as const;

/** One chaos mode. */
export type ChaosMode = typeof CHAOS_MODES[number];

/** A mode and the seed its random choices come from. */
export interface Chaos {
  /** What the proxy does. */
  mode: ChaosMode;
  /** Seed of every random choice. */
  seed: number;
}

/** Bytes of each direction sent one at a time in `one-byte` mode before pieces grow. */
export const ONE_BYTE_BUDGET = 64 * 1024;

/** Bytes of each direction that `one-byte` mode sends 1 ms apart. */
export const PACED_BYTES = 512;

/** True for a string naming a chaos mode. */
export function isChaosMode(text: string): text is ChaosMode {
  return (CHAOS_MODES as readonly string[]).includes(text);
}

/**
 * A small seeded generator (mulberry32): numbers in [0, 1), the same sequence for the same
 * seed on every machine.
 */
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

/** The generator of one connection's direction: its own stream of choices from `seed`. */
export function streamRandom(seed: number, conn: number, dir: Direction): () => number {
  return seededRandom(Math.imul(seed ^ 0x9e3779b9, 31) + conn * 2 + (dir === "c2s" ? 0 : 1));
}

/** A whole number in [low, high], from `random`. */
function between(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

/** Cuts each chunk into pieces whose sizes `pieceSize` chooses (at least 1 byte each). */
async function* cutInto(
  chunks: AsyncIterable<Uint8Array>,
  pieceSize: (remaining: number) => number,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length;) {
      const size = Math.max(1, Math.min(chunk.length - at, pieceSize(chunk.length - at)));
      yield chunk.subarray(at, at + size);
      at += size;
    }
  }
}

/** `one-byte` mode (see the module's description). */
export function oneByteThenSmall(seed: number, conn: number): Shaper {
  return async function* (chunks, dir) {
    const random = streamRandom(seed, conn, dir);
    let sent = 0;
    const pieces = cutInto(chunks, () => sent < ONE_BYTE_BUDGET ? 1 : between(random, 1, 16384));
    for await (const piece of pieces) {
      if (sent > 0 && sent < PACED_BYTES) await new Promise((resolve) => setTimeout(resolve, 1));
      sent += piece.length;
      yield piece;
    }
  };
}

/** `random-splits` mode (see the module's description). */
export function randomSplits(seed: number, conn: number): Shaper {
  return (chunks, dir) => {
    const random = streamRandom(seed, conn, dir);
    // Mostly small pieces, so that short messages are split too; now and then a large one.
    return cutInto(
      chunks,
      (remaining) =>
        random() < 0.5 ? between(random, 1, 8) : between(random, 1, Math.min(remaining, 1500)),
    );
  };
}

/** `coalesced` mode (see the module's description). */
export function coalesced(seed: number, conn: number): Shaper {
  return async function* (chunks, dir) {
    const random = streamRandom(seed, conn, dir);
    const source = chunks[Symbol.asyncIterator]();
    let next = source.next();
    while (true) {
      const first = await next;
      if (first.done) return;
      const held = [first.value.slice()];
      let size = first.value.length;
      next = source.next();
      // Hold what came until the sender pauses for the window, or enough is held.
      const windowMs = between(random, 2, 10);
      let ending: unknown = undefined;
      while (size < 64 * 1024) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const pause = new Promise<"pause">((resolve) => {
          timer = setTimeout(() => resolve("pause"), windowMs);
        });
        const arrived = await Promise.race([next, pause]).catch((error) => ({ error }));
        clearTimeout(timer);
        // A cut or an error upstream: what was held had been sent, so it still goes first.
        if (typeof arrived === "object" && "error" in arrived) {
          ending = arrived.error ?? new Error("stream failed");
          break;
        }
        if (arrived === "pause" || arrived.done) break;
        held.push(arrived.value.slice());
        size += arrived.value.length;
        next = source.next();
      }
      yield concatChunks(held);
      if (ending !== undefined) throw ending;
    }
  };
}

/** `delays` mode (see the module's description). */
export function randomDelays(seed: number, conn: number): Shaper {
  return async function* (chunks, dir) {
    const random = streamRandom(seed, conn, dir);
    let writes = 0;
    for await (const chunk of chunks) {
      if (writes++ < 200) await new Promise((resolve) => setTimeout(resolve, random() * 5));
      yield chunk;
    }
  };
}

/** `cut` mode for connection `conn`: only the first connection is cut. */
export function randomCut(seed: number, conn: number): Shaper | undefined {
  if (conn !== 0) return undefined;
  const { dir, after } = cutPlace(seed);
  return cutAfter(dir, after);
}

/** Where `cut` mode cuts for `seed`: a direction and a byte count from 0 to 511. */
function cutPlace(seed: number): { dir: Direction; after: number } {
  const random = seededRandom(seed);
  const dir: Direction = random() < 0.5 ? "c2s" : "s2c";
  return { dir, after: between(random, 0, 511) };
}

/** Where and after how many bytes `cut` mode cuts, for reports. */
export function describeCut(seed: number): string {
  const { dir, after } = cutPlace(seed);
  return `first connection cut after ${after} bytes ${dir}`;
}

/** The shaper `chaos` puts on connection `conn`; `undefined` leaves it as it is. */
export function chaosShaper(chaos: Chaos, conn: number): Shaper | undefined {
  switch (chaos.mode) {
    case "one-byte":
      return oneByteThenSmall(chaos.seed, conn);
    case "random-splits":
      return randomSplits(chaos.seed, conn);
    case "coalesced":
      return coalesced(chaos.seed, conn);
    case "delays":
      return randomDelays(chaos.seed, conn);
    case "cut":
      return randomCut(chaos.seed, conn);
  }
}

/** `first`, then `second` on what it yields: a case's own shaping, then chaos on top. */
export function composeShapers(
  first: Shaper | undefined,
  second: Shaper | undefined,
): Shaper | undefined {
  if (!first) return second;
  if (!second) return first;
  return ((chunks, dir) => second(first(chunks, dir), dir)) satisfies Shaper;
}
