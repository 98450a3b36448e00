/**
 * The vocabulary of the bad-input catalogue of issue #6 (`docs/RELIABILITY.md`, one table per
 * server): the faulty inputs the cases send, the outcome texts the rows share, and the
 * mutations that undo a server's defence against one of them.
 *
 * @module
 */

import type { ConformanceCase } from "../harness/case.ts";
import type { Mask } from "../harness/mask.ts";
import type { Mutation } from "../harness/standalone.ts";

/** A deliberate breakage and the text its failure report must show. */
export type CaseMutation = NonNullable<ConformanceCase["mutations"]>[number];

/** Bytes that are not UTF-8: a byte UTF-8 never uses, a lone one, then `A`. */
export const NOT_UTF8: Uint8Array = Uint8Array.from([0xff, 0xfe, 0x41]);
/** What TextDecoder makes of {@linkcode NOT_UTF8}. */
export const AS_TEXT = "\uFFFD\uFFFDA";

/** One message longer than one `recv(1024)`: 1,500 ASCII letters. */
export const LONG: string = "a".repeat(1500);
/** The pieces one `recv(1024)` after another cut {@linkcode LONG} into. */
export const PIECES: string[] = ["a".repeat(1024), "a".repeat(476)];

/** How many clients the crowd cases hold open at once. */
export const CROWD = 1000;
/** The same, as titles write it. */
export const CROWD_TEXT = "1,000";

/** Outcome text: the client that sent the bad input is served next, on the same connection. */
export const KEPT = "connection kept; the same client is served next";
/** Outcome text: the client after the one that sent the bad input is served. */
export const NEXT = "next client served";

/** The temporary names of received files vary: `.part-<ID>`. */
export const PART_MASK: Mask = { pattern: /\.part-[0-9a-f]{8}/g, placeholder: ".part-<ID>" };

/** The stderr of a server that let one idle client go after `seconds`, and nothing else. */
export function idleLine(program: string, seconds = 1): RegExp {
  return new RegExp(
    `^${program.replace(".", "\\.")}: 127\\.0\\.0\\.1:\\d+ idle for ${seconds} s: closed$`,
  );
}

/**
 * The mutation of an idle case: twice the flag's value reaches `withIdleTimeout` (every server
 * reads it as `Number(flags["idle-timeout"])`), so the line on stderr says 2 s.
 */
export function idleIgnored(program: string): CaseMutation {
  const flag = `Number(flags["idle-timeout"])`;
  return { program, from: flag, to: `2 * ${flag}`, shows: "idle for 2 s" };
}

/** A decoder that throws on bytes that are not UTF-8, instead of reading them as U+FFFD. */
export function fatalDecoder(program: string, shows: string): CaseMutation {
  return {
    program,
    from: "new TextDecoder()",
    to: `new TextDecoder("utf-8", { fatal: true })`,
    shows,
  };
}

/**
 * Patches that take a file server's own name checks out (`nameProblem`, and its refusal of a
 * name holding `/`): `problem` is always null, so only the runtime's permissions stand between
 * a name like `../x` and the folder above.
 */
export function nameChecksTakenOut(program: string): Mutation[] {
  return [
    { program, from: "const problem = nameProblem(name) ??", to: "const problem = null ??" },
    {
      program,
      from: `(name.includes("/") ? "it is a path, not a file name" : null);`,
      to: "null;",
    },
  ];
}

/** One read of 2048 bytes instead of the seed's 1024: a long message is one message. */
export function biggerRead(program: string, shows: string): CaseMutation {
  return {
    program,
    from: "const buffer = new Uint8Array(1024);",
    to: "const buffer = new Uint8Array(2048);",
    shows,
  };
}
