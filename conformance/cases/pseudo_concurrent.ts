/**
 * 5.2 IO复用完成客户端基础伪并发请求 — four requests in flight at once: the quick ones are
 * answered before the slow one; a request sent while the slow one is pending is not held up
 * (and is, with `--blocking`, as in the seed); the bad-input rows of delay_server.ts, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ProcessClient } from "../harness/case.ts";
import { AS_TEXT, biggerRead, fatalDecoder, LONG, NOT_UTF8, PIECES } from "./_bad_input.ts";
import { lockstepChaos } from "./_chaos.ts";
import { concurrentCases } from "./_concurrent.ts";
import { rawClient, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import {
  escapedClientCase,
  escapedServerCase,
  INJECTED,
  INJECTED_SHOWN,
  unescapedLog,
} from "./_escaped.ts";

const SEND = "请输入要发送的内容>>>：";
const SLOW_REPLY = "已收到延时反馈信息:sleep";

/** Four requests at once: first, second and third are answered before sleep. */
const main: ConformanceCase = {
  id: "pseudo_concurrent",
  title: "four requests at once: first, second and third are answered before sleep",
  server: { peer: { program: "delay_server.ts", args: ["--delay", "1"] }, golden: false },
  clients: [{
    peer: { program: "pseudo_concurrent_client.ts" },
    golden: false,
    transcriptMatches: new RegExp(
      `^first\nsleep\nsecond\nthird\n(已收到普通信息：(first|second|third)\n){3}${SLOW_REPLY}\n$`,
    ),
  }],
  // 已收到普通信息： is 24 bytes, 已收到延时反馈信息: 28, plus the message.
  bytes: { c2s: 5 + 5 + 6 + 5, s2c: (24 + 5) + (24 + 6) + (24 + 5) + (28 + 5) },
  mutations: [{
    program: "delay_server.ts",
    from: 'console.log("收到普通信息", printable(data));',
    to:
      'console.log("收到普通信息", printable(data));\n        await pause(delaySeconds * 2, false);',
    // The slow answer now comes first, right after the four sends, however long the others
    // take (on a loaded machine they may come after the mutant's bound).
    shows: `third\n${SLOW_REPLY}\n`,
  }],
};

// --- Bad input: delay_server.ts, the server that makes one request slow ---

const NORMAL = "已收到普通信息：";
const delayNormal: ProcessClient = {
  peer: { program: "select_echo_client.ts" },
  dialogue: [{ wait: "请输入要发送的内容>>>：", type: "first" }],
  golden: "delay_server-not-held-up.quick",
};
const DELAY = "delay_server.ts";

/** 5.2 IO复用完成客户端基础伪并发请求. */
export const pseudoConcurrent: Lesson = {
  id: "pseudo_concurrent",
  title: "5.2 IO复用完成客户端基础伪并发请求",
  titleEn: "Four requests in flight at once",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "5.2 IO复用完成客户端基础伪并发请求" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["delay_server.ts", "pseudo_concurrent_client.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    {
      id: "delay_server-not-held-up",
      title: "a request sent while sleep is pending is answered first (by default)",
      // Two clients start independently: the server log interleaves; the order that
      // matters is checked on the wire (replyOrder).
      server: { peer: { program: "delay_server.ts", args: ["--delay", "1"] }, golden: false },
      clients: [[
        {
          role: "slow",
          peer: { program: "select_echo_client.ts" },
          dialogue: [{ wait: SEND, type: "sleep" }],
        },
        {
          role: "quick",
          peer: { program: "select_echo_client.ts" },
          dialogue: [{ wait: SEND, type: "first", serverShows: "收到延时信息 sleep" }],
        },
      ]],
      replyOrder: ["已收到普通信息：first", SLOW_REPLY],
      mutations: [{
        program: "delay_server.ts",
        from: "if (blocking) Atomics.wait",
        to: "if (true) Atomics.wait",
        shows: "expected in the order",
      }],
    },
    {
      id: "delay_server-blocking",
      title: "--blocking reproduces the seed's stall: the request sent meanwhile waits for sleep",
      // Two clients start independently: the server log interleaves; the order that
      // matters is checked on the wire (replyOrder).
      server: {
        peer: { program: "delay_server.ts", args: ["--delay", "1", "--blocking"] },
        golden: false,
      },
      clients: [[
        {
          role: "slow",
          peer: { program: "select_echo_client.ts" },
          dialogue: [{ wait: SEND, type: "sleep" }],
        },
        {
          role: "quick",
          peer: { program: "select_echo_client.ts" },
          dialogue: [{ wait: SEND, type: "first", serverShows: "收到延时信息 sleep" }],
        },
      ]],
      replyOrder: [SLOW_REPLY, "已收到普通信息：first"],
      mutations: [{
        program: "delay_server.ts",
        from: "if (blocking) Atomics.wait",
        to: "if (false) Atomics.wait",
        shows: "expected in the order",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    ...concurrentCases({
      id: "delay_server",
      program: DELAY,
      normal: delayNormal,
      talk: [{ send: "first" }, { recv: `${NORMAL}first` }],
      farewell: [{ send: "sleep" }],
      // Whether the message is printed before the signal is timing.
      signalGolden: false,
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
        rawClient("garbled", [{ send: NOT_UTF8 }, { recv: `${NORMAL}${AS_TEXT}` }, {
          vanish: true,
        }]),
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
        rawClient("long", [
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
    escapedServerCase(
      "delay-escaped",
      { peer: { program: DELAY } },
      [{
        role: "raw",
        raw: [{ send: INJECTED }, { recv: `已收到普通信息：${INJECTED}` }, { close: true }],
      }],
      {
        program: DELAY,
        from: `console.log("收到普通信息", printable(data));`,
        to: `console.log("收到普通信息", data);`,
      },
      `-收到普通信息 ${INJECTED_SHOWN}`,
      {
        mutations: [{ ...unescapedLog(DELAY, "data"), shows: `-${INJECTED_SHOWN}` }],
      },
    ),
    escapedClientCase(
      "pseudo_concurrent-client-escaped",
      {},
      { peer: { program: "pseudo_concurrent_client.ts" } },
      {
        program: "pseudo_concurrent_client.ts",
        from: "console.log(printable(answer ??",
        to: "console.log((answer ??",
      },
      `-${INJECTED_SHOWN}`,
    ),
    overIpv6(main),
  ],
};
