/**
 * 3.1 解决粘包问题的思路 — the length as text before each message: read by its length as sent,
 * one byte at a time and glued; `--faithful`, the seed's recv(4); the seed's Python client as a
 * foreign peer, a client leaving inside a message, the bad-input rows of a one-client server,
 * and IPv6.
 *
 * @module
 */

import { readExactlyTrustingOneRead } from "./_chaos.ts";
import type { ConformanceCase, Lesson } from "../harness/case.ts";
import { NOT_UTF8 } from "./_bad_input.ts";
import { bytes } from "./_bytes.ts";
import { everyChunking } from "./_chunking.ts";
import { seedPython, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { oneClient, oneClientCommon } from "./_one_client.ts";
import { escapedServerCase, INJECTED, INJECTED_SHOWN, unescapedLog } from "./_escaped.ts";

/** 12kinght love 3aym: each message read by its length. */
const main: ConformanceCase = {
  id: "sticky_len",
  title: "12kinght love 3aym: each message read by its length",
  server: { peer: { program: "sticky_len_server.ts" }, exitsByItself: true },
  clients: [{ peer: { program: "sticky_len_client.ts" }, golden: false }],
  bytes: { c2s: 2 + 12 + 1 + 3, s2c: 0 },
  mutations: [{
    program: "sticky_len_server.ts",
    from: 'if (c >= "0" && c <= "9") digits += c;',
    to: 'if (c >= "0" && c <= "9" && digits === "") digits += c;',
    shows: "-aym",
  }],
};

// --- Bad input ---

const STICKY_LEN = "sticky_len_server.ts";
const stickyLenError = (text: string) =>
  new RegExp(`^sticky_len_server\\.ts: ${text.replace(/[()]/g, "\\$&")}$`);
const STICKY_LEN_LIMIT = "if (Number(digits) > maxMessage) {";

/** 3.1 解决粘包问题的思路. */
export const stickyLen: Lesson = {
  id: "sticky_len",
  title: "3.1 解决粘包问题的思路",
  titleEn: "Length as text",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "3.1 解决粘包问题的思路" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["sticky_len_server.ts", "sticky_len_client.ts"],
  chaos: {
    // readExactly (the message after its first byte) trusting one read: it returns what its
    // first read brought.
    oneReadMutations: [readExactlyTrustingOneRead("sticky_len_server.ts")],
  },
  cases: [
    ...everyChunking(main),
    {
      id: "sticky_len-faithful",
      title: "--faithful: the seed's recv(4) takes 12ki and fails, in one line",
      server: {
        peer: { program: "sticky_len_server.ts", args: ["--faithful"] },
        exitsByItself: true,
        exitCode: 1,
        stderr: /^sticky_len_server\.ts: 粘包: recv\(4\) got "12ki", not a length/,
      },
      clients: [{ peer: { program: "sticky_len_client.ts" }, golden: false }],
      mutations: [{
        program: "sticky_len_server.ts",
        from: "const header = await readExactly(conn, 4);",
        to: "const header = await readExactly(conn, 2);",
        shows: "server exited with 0",
      }],
    },
    // --- Foreign peers: the seed's own Python client ---
    {
      id: "sticky_len-python-client",
      title: "the seed's Python client against sticky_len_server.ts (without --faithful)",
      server: {
        peer: { program: "sticky_len_server.ts" },
        exitsByItself: true,
        golden: "sticky_len.server",
      },
      clients: [{ peer: seedPython("sticky_len_client.py"), golden: false }],
      bytes: { c2s: 18, s2c: 0 },
      mutations: [{
        program: "sticky_len_server.ts",
        from: "console.log(printable(decoder.decode(await readBody(stream, length))));",
        to: "console.log(JSON.stringify(decoder.decode(await readBody(stream, length))));",
        shows: `+"aym"`,
      }],
    },
    // --- Bad input (docs/RELIABILITY.md): the length as leading digits ---
    // The lesson ends after its one client, as the seed's does; one that leaves in the
    // middle of a message ends it with one line, not a stack trace.
    {
      id: "sticky_len-disconnect",
      title: "a client leaving inside a message: one line on stderr, exit status 1",
      reliability: {
        fault: "disconnect at every step",
        outcome: `inside a message: one line "the stream ended inside a 12-byte message", status 1`,
      },
      server: {
        peer: { program: "sticky_len_server.ts" },
        exitsByItself: true,
        exitCode: 1,
        stderr: /^sticky_len_server\.ts: the stream ended inside a 12-byte message$/,
      },
      clients: [{ role: "vanishing", raw: [{ send: "12kinght" }, { vanish: true }] }],
      mutations: [{
        // Whatever came is printed as if it were the message.
        program: "sticky_len_server.ts",
        from: "throw new Error(`the stream ended inside a ${n}-byte message`);",
        to: "return data.subarray(0, got);",
        shows: "exited with 0, expected 1",
      }],
    },
    oneClient(
      STICKY_LEN,
      "sticky_len-size-non-numeric",
      "3aym is printed; a length that is a letter (x) is refused in one line",
      {
        fault: "size: non-numeric",
        outcome: `the message before is printed; "expected a length, got "x"", one line, status 1`,
      },
      [{ send: "3aymx" }, { vanish: true }],
      { exitCode: 1, stderr: stickyLenError(`expected a length, got "x"`) },
      [{
        program: STICKY_LEN,
        from: "throw new Error(`expected a length, got ${shown}`);",
        to: "return null;",
        shows: "exited with 0, expected 1",
      }],
    ),
    oneClient(
      STICKY_LEN,
      "sticky_len-size-negative",
      "-3aym: a length with a sign is refused in one line",
      {
        fault: "size: negative",
        outcome: `"expected a length, got "-"", one line, status 1`,
      },
      [{ send: "-3aym" }, { vanish: true }],
      { exitCode: 1, stderr: stickyLenError(`expected a length, got "-"`) },
      [{
        program: STICKY_LEN,
        from: `if (c >= "0" && c <= "9") digits += c;`,
        to: `if ((c >= "0" && c <= "9") || c === "-") digits += c;`,
        shows: "server",
      }],
    ),
    oneClient(
      STICKY_LEN,
      "sticky_len-size-2^63",
      "a length of 2^63 is refused as soon as its digits pass the limit, before allocating",
      {
        fault: "size: 2^63",
        outcome:
          `"a length of 92233720 or more bytes is not accepted (limit 16777216)" after 8 digits, status 1`,
      },
      [{ send: `${2n ** 63n}kinght` }, { vanish: true }],
      {
        exitCode: 1,
        stderr: stickyLenError(
          "a length of 92233720 or more bytes is not accepted (limit 16777216)",
        ),
      },
      // Without the value check, the count of digits still stops it, one digit later.
      [{
        program: STICKY_LEN,
        from: STICKY_LEN_LIMIT,
        to: "if (false) {",
        shows: "a length of more than 8 digits is not accepted",
      }],
    ),
    oneClient(
      STICKY_LEN,
      "sticky_len-size-empty",
      "a length of 0 is an empty message (an empty line); the stream may end after it",
      {
        fault: "size: empty",
        outcome: "an empty line, status 0 at the end of the stream",
      },
      [{ send: "3aym0" }, { vanish: true }],
      { exitCode: 0 },
      [{
        program: STICKY_LEN,
        from: "if (Number(digits) === 0) return 0;",
        to: "",
        shows: "the stream ended after the length 0",
      }],
    ),
    oneClient(
      STICKY_LEN,
      "sticky_len-oversize",
      "--max-message 16: 16 bytes are printed, a length of 17 is refused before its body comes",
      {
        fault: "oversize message (> --max-message, default 16 MiB)",
        outcome:
          `"a length of 17 or more bytes is not accepted (limit 16)" before the body, status 1`,
      },
      [{ send: "16abcdefghijklmnop17" }, { vanish: true }],
      {
        exitCode: 1,
        stderr: stickyLenError("a length of 17 or more bytes is not accepted (limit 16)"),
        args: ["--max-message", "16"],
      },
      [{ program: STICKY_LEN, from: STICKY_LEN_LIMIT, to: "if (false) {", shows: "server" }],
    ),
    oneClient(
      STICKY_LEN,
      "sticky_len-size-zeros",
      "--max-message 16: a length of twenty zeros and a 1 is refused at its third digit",
      {
        fault: "size: leading zeros (a length that never passes the limit, however long)",
        outcome: `"a length of more than 2 digits is not accepted", status 1`,
      },
      [{ send: `${"0".repeat(20)}1x` }, { vanish: true }],
      {
        exitCode: 1,
        stderr: stickyLenError("a length of more than 2 digits is not accepted"),
        args: ["--max-message", "16"],
      },
      [{
        program: STICKY_LEN,
        from: "if (digits.length > String(maxMessage).length) {",
        to: "if (false) {",
        shows: "exited with 0, expected 1",
      }],
    ),
    oneClient(
      STICKY_LEN,
      "sticky_len-invalid-utf8",
      "a message that is not UTF-8 is printed with U+FFFD; the next message follows",
      {
        fault: "invalid UTF-8",
        outcome: "printed with U+FFFD (�) for the bad bytes; next message printed; status 0",
      },
      [{ send: bytes("3", NOT_UTF8, "2ok") }, { vanish: true }],
      { exitCode: 0 },
      [{
        program: STICKY_LEN,
        from: "const decoder = new TextDecoder();",
        to: `const decoder = new TextDecoder("utf-8", { fatal: true });`,
        shows: "exited with 1",
      }],
    ),
    oneClient(
      STICKY_LEN,
      "sticky_len-disconnect-after-length",
      "a client leaving right after the length: one line on stderr, exit status 1",
      {
        fault: "disconnect at every step",
        outcome: `after the length: one line "the stream ended after the length 12", status 1`,
      },
      [{ send: "12" }, { vanish: true }],
      { exitCode: 1, stderr: stickyLenError("the stream ended after the length 12") },
      [{
        program: STICKY_LEN,
        from: "throw new Error(`the stream ended after the length ${digits}`);",
        to: "return null;",
        shows: "exited with 0, expected 1",
      }],
    ),
    ...oneClientCommon(
      STICKY_LEN,
      "sticky_len",
      bytes("3aym12kinght"),
      bytes("3aym"),
      {
        program: STICKY_LEN,
        from: "console.log(printable(decoder.decode(await readBody(stream, length))));",
        to: "console.log(printable(decoder.decode((await readBody(stream, length)).subarray(1))));",
        shows: "+ym",
      },
    ),
    escapedServerCase(
      "sticky_len-escaped",
      { peer: { program: STICKY_LEN }, exitsByItself: true },
      [{ role: "raw", raw: [{ send: `${utf8(INJECTED)}${INJECTED}` }, { close: true }] }],
      unescapedLog(STICKY_LEN, "decoder.decode(await readBody(stream, length))"),
      `-${INJECTED_SHOWN}`,
    ),
    escapedServerCase(
      "sticky_len-faithful-escaped",
      { peer: { program: STICKY_LEN, args: ["--faithful"] }, exitsByItself: true },
      [{ role: "raw", raw: [{ send: `00${utf8(INJECTED)}${INJECTED}` }, { close: true }] }],
      {
        program: STICKY_LEN,
        from: "if (data !== null) console.log(printable(decoder.decode(data)));",
        to: "if (data !== null) console.log(decoder.decode(data));",
      },
      `-${INJECTED_SHOWN}`,
    ),
    escapedServerCase(
      "sticky_len-faithful-escaped-length",
      {
        peer: { program: STICKY_LEN, args: ["--faithful"] },
        exitsByItself: true,
        exitCode: 1,
        // A C1 CSI, which JSON.stringify leaves as it is, in the four bytes taken as a length.
        stderr: /^sticky_len_server\.ts: 粘包: recv\(4\) got "\\u\{9b\}1m", not a length/,
        golden: false,
      },
      [{ role: "raw", raw: [{ send: "\u009b1m" }, { awaitClose: true }] }],
      {
        program: STICKY_LEN,
        from: "printable(JSON.stringify(text))",
        to: "JSON.stringify(text)",
      },
      "server wrote to stderr",
    ),
    overIpv6(main),
  ],
};
