/**
 * The bad-input catalogue of issue #6 for the lockstep servers (basic, blocking, chat, delay,
 * madongmei, multiconn, multiplex, tcp_hello, threaded_chat, upper, welcome): each case feeds one
 * kind of bad input or fault to a server, checks that it answers (or lets go of the connection)
 * without a crash, and then that it still serves the next client in full. Each case's
 * `reliability` entry is its row in `docs/RELIABILITY.md`.
 *
 * These servers have no framing: one `recv(1024)` is one message, as in the seeds. So the rows
 * are the ones that make sense without sizes, JSON or file names: bytes that are not UTF-8
 * (read as U+FFFD, TextDecoder's replacement character), a message beyond the 1024 bytes of one
 * read (answered in pieces, or its rest dropped), a disconnect at every byte of a conversation,
 * an idle client (`--idle-timeout 1`), 1,000 connections held open at once, and SIGINT/SIGTERM
 * in the middle of a conversation.
 *
 * Three servers take one client by design, as their seeds do: upper (one call), blocking (one
 * client) and welcome (callers one after another; the first that hangs up ends it). Their cases
 * show what the lesson means under the fault: the crowd waits in the listen backlog and is let
 * go (or served in turn), and the case still ends within its bound.
 *
 * @module
 */

import type { ClientRole, ConformanceCase, Lesson, ServerRole } from "../harness/case.ts";
import type { Step } from "../harness/expect.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { utf8, vanishingAtEveryPoint } from "./_helpers.ts";
import { basic } from "./basic.ts";
import { chat } from "./chat.ts";
import {
  blocking,
  madongmei,
  multiconn,
  multiplex,
  pseudoConcurrent,
  tcpHello,
  threadedChat,
  welcome,
} from "./lessons_part1.ts";
import { upper } from "./upper.ts";

type Mutations = NonNullable<ConformanceCase["mutations"]>;

/** Bytes that are not UTF-8: a byte UTF-8 never uses, a lone one, then `A`. */
const NOT_UTF8 = Uint8Array.from([0xff, 0xfe, 0x41]);
/** What TextDecoder makes of {@linkcode NOT_UTF8}. */
const AS_TEXT = "\uFFFD\uFFFDA";

/** One message longer than one `recv(1024)`: 1,500 ASCII letters. */
const LONG = "a".repeat(1500);
/** The pieces one `recv(1024)` after another cut {@linkcode LONG} into. */
const PIECES = ["a".repeat(1024), "a".repeat(476)];

/** How many clients the crowd cases hold open at once. */
const CROWD = 1000;

/** A raw client with one script (played by `copies` clients at once). */
const raw = (role: string, steps: RawStep[], copies?: number): ClientRole => ({
  role,
  raw: steps,
  copies,
});

/** The stderr of a server that let one idle client go after 1 s, and nothing else. */
const idleLine = (program: string) =>
  new RegExp(`^${program.replace(".", "\\.")}: 127\\.0\\.0\\.1:\\d+ idle for 1 s: closed$`);

/** The mutation every idle case carries: the flag's value not reaching the timer. */
const idleIgnored = (program: string) => ({
  program,
  from: "closeWhenIdle(conn, idleSeconds,",
  to: "closeWhenIdle(conn, idleSeconds * 2,",
  shows: "idle for 2 s",
});

/** Without its signal handler the runtime's default kills the server (status 130 or 143). */
const signalIgnored = (program: string) => ({
  program,
  from: "  onShutdown(() => {",
  to: "  (() => {",
  shows: "server exited with",
});

/** A decoder that throws on bytes that are not UTF-8, instead of reading them as U+FFFD. */
const fatalDecoder = (program: string, shows: string) => ({
  program,
  from: "new TextDecoder()",
  to: `new TextDecoder("utf-8", { fatal: true })`,
  shows,
});

/** One read of 2048 bytes instead of the seed's 1024: a long message is one message. */
const biggerRead = (program: string, shows: string) => ({
  program,
  from: "const buffer = new Uint8Array(1024);",
  to: "const buffer = new Uint8Array(2048);",
  shows,
});

