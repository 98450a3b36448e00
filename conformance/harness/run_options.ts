/**
 * How a case is run and judged: where the programs and goldens are, and what the run adds to
 * the case (a mutation, chaos, tolerance of faults).
 *
 * @module
 */

import type { Chaos } from "./chaos.ts";
import type { ChunkRecord } from "./chunk_log.ts";
import type { Child, Command } from "./children.ts";
import type { Mutation } from "./standalone.ts";

/** Where things are and how to run. */
export interface RunOptions {
  /** Folder holding the scripts that `{ program }` peers name. */
  programsDir: string;
  /** Folder holding `transcripts/` and the inputs foreign peers use. */
  fixturesDir: string;
  /** Rewrite goldens that differ or are missing instead of failing. */
  update?: boolean;
  /** Run with this deliberate breakage applied to one program's copy. */
  mutation?: Mutation;
  /** Tag given to every child (see `RUN_TAG_VARIABLE`). */
  tag?: string;
  /** Called after each spawn. */
  onSpawn?: (child: Child, command: Command) => void;
  /** Bound for each prompt, readiness line and exit (default 10 s, 20 s for a crowd case). */
  stepTimeoutMs?: number;
  /** Re-chunk, hold back or cut what crosses the proxy (see chaos.ts). */
  chaos?: Chaos;
  /**
   * Judge only what no fault may ever cause: a crash or stack trace, a hang past a bound, a
   * partial file under a final name, a change outside the server's folder. Transcripts, byte
   * counts, exit statuses and one-line errors may then differ (they are summed up in a note):
   * for a cut connection, or a mode that breaks a protocol without boundaries.
   */
  faultTolerant?: boolean;
  /**
   * With `faultTolerant`, for a protocol a fault knocks out of step: both sides may then wait
   * for each other until the server's idle timeout, so a raw peer's wait for the server to let
   * go is no hang.
   */
  stallsTolerated?: boolean;
  /**
   * Called with each chunk a proxy delivers, as it is delivered (the lab draws it live): the
   * index of the server's listener, the chunk's record and its whole bytes. It must not throw.
   */
  onChunk?: (listener: number, record: ChunkRecord, piece: Uint8Array) => void;
  /** Called with each line typed into a client (its label, the line), just before it is typed. */
  onType?: (label: string, line: string) => void;
  /**
   * Lines a person types into the case's client instead of its dialogue (the lab's "type your
   * own lines"), for a case with one process client; the client's input is closed when they end.
   */
  typedLines?: AsyncIterable<string>;
  /** Ends the run early, as its bound would (the lab stops a run whose page went away). */
  signal?: AbortSignal;
}
