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
  const size = held.reduce((sum, chunk) => sum + chunk.length, 0);
  const glued = new Uint8Array(size);
  let at = 0;
  for (const chunk of held) {
    glued.set(chunk, at);
    at += chunk.length;
  }
  if (size > 0) yield glued;
};

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
