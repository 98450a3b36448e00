/**
 * 3 粘包 — sticky packets: two sends arrive as one, as sent, one byte at a time and glued; the
 * seed's Python client as a foreign peer, the bad-input rows of a one-client server (the stream
 * is the message), and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson } from "../harness/case.ts";
import { NOT_UTF8 } from "./_bad_input.ts";
import { bytes } from "./_bytes.ts";
import { everyChunking } from "./_chunking.ts";
import { seedPython } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { oneClient, oneClientCommon } from "./_one_client.ts";
import { escapedServerCase, INJECTED, INJECTED_SHOWN, unescapedLog } from "./_escaped.ts";

const STICKY = "sticky_server.ts";

/** Two sends, kinght love + aym, arrive as one. */
const main: ConformanceCase = {
  id: "sticky",
  title: "two sends, kinght love + aym, arrive as one: kinght love aym",
  server: { peer: { program: "sticky_server.ts" }, exitsByItself: true },
  clients: [{ peer: { program: "sticky_client.ts" }, golden: false }],
  bytes: { c2s: 15, s2c: 0 },
  mutations: [{
    program: "sticky_client.ts",
    from: `const PARTS = ["kinght love ", "aym"];`,
    to: `const PARTS = ["kinght love", "aym"];`,
    shows: "+kinght loveaym",
  }],
};

/** 3 粘包. */
export const sticky: Lesson = {
  id: "sticky",
  title: "3 粘包",
  titleEn: "Sticky packets",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "3 粘包" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["sticky_server.ts", "sticky_client.ts"],
  chaos: {
    // readToEnd trusting one read: it stops after the first piece, whatever follows.
    oneReadMutations: [{
      program: "sticky_server.ts",
      from: "chunks.push(buffer.slice(0, n));",
      to: "chunks.push(buffer.slice(0, n));\n    break;",
    }],
  },
  cases: [
    ...everyChunking(main),
    // --- Foreign peers: the seed's own Python client ---
    {
      id: "sticky-python-client",
      title: "the seed's Python client's two sends arrive as one at sticky_server.ts",
      server: {
        peer: { program: "sticky_server.ts" },
        exitsByItself: true,
        golden: "sticky.server",
      },
      clients: [{ peer: seedPython("sticky_client.py"), golden: false }],
      bytes: { c2s: 15, s2c: 0 },
      mutations: [{
        program: "sticky_server.ts",
        from: "console.log(printable(data));",
        to: 'console.log(printable(data.replaceAll(" ", "_")));',
        shows: "+kinght_love_aym",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md): the stream is the message ---
    oneClient(
      STICKY,
      "sticky-oversize",
      "--max-message 16: a client sending 17 bytes is refused in one line",
      {
        fault: "oversize message (> --max-message, default 16 MiB)",
        outcome: `"more than 16 bytes is not accepted", one line, status 1`,
      },
      [{ send: "0123456789abcdefX" }, { vanish: true }],
      {
        exitCode: 1,
        stderr: /^sticky_server\.ts: more than 16 bytes is not accepted$/,
        args: ["--max-message", "16"],
      },
      [{ program: STICKY, from: "if (got > limit)", to: "if (got > limit + 1)", shows: "server" }],
    ),
    oneClient(
      STICKY,
      "sticky-invalid-utf8",
      "bytes that are not UTF-8 are printed with U+FFFD",
      {
        fault: "invalid UTF-8",
        outcome: "printed with U+FFFD (�) for the bad bytes; status 0",
      },
      [{ send: bytes("kinght ", NOT_UTF8) }, { vanish: true }],
      { exitCode: 0 },
      [{
        program: STICKY,
        from: "new TextDecoder().decode(bytes)",
        to: `new TextDecoder("utf-8", { fatal: true }).decode(bytes)`,
        shows: "exited with 1",
      }],
    ),
    ...oneClientCommon(
      STICKY,
      "sticky",
      bytes("kinght "),
      bytes("kinght love aym"),
      {
        program: STICKY,
        from: "console.log(printable(data));",
        to: "console.log(printable(data.slice(1)));",
        shows: "+inght",
      },
    ),
    escapedServerCase(
      "sticky-escaped",
      { peer: { program: "sticky_server.ts" }, exitsByItself: true },
      [{ role: "raw", raw: [{ send: INJECTED }, { close: true }] }],
      unescapedLog("sticky_server.ts", "data"),
      `-${INJECTED_SHOWN}`,
    ),
    overIpv6(main),
  ],
};
