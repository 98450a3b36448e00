/**
 * Small pieces every lesson module may use: the seeds' Python programs as foreign peers, byte
 * lengths for expected traffic, raw clients, the server role and mutation of a signal case, and
 * the patch of a disk that fills up.
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
  // `listenOn` adds the handlers; removing a listener that was never added does nothing.
  const from = "Deno.addSignalListener(signal, () => {";
  return {
    program,
    from,
    to: "Deno.removeSignalListener(signal, () => {",
    shows: "server exited with",
  };
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

/**
 * Patches the receiving loop of `program` (`ftp_server.ts` or `ftp_client.ts`, which share
 * `receiveToFile`) so that its disk "fills up" after the first MiB: every later write fails
 * with ENOSPC's message.
 */
export function diskFullAfterFirstMiB(program: string): Mutation {
  return {
    program,
    from: "writing = writeAll(file, piece);",
    to: "writing = received > 0\n" +
      '        ? Promise.reject(new Error("No space left on device (os error 28)"))\n' +
      "        : writeAll(file, piece);",
  };
}
