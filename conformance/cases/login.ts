/**
 * 案例3：远程登陆系统 — remote login: alice, the first user in the file, logs in (the seed lets
 * only the last one in); a Chinese name, CRLF line endings, a wrong password, the seed's Python
 * client and server as foreign peers, the bad-input rows, the welcome split in two, and IPv6.
 *
 * @module
 */

import type { ClientRole, ConformanceCase, Lesson, ServerRole } from "../harness/case.ts";
import { type CaseMutation, NEXT } from "./_bad_input.ts";
import { splitting } from "./_chaos.ts";
import { rawClient, seedPython, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { crowdCase, idleCase, limitCases, signalCases, withServerFolder } from "./_rows.ts";
import { splitMessageCase } from "./_split_message.ts";
import { vanishingAtEveryPoint } from "./_vanishing.ts";
import {
  escapedClientCase,
  hostileServer,
  INJECTED,
  INJECTED_SHOWN,
  unescapedLog,
} from "./_escaped.ts";

const USERS = { at: "server", path: "user", content: { fixture: "files/user" } };
const ACCOUNT = "请输入账号名:";
const PASSWORD = "请输入密码:";
const login = (name: string, password: string) => [
  { wait: ACCOUNT, type: name },
  { wait: PASSWORD, type: password },
];
/** The JSON the client sends, as Python's json.dumps writes it. */
const loginJson = (escapedName: string, hash: string) =>
  `{"username": "${escapedName}", "password": "${hash}"}`;
const ALICE_HASH = "362b44f2b38b3159826c187fcbc44943"; // md5("sdasdfagfawds" + "secret")

/** alice, the first user in the file, logs in. */
const main: ConformanceCase = {
  id: "login",
  title: "alice, the first user in the file, logs in (the seed lets only the last one in)",
  files: [USERS],
  server: { peer: { program: "login_server.ts" } },
  clients: [{ peer: { program: "login_client.ts" }, dialogue: login("alice", "secret") }],
  bytes: { c2s: utf8(loginJson("alice", ALICE_HASH)), s2c: utf8("欢迎使用XX系统登陆成功") },
  mutations: [{
    program: "login_server.ts",
    from: `line.replace(/\\r$/, "")`,
    to: `(line + "\\n")`,
    shows: "-登陆成功",
  }],
};

// --- Bad input: welcome, a JSON request, a verdict ---

const LOGIN_WELCOME = "欢迎使用XX系统";
const LOGIN_FAIL = "账号或密码错误";
const LOGIN_USERS = { at: "server", path: "user", content: { fixture: "files/user" } } as const;
const LOGIN_SERVER: ServerRole = {
  peer: { program: "login_server.ts", args: ["--fail-delay", "0"] },
  mayChange: /^$/,
};
const ALICE = `{"username": "alice", "password": "362b44f2b38b3159826c187fcbc44943"}`;
const LOGIN_NEXT: ClientRole = {
  role: "next",
  raw: [{ recv: LOGIN_WELCOME }, { send: ALICE }, { recv: "登陆成功" }],
};

/** Requests that each get 账号或密码错误 at once; alice logs in after them. */
function loginRefusal(
  id: string,
  fault: string,
  requests: (string | Uint8Array)[],
  mutation: CaseMutation,
  why: string,
): ConformanceCase {
  return {
    id: `login-${id}`,
    title: `${fault}: ${LOGIN_FAIL} at once, one log line; the next login works`,
    files: [LOGIN_USERS],
    server: LOGIN_SERVER,
    clients: [
      ...requests.map((send, i): ClientRole => ({
        role: `bad-${i}`,
        raw: [{ recv: LOGIN_WELCOME }, { send }, { recv: LOGIN_FAIL }],
      })),
      LOGIN_NEXT,
    ],
    mutations: [mutation],
    reliability: { fault, outcome: `answered "${LOGIN_FAIL}" at once, ${why}; ${NEXT}` },
  };
}

// --- Guessing in parallel ---

/** How many wrong passwords the guessing case sends at once, each on its connection. */
const GUESSES = 8;
/** bob's name with a wrong password's hash. */
const WRONG_BOB = loginJson("bob", "0".repeat(32));
/** A name that shows as `alice` on a terminal: a right-to-left override, then `ecila`. */
const SPOOFED_ALICE = loginJson("\\u202eecila", ALICE_HASH);
/** The log line of a failed login as bob, answered after `ms`. */
const bobFailed = (ms: number) => `127.0.0.1:<PORT> "bob": ${LOGIN_FAIL}, answered after ${ms} ms`;

/**
 * Many guesses at once from one address: they are judged one at a time, each failure's pause
 * twice the one before up to the cap, counted only once that pause is over; so the log shows
 * each pause, growing, only if no guess was judged before the one ahead of it had paid.
 */
const parallelGuessing: ConformanceCase = {
  id: "login-parallel-guessing",
  title: `${GUESSES} wrong passwords sent at once from one address are judged one at a time, ` +
    "each answered after twice the pause of the one before (10 ms up to --max-fail-delay " +
    "80 ms); a success starts again at 10 ms; a name's bidi control is logged escaped",
  files: [LOGIN_USERS],
  server: {
    peer: {
      program: "login_server.ts",
      args: ["--fail-delay", "0.01", "--max-fail-delay", "0.08"],
    },
  },
  clients: [
    rawClient("guesser", [
      { recv: LOGIN_WELCOME },
      { send: WRONG_BOB },
      { recv: LOGIN_FAIL },
      { awaitClose: true },
    ], GUESSES),
    LOGIN_NEXT,
    rawClient("spoofer", [
      { recv: LOGIN_WELCOME },
      { send: SPOOFED_ALICE },
      { recv: LOGIN_FAIL },
      { awaitClose: true },
    ]),
  ],
  mutations: [
    {
      // No line: every guess is judged as it comes, all of them side by side.
      program: "login_server.ts",
      from: "const before = queues.get(address) ?? Promise.resolve();",
      to: "const before = Promise.resolve();",
      shows: `-127.0.0.1:<PORT> "bob": ${LOGIN_FAIL}, answered after`,
    },
    {
      program: "login_server.ts",
      from: "const seconds = Math.min(pauses.first * 2 ** Math.min(before, 40), pauses.most);",
      to: "const seconds = Math.min(pauses.first, pauses.most);",
      shows: `-${bobFailed(20)}`,
    },
    {
      // Counted per connection (address and port): every guess is a first one, and none waits.
      program: "login_server.ts",
      from: "const address = conn.remoteAddr.hostname;",
      to: "const address = client;",
      shows: `-${bobFailed(20)}`,
    },
    {
      program: "login_server.ts",
      from: "failures.delete(address);",
      to: "failures.get(address);",
      shows: `+127.0.0.1:<PORT> "\\u{202e}ecila": ${LOGIN_FAIL}, answered after 80 ms`,
    },
    {
      program: "login_server.ts",
      from: "const name = printable(JSON.stringify(username ?? null));",
      to: "const name = JSON.stringify(username ?? null);",
      shows: `-127.0.0.1:<PORT> "\\u{202e}ecila"`,
    },
  ],
  reliability: {
    fault: `${GUESSES} password guesses sent at once from one address`,
    outcome: "judged one at a time per address, each failure answered after a pause doubling " +
      "from --fail-delay (default 1 s) to --max-fail-delay (default 30 s); a success resets it",
    threat: "password guesses sent side by side on many connections (1,000 at once used to " +
      "take 2 s in all)",
  },
};

/**
 * A full line: eight attempts from one address wait (a 10 s pause each, so the line is still
 * full when the ninth comes), and the ninth is closed unanswered, so that attempts waiting
 * their turn cannot hold every connection. When the case ends, the eight hang up and are
 * dropped at once, unjudged: without that, the case would wait 80 s for their verdicts.
 */
const lineFull: ConformanceCase = {
  id: "login-line-full",
  title: "a ninth attempt while eight from the same address wait their turn: closed " +
    "unanswered, in one log line",
  files: [LOGIN_USERS],
  server: {
    peer: {
      program: "login_server.ts",
      args: ["--fail-delay", "10", "--max-fail-delay", "10"],
    },
  },
  clients: [
    rawClient("waiting", [{ recv: LOGIN_WELCOME }, { send: WRONG_BOB }, { leaveOpen: true }], 8),
    rawClient("ninth", [{ recv: LOGIN_WELCOME }, { send: WRONG_BOB }, { closedUnanswered: true }]),
  ],
  mutations: [
    {
      program: "login_server.ts",
      from: "const MAX_IN_LINE = 8;",
      to: "const MAX_IN_LINE = 1000;",
      shows: "ninth",
    },
    {
      // Attempts whose clients have gone still wait their turn and their pause.
      program: "login_server.ts",
      from: "if (n === null) markGone();",
      to: "if (n === -1) markGone();",
      shows: "proxied connections still open",
    },
  ],
  reliability: {
    fault: "attempts from one address that wait their turn (each holds a connection)",
    outcome: "at most 8 wait at once per address; one more is closed unanswered, in one log " +
      "line; other addresses are served",
  },
};

/** 案例3：远程登陆系统. */
export const loginLesson: Lesson = {
  id: "login",
  title: "案例3：远程登陆系统",
  titleEn: "Remote login",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "案例3：远程登陆系统" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["login_server.ts", "login_client.ts"],
  chaos: {
    mayBreak: splitting(
      "the request is JSON, read until it parses, but the welcome and the verdict are bare " +
        "text the client takes from one recv, as the seed does",
    ),
    oneReadMutations: [{
      program: "login_server.ts",
      from: "if (end < 0) continue;",
      to: 'if (end < 0) throw new Error("the request is not valid JSON");',
    }],
  },
  cases: withServerFolder([
    main,
    {
      id: "login-chinese",
      title: "a Chinese account name, sent as \\u escapes like Python's json.dumps",
      files: [USERS],
      server: { peer: { program: "login_server.ts" } },
      clients: [{ peer: { program: "login_client.ts" }, dialogue: login("张三", "密码123") }],
      bytes: {
        c2s: utf8(loginJson("\\u5f20\\u4e09", "35336d9a5d10df25d7b6da2916b41042")),
        s2c: utf8("欢迎使用XX系统登陆成功"),
      },
      mutations: [{
        program: "login_client.ts",
        from:
          'const hash = createHash("md5").update(encoder.encode(salt)).update(encoder.encode(origin));',
        to:
          'const hash = createHash("md5").update(encoder.encode(origin)).update(encoder.encode(salt));',
        shows: "+账号或密码错误",
      }],
    },
    {
      id: "login-crlf",
      title: "a users file with CRLF line endings and a final newline works the same",
      files: [{
        at: "server",
        path: "user",
        content: { text: `alice|${ALICE_HASH}\r\nbob|125d1b6876ef1905a676fd35ab6b5963\r\n` },
      }],
      server: { peer: { program: "login_server.ts" }, golden: "login.server" },
      clients: [{
        peer: { program: "login_client.ts" },
        dialogue: login("alice", "secret"),
        golden: "login.client",
      }],
      mutations: [{
        program: "login_server.ts",
        from: `line.replace(/\\r$/, "")`,
        to: "line",
        shows: "-登陆成功",
      }],
    },
    {
      id: "login-wrong",
      title: "a wrong password: 账号或密码错误, exit status 1",
      files: [USERS],
      server: { peer: { program: "login_server.ts", args: ["--fail-delay", "0.1"] } },
      clients: [{
        peer: { program: "login_client.ts" },
        dialogue: login("bob", "654321"),
        exitCode: 1,
      }],
      mutations: [{
        program: "login_server.ts",
        from: "if (a.length === b.length && timingSafeEqual(a, b)) found = true;",
        to: "found = true;",
        shows: "+登陆成功",
      }],
    },
    {
      id: "login-python-client",
      title: "the seed's Python client against login_server.ts",
      files: [USERS],
      server: { peer: { program: "login_server.ts" }, golden: "login.server" },
      clients: [{
        peer: seedPython("login_client.py"),
        dialogue: login("alice", "secret"),
        golden: "login.client",
      }],
      bytes: { c2s: utf8(loginJson("alice", ALICE_HASH)), s2c: utf8("欢迎使用XX系统登陆成功") },
      mutations: [{
        program: "login_server.ts",
        from: `const SUCCESS = "登陆成功";`,
        to: `const SUCCESS = "登录成功";`,
        shows: "+登录成功",
      }],
    },
    {
      id: "login-python-server",
      title:
        "login_client.ts against the seed's Python server: only bob, the last user, gets in there",
      files: [USERS],
      server: {
        peer: seedPython("login_server.py"),
      },
      clients: [
        {
          role: "alice",
          peer: { program: "login_client.ts" },
          dialogue: login("alice", "secret"),
          exitCode: 1,
        },
        { role: "bob", peer: { program: "login_client.ts" }, dialogue: login("bob", "123456") },
      ],
      mutations: [{
        program: "login_client.ts",
        from: 'const SALT = "sdasdfagfawds";',
        to: 'const SALT = "";',
        shows: "+账号或密码错误",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    // A client that vanishes at any point: the server keeps serving the next one.
    {
      id: "login-disconnects",
      title: "clients vanishing at every byte of the login JSON; alice still logs in after them",
      files: [USERS],
      server: { peer: { program: "login_server.ts", args: ["--fail-delay", "0"] } },
      clients: [
        ...vanishingAtEveryPoint([
          { recv: "欢迎使用XX系统" },
          { send: loginJson("alice", ALICE_HASH) },
        ]),
        {
          peer: { program: "login_client.ts" },
          dialogue: login("alice", "secret"),
          golden: "login.client",
        },
      ],
      mutations: [{
        // The seed's way: whatever has come when the client leaves is taken as the JSON (an
        // attempt, dropped unjudged since its client has gone).
        program: "login_server.ts",
        from: "if (n === null) return null;",
        to:
          "if (n === null) return parseJson(new TextDecoder().decode(buffer.subarray(0, filled)));",
        shows: "+127.0.0.1:<PORT> null: left before its verdict",
      }],
      reliability: {
        fault: "disconnect at every step",
        outcome: "connection let go, one line; the next login works",
      },
    },
    // The login request is JSON, which ends where its object closes: the server reads until
    // then, however the bytes come. The welcome and the verdict are bare text read with one
    // recv, as in the seed, so only the client's direction can be split (README's table).
    {
      id: "login-one-byte-request",
      title: "the login JSON arriving one byte at a time is read whole",
      files: [USERS],
      server: { peer: { program: "login_server.ts" }, golden: "login.server" },
      clients: [{
        peer: { program: "login_client.ts" },
        dialogue: login("alice", "secret"),
        golden: "login.client",
      }],
      shaping: "one-byte-to-server",
      bytes: { c2s: utf8(loginJson("alice", ALICE_HASH)), s2c: utf8("欢迎使用XX系统登陆成功") },
      mutations: [{
        // The seed's way: one read taken as the whole request.
        program: "login_server.ts",
        from: "if (end < 0) continue;",
        to: 'if (end < 0) throw new Error("the request is not valid JSON");',
        shows: `-127.0.0.1:<PORT> "alice": 登陆成功`,
      }],
    },
    loginRefusal("invalid-json", "invalid JSON", ["{nope}", "nope"], {
      // The old way: wait for JSON that can never come.
      program: "login_server.ts",
      from: "if (end < 0) continue;",
      to: "if (end < 0 || end > 0) continue;",
      shows: "raw peer expected",
    }, `one log line "the request is not valid JSON"`),
    loginRefusal(
      "wrong-shape",
      "JSON of the wrong shape",
      ["null", "[1, 2]", `{"username": 5, "password": "x"}`],
      {
        program: "login_server.ts",
        from: "(info ?? {}) as",
        to: "info as",
        shows: "raw peer expected",
      },
      "one log line per attempt",
    ),
    loginRefusal("oversize", "oversize message (> 64 KiB)", ["[".repeat(64 * 1024)], {
      program: "login_server.ts",
      from: "const MAX_REQUEST = 64 * 1024;",
      to: "const MAX_REQUEST = 1024 * 1024;",
      shows: "raw peer expected",
    }, `one log line "no complete JSON within 65536 bytes"`),
    idleCase("login-idle", LOGIN_SERVER, [{ recv: LOGIN_WELCOME }], LOGIN_NEXT, {
      files: [LOGIN_USERS],
    }),
    crowdCase(
      "login-1000-connections",
      LOGIN_SERVER,
      [{ recv: LOGIN_WELCOME }],
      LOGIN_NEXT,
      `all 1,000 welcomed and held; ${NEXT} while they stay open`,
      {
        files: [LOGIN_USERS],
      },
    ),
    ...limitCases("login", LOGIN_SERVER, [{ recv: LOGIN_WELCOME }], LOGIN_NEXT, {
      files: [LOGIN_USERS],
    }),
    ...signalCases("login", LOGIN_SERVER, "a login", (signal) => ({
      files: [LOGIN_USERS],
      clients: [{
        role: "raw",
        raw: [
          { recv: LOGIN_WELCOME },
          { send: `{"username": "ali` },
          { signalServer: signal },
          { awaitClose: true },
        ],
      }],
    }), "listener closed, exit 0 (it writes no files)"),
    // --- A message split in two ---
    splitMessageCase(main, {
      id: "login-split-welcome",
      title: "the welcome split after 欢迎: the client takes the rest of it for the verdict",
      holdBack: { dir: "s2c", after: utf8("欢迎") },
      // Whether the real verdict is read glued to the rest of the welcome is timing; either way
      // the client prints a verdict that is not one, and says it failed (status 1).
      clients: [{
        peer: { program: "login_client.ts" },
        dialogue: [{ wait: "请输入账号名:", type: "alice" }, {
          wait: "请输入密码:",
          type: "secret",
        }],
        golden: false,
        transcriptMatches: /^欢迎\n请输入账号名:alice\n请输入密码:secret\n使用XX系统(登陆成功)?\n$/,
        exitCode: 1,
      }],
      mutations: [{
        program: "login_server.ts",
        from: `const WELCOME = "欢迎使用XX系统";`,
        to: `const WELCOME = "欢迎使用YY系统";`,
        shows: "does not match",
      }],
    }),
    parallelGuessing,
    lineFull,
    escapedClientCase(
      "login-client-escaped",
      { greeting: INJECTED, answers: 1 },
      { peer: { program: "login_client.ts" }, dialogue: login("alice", "secret"), exitCode: 1 },
      unescapedLog("login_client.ts", "status"),
      `-${INJECTED_SHOWN}`,
      {
        mutations: [{ ...unescapedLog("login_client.ts", "welcome"), shows: `-${INJECTED_SHOWN}` }],
      },
    ),
    {
      id: "login-client-long-answer",
      title: "a server that answers with 2,000 bytes: refused in one line past the seed's 1024, " +
        "exit status 1",
      server: {
        peer: hostileServer({ greeting: LOGIN_WELCOME, replies: ["x".repeat(2000)], answers: 1 }),
        golden: false,
      },
      clients: [{
        peer: { program: "login_client.ts" },
        dialogue: login("alice", "secret"),
        exitCode: 1,
        stderr: /^login_client\.ts: the server's answer is longer than 1024 bytes: not read$/,
      }],
      mutations: [{
        program: "login_client.ts",
        from: "const MAX_ANSWER = 1024;",
        to: "const MAX_ANSWER = 1 << 30;",
        shows: "client wrote to stderr",
      }],
    },
    overIpv6(main),
  ]),
};