/** What a server of the concurrent kind needs for its common cases. */
interface Concurrent {
  lesson: Lesson;
  program: string;
  /** Extra server arguments (e.g. a random seed). */
  args?: string[];
  /** What the server sends first, if anything. */
  greeting?: string;
  /** A normal client, served in full after each fault (its own golden, or a shared one). */
  normal: ClientRole;
  /** For the normal client, when a fault's earlier draws of a random choice shift its golden. */
  ownGolden?: boolean;
  /** A well-behaved conversation after the greeting, as far as the signal comes. */
  talk: RawStep[];
  /** How the conversation ends (e.g. `q`), after `talk`: disconnects are tried up to here. */
  farewell?: RawStep[];
  /** The accept loop's line, for the crowd case's mutation (a server that caps connections). */
  acceptLoop: { from: string; to: string };
  /** What each of the crowd does once connected (and greeted), before staying open. */
  crowdTalk?: RawStep[];
  /** Bytes of the normal client, each way, and of one of the crowd. */
  normalBytes: { c2s: number; s2c: number };
  crowdBytes: { c2s: number; s2c: number };
  /** The mutation of the disconnect case: the server dying when a client vanishes. */
  diesOnDisconnect: Mutations[number];
  /** Compare the signal case's server output (false where its timing decides it). */
  signalGolden?: boolean;
  /** Bound for the crowd case if its mutation can only show as a hang. */
  crowdTimeoutMs?: number;
}

/** The normal client of `spec`, under the golden of case `id` when it has its own. */
function normalFor(spec: Concurrent, id: string): ClientRole {
  return spec.ownGolden ? { ...spec.normal, golden: `${id}.${spec.normal.role ?? "client"}` } : spec
    .normal;
}

/** The cases every concurrent server gets: idle, every disconnect, the crowd, two signals. */
function concurrentCases(spec: Concurrent): ConformanceCase[] {
  const { lesson, program } = spec;
  const args = spec.args ?? [];
  const greet: RawStep[] = spec.greeting === undefined ? [] : [{ recv: spec.greeting }];
  const server = (extra: Partial<ServerRole> = {}, more: string[] = []): ServerRole => ({
    peer: { program, args: [...args, ...more] },
    ...extra,
  });
  const signalCase = (signal: "SIGINT" | "SIGTERM"): ConformanceCase => ({
    id: `${lesson.id}-${signal.toLowerCase()}`,
    title: `${signal} in the middle of a conversation: listener closed, status 0`,
    reliability: {
      fault: `${signal} mid-transfer`,
      outcome: "listener closed, connections dropped, status 0, nothing on stderr",
    },
    server: server({
      exitsByItself: true,
      golden: spec.signalGolden === false ? false : `${lesson.id}-signal.server`,
    }),
    clients: [raw("talking", [...greet, ...spec.talk, { signalServer: signal }, {
      awaitClose: true,
    }])],
    mutations: [signalIgnored(program)],
  });
  const idleId = `${lesson.id}-idle`;
  const vanishingId = `${lesson.id}-vanishing`;
  const crowdId = `${lesson.id}-crowd`;
  return [
    {
      id: idleId,
      title: "--idle-timeout 1: a client that says nothing is let go; the next is served in full",
      reliability: {
        fault: "idle client",
        outcome: `closed after the timeout, one line "idle for 1 s: closed"; next client served`,
      },
      server: server({ stderr: idleLine(program) }, ["--idle-timeout", "1"]),
      clients: [raw("idle", [...greet, { awaitClose: true }]), normalFor(spec, idleId)],
      mutations: [idleIgnored(program)],
    },
    {
      id: vanishingId,
      title: "a client vanishes at every byte of a conversation; the next is served in full",
      reliability: {
        fault: "disconnect at every step",
        outcome: "that conversation ends, nothing on stderr; next client served",
      },
      server: server(),
      clients: [
        ...vanishingAtEveryPoint([...greet, ...spec.talk, ...(spec.farewell ?? [])]),
        normalFor(spec, vanishingId),
      ],
      mutations: [spec.diesOnDisconnect],
    },
    {
      id: crowdId,
      title: `${CROWD} clients connected at once and held open; one more is served in full`,
      reliability: {
        fault: "1,000 concurrent connections",
        outcome: `all ${CROWD} ${
          spec.greeting === undefined ? "answered" : "greeted"
        } and held open; one more served in full meanwhile`,
      },
      // 1,000 identical lines in some order: the exact bytes each way say more.
      server: server({ golden: false }),
      clients: [
        raw("crowd", [...greet, ...(spec.crowdTalk ?? []), { leaveOpen: true }], CROWD),
        normalFor(spec, crowdId),
      ],
      bytes: {
        c2s: CROWD * spec.crowdBytes.c2s + spec.normalBytes.c2s,
        s2c: CROWD * spec.crowdBytes.s2c + spec.normalBytes.s2c,
      },
      mutations: [{
        program,
        ...spec.acceptLoop,
        shows: spec.crowdTimeoutMs ? "ran past" : `of ${CROWD} copies`,
      }],
      timeoutMs: spec.crowdTimeoutMs,
    },
    signalCase("SIGINT"),
    signalCase("SIGTERM"),
  ];
}

