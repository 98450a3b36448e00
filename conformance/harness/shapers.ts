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
