/**
 * How lessons fare under `deno task conformance --chaos` (see harness/chaos.ts): the reasons a
 * wire format may break when its bytes arrive in pieces (README, "How the bytes may arrive"),
 * and the mutant that makes a framed reader trust one read as one message, which one-byte
 * delivery must catch. A lesson without `chaos` must pass every mode as it passes the plain run.
 *
 * @module
 */

import type { LessonChaos } from "../harness/case.ts";
import type { Mutation } from "../harness/standalone.ts";

/** Splitting modes: a message of a format without boundaries may arrive in pieces. */
export function splitting(why: string): LessonChaos["mayBreak"] {
  return { "one-byte": why, "random-splits": why };
}

/** Why a lockstep lesson (one recv is one message) may break when its bytes are split. */
export const LOCKSTEP = "one recv is one message, as in the seed: a message split in two is " +
  "answered as two (each side waits for the other, so nothing is ever glued)";

/** The chaos settings of a lockstep lesson: the splitting modes may break it. */
export function lockstepChaos(): LessonChaos {
  return { mayBreak: splitting(LOCKSTEP) };
}

/**
 * `readExactly` (the same in every script that has it) trusting one read: it returns what its
 * first read brought, however short.
 */
export function readExactlyTrustingOneRead(program: string): Mutation {
  return {
    program,
    from: "const count = await conn.read(data.subarray(got));",
    to: "const count = await conn.read(data.subarray(got));\n" +
      "    if (count !== null) return data.subarray(0, got + count);",
  };
}
