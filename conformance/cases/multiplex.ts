/**
 * 5.1 TCP的服务端同时处理多个客户端 — one server, many clients: every message printed with its
 * connection's arrival and departure, two clients at once, the seed's Python client as a
 * foreign peer, the bad-input rows of a lockstep server (it never answers), and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ProcessClient } from "../harness/case.ts";
import { AS_TEXT, biggerRead, fatalDecoder, LONG, NOT_UTF8 } from "./_bad_input.ts";
import { lockstepChaos } from "./_chaos.ts";
import { concurrentCases, ONE_AT_A_TIME } from "./_concurrent.ts";
import { rawClient, seedPython } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { escapedServerCase, INJECTED, INJECTED_SHOWN } from "./_escaped.ts";

/** 有新的连接, 收到消息 for each line, 关闭连接. */
const main: ConformanceCase = {
  id: "multiplex",
  title: "有新的连接, 收到消息 for each line, 关闭连接",
  server: { peer: { program: "multiplex_server.ts" } },
  clients: [{
    peer: { program: "multiplex_client.ts" },
    dialogue: [
      { wait: ">>>", type: "你好" },
      { wait: ">>>", type: "我是客户端", serverShows: "收到消息: 你好" },
      { wait: ">>>", type: "Q", serverShows: "收到消息: 我是客户端" },
    ],
  }],
  bytes: { c2s: 21, s2c: 0 },
  mutations: [{
    program: "multiplex_server.ts",
    from: `console.log("收到消息:", printable(data));`,
    to: `console.log("收到:", printable(data));`,
    shows: `server line "收到消息: 你好"`,
  }],
};

// --- Bad input: prints every client's messages, never answers ---

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

/** 5.1 TCP的服务端同时处理多个客户端. */
export const multiplex: Lesson = {
  id: "multiplex",
  title: "5.1 TCP的服务端同时处理多个客户端",
  titleEn: "One server, many clients",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "5.1 TCP的服务端同时处理多个客户端" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["multiplex_server.ts", "multiplex_client.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    {
      id: "multiplex-two-clients",
      title: "two clients at once: each message is printed while the other is still connected",
      server: { peer: { program: "multiplex_server.ts" }, golden: false },
      clients: [[
        {
          role: "alice",
          peer: { program: "multiplex_client.ts" },
          dialogue: [
            { wait: ">>>", type: "first", together: "both" },
            { wait: ">>>", type: "q", serverShows: "收到消息: second" },
          ],
        },
        {
          role: "bob",
          peer: { program: "multiplex_client.ts" },
          dialogue: [
            { wait: ">>>", type: "second", together: "both" },
            { wait: ">>>", type: "q", serverShows: "收到消息: first" },
          ],
        },
      ]],
      bytes: { c2s: 11, s2c: 0 },
      mutations: [{
        program: "multiplex_server.ts",
        ...ONE_AT_A_TIME,
        shows: "server line",
      }],
    },
    // --- Foreign peers: the seed's own Python client ---
    {
      id: "multiplex-python-client",
      title: "the seed's Python client against multiplex_server.ts",
      server: { peer: { program: "multiplex_server.ts" }, golden: "multiplex.server" },
      clients: [{
        peer: seedPython("multiplex_client.py"),
        dialogue: [
          { wait: ">>>", type: "你好" },
          { wait: ">>>", type: "我是客户端", serverShows: "收到消息: 你好" },
          { wait: ">>>", type: "Q", serverShows: "收到消息: 我是客户端" },
        ],
        golden: "multiplex.client",
      }],
      bytes: { c2s: 21, s2c: 0 },
      mutations: [{
        program: "multiplex_server.ts",
        from: `console.log("关闭连接");`,
        to: `console.log("连接关闭");`,
        shows: "+连接关闭",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    ...concurrentCases({
      id: "multiplex",
      program: MULTIPLEX,
      normal: multiplexNormal,
      talk: [{ send: "你好" }],
      signalGolden: false,
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
      clients: [rawClient("garbled", [{ send: NOT_UTF8 }, { vanish: true }]), multiplexNormal],
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
      clients: [rawClient("long", [{ send: LONG }, { vanish: true }]), multiplexNormal],
      mutations: [biggerRead(MULTIPLEX, "transcript differs")],
    },
    escapedServerCase(
      "multiplex-escaped",
      { peer: { program: MULTIPLEX } },
      [{ role: "raw", raw: [{ send: INJECTED }, { close: true }] }],
      {
        program: MULTIPLEX,
        from: `console.log("收到消息:", printable(data));`,
        to: `console.log("收到消息:", data);`,
      },
      `-收到消息: ${INJECTED_SHOWN}`,
    ),
    overIpv6(main),
  ],
};
