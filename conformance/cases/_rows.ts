/**
 * Rows of the bad-input catalogue that every jailed server of a file lesson (and the login
 * server) gets in the same shape: an idle client, a crowd of 1,000, SIGINT and SIGTERM in the
 * middle of a transfer. Each returns new cases; the lesson module puts them in its list.
 *
 * @module
 */

import type { ClientRole, ConformanceCase, ServerRole } from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { NEXT } from "./_bad_input.ts";
import { cappedBlock } from "./_concurrent.ts";
import { noSignalHandler } from "./_helpers.ts";

/**
 * The idle row: a client that connects (and reads the greeting, if any) then stays silent is
 * let go after `--idle-timeout 1`, with one line on stderr; `next` is served after it.
 */
export function idleCase(
  id: string,
  server: ServerRole,
  greeting: RawStep[],
  next: ClientRole,
  extra: Partial<ConformanceCase> = {},
): ConformanceCase {
  const [program, args] = "program" in server.peer
    ? [server.peer.program, server.peer.args ?? []]
    : ["", []];
  return {
    id,
    title: "a client silent past --idle-timeout is let go with one line on stderr; next served",
    server: {
      ...server,
      peer: { program, args: [...args, "--idle-timeout", "1"] },
      stderr: /idle for 1 s: closed/,
    },
    clients: [{ role: "idle", raw: [...greeting, { awaitClose: true }] }, next],
    // No idle timeout at all: the flag's value never reaches withIdleTimeout.
    mutations: [{
      program,
      from: `Number(flags["idle-timeout"])`,
      to: "0",
      shows: "the server never closed the connection",
    }],
    reliability: {
      fault: "idle client",
      outcome: `closed after --idle-timeout (default 300 s), one line on stderr; ${NEXT}`,
    },
    ...extra,
  };
}

/**
 * The 1,000-connections row: a crowd connects at once and stays, then `next` is served in
 * full while they are still open. A server that turns clients away once the crowd is in must
 * fail the case.
 */
export function crowdCase(
  id: string,
  server: ServerRole,
  crowd: RawStep[],
  next: ClientRole,
  outcome: string,
  extra: Partial<ConformanceCase> = {},
): ConformanceCase {
  const program = "program" in server.peer ? server.peer.program : "";
  return {
    id,
    title: "1,000 clients connected at once; one more is served in full while they stay",
    server: { ...server, golden: false },
    clients: [{ role: "crowd", raw: [...crowd, { leaveOpen: true }], copies: 1000 }, next],
    timeoutMs: 60_000,
    crowd: true,
    mutations: [{ program, ...cappedBlock("for await (const conn of listener) {"), shows: "" }],
    reliability: { fault: "1,000 concurrent connections", outcome },
    ...extra,
  };
}

/**
 * The SIGINT and SIGTERM rows: `make(signal)` gives the case's clients, one of which signals
 * the server in the middle of a transfer; the server must exit 0 by itself. Without its
 * shutdown handler the signal kills it, which must fail the case.
 */
export function signalCases(
  prefix: string,
  server: ServerRole,
  what: string,
  make: (signal: Deno.Signal) => Partial<ConformanceCase>,
  outcome: string,
): ConformanceCase[] {
  const program = "program" in server.peer ? server.peer.program : "";
  return (["SIGINT", "SIGTERM"] as const).map((signal) => ({
    id: `${prefix}-${signal.toLowerCase()}`,
    title: `${signal} in the middle of ${what}: exit 0, nothing under a final name`,
    server: { ...server, exitsByItself: true },
    clients: [],
    mutations: [noSignalHandler(program)],
    reliability: { fault: `${signal} mid-transfer`, outcome },
    ...make(signal),
  }));
}

/**
 * `cases` with an empty server folder put in place for each case whose server may change
 * files (`mayChange`) yet gets no input there: else the folder itself would appear as a change.
 */
export function withServerFolder(cases: ConformanceCase[]): ConformanceCase[] {
  return cases.map((each) =>
    !each.server?.mayChange || each.files?.some((file) => file.at === "server")
      ? each
      : { ...each, files: [...each.files ?? [], { at: "server", path: ".", folder: true }] }
  );
}
