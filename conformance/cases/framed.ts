/**
 * 3.2 使用struct解决数字转字节 — 4-byte length headers with struct: short messages and a
 * 6000-byte one, each as sent, one byte at a time and glued; the seed's Python client and server
 * as foreign peers, a client leaving inside a message, the bad-input rows of a one-client
 * server, and IPv6.
 *
 * @module
 */

import { readExactlyTrustingOneRead } from "./_chaos.ts";
import type { ConformanceCase, Lesson } from "../harness/case.ts";
import { NOT_UTF8 } from "./_bad_input.ts";
import { bytes, frame, header } from "./_bytes.ts";
import { everyChunking } from "./_chunking.ts";
import { seedPython } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { oneClient, oneClientCommon } from "./_one_client.ts";
import { escapedServerCase, INJECTED, INJECTED_SHOWN, unescapedLog } from "./_escaped.ts";

/** xin正在学习, 应该没有, then 对方断开连接. */
const main: ConformanceCase = {
  id: "framed",
  title: "xin正在学习, 应该没有, then 对方断开连接",
  server: { peer: { program: "framed_server.ts" }, exitsByItself: true },
  clients: [{ peer: { program: "framed_client.ts" }, golden: false }],
  // Two 4-byte headers; xin正在学习 is 3 + 4 × 3 bytes, 应该没有 4 × 3.
  bytes: { c2s: 4 + 15 + 4 + 12, s2c: 0 },
  mutations: [{
    program: "framed_server.ts",
    from: "getInt32(0, true)",
    to: "getInt32(0, false)",
    shows: "is not accepted",
  }],
};

// --- Bad input ---

const FRAMED = "framed_server.ts";
const FRAMED_LIMIT = "limit 16777216";
const framedRefusal = (length: number, limit = FRAMED_LIMIT) =>
  new RegExp(`^framed_server\\.ts: a message of ${length} bytes is not accepted \\(${limit}\\)$`);
const FRAMED_SIZE_CHECK = "if (length < 0 || length > maxMessage) {";

