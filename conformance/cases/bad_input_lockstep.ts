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

import type {
  ClientRole,
  ConformanceCase,
  Lesson,
  ProcessClient,
  ServerRole,
} from "../harness/case.ts";
import type { Step } from "../harness/expect.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { noSignalHandler, utf8, vanishingAtEveryPoint } from "./_helpers.ts";
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
/** The same, as titles write it. */
const CROWD_TEXT = "1,000";

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
  normal: ProcessClient;
  /** The vanishing clients' messages draw random choices: the normal client's golden shifts. */
  vanishingShiftsGolden?: boolean;
  /** A well-behaved conversation after the greeting; its messages come before the signal. */
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
function concurrentCases(spec: Concurrent): ConformanceCase[] {
  const { lesson, program } = spec;
  const args = spec.args ?? [];
  const greet: RawStep[] = spec.greeting === undefined ? [] : [{ recv: spec.greeting }];
  const server = (extra: Partial<ServerRole> = {}, more: string[] = []): ServerRole => ({
    peer: { program, args: [...args, ...more] },
    ...(spec.serverGolden === false ? { golden: false } : {}),
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
    // What the client says, without waiting for answers: a fault that splits an answer must
    // not keep the signal from coming.
    clients: [raw("talking", [
      ...greet,
      ...spec.talk.filter((step) => "send" in step),
      { signalServer: signal },
      { awaitClose: true },
    ])],
    mutations: [noSignalHandler(program)],
  });
  return [
    {
      id: `${lesson.id}-idle`,
      title: "--idle-timeout 1: a client that says nothing is let go; the next is served in full",
      reliability: {
        fault: "idle client",
        outcome: `closed after the timeout, one line "idle for 1 s: closed"; next client served`,
      },
      server: server({ stderr: idleLine(program) }, ["--idle-timeout", "1"]),
      clients: [raw("idle", [...greet, { awaitClose: true }]), spec.normal],
      mutations: [idleIgnored(program)],
    },
    {
      id: `${lesson.id}-vanishing`,
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
      id: `${lesson.id}-crowd`,
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
        raw("crowd", [...greet, ...(spec.crowdTalk ?? []), { leaveOpen: true }], CROWD),
        spec.normal,
      ],
      bytes: {
        c2s: CROWD * spec.crowdBytes.c2s + spec.normalBytes.c2s,
        s2c: CROWD * spec.crowdBytes.s2c + spec.normalBytes.s2c,
      },
      mutations: [{
        program,
        ...spec.acceptLoop,
        shows: spec.crowdShows ?? `of ${CROWD} copies`,
      }],
    },
    signalCase("SIGINT"),
    signalCase("SIGTERM"),
  ];
}

/** A cap on connections: an accept loop of one line turns away every one from the 1,000th on. */
function capped(loop: string, serve: string): { from: string; to: string } {
  return {
    from: loop,
    to: `let accepted = 0;\n  ${
      loop.replace(serve, `if (++accepted < ${CROWD}) ${serve}\n    else conn.close();`)
    }`,
  };
}

/** The same cap in an accept loop of several lines, whose head is `head`. */
function cappedBlock(head: string): { from: string; to: string } {
  return {
    from: head,
    to:
      `let accepted = 0;\n  ${head}\n    if (++accepted >= ${CROWD}) {\n      conn.close();\n      continue;\n    }`,
  };
}

// --- chat ---

