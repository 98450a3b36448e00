/**
 * One chunk the recording proxy delivered, as a person reads it: its bytes as UTF-8 text (with
 * control characters made visible, so a peer's bytes can never drive the terminal or page that
 * shows them) and as hex. The lab's arrows and `deno task tap`'s lines both show chunks so.
 *
 * @module
 */

import type { ChunkRecord, Direction } from "../harness/chunk_log.ts";

/** How many bytes of a chunk are shown; the rest is counted, not shown. */
export const SHOWN_BYTES = 1024;

/** A chunk ready to be shown. */
export interface ChunkView {
  /** Index of the connection, in accept order (for UDP: of the client address). */
  conn: number;
  /** Direction of travel. */
  dir: Direction;
  /** Its size in bytes. */
  size: number;
  /** Milliseconds since the proxy started, when the chunk was taken. */
  t: number;
  /** The first {@linkcode SHOWN_BYTES} bytes decoded as UTF-8, controls escaped. */
  text: string;
  /** The same bytes in hex, two digits a byte, separated by spaces. */
  hex: string;
  /** True if the chunk was longer than what `text` and `hex` show. */
  truncated: boolean;
}

/**
 * `text` with every character that could act on a terminal or hide text written as an escape
 * (`\n`, `\t`, `\r`, `\x1b`, `\u202e`…): C0 controls, DEL, C1 controls, and the Unicode
 * bidirectional controls and line separators. Backslashes are doubled so an escape is never
 * ambiguous. Everything else, Chinese included, stays as it is. With `keepLines`, newlines and
 * tabs stay as they are and backslashes are left alone: for a terminal's output, which is read
 * as lines.
 */
export function visibleText(text: string, keepLines = false): string {
  const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\" };
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (keepLines && (char === "\n" || char === "\t" || char === "\\")) {
      out += char;
    } else if (named[char] !== undefined) {
      out += named[char];
    } else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      out += `\\x${code.toString(16).padStart(2, "0")}`;
    } else if (
      code === 0x061c || code === 0x200e || code === 0x200f ||
      (code >= 0x2028 && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)
    ) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else {
      out += char;
    }
  }
  return out;
}

/** `bytes` in hex: `e6 88 91`. */
export function hexOf(bytes: Uint8Array): string {
  const pairs: string[] = [];
  for (const byte of bytes) pairs.push(byte.toString(16).padStart(2, "0"));
  return pairs.join(" ");
}

/** The view of a delivered chunk: `record` from the proxy's log, `piece` its whole bytes. */
export function chunkView(record: ChunkRecord, piece: Uint8Array): ChunkView {
  const shown = piece.subarray(0, SHOWN_BYTES);
  return {
    conn: record.conn,
    dir: record.dir,
    size: record.size,
    t: record.t,
    // A character cut at the end of what is shown decodes as U+FFFD, as a cut stream would.
    text: visibleText(new TextDecoder().decode(shown)),
    hex: hexOf(shown),
    truncated: piece.length > shown.length,
  };
}

/** How many characters of text a terminal line shows. */
export const LINE_TEXT_CHARS = 200;

/** How many bytes of hex a terminal line shows. */
export const LINE_HEX_BYTES = 32;

/**
 * One line for a terminal, as `deno task tap` prints it, with at most
 * {@linkcode LINE_TEXT_CHARS} characters of text and {@linkcode LINE_HEX_BYTES} bytes of hex
 * (`…` marks what is left out):
 * `    12.345 ms  #0 client → server      3 B  "我"  e6 88 91`.
 */
export function chunkLine(view: ChunkView): string {
  const characters = [...view.text];
  const text = characters.slice(0, LINE_TEXT_CHARS).join("");
  const textMore = view.truncated || characters.length > LINE_TEXT_CHARS ? "…" : "";
  const hexMore = view.size > LINE_HEX_BYTES ? "…" : "";
  const hex = view.hex.slice(0, LINE_HEX_BYTES * 3 - 1);
  const arrow = view.dir === "c2s" ? "client → server" : "server → client";
  return `${view.t.toFixed(3).padStart(10)} ms  #${view.conn} ${arrow}  ` +
    `${String(view.size).padStart(5)} B  "${text}${textMore}"  ${hex}${hexMore}`;
}
