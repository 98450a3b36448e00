/**
 * Bad-input rows of the one-client framing servers (framed, sticky, sticky_len): they serve one
 * client, as the seeds do, and end, so there is no next client. Each case shows instead that
 * the server ends with the right status and at most one line on stderr: 0 when the client
 * ended the stream where the format allows, 1 when it broke the format.
 *
 * @module
 */

import type { ConformanceCase, ServerRole } from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { type CaseMutation, idleIgnored, idleLine } from "./_bad_input.ts";
import { noSignalHandler, rawClient } from "./_helpers.ts";

/** A row of the catalogue: the fault a case tries, and what the server does about it. */
export type Reliability = NonNullable<ConformanceCase["reliability"]>;

/** A case of a one-client server: it must end by itself with `exitCode` and `stderr`. */
export function oneClient(
  program: string,
  id: string,
  title: string,
  reliability: Reliability,
  steps: RawStep[],
  end: { exitCode: number; stderr?: RegExp; args?: string[]; golden?: false },
  mutations: ConformanceCase["mutations"],
): ConformanceCase {
  const server: ServerRole = {
    peer: { program, args: end.args },
    exitsByItself: true,
    exitCode: end.exitCode,
    stderr: end.stderr,
  };
  if (end.golden === false) server.golden = false;
  return { id, title, reliability, server, clients: [rawClient("bad", steps)], mutations };
}

/**
 * Cases every one-client server gets: idle, SIGINT and SIGTERM mid-message, a crowd. `talk`
 * is what the client has sent when the signal comes, ending inside a message; `whole` is what
 * each of the crowd sends; `servedInPart` is a mutation that serves the one client only in
 * part. (Whether the server has accepted the client by the signal depends on timing: its
 * stdout is not compared.)
 */
export function oneClientCommon(
  program: string,
  lesson: string,
  talk: Uint8Array,
  whole: Uint8Array,
  servedInPart: CaseMutation,
): ConformanceCase[] {
  const signalCase = (signal: "SIGINT" | "SIGTERM"): ConformanceCase =>
    oneClient(
      program,
      `${lesson}-${signal.toLowerCase()}`,
      `${signal} in the middle of a message: the listener is closed, status 0, nothing on stderr`,
      {
        fault: `${signal} mid-transfer`,
        outcome: "listener closed, status 0, nothing on stderr (one client by design)",
      },
      [{ send: talk }, { signalServer: signal }, { awaitClose: true }],
      { exitCode: 0, golden: false },
      [noSignalHandler(program)],
    );
  return [
    oneClient(
      program,
      `${lesson}-idle`,
      "--idle-timeout 1: a client that sends nothing is let go; one line, status 1",
      {
        fault: "idle client",
        outcome: `"idle for 1 s: closed" on stderr, status 1 (one client by design: no next one)`,
      },
      [{ awaitClose: true }],
      { exitCode: 1, stderr: idleLine(program), args: ["--idle-timeout", "1"] },
      [idleIgnored(program)],
    ),
    signalCase("SIGINT"),
    signalCase("SIGTERM"),
    {
      id: `${lesson}-crowd`,
      title: "1,000 clients at once: the first is served whole, the others are turned away",
      reliability: {
        fault: "1,000 concurrent connections",
        outcome:
          "one served in full, status 0; the listener is closed after it (one client by design), so the OS refuses the rest",
      },
      server: { peer: { program }, exitsByItself: true, golden: `${lesson}-crowd.server` },
      clients: [rawClient("crowd", [{ send: whole }, { vanish: true }], 1000)],
      crowd: true,
      // The one client must be served in full, whichever of the thousand it is.
      mutations: [servedInPart],
    },
  ];
}
