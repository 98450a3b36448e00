/**
 * 使用socket实现简单的SSH工具 — a tiny SSH: remote commands with sizes in UTF-8 bytes and the
 * ack before the output; 方式1 (a pause instead of the ack), limits, a token, the seed's Python
 * client and server as foreign peers, the bad-input rows (it runs what it is sent, by design;
 * what it must survive is how it is sent), and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ProcessClient } from "../harness/case.ts";
import { idleIgnored, idleLine, NOT_UTF8 } from "./_bad_input.ts";
import { bytes } from "./_bytes.ts";
import { splitting } from "./_chaos.ts";
import { noSignalHandler, rawClient, seedPython, stopsOnSignal, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { vanishingAtEveryPoint } from "./_vanishing.ts";

const SSH_PROMPT = ">>：";
const SSH_ACK = "准备好接受了，loser可以发了";
const SSH_ACK_BYTES = utf8(SSH_ACK);
const shell = (...commands: string[]) => commands.map((type) => ({ wait: SSH_PROMPT, type }));

/** Sizes in UTF-8 bytes, the ack before the output, cmd has no output... */
const main: ConformanceCase = {
  id: "ssh",
  title: "sizes in UTF-8 bytes, the ack before the output, cmd has no output...",
  server: { peer: { program: "ssh_server.ts" } },
  clients: [{
    peer: { program: "ssh_client.ts" },
    dialogue: shell("echo 你好", "true", "printf 123abc"),
  }],
  bytes: {
    c2s: utf8("echo 你好") + utf8("true") + utf8("printf 123abc") + 3 * SSH_ACK_BYTES,
    s2c: utf8("7") + 7 + utf8("20") + 20 + utf8("6") + 6,
  },
  mutations: [
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

const SSH = "ssh_server.ts";

/** The lesson's client, one command, once the server has logged `after`. */
const sshClient = (id: string, after?: string): ProcessClient => ({
  peer: { program: "ssh_client.ts" },
  dialogue: [{ wait: ">>：", type: "echo 你好" }],
  golden: `${id}.client`,
  startsAfterServerShows: after,
});

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
      server: { peer: { program: "ssh_server.ts", args: ["--sleep-fix"] } },
      clients: [{
        peer: { program: "ssh_client.ts", args: ["--sleep-fix"] },
        dialogue: shell("echo hello"),
      }],
      bytes: { c2s: utf8("echo hello"), s2c: 1 + 6 },
      mutations: [{
        program: "ssh_client.ts",
        from: `if (!flags["sleep-fix"]) await writeAll(conn, encoder.encode(ACK));`,
        to: "await writeAll(conn, encoder.encode(ACK));",
        shows: "c2s 48",
      }],
    },
    {
      id: "ssh-limits",
      title: "a command past --timeout is stopped; output past --max-output is cut",
      reliability: {
        fault: "oversize message (> --max-output, default 1 MiB)",
        outcome: `output cut with "(output cut at N bytes)"; a command past --timeout stopped`,
      },
      server: {
        peer: { program: "ssh_server.ts", args: ["--timeout", "0.5", "--max-output", "10"] },
      },
      clients: [{
        peer: { program: "ssh_client.ts" },
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
      title: "with --token, the right secret gets a shell and a wrong one is refused",
      server: { peer: { program: "ssh_server.ts", args: ["--token", "s3cret"] } },
      clients: [
        {
          role: "right",
          peer: { program: "ssh_client.ts", args: ["--token", "s3cret"] },
          dialogue: shell("echo in"),
        },
        {
          role: "wrong",
          peer: { program: "ssh_client.ts", args: ["--token", "guess"] },
          exitCode: 1,
          stderr: /^ssh_client\.ts: the server refused the token \(token refused\)$/,
          golden: false,
        },
      ],
      mutations: [{
        program: "ssh_server.ts",
        from: "if (offered !== options.token) {",
        to: "if (false) {",
        shows: "wrong exited with 0",
      }],
    },
    {
      id: "ssh-python-client",
      title: "the seed's Python client (with 方式2's ack) against ssh_server.ts",
      server: { peer: { program: "ssh_server.ts" }, golden: false },
      clients: [{
        peer: seedPython("ssh_client.py"),
        dialogue: shell("echo 你好", "true"),
        exitCode: 1,
        stderr: /EOFError/,
      }],
      bytes: { c2s: utf8("echo 你好") + utf8("true") + 2 * SSH_ACK_BYTES, s2c: 1 + 7 + 2 + 20 },
      mutations: [{
        program: "ssh_server.ts",
        from: `const NO_OUTPUT = "cmd has no output...";`,
        to: `const NO_OUTPUT = "(none)";`,
        shows: "+(none)",
      }],
    },
    {
      id: "ssh-python-server",
      title: "ssh_client.ts against the seed's Python server (with 方式2's ack)",
      server: {
        peer: seedPython("ssh_server.py"),
      },
      clients: [{
        peer: { program: "ssh_client.ts" },
        dialogue: shell("echo 你好", "true", "printf 123abc"),
        golden: "ssh.client",
      }],
      mutations: [{
        program: "ssh_client.ts",
        from: `const ACK = "准备好接受了，loser可以发了";`,
        to: `const ACK = "ok";`,
        shows: "c2s",
      }],
      bytes: {
        c2s: utf8("echo 你好") + utf8("true") + utf8("printf 123abc") + 3 * SSH_ACK_BYTES,
        s2c: utf8("7") + 7 + utf8("20") + 20 + utf8("6") + 6,
      },
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
      server: { peer: { program: "ssh_server.ts" } },
      clients: [
        ...vanishingAtEveryPoint([
          { send: "echo hi" },
          { recv: "3" },
          { send: "准备好接受了，loser可以发了" },
          { recv: "hi\n" },
        ]),
        { peer: { program: "ssh_client.ts" }, dialogue: shell("echo 你好") },
      ],
      mutations: [{
        // A server that takes the end of the stream for an ack.
        program: "ssh_server.ts",
        from: "if (ack === null) {",
        to: `if (ack === "") {`,
        shows: "+ack from client: null",
      }],
    },
    {
      id: "ssh-idle",
      title: "--idle-timeout 1: a client that sends no command is let go; the next is served",
      reliability: {
        fault: "idle client",
        outcome: `"idle for 1 s: closed" on stderr, "idle, let go" in the log; next client served`,
      },
      server: { peer: { program: SSH, args: ["--idle-timeout", "1"] }, stderr: idleLine(SSH) },
      clients: [rawClient("idle", [{ awaitClose: true }]), sshClient("ssh-idle", "idle, let go")],
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
      server: { peer: { program: SSH } },
      clients: [
        rawClient("long", [
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
      server: { peer: { program: SSH } },
      clients: [
        rawClient("bad", [
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
      server: { peer: { program: SSH } },
      clients: [
        rawClient("blank", [
          { send: " " },
          { recv: "20" },
          { send: SSH_ACK },
          { recv: "cmd has no output..." },
          { close: true },
        ]),
        {
          peer: { program: "ssh_client.ts" },
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
      server: { peer: { program: SSH, args: ["--max-output", "16000000"] } },
      clients: [
        rawClient("leaving", [
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
      server: { peer: { program: SSH }, golden: false },
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
    ...(["SIGINT", "SIGTERM"] as const).map((signal): ConformanceCase => ({
      id: `ssh-${signal.toLowerCase()}`,
      title: `${signal} while a command runs: the command is killed, listener closed, status 0`,
      reliability: {
        fault: `${signal} mid-transfer`,
        outcome: "running commands killed, listener closed, status 0, nothing on stderr",
      },
      server: stopsOnSignal(SSH),
      clients: [rawClient("talker", [
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
    overIpv6(main),
  ],
};
