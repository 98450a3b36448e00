/**
 * A fault mode for the recording proxy that cuts a byte stream where a plan says: the plan is a
 * list of piece sizes (a property test draws it at random), so a test can show that a
 * protocol's reader gives the same messages however the network splits the bytes.
 *
 * It only ever splits, never holds bytes back to join them: a sender in a lockstep protocol
 * waits for an answer before it sends more, and a shaper that waited for more bytes would wait
 * with it forever. Joining is `glueUntilEnd`'s job (shapers.ts), for one-way streams.
 *
 * @module
 */

import type { Direction } from "./chunk_log.ts";
import type { Shaper } from "./tcp_proxy.ts";

/** Options for {@linkcode splitByPlan}. */
export interface SplitPlanOptions {
  /** Re-chunk only what travels this way; the other direction passes as read. Default: both. */
  dir?: Direction;
  /**
   * Milliseconds to wait between two pieces cut from one chunk (default 0). On loopback,
   * pieces written back to back mostly arrive together, so a reader that trusts one read
   * would seldom see a cut; a pause lets its read return before the next piece comes. It
   * only delays delivery: nothing waits on it, and no outcome may depend on it.
   */
  gapMs?: number;
}

/**
 * Cuts each direction's stream into pieces of the sizes in `plan`, in order, starting over at
 * the plan's beginning when it runs out; every direction of every connection starts the plan
 * afresh. A piece never waits for bytes: when a chunk ends inside a piece, what came is
 * delivered and the rest of that piece is taken from the next chunk. So the stream is cut at
 * the plan's running sums (repeated) and, as ever, wherever the sender's own writes end. An
 * empty plan forwards every chunk as read.
 *
 * Throws a `RangeError` at once if a size is not a positive whole number (a zero would never
 * move on).
 */
export function splitByPlan(plan: readonly number[], options: SplitPlanOptions = {}): Shaper {
  for (const size of plan) {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new RangeError(`a piece size must be a whole number of bytes ≥ 1, not ${size}`);
    }
  }
  const sizes = [...plan];
  const gapMs = options.gapMs ?? 0;
  return function (chunks, travelling) {
    if (sizes.length === 0 || (options.dir !== undefined && options.dir !== travelling)) {
      return chunks;
    }
    return (async function* () {
      let step = 0;
      // Bytes still due in the current piece.
      let due = sizes[0];
      for await (const chunk of chunks) {
        for (let at = 0; at < chunk.length;) {
          if (at > 0 && gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
          const take = Math.min(due, chunk.length - at);
          yield chunk.subarray(at, at + take);
          at += take;
          due -= take;
          if (due === 0) {
            step = (step + 1) % sizes.length;
            due = sizes[step];
          }
        }
      }
    })();
  };
}
