/**
 * The bad-input rows of the lockstep servers that serve many clients at once (chat,
 * threaded_chat, madongmei, delay_server, multiplex, multiconn, basic, tcp_hello): an idle
 * client, a client vanishing at every byte, a crowd of 1,000, SIGINT and SIGTERM mid-talk.
 *
 * These servers have no framing: one `recv(1024)` is one message, as in the seeds. So the rows
 * are the ones that make sense without sizes, JSON or file names.
 *
 * @module
 */

import type { ConformanceCase, ProcessClient, ServerRole } from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import {
  biggerRead,
  type CaseMutation,
  CROWD,
  CROWD_TEXT,
  fatalDecoder,
  idleIgnored,
  idleLine,
  LONG,
  NOT_UTF8,
} from "./_bad_input.ts";
import {
  escapedClientCase,
  escapedServerCase,
  INJECTED,
  INJECTED_SHOWN,
  unescapedLog,
} from "./_escaped.ts";
import { noSignalHandler, rawClient, utf8 } from "./_helpers.ts";
import { maxConnectionsCase, outOfFilesCase } from "./_rows.ts";
import { vanishingAtEveryPoint } from "./_vanishing.ts";

/** What a server of the concurrent kind needs for its common cases. */
export interface Concurrent {
  /** The cases' id prefix, e.g. `chat` for `chat-idle`. */
  id: string;
  /** The server's script. */
  program: string;
  /** Extra server arguments (e.g. a random seed). */
  args?: string[];
  /** What the server sends first, if anything. */
  greeting?: string;
  /** A normal client, served in full after each fault (its own golden, or a shared one). */
  normal: ProcessClient;
  /** The vanishing clients' messages draw random choices: the normal client's golden shifts. */
  vanishingShiftsGolden?: boolean;
  /** A well-behaved conversation after the greeting; its messages come before the signal. */
  talk: RawStep[];
  /** How the conversation ends (e.g. `q`), after `talk`: disconnects are tried up to here. */
  farewell?: RawStep[];
  /** The crowd case's mutation, a server that caps connections (default: {@linkcode CAPPED}). */
  acceptLoop?: { from: string; to: string };
  /** What each of the crowd does once connected (and greeted), before staying open. */
  crowdTalk?: RawStep[];
  /** Bytes of the normal client, each way, and of one of the crowd. */
  normalBytes: { c2s: number; s2c: number };
  /** Bytes of one of the crowd, each way. */
  crowdBytes: { c2s: number; s2c: number };
  /** The mutation of the disconnect case: the server dying when a client vanishes. */
  diesOnDisconnect: CaseMutation;
  /** Compare no server output: the normal client's log is in an order the network decides. */
  serverGolden?: false;
  /** Compare the signal case's server output (false where its timing decides it). */
  signalGolden?: boolean;
  /** The crowd's outcome, where the server neither greets nor answers. */
  crowdOutcome?: string;
  /** What the crowd case's report shows when the cap turns the last ones away. */
  crowdShows?: string;
}

/** The cases every concurrent server gets: idle, every disconnect, the crowd, two signals. */
export function concurrentCases(spec: Concurrent): ConformanceCase[] {
  const { id, program } = spec;
  const args = spec.args ?? [];
  const greet: RawStep[] = spec.greeting === undefined ? [] : [{ recv: spec.greeting }];
  const server = (extra: Partial<ServerRole> = {}, more: string[] = []): ServerRole => ({
    peer: { program, args: [...args, ...more] },
    ...(spec.serverGolden === false ? { golden: false } : {}),
    ...extra,
  });
  const signalCase = (signal: "SIGINT" | "SIGTERM"): ConformanceCase => ({
    id: `${id}-${signal.toLowerCase()}`,
    title: `${signal} in the middle of a conversation: listener closed, status 0`,
    reliability: {
      fault: `${signal} mid-transfer`,
      outcome: "listener closed, connections dropped, status 0, nothing on stderr",
    },
    server: server({
      exitsByItself: true,
      golden: spec.signalGolden === false ? false : `${id}-signal.server`,
    }),
    // What the client says, without waiting for answers: a fault that splits an answer must
    // not keep the signal from coming.
    clients: [rawClient("talking", [
      ...greet,
      ...spec.talk.filter((step) => "send" in step),
      { signalServer: signal },
      { awaitClose: true },
    ])],
    mutations: [noSignalHandler(program)],
  });
  return [
    {
      id: `${id}-idle`,
      title: "--idle-timeout 1: a client that says nothing is let go; the next is served in full",
      reliability: {
        fault: "idle client",
        outcome: `closed after the timeout, one line "idle for 1 s: closed"; next client served`,
      },
      server: server({ stderr: idleLine(program) }, ["--idle-timeout", "1"]),
      clients: [rawClient("idle", [...greet, { awaitClose: true }]), spec.normal],
      mutations: [idleIgnored(program)],
    },
    {
      id: `${id}-vanishing`,
      title: "a client vanishes at every byte of a conversation; the next is served in full",
      reliability: {
        fault: "disconnect at every step",
        outcome: "that conversation ends, nothing on stderr; next client served",
      },
      server: server(),
      clients: [
        ...vanishingAtEveryPoint([...greet, ...spec.talk, ...(spec.farewell ?? [])]),
        spec.vanishingShiftsGolden ? { ...spec.normal, golden: undefined } : spec.normal,
      ],
      mutations: [spec.diesOnDisconnect],
    },
    {
      id: `${id}-crowd`,
      title: `${CROWD_TEXT} clients connected at once and held open; one more is served in full`,
      reliability: {
        fault: "1,000 concurrent connections",
        outcome: spec.crowdOutcome ??
          `all ${CROWD_TEXT} ${
            spec.greeting === undefined ? "answered" : "greeted"
          } and held open; one more served in full meanwhile`,
      },
      // 1,000 identical lines in some order: the exact bytes each way say more.
      server: server({ golden: false }),
      clients: [
        rawClient("crowd", [...greet, ...(spec.crowdTalk ?? []), { leaveOpen: true }], CROWD),
        spec.normal,
      ],
      bytes: {
        c2s: CROWD * spec.crowdBytes.c2s + spec.normalBytes.c2s,
        s2c: CROWD * spec.crowdBytes.s2c + spec.normalBytes.s2c,
      },
      crowd: true,
      mutations: [{
        program,
        ...(spec.acceptLoop ?? CAPPED),
        shows: spec.crowdShows ?? `of ${CROWD} copies`,
      }],
    },
    outOfFilesCase(`${id}-out-of-files`, server(), spec.normal),
    maxConnectionsCase(`${id}-max-connections`, server(), greet),
    signalCase("SIGINT"),
    signalCase("SIGTERM"),
  ];
}

