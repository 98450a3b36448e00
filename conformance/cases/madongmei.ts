/**
 * 案例1：马冬梅大爷模拟器 — the uncle who mishears: with `--seed 1` the same way every run; the
 * seed's Python client and server as foreign peers, the bad-input rows of a lockstep server,
 * and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ProcessClient } from "../harness/case.ts";
import type { Step } from "../harness/expect.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { biggerRead, fatalDecoder, LONG, NOT_UTF8, PIECES } from "./_bad_input.ts";
import { lockstepChaos } from "./_chaos.ts";
import { concurrentCases } from "./_concurrent.ts";
import { rawClient, seedPython, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { escapedClientCase, INJECTED, INJECTED_SHOWN, unescapedLog } from "./_escaped.ts";

const UNCLE = "请输入(q/Q退出)：";

/** With --seed 1 the uncle mishears the same way every run; an empty line is not sent. */
const main: ConformanceCase = {
  id: "madongmei",
  title: "with --seed 1 the uncle mishears the same way every run; an empty line is not sent",
  server: { peer: { program: "madongmei_server.ts", args: ["--seed", "1"] } },
  clients: [{
    peer: { program: "madongmei_client.ts" },
    dialogue: ["马冬梅", "马冬梅", "", "马冬梅", "夏洛", "Q"].map((type) => ({
      wait: UNCLE,
      type,
    })),
  }],
  // 你找谁呀！ 15; four replies, each one character replaced by 什么 (3 bytes → 6).
  bytes: { c2s: 3 * 9 + 6, s2c: 15 + 3 * 12 + 9 },
  mutations: [
    {
      program: "madongmei_server.ts",
      from: `const MISHEARD = "什么";`,
      to: `const MISHEARD = "啥";`,
      shows: "啥",
    },
    {
      program: "madongmei_client.ts",
      from: `if (content === "") continue;`,
      to: "",
      shows: `no prompt "请输入(q/Q退出)："`,
    },
  ],
};

// --- Bad input, with --seed 1 so the uncle mishears the same way every run ---

const UNCLE_WELCOME = "你找谁呀！";
const SEED = ["--seed", "1"];
const madongmeiNormal: ProcessClient = {
  peer: { program: "madongmei_client.ts" },
  dialogue: ["马冬梅", "马冬梅", "", "马冬梅", "夏洛", "Q"].map((type): Step => ({
    wait: UNCLE,
    type,
  })),
  golden: "madongmei.client",
};

/** 案例1：马冬梅大爷模拟器. */
export const madongmei: Lesson = {
  id: "madongmei",
  title: "案例1：马冬梅大爷模拟器",
  titleEn: "The 马冬梅 simulator",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "案例1：马冬梅大爷模拟器" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["madongmei_server.ts", "madongmei_client.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    // --- Foreign peers: the seed's own Python programs ---
    {
      id: "madongmei-python-client",
      title: "the seed's Python client against madongmei_server.ts --seed 1",
      server: {
        peer: { program: "madongmei_server.ts", args: ["--seed", "1"] },
        golden: "madongmei.server",
      },
      clients: [{
        peer: seedPython("madongmei_client.py"),
        dialogue: ["马冬梅", "马冬梅", "Q"].map((type) => ({ wait: UNCLE, type })),
      }],
      bytes: { c2s: 18, s2c: 15 + 24 },
      mutations: [{
        program: "madongmei_server.ts",
        from: `const WELCOME = "你找谁呀！";`,
        to: `const WELCOME = "你找谁！";`,
        shows: "+你找谁！",
      }],
    },
    {
      id: "madongmei-python-server",
      title: "madongmei_client.ts against the seed's Python server (its randomness unseeded)",
      server: { peer: seedPython("madongmei_server.py") },
      clients: [{
        peer: { program: "madongmei_client.ts" },
        dialogue: ["马冬梅", "Q"].map((type) => ({ wait: UNCLE, type })),
        golden: false,
        transcriptMatches:
          /^你找谁呀！\n请输入\(q\/Q退出\)：马冬梅\n(什么冬梅|马什么梅|马冬什么)\n请输入\(q\/Q退出\)：Q\n$/,
      }],
      bytes: { c2s: 9, s2c: 15 + 12 },
      mutations: [{
        program: "madongmei_client.ts",
        from: "console.log(printable(reply));",
        to: "console.log(`[${printable(reply)}]`);",
        shows: "transcript does not match",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    ...concurrentCases({
      id: "madongmei",
      program: "madongmei_server.ts",
      args: SEED,
      greeting: UNCLE_WELCOME,
      normal: madongmeiNormal,
      vanishingShiftsGolden: true,
      talk: [{ send: "马冬梅" }, { recv: "马什么梅" }],
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
        rawClient("garbled", [
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
        rawClient("long", [
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
    escapedClientCase(
      "madongmei-client-escaped",
      { greeting: INJECTED },
      {
        peer: { program: "madongmei_client.ts" },
        dialogue: ["你好", "q"].map((line): Step => ({ wait: "请输入(q/Q退出)：", type: line })),
      },
      unescapedLog("madongmei_client.ts", "reply"),
      `-${INJECTED_SHOWN}`,
      {
        mutations: [{
          ...unescapedLog("madongmei_client.ts", "welcome"),
          shows: `-${INJECTED_SHOWN}`,
        }],
      },
    ),
    overIpv6(main),
  ],
};