const CHAT_WELCOME = "欢迎致电babyshen";
const CHAT_PROMPT = "请输入要发送的内容>>>：";
const chatNormal: ProcessClient = {
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

// --- threaded_chat ---

const TC_WELCOME = "欢迎致电10086";
const threadedNormal: ProcessClient = {
  peer: { program: "threaded_chat_client.ts" },
  dialogue: ["你", "", "q"].map((line): Step => ({ wait: "please input:", type: line })),
  golden: "threaded_chat.client",
};
const TC_LOOP = "for await (const conn of server) handle(conn, server, idleSeconds);";

threadedChat.cases.push(
  ...concurrentCases({
    lesson: threadedChat,
    program: "threaded_chat_server.ts",
    greeting: TC_WELCOME,
    normal: threadedNormal,
    talk: [{ send: "你" }, { recv: "你好" }],
    farewell: [{ send: "q" }],
    acceptLoop: capped(TC_LOOP, "handle(conn, server, idleSeconds);"),
    normalBytes: { c2s: 4, s2c: utf8(TC_WELCOME) + 6 },
    crowdBytes: { c2s: 0, s2c: utf8(TC_WELCOME) },
    // The seed's handler answers the empty reads until its send fails.
    diesOnDisconnect: {
      program: "threaded_chat_server.ts",
      from: "if (message === null || message === QUIT) break;",
      to: "if (message === null) Deno.exit(1);\n      if (message === QUIT) break;",
      shows: "vanishing-at-1",
    },
  }),
  {
    id: "threaded_chat-invalid-utf8",
    title: "bytes that are not UTF-8 are answered as U+FFFD; the same client goes on",
    reliability: {
      fault: "invalid UTF-8",
      outcome:
        "read as U+FFFD and answered (ff fe 41 → ��A好); connection kept; next client served",
    },
    server: { peer: { program: "threaded_chat_server.ts" } },
    clients: [
      raw("garbled", [
        { recv: TC_WELCOME },
        { send: NOT_UTF8 },
        { recv: `${AS_TEXT}好` },
        { send: "你" },
        { recv: "你好" },
        { send: "q" },
        { awaitClose: true },
      ]),
      threadedNormal,
    ],
    mutations: [fatalDecoder("threaded_chat_server.ts", "raw peer expected")],
  },
  {
    id: "threaded_chat-oversize",
    title: "a message of 1,500 bytes is read 1024 bytes at a time: two replies",
    reliability: {
      fault: "oversize message (> 1024 bytes)",
      outcome: "one recv(1024) per reply: answered in two pieces; connection kept; next served",
    },
    server: {
      peer: { program: "threaded_chat_server.ts" },
      golden: "threaded_chat-invalid-utf8.server",
    },
    clients: [
      raw("long", [
        { recv: TC_WELCOME },
        { send: LONG },
        ...PIECES.map((piece): RawStep => ({ recv: `${piece}好` })),
        { send: "q" },
        { awaitClose: true },
      ]),
      threadedNormal,
    ],
    mutations: [biggerRead("threaded_chat_server.ts", "raw peer expected")],
  },
);

// --- madongmei (with --seed 1, so the uncle mishears the same way every run) ---

const UNCLE_WELCOME = "你找谁呀！";
const UNCLE = "请输入(q/Q退出)：";
const SEED = ["--seed", "1"];
const madongmeiNormal: ProcessClient = {
  peer: { program: "madongmei_client.ts" },
  dialogue: ["马冬梅", "马冬梅", "", "马冬梅", "夏洛", "Q"].map((type): Step => ({
    wait: UNCLE,
    type,
  })),
  golden: "madongmei.client",
};

madongmei.cases.push(
  ...concurrentCases({
    lesson: madongmei,
    program: "madongmei_server.ts",
    args: SEED,
    greeting: UNCLE_WELCOME,
    normal: madongmeiNormal,
    vanishingShiftsGolden: true,
    talk: [{ send: "马冬梅" }, { recv: "马什么梅" }],
    acceptLoop: capped(
      "for await (const conn of listener) serveCaller(conn, random, idleSeconds);",
      "serveCaller(conn, random, idleSeconds);",
    ),
    normalBytes: { c2s: 3 * 9 + 6, s2c: 15 + 3 * 12 + 9 },
    crowdBytes: { c2s: 0, s2c: utf8(UNCLE_WELCOME) },
    diesOnDisconnect: {
      program: "madongmei_server.ts",
      from: "if (message === null) break;",
      to: "if (message === null) Deno.exit(1);",
      shows: "vanishing-at-1",
    },
  }),
  {
    id: "madongmei-invalid-utf8",
    title: "bytes that are not UTF-8 are characters like any other (U+FFFD); the caller goes on",
    reliability: {
      fault: "invalid UTF-8",
      outcome: "read as U+FFFD, one of the characters to mishear; connection kept; next served",
    },
    server: { peer: { program: "madongmei_server.ts", args: SEED } },
    clients: [
      raw("garbled", [
        { recv: UNCLE_WELCOME },
        { send: NOT_UTF8 },
        // The first draw of --seed 1 picks the second character (马冬梅 → 马什么梅).
        { recv: "什么什么A" },
        { close: true },
      ]),
      { ...madongmeiNormal, golden: undefined },
    ],
    mutations: [fatalDecoder("madongmei_server.ts", "raw peer expected")],
  },
  {
    id: "madongmei-oversize",
    title: "a message of 1,500 bytes is read 1024 bytes at a time: two replies",
    reliability: {
      fault: "oversize message (> 1024 bytes)",
      outcome: "one recv(1024) per reply: answered in two pieces; connection kept; next served",
    },
    server: {
      peer: { program: "madongmei_server.ts", args: SEED },
      golden: "madongmei-invalid-utf8.server",
    },
    clients: [
      raw("long", [
        { recv: UNCLE_WELCOME },
        { send: LONG },
        ...PIECES.map((piece): RawStep => ({ recv: "什么".repeat(piece.length) })),
        { close: true },
      ]),
      { ...madongmeiNormal, golden: "madongmei-oversize.client" },
    ],
    // One read, one draw: the draws after it shift.
    mutations: [biggerRead("madongmei_server.ts", "transcript differs")],
  },
);

// --- delay_server (5.2: the server that makes one request slow) ---

const NORMAL = "已收到普通信息：";
const delayNormal: ProcessClient = {
  peer: { program: "select_echo_client.ts" },
  dialogue: [{ wait: "请输入要发送的内容>>>：", type: "first" }],
  golden: "delay_server-not-held-up.quick",
};
const DELAY = "delay_server.ts";

pseudoConcurrent.cases.push(
  ...concurrentCases({
    lesson: { ...pseudoConcurrent, id: "delay_server" },
    program: DELAY,
    normal: delayNormal,
    talk: [{ send: "first" }, { recv: `${NORMAL}first` }],
    farewell: [{ send: "sleep" }],
    // Whether the message is printed before the signal is timing.
    signalGolden: false,
    acceptLoop: cappedBlock("for await (const conn of listener) {"),
    crowdTalk: [{ send: "hi" }, { recv: `${NORMAL}hi` }],
    normalBytes: { c2s: 5, s2c: utf8(`${NORMAL}first`) },
    crowdBytes: { c2s: 2, s2c: utf8(`${NORMAL}hi`) },
    diesOnDisconnect: {
      program: DELAY,
      from: "if (data === null) break;",
      to: "if (data === null) Deno.exit(1);",
      // The first to wait for an answer after the first vanished.
      shows: "vanishing-at-6",
    },
  }),
  {
    id: "delay_server-invalid-utf8",
    title: "bytes that are not UTF-8 are a normal message (U+FFFD): answered at once",
    reliability: {
      fault: "invalid UTF-8",
      outcome: "read as U+FFFD, answered as a normal message; connection kept; next served",
    },
    server: { peer: { program: DELAY } },
    clients: [
      raw("garbled", [{ send: NOT_UTF8 }, { recv: `${NORMAL}${AS_TEXT}` }, { vanish: true }]),
      delayNormal,
    ],
    mutations: [fatalDecoder(DELAY, "raw peer expected")],
  },
  {
    id: "delay_server-oversize",
    title: "a message of 1,500 bytes is read 1024 bytes at a time: two replies",
    reliability: {
      fault: "oversize message (> 1024 bytes)",
      outcome: "one recv(1024) per reply: answered in two pieces; connection kept; next served",
    },
    server: { peer: { program: DELAY } },
    clients: [
      raw("long", [
        { send: LONG },
        // Up to the second reply's start: one reply of all 1,500 bytes shows at once.
        { recv: `${NORMAL}${PIECES[0]}${NORMAL}` },
        { recv: PIECES[1] },
        { vanish: true },
      ]),
      delayNormal,
    ],
    mutations: [biggerRead(DELAY, "raw peer expected")],
  },
);

// --- multiplex (5.1: prints every client's messages, never answers) ---

const MULTIPLEX = "multiplex_server.ts";
const multiplexNormal: ProcessClient = {
  peer: { program: "multiplex_client.ts" },
  dialogue: [
    { wait: ">>>", type: "你好" },
    { wait: ">>>", type: "我是客户端", serverShows: "收到消息: 你好" },
    { wait: ">>>", type: "Q", serverShows: "收到消息: 我是客户端" },
  ],
  golden: "multiplex.client",
};

multiplex.cases.push(
  ...concurrentCases({
    lesson: multiplex,
    program: MULTIPLEX,
    normal: multiplexNormal,
    talk: [{ send: "你好" }],
    signalGolden: false,
    acceptLoop: cappedBlock("for await (const conn of listener) {"),
    crowdTalk: [{ send: "hi" }],
    crowdOutcome: "all 1,000 connected, each with a message, and held open; one more printed " +
      "in full meanwhile",
    // The one past the cap is the normal client: the server never shows its message.
    crowdShows: `server line "收到消息: 你好"`,
    normalBytes: { c2s: 21, s2c: 0 },
    crowdBytes: { c2s: 2, s2c: 0 },
    diesOnDisconnect: {
      program: MULTIPLEX,
      from: "if (data === null) break;",
      to: "if (data === null) Deno.exit(1);",
      // Nobody waits for an answer: the normal client is the first to notice.
      shows: `server line "收到消息: 你好"`,
    },
  }),
  {
    id: "multiplex-invalid-utf8",
    title: "bytes that are not UTF-8 are printed as U+FFFD; the next client is printed in full",
    reliability: {
      fault: "invalid UTF-8",
      outcome: "printed as U+FFFD (收到消息: ��A); next client served",
    },
    server: { peer: { program: MULTIPLEX } },
    clients: [raw("garbled", [{ send: NOT_UTF8 }, { vanish: true }]), multiplexNormal],
    mutations: [fatalDecoder(MULTIPLEX, `-收到消息: ${AS_TEXT}`)],
  },
  {
    id: "multiplex-oversize",
    title: "a message of 1,500 bytes is read 1024 bytes at a time: printed in two lines",
    reliability: {
      fault: "oversize message (> 1024 bytes)",
      outcome: "one recv(1024) per line: printed in two pieces; next client served",
    },
    server: { peer: { program: MULTIPLEX } },
    clients: [raw("long", [{ send: LONG }, { vanish: true }]), multiplexNormal],
    mutations: [biggerRead(MULTIPLEX, "transcript differs")],
  },
);

// --- multiconn (selectors: an echo server for many connections) ---

const MULTICONN = "multiconn_server.ts";
const multiconnNormal: ProcessClient = {
  peer: { program: "multiconn_client.ts", args: ["--conns", "3"] },
  golden: "multiconn.client",
};

multiconn.cases.push(
  ...concurrentCases({
    lesson: multiconn,
    program: MULTICONN,
    normal: multiconnNormal,
    talk: [{ send: "hi" }, { recv: "hi" }],
    farewell: [{ send: "yo" }],
    // The normal client's three connections are logged in an order the network decides.
    serverGolden: false,
    signalGolden: false,
    acceptLoop: cappedBlock("for await (const conn of listener) {"),
    crowdTalk: [{ send: "hi" }, { recv: "hi" }],
    normalBytes: { c2s: 3 * 44, s2c: 3 * 44 },
    crowdBytes: { c2s: 2, s2c: 2 },
    diesOnDisconnect: {
      program: MULTICONN,
      from: "if (n === null) break;",
      to: "if (n === null) Deno.exit(1);",
      // The first to wait for an echo after the first vanished.
      shows: "vanishing-at-3",
    },
  }),
  {
    id: "multiconn-invalid-utf8",
    title: "bytes that are not UTF-8 come back unchanged: it echoes bytes, not text",
    reliability: {
      fault: "invalid UTF-8",
      outcome: "echoed byte for byte (ff fe 41); connection kept; next client served",
    },
    server: { peer: { program: MULTICONN }, golden: false },
    clients: [
      raw("garbled", [{ send: NOT_UTF8 }, { recv: NOT_UTF8 }, { send: "hi" }, { recv: "hi" }]),
      multiconnNormal,
    ],
    mutations: [{
      program: MULTICONN,
      from: "await writeAll(conn, buffer.subarray(0, n));",
      to:
        "await writeAll(conn, new TextEncoder().encode(new TextDecoder().decode(buffer.subarray(0, n))));",
      shows: "raw peer expected",
    }],
  },
  {
    id: "multiconn-oversize",
    title: "a message of 1,500 bytes is read 1024 bytes at a time and comes back whole",
    reliability: {
      fault: "oversize message (> 1024 bytes)",
      outcome: "echoed whole, in 1024-byte reads; connection kept; next client served",
    },
    server: { peer: { program: MULTICONN }, golden: false },
    clients: [raw("long", [{ send: LONG }, { recv: LONG }]), multiconnNormal],
    // A server that answers one read and hangs up.
    mutations: [{
      program: MULTICONN,
      from: "await writeAll(conn, buffer.subarray(0, n));",
      to: "await writeAll(conn, buffer.subarray(0, n));\n      break;",
      shows: "raw peer expected",
    }],
  },
);

// --- basic and tcp_hello: one message each way, then the server hangs up ---

/** The cases of a server that reads one message, answers `reply` and hangs up. */
function oneMessageCases(
  lesson: Lesson,
  program: string,
  reply: string,
  normal: ProcessClient,
  normalBytes: { c2s: number; s2c: number },
): ConformanceCase[] {
  const loop = "for await (const conn of listener) serveClient(conn, idleSeconds);";
  return [
    ...concurrentCases({
      lesson,
      program,
      normal,
      talk: [{ send: "hello" }, { recv: reply }],
      acceptLoop: capped(loop, "serveClient(conn, idleSeconds);"),
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
      id: `${lesson.id}-invalid-utf8`,
      title: "bytes that are not UTF-8 are printed as U+FFFD and answered; the next client too",
      reliability: {
        fault: "invalid UTF-8",
        outcome: `printed as U+FFFD (��A), answered "${reply}"; next client served`,
      },
      server: { peer: { program } },
      clients: [raw("garbled", [{ send: NOT_UTF8 }, { recv: reply }, { vanish: true }]), normal],
      mutations: [fatalDecoder(program, "raw peer expected")],
    },
    {
      id: `${lesson.id}-oversize`,
      title: "a message of 1,500 bytes: its first 1024 are the message, the rest is dropped",
      reliability: {
        fault: "oversize message (> 1024 bytes)",
        outcome: `one recv(1024): the first 1024 bytes printed, "${reply}", the rest dropped; ` +
          "next client served",
      },
      server: { peer: { program } },
      clients: [raw("long", [{ send: LONG }, { recv: reply }, { vanish: true }]), normal],
      mutations: [biggerRead(program, "transcript differs")],
    },
  ];
}

basic.cases.push(
  ...oneMessageCases(
    basic,
    "basic_server.ts",
    "Hello World",
    { peer: { program: "basic_client.ts" }, golden: "basic.client" },
    { c2s: 17, s2c: 11 },
  ),
);

tcpHello.cases.push(
  ...oneMessageCases(
    tcpHello,
    "tcp_hello_server.ts",
    "hello world",
    { peer: { program: "tcp_hello_client.ts" }, golden: "tcp_hello.client" },
    { c2s: 5, s2c: 11 },
  ),
);

// --- upper: one call, as in the seed ---

const UPPER = "upper_server.ts";
const upperNormal: ProcessClient = { peer: { program: "upper_client.ts" }, golden: "upper.client" };
/** The server of a one-call case: it ends by itself once the call is answered. */
const upperServer = (extra: Partial<ServerRole> = {}, args: string[] = []): ServerRole => ({
  peer: { program: UPPER, args },
  exitsByItself: true,
  ...extra,
});
const upperSignal = (signal: "SIGINT" | "SIGTERM"): ConformanceCase => ({
  id: `upper-${signal.toLowerCase()}`,
  title: `${signal} while the call is open, before a word: listener closed, status 0`,
  reliability: {
    fault: `${signal} mid-transfer`,
    outcome: "listener closed, the call dropped, status 0, nothing on stderr",
  },
  // Whether the call was picked up before the signal is timing: the log is not compared.
  server: upperServer({ golden: false }),
  clients: [raw("caller", [{ signalServer: signal }, { awaitClose: true }])],
  mutations: [noSignalHandler(UPPER)],
});

upper.cases.push(
  {
    id: "upper-idle",
    title: "--idle-timeout 1: a silent call is hung up and does not count; the next call is taken",
    reliability: {
      fault: "idle client",
      outcome: `hung up after the timeout, one line "idle for 1 s: closed"; the next call served`,
    },
    server: upperServer({ stderr: idleLine(UPPER) }, ["--idle-timeout", "1"]),
    clients: [raw("silent", [{ awaitClose: true }]), upperNormal],
    mutations: [idleIgnored(UPPER)],
  },
  {
    id: "upper-disconnect",
    title: "a caller that hangs up mid-sentence: what was heard is answered, the one call is over",
    reliability: {
      fault: "disconnect at every step",
      outcome: "one call by design: the part heard is printed and answered, status 0",
    },
    server: upperServer(),
    clients: [raw("vanishing", [{ send: "Hello" }, { vanish: true }])],
    // A call whose caller has left would not count: the server would wait for another.
    mutations: [{
      program: UPPER,
      from: "    answered = true;\n",
      to: "",
      shows: "did not exit",
    }],
  },
  {
    id: "upper-crowd",
    title: `${CROWD_TEXT} calls at once: one is taken and answered, the others wait and are let go`,
    reliability: {
      fault: "1,000 concurrent connections",
      outcome: "one call by design: the first picked up is served in full, status 0; " +
        "the rest wait in the listen backlog and are let go when it ends",
    },
    server: upperServer(),
    clients: [raw("crowd", [{ send: "hello" }, { vanish: true }], CROWD)],
    mutations: [{
      program: UPPER,
      from: `console.log("recv:", data);`,
      to: `console.log("recv:", data.slice(0, 3));`,
      shows: "+recv: hel",
    }],
  },
  upperSignal("SIGINT"),
  upperSignal("SIGTERM"),
  {
    id: "upper-invalid-utf8",
    title: "bytes that are not UTF-8 are read as U+FFFD; the ASCII letters are still capitals",
    reliability: {
      fault: "invalid UTF-8",
      outcome: "read as U+FFFD and answered as its UTF-8 (ff fe 61 → ��A), status 0",
    },
    server: upperServer(),
    clients: [raw("garbled", [
      { send: Uint8Array.from([0xff, 0xfe, 0x61]) },
      { recv: AS_TEXT },
      { vanish: true },
    ])],
    mutations: [fatalDecoder(UPPER, "raw peer expected")],
  },
  {
    id: "upper-oversize",
    title: "a sentence of 1,500 bytes: its first 1024 are heard and answered, the rest dropped",
    reliability: {
      fault: "oversize message (> 1024 bytes)",
      outcome: "one recv(1024): the first 1024 bytes answered in capitals, the rest dropped, " +
        "status 0",
    },
    server: upperServer(),
    clients: [raw("long", [{ send: LONG }, { recv: PIECES[0].toUpperCase() }, { vanish: true }])],
    mutations: [biggerRead(UPPER, "transcript differs")],
  },
);

// --- blocking: one client, as in the seed ---

const BLOCKING = "blocking_server.ts";
const blockingNormal: ProcessClient = {
  peer: { program: "blocking_client.ts" },
  golden: "blocking.client",
};
const blockingServer = (extra: Partial<ServerRole> = {}, args: string[] = []): ServerRole => ({
  peer: { program: BLOCKING, args },
  exitsByItself: true,
  ...extra,
});
const blockingSignal = (signal: "SIGINT" | "SIGTERM"): ConformanceCase => ({
  id: `blocking-${signal.toLowerCase()}`,
  title: `${signal} while the client is still sending: listener closed, status 0`,
  reliability: {
    fault: `${signal} mid-transfer`,
    outcome: "listener closed, the message dropped, status 0, nothing on stderr",
  },
  server: blockingServer({ golden: false }),
  clients: [raw("sending", [{ send: "ABCD" }, { signalServer: signal }, { awaitClose: true }])],
  mutations: [noSignalHandler(BLOCKING)],
});

blocking.cases.push(
  {
    id: "blocking-idle",
    title: "--idle-timeout 1: a silent client is let go and is not the one; the next one is",
    reliability: {
      fault: "idle client",
      outcome: `let go after the timeout, one line "idle for 1 s: closed"; next client served`,
    },
    server: blockingServer({ stderr: idleLine(BLOCKING), golden: "blocking.server" }, [
      "--idle-timeout",
      "1",
    ]),
    clients: [raw("silent", [{ awaitClose: true }]), blockingNormal],
    mutations: [idleIgnored(BLOCKING)],
  },
  {
    id: "blocking-disconnect",
    title: "a client that hangs up without a word is the one client: an empty line, as b''",
    reliability: {
      fault: "disconnect at every step",
      outcome: "its end of stream ends the message: what arrived is printed (here nothing), " +
        "status 0 (one client by design)",
    },
    server: blockingServer(),
    clients: [raw("vanishing", [{ vanish: true }])],
    mutations: [{
      program: BLOCKING,
      from: "if (data === null) continue;",
      to: `if (data === "") continue;`,
      shows: "did not exit",
    }],
  },
  {
    id: "blocking-crowd",
    title: `${CROWD_TEXT} clients at once: the first accepted is served in full, the rest let go`,
    reliability: {
      fault: "1,000 concurrent connections",
      outcome: "one client by design: the first accepted is printed in full, status 0; " +
        "the rest wait in the listen backlog and are let go when it ends",
    },
    server: blockingServer({ golden: "blocking.server" }),
    clients: [raw("crowd", [{ send: "ABCDEFGH" }, { vanish: true }], CROWD)],
    mutations: [{
      program: BLOCKING,
      from: "console.log(data);",
      to: "console.log(data.slice(0, 4));",
      shows: "+ABCD",
    }],
  },
  blockingSignal("SIGINT"),
  blockingSignal("SIGTERM"),
  {
    id: "blocking-invalid-utf8",
    title: "bytes that are not UTF-8 are printed as U+FFFD",
    reliability: {
      fault: "invalid UTF-8",
      outcome: "printed as U+FFFD (��A), status 0 (one client by design)",
    },
    server: blockingServer(),
    clients: [raw("garbled", [{ send: NOT_UTF8 }, { vanish: true }])],
    mutations: [fatalDecoder(BLOCKING, "did not exit")],
  },
  {
    id: "blocking-oversize",
    title: "a message over 64 KiB is refused in one line; the next client is the one served",
    reliability: {
      fault: "oversize message (> 64 KiB)",
      outcome: `one line "sent more than 65536 bytes: refused", connection closed; ` +
        "next client served",
    },
    server: blockingServer({
      golden: "blocking.server",
      stderr: /^blocking_server\.ts: 127\.0\.0\.1:\d+ sent more than 65536 bytes: refused$/,
    }),
    clients: [raw("long", [{ send: "a".repeat(64 * 1024 + 1) }, { vanish: true }]), blockingNormal],
    mutations: [{
      program: BLOCKING,
      from: "if (total > limit) {",
      to: "if (total > limit * 2) {",
      shows: "sent more than",
    }],
  },
);

// --- welcome: callers one after another; the first that hangs up ends the server ---

const WELCOME_SERVER = "welcome_server.ts";
const KUDINGCHA = "welcome kudingcha Tea Garden";
const welcomeNormal: ProcessClient = {
  peer: { program: "welcome_client.ts" },
  golden: "welcome.client",
};
const welcomeServer = (extra: Partial<ServerRole> = {}, args: string[] = []): ServerRole => ({
  peer: { program: WELCOME_SERVER, args },
  exitsByItself: true,
  ...extra,
});
const welcomeSignal = (signal: "SIGINT" | "SIGTERM"): ConformanceCase => ({
  id: `welcome-${signal.toLowerCase()}`,
  title: `${signal} while a caller is connected: listener closed, status 0`,
  reliability: {
    fault: `${signal} mid-transfer`,
    outcome: "listener closed, the caller dropped, status 0, nothing on stderr",
  },
  server: welcomeServer({ golden: "welcome-signal.server" }),
  clients: [raw("caller", [{ recv: KUDINGCHA }, { signalServer: signal }, { awaitClose: true }])],
  mutations: [noSignalHandler(WELCOME_SERVER)],
});

welcome.cases.push(
  {
    id: "welcome-idle",
    title: "--idle-timeout 1: a silent caller is let go, the server waits for the next",
    reliability: {
      fault: "idle client",
      outcome: `let go after the timeout, one line "idle for 1 s: closed"; next caller served`,
    },
    server: welcomeServer({ stderr: idleLine(WELCOME_SERVER) }, ["--idle-timeout", "1"]),
    clients: [raw("silent", [{ recv: KUDINGCHA }, { awaitClose: true }]), welcomeNormal],
    mutations: [idleIgnored(WELCOME_SERVER)],
  },
  {
    id: "welcome-vanishing",
    title: "a caller that says a byte and leaves ends only its conversation; one that hangs up " +
      "ends the server",
    reliability: {
      fault: "disconnect at every step",
      outcome: "after a word, only that conversation ends; a hang-up without one ends the " +
        "server, status 0 (the lesson)",
    },
    server: welcomeServer(),
    clients: [
      raw("vanishing", [{ recv: KUDINGCHA }, { send: "h" }, { vanish: true }]),
      welcomeNormal,
    ],
    // The server ending after any caller: the one after it finds nobody.
    mutations: [{
      program: WELCOME_SERVER,
      from: "if (heard === null) break;",
      to: "break;",
      shows: `-Received ${KUDINGCHA}`,
    }],
  },
  {
    id: "welcome-crowd",
    title: `${CROWD_TEXT} callers at once are greeted one after another; then one more hangs up`,
    reliability: {
      fault: "1,000 concurrent connections",
      outcome: "callers one at a time, as in the seed: the crowd waits in the backlog and each " +
        "is greeted in turn; the last ends the server, status 0",
    },
    // 1,001 identical lines: the exact bytes each way say more.
    server: welcomeServer({ golden: false }),
    clients: [
      // Each speaks first, so the server never waits on a caller: it greets, finds the word
      // waiting, hangs up and takes the next, one after another.
      raw("crowd", [{ send: "hi" }, { recv: KUDINGCHA }, { awaitClose: true }], CROWD),
      welcomeNormal,
    ],
    bytes: { c2s: CROWD * 2, s2c: (CROWD + 1) * utf8(KUDINGCHA) },
    mutations: [{
      program: WELCOME_SERVER,
      from: "  while (true) {\n    const conn = await listener.accept();",
      to:
        `  let served = 0;\n  while (++served < ${CROWD}) {\n    const conn = await listener.accept();`,
      shows: `of ${CROWD} copies`,
    }],
  },
  welcomeSignal("SIGINT"),
  welcomeSignal("SIGTERM"),
);
