/**
 * Fault modes for the recording proxy, each a {@linkcode Shaper}. A shaper that throws
 * {@linkcode ConnectionCut} cuts the connection as a vanished client would: the proxy closes
 * the client's socket, sends the server end of stream, and drops whatever the server still
 * sends until it closes by itself.
 *
 * @module
 */

import type { Direction } from "./chunk_log.ts";
import type { Shaper } from "./tcp_proxy.ts";

/** Thrown by a shaper to cut the connection (see the module's description). */
export class ConnectionCut extends Error {
  /** Always `ConnectionCut`. */
  override name = "ConnectionCut";
}

/**
 * Forwards the first `after` bytes travelling in `dir`, then cuts the connection. The other
 * direction passes untouched until then.
 */
export function cutAfter(dir: Direction, after: number): Shaper {
  return async function* (chunks, travelling) {
    let forwarded = 0;
    for await (const chunk of chunks) {
      if (travelling !== dir) {
        yield chunk;
        continue;
      }
      const allowed = Math.min(chunk.length, after - forwarded);
      if (allowed > 0) yield chunk.subarray(0, allowed);
      forwarded += allowed;
      if (forwarded >= after) throw new ConnectionCut(`cut after ${after} bytes ${dir}`);
    }
  };
}

/** Splits every chunk into 1-byte writes: a reader must not care how bytes are grouped. */
export const oneByteWrites: Shaper = async function* (chunks): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) yield chunk.subarray(i, i + 1);
  }
};

/**
 * Holds everything a sender sends until it finishes, then delivers it as one write: every
 * message glued to the next. Only for one-way streams: a sender waiting for an answer would
 * wait forever.
 */
export const glueUntilEnd: Shaper = async function* (chunks): AsyncGenerator<Uint8Array> {
  const held: Uint8Array[] = [];
  for await (const chunk of chunks) held.push(chunk.slice());
  const glued = concatChunks(held);
  if (glued.length > 0) yield glued;
};

/** The chunks one after another in a single new array: what a shaper delivers as one write. */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return joined;
}

/**
 * Splits every chunk travelling in `dir` into 1-byte writes and leaves the other direction as
 * sent: for a protocol framed one way only, such as a JSON request answered with bare text.
 */
export function oneByteWritesIn(dir: Direction): Shaper {
  return (chunks, travelling) => travelling === dir ? oneByteWrites(chunks, travelling) : chunks;
}

/** The shapers a case can ask for by name. */
export const SHAPERS = {
  "one-byte": oneByteWrites,
  "one-byte-to-server": oneByteWritesIn("c2s"),
  "glued": glueUntilEnd,
} as const;

/**
 * Splits the first message travelling in `dir` after `after` bytes and holds the rest back
 * until the other side has answered (or `fallbackMs` has passed, for a reader that rightly
 * waits for the whole message): a deterministic way to show what a reader without framing
 * makes of half a message, since the half is all it can have seen when it answers. One
 * instance serves both directions of one connection.
 */
export function holdBackUntilAnswered(dir: Direction, after: number, fallbackMs = 2000): Shaper {
  const answered = Promise.withResolvers<void>();
  let split = false;
  return async function* (chunks, travelling) {
    if (travelling !== dir) {
      for await (const chunk of chunks) {
        yield chunk;
        if (split) answered.resolve();
      }
      answered.resolve();
      return;
    }
    let forwarded = 0;
    for await (const chunk of chunks) {
      if (forwarded >= after) {
        yield chunk;
        continue;
      }
      const first = chunk.subarray(0, after - forwarded);
      forwarded += first.length;
      yield first;
      if (forwarded < after) continue;
      split = true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        answered.promise,
        new Promise((resolve) => timer = setTimeout(resolve, fallbackMs)),
      ]);
      clearTimeout(timer);
      const rest = chunk.subarray(first.length);
      if (rest.length) yield rest;
    }
  };
}
