/**
 * Rows of the bad-input catalogue that every jailed server of a file lesson (and the login
 * server) gets in the same shape: an idle client, a crowd of 1,000, SIGINT and SIGTERM in the
 * middle of a transfer. Each returns new cases; the lesson module puts them in its list.
 *
 * @module
 */

import type { ClientRole, ConformanceCase, Peer, ServerRole } from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { NEXT } from "./_bad_input.ts";
import { CAPPED } from "./_concurrent.ts";
import { noSignalHandler } from "./_helpers.ts";

/** `server`'s peer with `more` arguments after its own; a foreign peer as it is. */
function peerWith(server: ServerRole, ...more: string[]): Peer {
  const peer = server.peer;
  return "program" in peer ? { ...peer, args: [...(peer.args ?? []), ...more] } : peer;
}

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
  const program = "program" in server.peer ? server.peer.program : "";
  return {
    id,
    title: "a client silent past --idle-timeout is let go with one line on stderr; next served",
    server: {
      ...server,
      peer: peerWith(server, "--idle-timeout", "1"),
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
 * The trickle row: a client sends `before` (up to where the server holds what it reads), then
 * a byte every 0.1 s. That keeps `--idle-timeout 2` away and moves 10 bytes a second, far under
 * `--min-rate 1000000`, so the server must cut it in one line once the 2 s grace is spent (a
 * place it holds would otherwise be held for as long as the client likes); `next` is served
 * after it. `read` is the server's paced read, taken back to a plain one by the mutation.
 */
export function tooSlowCase(
  id: string,
  server: ServerRole,
  what: string,
  before: RawStep[],
  next: ClientRole,
  read: { from: string; to: string },
  extra: Partial<ConformanceCase> = {},
): ConformanceCase {
  const program = "program" in server.peer ? server.peer.program : "";
  const trickle: RawStep = { trickle: "x".repeat(60), everyMs: 100 };
  return {
    id,
    title: `${what} trickled a byte at a time, under --min-rate: cut once its grace ` +
      `(--idle-timeout) is spent, in one line; next served`,
    server: { ...server, peer: peerWith(server, "--idle-timeout", "2", "--min-rate", "1000000") },
    clients: [{ role: "trickling", raw: [...before, trickle, { awaitClose: true }] }, next],
    mutations: [{ program, ...read, shows: "too slow" }],
    reliability: {
      fault: `${what} trickled (a byte now and then keeps the idle timeout away)`,
      outcome: "cut once it comes slower than --min-rate (1024) bytes a second after a grace " +
        `of --idle-timeout, in one line, nothing kept; ${NEXT}`,
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
    mutations: [{ program, ...CAPPED, shows: "" }],
    reliability: { fault: "1,000 concurrent connections", outcome },
    ...extra,
  };
}

/** How many callers come at once in {@linkcode outOfFilesCase}, and the server's file limit. */
export const OUT_OF_FILES = { callers: 400, fileLimit: 256 };

/**
 * Descriptors run out: the server runs under `ulimit -n 256`, 400 callers connect at once and
 * wait until the idle timeout (2 s) lets each go, so accept fails with "Too many open files"
 * for a while; the server keeps its listener, retries, and then serves `next` in full. Without
 * the retry the accept loop ends (the old servers exited), which fails `next`.
 */
export function outOfFilesCase(
  id: string,
  server: ServerRole,
  next: ClientRole,
  extra: Partial<ConformanceCase> = {},
): ConformanceCase {
  const program = "program" in server.peer ? server.peer.program : "";
  // 2 s, not 1: the next caller, typed in under a loaded machine, may pause over 1 s.
  const peer = peerWith(server, "--idle-timeout", "2");
  return {
    id,
    title: `${OUT_OF_FILES.callers} callers at once with ${OUT_OF_FILES.fileLimit} file ` +
      "descriptors: accept fails and is retried; the next caller is served in full",
    server: {
      ...server,
      peer,
      golden: false,
      fileLimit: OUT_OF_FILES.fileLimit,
      stderr: /cannot accept \(Too many open files \(os error 24\)\): retrying/,
    },
    clients: [{ role: "crowd", raw: [{ awaitClose: true }], copies: OUT_OF_FILES.callers }, next],
    timeoutMs: 60_000,
    crowd: true,
    mutations: [{
      program,
      from: "if (error instanceof Deno.errors.BadResource) throw error;",
      to: "throw error;",
      shows: "",
    }],
    reliability: {
      fault: `file descriptors run out (ulimit -n ${OUT_OF_FILES.fileLimit}, ` +
        `${OUT_OF_FILES.callers} callers at once)`,
      outcome: `one line "cannot accept (Too many open files …): retrying"; listener kept; ${NEXT}`,
      threat: "a crowd that holds connections until the server runs out of file descriptors",
    },
    ...extra,
  };
}

/**
 * `--max-connections 2`: two callers are let in and stay; a third is closed at once, without a
 * byte, and the two are still served. `greeting` is what the server says first, if anything.
 */
export function maxConnectionsCase(
  id: string,
  server: ServerRole,
  greeting: RawStep[],
  extra: Partial<ConformanceCase> = {},
): ConformanceCase {
  const program = "program" in server.peer ? server.peer.program : "";
  const peer = peerWith(server, "--max-connections", "2");
  return {
    id,
    title: "--max-connections 2: a third caller is closed at once while two stay",
    server: { ...server, peer, golden: false },
    clients: [
      { role: "inside", raw: [...greeting, { leaveOpen: true }], copies: 2 },
      { role: "turned-away", raw: [{ closedUnanswered: true }] },
    ],
    mutations: [{
      program,
      from: "if (open >= maxConnections) {",
      to: "if (open >= maxConnections + 1) {",
      shows: "instead of closing at once",
    }],
    reliability: {
      fault: "more callers than --max-connections",
      outcome: "the one over the limit is closed at once, without a byte; those inside stay",
      threat: "more callers than the server should hold at once",
    },
    ...extra,
  };
}

/**
 * The two limit rows of a server, {@linkcode outOfFilesCase} (`<prefix>-out-of-files`) and
 * {@linkcode maxConnectionsCase} (`<prefix>-max-connections`); `extra` (the files the server
 * needs, what `next` leaves) goes to the first, its `files` to both.
 */
export function limitCases(
  prefix: string,
  server: ServerRole,
  greeting: RawStep[],
  next: ClientRole,
  extra: Partial<ConformanceCase> = {},
): ConformanceCase[] {
  return [
    outOfFilesCase(`${prefix}-out-of-files`, server, next, extra),
    // No next caller here: only the files the server needs.
    maxConnectionsCase(`${prefix}-max-connections`, server, greeting, { files: extra.files }),
  ];
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