/**
 * A cap on connections, in the accept loop every concurrent server shares (`serveEach`): every
 * caller from the 1,000th on is closed at once.
 */
export const CAPPED: { from: string; to: string } = {
  from: "if (open >= maxConnections) {",
  to: `if (open >= ${CROWD - 1}) {`,
};

/**
 * A server that serves one caller at a time: its shared accept loop (`serveEach`) waits for each
 * conversation to end before it accepts the next.
 */
export const ONE_AT_A_TIME: { from: string; to: string } = {
  from: "serve(conn).catch(",
  to: "await serve(conn).catch(",
};

/**
 * The cases of a server that reads one message, answers `reply` and hangs up (basic,
 * tcp_hello): the concurrent rows, then bytes that are not UTF-8, a message over 1024 bytes,
 * and a message holding terminal controls, and the same controls in the answer the `normal`
 * client prints (both printed escaped).
 */
export function oneMessageCases(
  id: string,
  program: string,
  reply: string,
  normal: ProcessClient,
  normalBytes: { c2s: number; s2c: number },
): ConformanceCase[] {
  return [
    ...concurrentCases({
      id,
      program,
      normal,
      talk: [{ send: "hello" }, { recv: reply }],
      // Answered, each of the crowd stays connected: the server waits for it to hang up.
      crowdTalk: [{ send: "hi" }, { recv: reply }],
      // Whether the message is printed before the signal is timing.
      signalGolden: false,
      normalBytes,
      crowdBytes: { c2s: 2, s2c: utf8(reply) },
      diesOnDisconnect: {
        program,
        from: "if (message === null) return;",
        to: "if (message === null) Deno.exit(1);",
        // Nobody before it waits for an answer: the normal client is the first to notice.
        shows: `-${reply}`,
      },
    }),
    {
      id: `${id}-invalid-utf8`,
      title: "bytes that are not UTF-8 are printed as U+FFFD and answered; the next client too",
      reliability: {
        fault: "invalid UTF-8",
        outcome: `printed as U+FFFD (��A), answered "${reply}"; next client served`,
      },
      server: { peer: { program } },
      clients: [
        rawClient("garbled", [{ send: NOT_UTF8 }, { recv: reply }, { vanish: true }]),
        normal,
      ],
      mutations: [fatalDecoder(program, "raw peer expected")],
    },
    {
      id: `${id}-oversize`,
      title: "a message of 1,500 bytes: its first 1024 are the message, the rest is dropped",
      reliability: {
        fault: "oversize message (> 1024 bytes)",
        outcome: `one recv(1024): the first 1024 bytes printed, "${reply}", the rest dropped; ` +
          "next client served",
      },
      server: { peer: { program } },
      clients: [rawClient("long", [{ send: LONG }, { recv: reply }, { vanish: true }]), normal],
      mutations: [biggerRead(program, "transcript differs")],
    },
    escapedServerCase(
      `${id}-escaped`,
      { peer: { program } },
      [rawClient("raw", [{ send: INJECTED }, { recv: reply }, { close: true }])],
      unescapedLog(program, "message"),
      `-${INJECTED_SHOWN}`,
    ),
    escapedClientCase(
      `${id}-client-escaped`,
      {},
      { peer: normal.peer },
      {
        program: "program" in normal.peer ? normal.peer.program : "",
        from: "console.log(printable(reply));",
        to: "console.log(reply);",
      },
      `-${INJECTED_SHOWN}`,
    ),
  ];
}
