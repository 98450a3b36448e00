/**
 * 使用socket实现简单的SSH工具 — a tiny SSH: remote commands with sizes in UTF-8 bytes and the
 * ack before the output; 方式1 (a pause instead of the ack), limits, the token every client
 * sends first (from a file, typed at a prompt, wrong, guessed again and again, sent by a web
 * page's HTTP POST, or on the command line), the seed's Python client and server as foreign
 * peers (which know no token), the bad-input rows (it runs what it is sent, by design; what it
 * must survive is how it is sent), and IPv6.
 *
 * @module
 */

import type {
  ClientRole,
  ConformanceCase,
  InputFile,
  Lesson,
  Peer,
  ProcessClient,
} from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { limitCases } from "./_rows.ts";
import { idleIgnored, idleLine, NOT_UTF8 } from "./_bad_input.ts";
import { bytes } from "./_bytes.ts";
import { splitting } from "./_chaos.ts";
import { noSignalHandler, rawClient, seedPython, stopsOnSignal, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { vanishingAtEveryPoint } from "./_vanishing.ts";
import { hostileServer } from "./_escaped.ts";

const SSH_PROMPT = ">>：";
const SSH_ACK = "准备好接受了，loser可以发了";
const SSH_ACK_BYTES = utf8(SSH_ACK);
const shell = (...commands: string[]) => commands.map((type) => ({ wait: SSH_PROMPT, type }));

const SSH = "ssh_server.ts";
const CLIENT = "ssh_client.ts";

// --- The token ---

/** The token of the cases, in a file named as the scripts' run lines name it (they may read it). */
const TOKEN = "correct-horse-battery-staple";
const TOKEN_FILE = "ssh_token";
const TOKEN_LINE = `${TOKEN}\n`;
/** What the token line and the server's `token ok` add to a connection's bytes. */
const LOGIN_C2S = utf8(TOKEN_LINE);
const LOGIN_S2C = utf8("token ok");
/** A raw client's first steps: the token line, then `token ok`. */
const LOGIN: RawStep[] = [{ send: TOKEN_LINE }, { recv: "token ok" }];
/** A wrong token: refused, and the connection closed. */
const GUESS = "not-the-token-at-all";
const GUESSING: RawStep[] = [
  { send: `${GUESS}\n` },
  { recv: "token refused" },
  { awaitClose: true },
];

/** The token file in the folder of each role named (`server`, or a client's role). */
const tokenFiles = (...roles: string[]): InputFile[] =>
  roles.map((at) => ({ at, path: TOKEN_FILE, content: { text: TOKEN_LINE } }));
/** A script given the token file (the case puts it in its folder with `tokenFiles`). */
const invited = (program: string, args: string[] = []): Peer => ({
  program,
  args: ["--token-file", TOKEN_FILE, ...args],
});
/** A raw client's script after the token line and `token ok`. */
const afterLogin = (role: ClientRole): ClientRole =>
  role.raw ? { ...role, raw: [...LOGIN, ...role.raw] } : role;

/** The line of the server that a run without a token source prints before `listening on`. */
const FRESH_TOKEN =
  /^token: [0-9a-f]{32} {2}\(give it to ssh_client\.ts: --token-file FILE or SSH_LESSON_TOKEN\)$/;
/** The server's gate: with it taken out, whatever a client sends first runs. */
const NO_GATE = {
  program: SSH,
  from: "if (!(await admitted(conn, client, options.digest))) return;",
  to: "if (false) return;",
};
/** The server let in whoever sends a token line that is not its token, and no one else. */
const INVERTED = {
  program: SSH,
  from: "if (timingSafeEqual(sha256(line), digest)) {",
  to: "if (!timingSafeEqual(sha256(line), digest)) {",
};
/** What a browser sends for a web page's `fetch("http://127.0.0.1:9999/", {method: "POST", body})`. */
const BODY = "\ntouch pwned\n";
const HTTP_POST = "POST / HTTP/1.1\r\nHost: 127.0.0.1:9999\r\nContent-Type: text/plain\r\n" +
  `Content-Length: ${utf8(BODY)}\r\n\r\n${BODY}`;

/** Sizes in UTF-8 bytes, the ack before the output, cmd has no output... */
const main: ConformanceCase = {
  id: "ssh",
  title: "the token from a file on both sides; sizes in UTF-8 bytes, the ack before the output, " +
    "cmd has no output...",
  files: tokenFiles("server", "client"),
  server: { peer: invited(SSH) },
  clients: [{
    peer: invited(CLIENT),
    dialogue: shell("echo 你好", "true", "printf 123abc"),
  }],
  bytes: {
    c2s: LOGIN_C2S + utf8("echo 你好") + utf8("true") + utf8("printf 123abc") +
      3 * SSH_ACK_BYTES,
    s2c: LOGIN_S2C + utf8("7") + 7 + utf8("20") + 20 + utf8("6") + 6,
  },
  mutations: [
    { ...INVERTED, shows: "the server refused the token (token refused)" },
    {
      program: "ssh_server.ts",
      from: "await writeAll(conn, encoder.encode(String(bytes.length)));",
      to: "await writeAll(conn, encoder.encode(String(result.length)));",
      shows: "命令结果大小： 3",
    },
    {
      program: "ssh_server.ts",
      from: `const NO_OUTPUT = "cmd has no output...";`,
      to: `const NO_OUTPUT = "";`,
      shows: "-cmd has no output...",
    },
  ],
};

// --- Bad input ---

/**
 * The lesson's client (its token file put in its folder by `tokenFiles("client")`), one
 * command, once the server has logged `after`.
 */
const sshClient = (id: string, after?: string): ProcessClient => ({
  peer: invited(CLIENT),
  dialogue: [{ wait: ">>：", type: "echo 你好" }],
  golden: `${id}.client`,
  startsAfterServerShows: after,
});

// --- Terminal injection ---

/**
 * A command that would clear a line of the server's terminal and, printed raw, forge a log line
 * of its own (`echo …` on a line of its own, as if a second command had been run).
 */
const FORGING_COMMAND = "echo hi\u001b[2K\necho 执行指令： fake";
/** What `sh -c` makes of it. */
const FORGING_OUTPUT = "hi\u001b[2K\n执行指令： fake\n";
/** An ack that ends by setting the terminal's title (OSC 0, ended by BEL). */
const TITLE_ACK = `${SSH_ACK}\u001b]0;pwned\u0007`;

/**
 * Text that could steer a terminal, both ways: a command and an ack with ESC and a newline,
 * logged escaped by the server; a command whose output holds an escape sequence and a tab,
 * printed by the client with its lines and tabs kept and the escape sequence escaped.
 */
const terminalInjection: ConformanceCase = {
  id: "ssh-terminal-injection",
  title: "a command and an ack holding ESC or a newline are logged escaped (\\u{…}); output " +
    "holding an escape sequence keeps its lines and tabs on the client, the sequence escaped",
  reliability: {
    fault: "terminal control characters (ESC, newline) in a command or an ack",
    outcome: "run as sent (by design), logged with each shown as `\\u{…}`; connection kept",
    threat: "a peer's text printed raw: escape sequences, newlines or bidi controls that steer " +
      "the terminal or forge a log line",
  },
  files: tokenFiles("server", "client"),
  server: { peer: invited(SSH) },
  clients: [
    rawClient("raw", [
      ...LOGIN,
      { send: FORGING_COMMAND },
      { recv: String(utf8(FORGING_OUTPUT)) },
      { send: TITLE_ACK },
      { recv: FORGING_OUTPUT },
      { vanish: true },
    ]),
    { peer: invited(CLIENT), dialogue: shell("printf 'a\\033[31mb\\tc\\n'") },
  ],
  mutations: [
    {
      program: SSH,
      from: `console.log("执行指令：", printable(data));`,
      to: `console.log("执行指令：", data);`,
      shows: "-执行指令： echo hi\\u{1b}[2K\\u{a}echo 执行指令： fake",
    },
    {
      program: SSH,
      from: `console.log("ack from client:", printable(ack));`,
      to: `console.log("ack from client:", ack);`,
      shows: `-ack from client: ${SSH_ACK}\\u{1b}]0;pwned\\u{7}`,
    },
    {
      program: CLIENT,
      from: "console.log(shownOutput(decoder.decode(result)));",
      to: "console.log(decoder.decode(result));",
      shows: "-a\\u{1b}[31mb\tc",
    },
    {
      // Everything escaped, line breaks and tabs too: the output's layout, the lesson, is lost.
      program: CLIENT,
      from: "const pieces = text.split(/(\\r?\\n|\\t)/);",
      to: "const pieces = [text];",
      shows: "+a\\u{1b}[31mb\\u{9}c\\u{a}",
    },
  ],
};

/** 使用socket实现简单的SSH工具. */
export const ssh: Lesson = {
  id: "ssh",
  title: "使用socket实现简单的SSH工具",
  titleEn: "A tiny SSH: remote commands",
  seed: { file: "000_84409504fdc3648b.txt", section: "使用socket实现简单的SSH工具" },
  transport: "tcp",
  host: "localhost",
  port: 9999,
  scripts: ["ssh_server.ts", "ssh_client.ts"],
  chaos: {
    mayBreak: splitting(
      "the command, the size and the ack have no end marker (only the output is framed, by " +
        "the size)",
    ),
  },
  cases: [
    main,
    {
      id: "ssh-sleep-fix",
      title: "方式1, --sleep-fix on both sides: no ack, a pause between size and output",
      files: tokenFiles("server", "client"),
      server: { peer: invited(SSH, ["--sleep-fix"]) },
      clients: [{
        peer: invited(CLIENT, ["--sleep-fix"]),
        dialogue: shell("echo hello"),
      }],
      bytes: { c2s: LOGIN_C2S + utf8("echo hello"), s2c: LOGIN_S2C + 1 + 6 },
      mutations: [{
        program: "ssh_client.ts",
        from: `if (!flags["sleep-fix"]) await writeAll(conn, encoder.encode(ACK));`,
        to: "await writeAll(conn, encoder.encode(ACK));",
        shows: `c2s ${LOGIN_C2S + utf8("echo hello") + SSH_ACK_BYTES}`,
      }],
    },
    {
      id: "ssh-limits",
      title: "a command past --timeout is stopped; output past --max-output is cut",
      reliability: {
        fault: "oversize message (> --max-output, default 1 MiB)",
        outcome: `output cut with "(output cut at N bytes)"; a command past --timeout stopped`,
      },
      files: tokenFiles("server", "client"),
      server: { peer: invited(SSH, ["--timeout", "0.5", "--max-output", "10"]) },
      clients: [{
        peer: invited(CLIENT),
        dialogue: shell("exec sleep 5", "printf 0123456789abcdef"),
      }],
      mutations: [{
        program: "ssh_server.ts",
        from: "if (size + next.value.length > maxOutput) {",
        to: "if (false) {",
        shows: "-(output cut at 10 bytes)",
      }],
    },
    {
      id: "ssh-token",
      title: "the right token (from a file) gets a shell; a wrong one is refused, nothing runs",
      files: [
        ...tokenFiles("server", "right"),
        { at: "wrong", path: TOKEN_FILE, content: { text: `${GUESS}\n` } },
      ],
      server: { peer: invited(SSH) },
      clients: [
        { role: "right", peer: invited(CLIENT), dialogue: shell("echo in") },
        {
          role: "wrong",
          peer: invited(CLIENT),
          exitCode: 1,
          stderr: /^ssh_client\.ts: the server refused the token \(token refused\)$/,
          golden: false,
        },
      ],
      mutations: [{
        program: SSH,
        from: "if (timingSafeEqual(sha256(line), digest)) {",
        to: "if (true) {",
        shows: "wrong exited with 0",
      }],
    },
    {
      id: "ssh-token-prompt",
      title: "with no token file and no SSH_LESSON_TOKEN, the client asks for the token first",
      files: tokenFiles("server"),
      server: { peer: invited(SSH) },
      clients: [{
        peer: { program: CLIENT },
        dialogue: [{ wait: "token: ", type: TOKEN }, ...shell("echo in")],
      }],
      bytes: { c2s: LOGIN_C2S + utf8("echo in") + SSH_ACK_BYTES, s2c: LOGIN_S2C + 1 + 3 },
      mutations: [
        {
          program: CLIENT,
          from: "const token = invited ?? await input(TOKEN_PROMPT);",
          to: `const token = invited ?? "";`,
          shows: `"token: "`,
        },
        { ...INVERTED, shows: "the server refused the token (token refused)" },
      ],
    },
    {
      id: "ssh-http-post",
      title: "a web page's HTTP POST with a command in its body (no token given: a fresh one " +
        "is printed): its first line is a wrong token, refused, and nothing runs",
      reliability: {
        fault: "cross-protocol request (HTTP POST, command in the body)",
        outcome:
          `"POST / HTTP/1.1" taken for a wrong token: "token refused", connection closed; nothing run`,
        threat: "a web page posting a shell command to the lesson's server on loopback",
      },
      server: { peer: { program: SSH }, stderr: FRESH_TOKEN },
      clients: [rawClient("browser", [
        { send: HTTP_POST },
        { recv: "token refused" },
        { awaitClose: true },
      ])],
      expectFiles: [{ at: "server", path: "pwned", absent: true }],
      mutations: [{ ...NO_GATE, shows: `raw peer expected "token refused"` }],
    },
    {
      id: "ssh-wrong-token",
      title: "wrong tokens from one address are refused later and later (100 ms, then 200 ms); " +
        "a right one (ending in CRLF) is let in at once and starts the count again",
      reliability: {
        fault: "wrong token, again and again",
        outcome: `"token refused" after 100 ms, doubled for each wrong one from the address ` +
          "(at most 10 s), connection closed; a right token let in at once",
        threat: "guessing the token",
      },
      files: tokenFiles("server"),
      server: { peer: invited(SSH) },
      clients: [
        rawClient("guess-1", GUESSING),
        rawClient("guess-2", GUESSING),
        rawClient("crlf", [{ send: `${TOKEN}\r\n` }, { recv: "token ok" }, { vanish: true }]),
        rawClient("guess-3", GUESSING),
      ],
      bytes: {
        c2s: 3 * utf8(`${GUESS}\n`) + LOGIN_C2S + 1,
        s2c: 3 * utf8("token refused") + LOGIN_S2C,
      },
      mutations: [
        {
          program: SSH,
          from: "return Math.min(FIRST_WAIT_MS * 2 ** (count - 1), MAX_WAIT_MS);",
          to: "return Math.min(FIRST_WAIT_MS, MAX_WAIT_MS);",
          shows: "-127.0.0.1:<PORT>: wrong token, refused after 200 ms",
        },
        {
          // Counted per connection (address and port): every guess is a first one.
          program: SSH,
          from: "const address = conn.remoteAddr.hostname;",
          to: "const address = client;",
          shows: "-127.0.0.1:<PORT>: wrong token, refused after 200 ms",
        },
        {
          program: SSH,
          from: "wrongTokens.delete(address);",
          to: "wrongTokens.get(address);",
          shows: "+127.0.0.1:<PORT>: wrong token, refused after 400 ms",
        },
        {
          program: SSH,
          from: "line[length - 1] === 0x0d ? length - 1 : length",
          to: "false ? length - 1 : length",
          shows: `raw peer expected "token ok"`,
        },
      ],
    },
    {
      id: "ssh-disconnects-token",
      title: "clients vanishing in the middle of their token line: departures, nothing judged; " +
        "the next is served",
      reliability: {
        fault: "disconnect at every step",
        outcome:
          "in the token line: a departure (no wrong token counted, no wait); next client served",
      },
      files: tokenFiles("server", "client"),
      server: { peer: invited(SSH) },
      clients: [
        // The token line's first, second, middle and last byte.
        ...vanishingAtEveryPoint(LOGIN, 0),
        { peer: invited(CLIENT), dialogue: shell("echo 你好") },
      ],
      mutations: [{
        // What came before the client left judged as a token: a wrong one, costing waits.
        program: SSH,
        from: "if (await conn.read(line.subarray(length, length + 1)) === null) return null;",
        to: "if (await conn.read(line.subarray(length, length + 1)) === null) return line;",
        shows: "+127.0.0.1:<PORT>: wrong token, refused after 100 ms",
      }],
    },
    {
      id: "ssh-token-usage",
      title: "--token on the command line (where ps shows it) or a token shorter than 16 " +
        "characters: a usage error, one line, exit 2",
      files: [{ at: "short", path: TOKEN_FILE, content: { text: "fifteen-chars-x\n" } }],
      clients: [
        {
          role: "flag",
          peer: { program: SSH, args: ["--port", "0", "--token", TOKEN] },
          exitCode: 2,
          stderr:
            /^ssh_server\.ts: --token is gone \(a command line shows in ps\): use --token-file FILE or SSH_LESSON_TOKEN \(see --help\)$/,
          golden: false,
        },
        {
          role: "short",
          peer: invited(SSH, ["--port", "0"]),
          exitCode: 2,
          stderr:
            /^ssh_server\.ts: the token of --token-file ssh_token is shorter than 16 characters \(see --help\)$/,
          golden: false,
        },
        {
          role: "client-flag",
          peer: { program: CLIENT, args: ["--port", "0", "--token", TOKEN] },
          exitCode: 2,
          stderr:
            /^ssh_client\.ts: --token is gone \(a command line shows in ps\): use --token-file FILE or SSH_LESSON_TOKEN \(see --help\)$/,
          golden: false,
        },
      ],
      mutations: [
        {
          program: SSH,
          from: "if (flags.token !== undefined) throw new UsageError(TOKEN_FLAG_GONE);",
          to: "if (false) throw new UsageError(TOKEN_FLAG_GONE);",
          shows: "flag did not exit",
        },
        {
          program: SSH,
          from: "if ([...token].length < MIN_TOKEN) {",
          to: "if ([...token].length < MIN_TOKEN - 1) {",
          shows: "short did not exit",
        },
      ],
    },
    {
      id: "ssh-python-client",
      title: "the seed's Python client sends no token line: its command never runs, and it is " +
        "let go when idle",
      files: tokenFiles("server"),
      server: { peer: invited(SSH, ["--idle-timeout", "1"]), stderr: idleLine(SSH) },
      clients: [{
        peer: seedPython("ssh_client.py"),
        dialogue: shell("echo 你好"),
        // The closed connection's empty read is no size: int(b'') fails.
        exitCode: 1,
        stderr: /ValueError/,
      }],
      mutations: [{ ...NO_GATE, shows: "+命令结果大小： b'7'" }],
    },
    {
      id: "ssh-python-server",
      title: "ssh_client.ts against the seed's Python server, which takes no token: it runs " +
        "the token line as a command, and the client stops at its answer",
      files: tokenFiles("client"),
      server: { peer: seedPython("ssh_server.py") },
      clients: [{
        peer: invited(CLIENT),
        exitCode: 1,
        stderr: /^ssh_client\.ts: the server takes no token: it answered "2/,
        golden: false,
      }],
      mutations: [{
        program: CLIENT,
        from: "if (answer !== TOKEN_OK) {",
        to: "if (false) {",
        shows: "client exited with",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    // A client that vanishes at any point: the server keeps serving the next one.
    {
      id: "ssh-disconnects",
      title: "clients vanishing at every byte of a command and of the ack; the next is served",
      reliability: {
        fault: "disconnect at every step",
        outcome: "every cut, in the command and in the ack, is a departure; next client served",
      },
      files: tokenFiles("server", "client"),
      server: { peer: invited(SSH) },
      clients: [
        ...vanishingAtEveryPoint([
          { send: "echo hi" },
          { recv: "3" },
          { send: "准备好接受了，loser可以发了" },
          { recv: "hi\n" },
        ]).map(afterLogin),
        { peer: invited(CLIENT), dialogue: shell("echo 你好") },
      ],
      mutations: [{
        // A server that takes the end of the stream for an ack (and fails to print it): the
        // departure goes unseen.
        program: "ssh_server.ts",
        from: "if (ack === null) {",
        to: `if (ack === "") {`,
        shows: "-客户端已经断开",
      }],
    },
    {
      id: "ssh-idle",
      title: "--idle-timeout 1: a client that sends no command is let go; the next is served",
      reliability: {
        fault: "idle client",
        outcome: `"idle for 1 s: closed" on stderr, "idle, let go" in the log; next client served`,
      },
      files: tokenFiles("server", "client"),
      server: { peer: invited(SSH, ["--idle-timeout", "1"]), stderr: idleLine(SSH) },
      clients: [
        rawClient("idle", [...LOGIN, { awaitClose: true }]),
        sshClient("ssh-idle", "idle, let go"),
      ],
      mutations: [idleIgnored(SSH)],
    },
    {
      id: "ssh-oversize",
      title: "a command of 1024 bytes or more (one recv may hold only part of it) is not run",
      reliability: {
        fault: "oversize message (> 1023 B command)",
        outcome:
          `"command refused: longer than 1023 bytes" in place of the size, connection closed; next client served`,
      },
      files: tokenFiles("server", "client"),
      server: { peer: invited(SSH) },
      clients: [
        rawClient("long", [
          ...LOGIN,
          { send: `echo ${"x".repeat(1100)}` },
          { recv: "command refused: longer than 1023 bytes" },
          { awaitClose: true },
        ]),
        sshClient("ssh-oversize", "command refused"),
      ],
      mutations: [{
        program: SSH,
        from: "if (encoder.encode(data).length > MAX_COMMAND) {",
        to: "if (false) {",
        shows: "raw peer expected",
      }],
    },
    {
      id: "ssh-invalid-utf8",
      title: "a command that is not UTF-8 is not run (not even with U+FFFD in it)",
      reliability: {
        fault: "invalid UTF-8",
        outcome:
          `"command refused: not valid UTF-8" in place of the size, connection closed; next client served`,
      },
      files: tokenFiles("server", "client"),
      server: { peer: invited(SSH) },
      clients: [
        rawClient("bad", [
          ...LOGIN,
          { send: bytes("echo ", NOT_UTF8) },
          { recv: "command refused: not valid UTF-8" },
          { awaitClose: true },
        ]),
        sshClient("ssh-invalid-utf8", "command refused"),
      ],
      mutations: [{
        program: SSH,
        from: `new TextDecoder("utf-8", { fatal: true })`,
        to: "new TextDecoder()",
        shows: "raw peer expected",
      }],
    },
    {
      id: "ssh-unknown-command",
      title: "an unknown command and a blank one run as the shell has them: cmd has no output...",
      reliability: {
        fault: "unknown command",
        outcome:
          `"cmd has no output..." (stderr is not returned); connection kept, next command served`,
      },
      files: tokenFiles("server", "client"),
      server: { peer: invited(SSH) },
      clients: [
        rawClient("blank", [
          ...LOGIN,
          { send: " " },
          { recv: "20" },
          { send: SSH_ACK },
          { recv: "cmd has no output..." },
          { close: true },
        ]),
        {
          peer: invited(CLIENT),
          dialogue: [
            { wait: ">>：", type: "no_such_command_xyz" },
            { wait: ">>：", type: "echo 你好" },
          ],
          startsAfterServerShows: "客户端已经断开",
        },
      ],
      mutations: [{
        program: SSH,
        from: `const NO_OUTPUT = "cmd has no output...";`,
        to: `const NO_OUTPUT = "";`,
        shows: "raw peer expected",
      }],
    },
    {
      id: "ssh-disconnect-mid-output",
      title: "a client leaving in the middle of a 16 MB answer is a departure; the next is served",
      reliability: {
        fault: "disconnect at every step",
        outcome: `mid-output: "客户端已经断开" in the log, nothing on stderr; next client served`,
      },
      // More than the sockets and the proxy can hold: the server is still writing when it goes.
      files: tokenFiles("server", "client"),
      server: { peer: invited(SSH, ["--max-output", "16000000"]) },
      clients: [
        rawClient("leaving", [
          ...LOGIN,
          { send: "head -c 16000000 /dev/zero" },
          { recv: "16000000" },
          { send: SSH_ACK },
          { recv: "\0\0\0\0" },
          { close: true },
        ]),
        sshClient("ssh-disconnect-mid-output", "客户端已经断开"),
      ],
      mutations: [{
        program: SSH,
        // The departure in the middle of an answer logged in other words: its branch made to
        // print them, the old branch left unreachable.
        from:
          "error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe",
        to:
          "error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe\n" +
          `    ) {\n      console.log("客户端已经断开 (mid-answer)");\n    } else if (false`,
        shows: "+客户端已经断开 (mid-answer)",
      }],
    },
    {
      id: "ssh-crowd",
      title: "1,000 clients connected at once, silent; one more runs its command",
      reliability: {
        fault: "1,000 concurrent connections",
        outcome: "all 1,000 accepted and waited on; the next client served in full",
      },
      files: tokenFiles("server", "client"),
      server: { peer: invited(SSH), golden: false },
      crowd: true,
      clients: [
        rawClient("crowd", [{ leaveOpen: true }], 1000),
        { ...sshClient("ssh-crowd"), golden: "ssh-idle.client" },
      ],
      mutations: [{
        program: SSH,
        from: `await writeAll(conn, encoder.encode(String(bytes.length)));`,
        to: `await writeAll(conn, encoder.encode(String(bytes.length + 1)));`,
        shows: "client",
      }],
    },
    ...limitCases("ssh", { peer: invited(SSH) }, [], {
      ...sshClient("ssh-out-of-files"),
      golden: "ssh-idle.client",
    }, { files: tokenFiles("server", "client") }),
    ...(["SIGINT", "SIGTERM"] as const).map((signal): ConformanceCase => ({
      id: `ssh-${signal.toLowerCase()}`,
      title: `${signal} while a command runs: the command is killed, listener closed, status 0`,
      reliability: {
        fault: `${signal} mid-transfer`,
        outcome: "running commands killed, listener closed, status 0, nothing on stderr",
      },
      files: tokenFiles("server"),
      server: stopsOnSignal(SSH, ["--token-file", TOKEN_FILE]),
      clients: [rawClient("talker", [
        ...LOGIN,
        { send: "echo hi" },
        { recv: "3" },
        { send: SSH_ACK },
        { recv: "hi\n" },
        { send: "exec sleep 5" },
        { signalServer: signal },
        { awaitClose: true },
      ])],
      // The command's output is not what is compared: whether it started is timing.
      masks: [{ pattern: /执行指令： exec sleep 5\n/g, placeholder: "" }],
      mutations: [noSignalHandler(SSH)],
    })),
    terminalInjection,
    {
      id: "ssh-client-huge-size",
      title:
        "a server that announces a result of 3,000,000,000 bytes: refused in one line before " +
        "anything is allocated, exit status 1",
      files: tokenFiles("client"),
      server: {
        peer: hostileServer({ replies: ["token ok", "3000000000"], answers: 2 }),
        golden: false,
      },
      clients: [{
        peer: invited(CLIENT),
        dialogue: shell("ls"),
        exitCode: 1,
        stderr:
          /^ssh_client\.ts: the server announced 3000000000 bytes, more than the 67108864 a result may have$/,
      }],
      mutations: [{
        program: CLIENT,
        from: "if (size > MAX_RESULT) {",
        to: "if (false) {",
        shows: "client wrote to stderr",
      }],
    },
    overIpv6(main),
  ],
};
