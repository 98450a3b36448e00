/**
 * Small pieces the lesson modules share: the seeds' Python programs as foreign peers, and
 * byte lengths for expected traffic.
 *
 * @module
 */

import type { Peer } from "../harness/case.ts";

/** A seed's Python program from `fixtures/peers/`, given the harness's host and port. */
export function seedPython(script: string): Peer {
  return {
    command: ["python3", "-u", `{fixtures}/peers/${script}`, "{host}", "{port}"],
    requires: "python3",
  };
}

/** The UTF-8 byte length of `text`: what it weighs on the wire. */
export function utf8(text: string): number {
  return new TextEncoder().encode(text).length;
}
