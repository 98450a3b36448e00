/**
 * Bytes for raw clients: pieces joined into one array, and the 4-byte little-endian length
 * header (Python's `struct.pack("i", n)`) of the framing lessons.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Bytes of several pieces, text as UTF-8. */
export function bytes(...pieces: (string | number[] | Uint8Array)[]): Uint8Array {
  const parts = pieces.map((piece) =>
    typeof piece === "string" ? encoder.encode(piece) : Uint8Array.from(piece)
  );
  const all = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((at, part) => (all.set(part, at), at + part.length), 0);
  return all;
}

/**
 * A 4-byte little-endian header holding `n`: a negative `n` as the signed int it is, a number
 * beyond 2^31 - 1 as unsigned (ff ff ff ff for both -1 and 2^32 - 1).
 */
export function header(n: number): Uint8Array {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, n >>> 0, true);
  return data;
}

/** One framed message: its 4-byte header, then the bytes (text as UTF-8). */
export function frame(data: string | Uint8Array): Uint8Array {
  const body = typeof data === "string" ? encoder.encode(data) : data;
  return bytes(header(body.length), body);
}