/** 3.2 使用struct解决数字转字节. */
export const framed: Lesson = {
  id: "framed",
  title: "3.2 使用struct解决数字转字节",
  titleEn: "4-byte length headers with struct",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "3.2 使用struct解决数字转字节" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["framed_server.ts", "framed_client.ts"],
  chaos: {
    // readExactly (the header, the message) trusting one read: it returns what its first read
    // brought.
    oneReadMutations: [readExactlyTrustingOneRead("framed_server.ts")],
  },
  cases: [
    ...everyChunking(main),
    ...everyChunking({
      id: "framed-long",
      title: "a 6000-byte message, far over 1024, between two short ones",
      server: { peer: { program: "framed_server.ts" }, exitsByItself: true },
      clients: [{
        peer: { program: "framed_client.ts", args: ["前", "长".repeat(2000), "后"] },
        golden: false,
      }],
      bytes: { c2s: 3 * 4 + 3 + 6000 + 3, s2c: 0 },
      mutations: [{
        program: "framed_server.ts",
        from: "const data = await readExactly(conn, length);",
        to: "const data = await readExactly(conn, Math.min(length, 1024));",
        shows: "-对方断开连接",
      }],
    }),
    // --- Foreign peers: the seed's own Python programs ---
    {
      id: "framed-python-client",
      title: "the seed's Python client against framed_server.ts",
      server: {
        peer: { program: "framed_server.ts" },
        exitsByItself: true,
        golden: "framed.server",
      },
      clients: [{ peer: seedPython("framed_client.py"), golden: false }],
      bytes: { c2s: 4 + 15 + 4 + 12, s2c: 0 },
      mutations: [{
        program: "framed_server.ts",
        from: "console.log(CLOSED);",
        to: "",
        shows: "-对方断开连接",
      }],
    },
    {
      id: "framed-python-server",
      title: "framed_client.ts against the seed's Python server",
      server: {
        peer: seedPython("framed_server.py"),
        exitsByItself: true,
        golden: "framed.server",
      },
      clients: [{ peer: { program: "framed_client.ts" }, golden: false }],
      bytes: { c2s: 4 + 15 + 4 + 12, s2c: 0 },
      mutations: [{
        program: "framed_client.ts",
        from: "setInt32(0, n, true)",
        to: "setInt32(0, n + 1, true)",
        shows: "-应该没有",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    // The lesson ends after its one client, as the seed's does; one that leaves in the
    // middle of a message ends it with one line, not a stack trace.
    {
      id: "framed-disconnect",
      title: "a client leaving inside a message: one line on stderr, exit status 1",
      reliability: {
        fault: "disconnect at every step",
        outcome:
          `inside a message: one line "the client closed inside a 15-byte message", status 1`,
      },
      server: {
        peer: { program: "framed_server.ts" },
        exitsByItself: true,
        exitCode: 1,
        stderr: /^framed_server\.ts: the client closed inside a 15-byte message$/,
      },
      clients: [{
        role: "vanishing",
        raw: [{ send: frame("xin正在学习").subarray(0, 9) }, { vanish: true }],
      }],
      mutations: [{
        program: "framed_server.ts",
        from: "throw new Error(`the client closed inside a ${length}-byte message`);",
        to: "return new Uint8Array();",
        shows: "exited with 0, expected 1",
      }],
    },
    oneClient(
      FRAMED,
      "framed-size-non-numeric",
      "text where the 4-byte header goes (abcd = 1684234849): refused before it is read",
      {
        fault: "size: non-numeric",
        outcome:
          `every 4 bytes are a number: "abcd" claims 1684234849 bytes, over the limit: one line, status 1`,
      },
      [{ send: "abcd" }, { vanish: true }],
      { exitCode: 1, stderr: framedRefusal(1684234849) },
      [{
        program: FRAMED,
        from: FRAMED_SIZE_CHECK,
        to: "if (length < 0) {",
        shows: "inside a 1684234849-byte message",
      }],
    ),
    oneClient(
      FRAMED,
      "framed-size-negative",
      "a header of ff ff ff ff (4 GiB - 1 unsigned, -1 as the seed's signed int): refused",
      {
        fault: "size: negative",
        outcome: `"a message of -1 bytes is not accepted", one line, status 1, nothing allocated`,
      },
      [{ send: header(0xffffffff) }, { vanish: true }],
      { exitCode: 1, stderr: framedRefusal(-1) },
      [{
        program: FRAMED,
        from: FRAMED_SIZE_CHECK,
        to: "if (length > maxMessage) {",
        shows: "Invalid typed array length: -1",
      }],
    ),
    oneClient(
      FRAMED,
      "framed-size-2^31",
      "the largest length a 4-byte header holds (2^31 - 1) is refused before allocating",
      {
        fault: "size: 2^63",
        outcome:
          `a 4-byte header holds at most 2^31 - 1: "a message of 2147483647 bytes is not accepted", status 1, nothing allocated`,
      },
      [{ send: header(0x7fffffff) }, { vanish: true }],
      { exitCode: 1, stderr: framedRefusal(0x7fffffff) },
      [{
        program: FRAMED,
        from: FRAMED_SIZE_CHECK,
        to: "if (length < 0) {",
        shows: "inside a 2147483647-byte message",
      }],
    ),
    oneClient(
      FRAMED,
      "framed-size-empty",
      "a header of 0 is an empty message (an empty line); the next message follows",
      {
        fault: "size: empty",
        outcome: "an empty line, then the next message; status 0 at the end of the stream",
      },
      [{ send: bytes(frame(""), frame("hi")) }, { vanish: true }],
      { exitCode: 0 },
      [{ program: FRAMED, from: "length < 0 ||", to: "length <= 0 ||", shows: "-hi" }],
    ),
    oneClient(
      FRAMED,
      "framed-oversize",
      "--max-message 16: 16 bytes are printed, a 17-byte header is refused before its body comes",
      {
        fault: "oversize message (> --max-message, default 16 MiB)",
        outcome: `"a message of 17 bytes is not accepted (limit 16)" before the body, status 1`,
      },
      [{ send: bytes(frame("0123456789abcdef"), header(17)) }, { vanish: true }],
      { exitCode: 1, stderr: framedRefusal(17, "limit 16"), args: ["--max-message", "16"] },
      [{
        program: FRAMED,
        from: "length > maxMessage",
        to: "length > maxMessage + 1",
        shows: "inside a 17-byte message",
      }],
    ),
    oneClient(
      FRAMED,
      "framed-invalid-utf8",
      "a message that is not UTF-8 is printed with U+FFFD; the next message follows",
      {
        fault: "invalid UTF-8",
        outcome: "printed with U+FFFD (�) for the bad bytes; next message printed; status 0",
      },
      [{ send: bytes(header(3), NOT_UTF8, frame("ok")) }, { vanish: true }],
      { exitCode: 0 },
      [{
        program: FRAMED,
        from: "const decoder = new TextDecoder();",
        to: `const decoder = new TextDecoder("utf-8", { fatal: true });`,
        shows: "exited with 1",
      }],
    ),
    oneClient(
      FRAMED,
      "framed-disconnect-in-header",
      "a client leaving inside the 4-byte header: one line on stderr, exit status 1",
      {
        fault: "disconnect at every step",
        outcome: `inside the header: one line "the client closed inside a 4-byte header", status 1`,
      },
      [{ send: frame("xin").subarray(0, 2) }, { vanish: true }],
      { exitCode: 1, stderr: /^framed_server\.ts: the client closed inside a 4-byte header$/ },
      [{
        program: FRAMED,
        from:
          `if (error instanceof ShortRead) throw new Error("the client closed inside a 4-byte header");`,
        to: "if (error instanceof ShortRead) return null;",
        shows: "exited with 0, expected 1",
      }],
    ),
    ...oneClientCommon(
      FRAMED,
      "framed",
      bytes(frame("xin"), frame("xin正在学习").subarray(0, 9)),
      frame("xin"),
      {
        program: FRAMED,
        from: "console.log(printable(decoder.decode(data)));",
        to: "console.log(printable(decoder.decode(data.subarray(1))));",
        shows: "+in",
      },
    ),
    escapedServerCase(
      "framed-escaped",
      { peer: { program: FRAMED }, exitsByItself: true },
      [{ role: "raw", raw: [{ send: frame(INJECTED) }, { close: true }] }],
      unescapedLog(FRAMED, "decoder.decode(data)"),
      `-${INJECTED_SHOWN}`,
    ),
    overIpv6(main),
  ],
};
