/**
 * The chunk log a recording proxy keeps: one record per piece of data it delivered to one
 * side, in order. Byte counts, diagnostics and (later) sequence diagrams are all derived from it, so
 * TCP and UDP relays share this shape.
 *
 * @module
 */

/** Which way data went: client to server or server to client. */
export type Direction = "c2s" | "s2c";

/** How many leading bytes of each chunk are kept for diagnostics and diagrams. */
export const KEPT_BYTES = 64;

/** One piece of data as the proxy delivered it to the receiving side. */
export interface ChunkRecord {
  /** Index of the proxied connection (TCP) or client address (UDP), from 0 in accept order. */
  conn: number;
  /** Direction of travel. */
  dir: Direction;
  /** Size of the chunk in bytes. */
  size: number;
  /** Milliseconds since the proxy started. */
  t: number;
  /** The first {@linkcode KEPT_BYTES} bytes of the chunk. */
  head: Uint8Array;
}

/** Bytes per direction. */
export interface ByteCounts {
  /** Client to server. */
  c2s: number;
  /** Server to client. */
  s2c: number;
}

/** Sums the sizes in `log`, optionally for one connection only. */
export function countBytes(log: readonly ChunkRecord[], conn?: number): ByteCounts {
  const counts: ByteCounts = { c2s: 0, s2c: 0 };
  for (const record of log) {
    if (conn === undefined || record.conn === conn) counts[record.dir] += record.size;
  }
  return counts;
}

/** Renders the log as lines such as `#0 c2s 3 B "我"`, for failure messages. */
export function describeLog(log: readonly ChunkRecord[], limit = 40): string {
  const lines = log.slice(0, limit).map((record) => {
    const text = new TextDecoder().decode(record.head);
    const shown = JSON.stringify(text) + (record.size > record.head.length ? "…" : "");
    return `#${record.conn} ${record.dir} ${record.size} B ${shown}`;
  });
  if (log.length > limit) lines.push(`… ${log.length - limit} more chunks`);
  return lines.join("\n");
}
