/**
 * Small pieces every lesson module may use: the seeds' Python programs as foreign peers, byte
 * lengths for expected traffic, raw clients, and the server role and mutation of a signal case.
 *
 * @module
 */

import type { ClientRole, Peer, ServerRole } from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import type { Mutation } from "../harness/standalone.ts";

/** A seed's Python program from `fixtures/peers/`, given the harness's host and port. */
export function seedPython(script: string): Peer {
  return {
    command: ["python3", "-u", `{fixtures}/peers/${script}`, "{host}", "{port}"],
    requires: "python3",
  };
}

/**
 * The mutation every signal case must catch: `program` without its signal handler (never
 * registered), so the runtime's default kills it (status 130 for SIGINT, 143 for SIGTERM)
 * instead of a clean exit 0.
 */
export function noSignalHandler(program: string): Mutation & { shows: string } {
  const shows = "server exited with";
  if (programSource(program).includes("onShutdown(() => {")) {
    return { program, from: "onShutdown(() => {", to: "(() => {", shows };
  }
  // The lesson-first shape (issue #17): `listenOn` adds the handlers; removing a listener that
  // was never added does nothing.
  const from = "Deno.addSignalListener(signal, () => {";
  return { program, from, to: "Deno.removeSignalListener(signal, () => {", shows };
}

/**
 * The source of `program` in `programs/`, for a mutation that must name what the script holds
 * while scripts move from one shape to another.
 */
export function programSource(program: string): string {
  return Deno.readTextFileSync(new URL(`../../programs/${program}`, import.meta.url));
}

/** The UTF-8 byte length of `text`: what it weighs on the wire. */
export function utf8(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** A raw client named `role` with one script, played by `copies` clients at once if given. */
export function rawClient(role: string, steps: RawStep[], copies?: number): ClientRole {
  return { role, raw: steps, copies };
}

/** A server that ends by itself (after a signal, with status 0). */
export function stopsOnSignal(program: string, args?: string[]): ServerRole {
  return { peer: { program, args }, exitsByItself: true };
}