/** A cap on connections: the accept loop turns away every one from the 1,000th on. */
function capped(loop: string, serve: string): { from: string; to: string } {
  return {
    from: loop,
    to: `let accepted = 0;\n  ${
      loop.replace(serve, `if (++accepted < ${CROWD}) ${serve}\n    else conn.close();`)
    }`,
  };
}

// --- chat ---

const CHAT_WELCOME = "欢迎致电babyshen";
const CHAT_PROMPT = "请输入要发送的内容>>>：";
const chatNormal: ClientRole = {
  peer: { program: "chat_client.ts" },
  dialogue: ["我", "你", "他", "q"].map((line): Step => ({ wait: CHAT_PROMPT, type: line })),
  golden: "chat.client",
};
const CHAT_LOOP = "for await (const conn of listener) serveCaller(conn, idleSeconds);";

chat.cases.push(
  ...concurrentCases({
    lesson: chat,
    program: "chat_server.ts",
    greeting: CHAT_WELCOME,
    normal: chatNormal,
    talk: [{ send: "我" }, { recv: "我好" }],
    farewell: [{ send: "q" }],
    acceptLoop: capped(CHAT_LOOP, "serveCaller(conn, idleSeconds);"),
    normalBytes: { c2s: 10, s2c: 38 },
    crowdBytes: { c2s: 0, s2c: utf8(CHAT_WELCOME) },
    // The seed's server crashes once a caller has gone.
    diesOnDisconnect: {
      program: "chat_server.ts",
      from: `console.log("客户端已经断开");\n        break;`,
      to: `console.log("客户端已经断开");\n        Deno.exit(1);`,
      shows: "vanishing-at-1",
    },
  }),
  {
    id: "chat-invalid-utf8",
    title: "bytes that are not UTF-8 are answered as U+FFFD; the same caller goes on",
    reliability: {
      fault: "invalid UTF-8",
      outcome:
        "read as U+FFFD and answered (ff fe 41 → ��A好); connection kept; next client served",
    },
    server: { peer: { program: "chat_server.ts" } },
    clients: [
      raw("garbled", [
        { recv: CHAT_WELCOME },
        { send: NOT_UTF8 },
        { recv: `${AS_TEXT}好` },
        { send: "我" },
        { recv: "我好" },
        { send: "q" },
        { awaitClose: true },
      ]),
      chatNormal,
    ],
    mutations: [fatalDecoder("chat_server.ts", "raw peer expected")],
  },
  {
    id: "chat-oversize",
    title: "a message of 1,500 bytes is read as the seed reads it, 1024 at a time: two replies",
    reliability: {
      fault: "oversize message (> 1024 bytes)",
      outcome: "one recv(1024) per reply: answered in two pieces; connection kept; next served",
    },
    server: { peer: { program: "chat_server.ts" }, golden: "chat-invalid-utf8.server" },
    clients: [
      raw("long", [
        { recv: CHAT_WELCOME },
        { send: LONG },
        ...PIECES.map((piece): RawStep => ({ recv: `${piece}好` })),
        { send: "q" },
        { awaitClose: true },
      ]),
      chatNormal,
    ],
    mutations: [biggerRead("chat_server.ts", "raw peer expected")],
  },
);
