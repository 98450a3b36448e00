/**
 * 使用Socket实现聊天机器人 — the chat bot: seed transcript, empty input, a client that vanishes
 * without `q`, the seed's own Python client and server as foreign peers, the bad-input rows of
 * a lockstep server, a message split in two, nc and socat as clients, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ProcessClient } from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import type { Step } from "../harness/expect.ts";
import { AS_TEXT, biggerRead, fatalDecoder, LONG, NOT_UTF8, PIECES } from "./_bad_input.ts";
import { lockstepChaos } from "./_chaos.ts";
import { concurrentCases } from "./_concurrent.ts";
import { rawClient, seedPython, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { splitMessageCase } from "./_split_message.ts";
import { toolClient, withThirdPartyTools } from "./_third_party.ts";
import { escapedClientCase, INJECTED, INJECTED_SHOWN, unescapedLog } from "./_escaped.ts";

const PROMPT = "请输入要发送的内容>>>：";
const WELCOME = "欢迎致电babyshen";

/** The dialogue of the seed's 运行 block: 我, 你, 他, then q. */
const SEED_DIALOGUE: Step[] = ["我", "你", "他", "q"].map((line) => ({ wait: PROMPT, type: line }));

/** The seed's session by our client, served in full after each fault. */
const chatNormal: ProcessClient = {
  peer: { program: "chat_client.ts" },
  dialogue: ["我", "你", "他", "q"].map((line): Step => ({ wait: PROMPT, type: line })),
  golden: "chat.client",
};

/** The seed's 运行 transcript. */
const main: ConformanceCase = {
  id: "chat",
  title: "the seed's 运行 transcript: 我, 你, 他, q",
  server: { peer: { program: "chat_server.ts" } },
  clients: [{ peer: { program: "chat_client.ts" }, dialogue: SEED_DIALOGUE }],
  // 我 你 他 q = 3 + 3 + 3 + 1; welcome 20 + 3 replies of 6.
  bytes: { c2s: 10, s2c: 38 },
  mutations: [
    { program: "chat_server.ts", from: `"好"`, to: `"了"`, shows: "+我了" },
    {
      program: "chat_client.ts",
      from: `"${PROMPT}"`,
      to: `"请输入>>>："`,
      shows: "请输入>>>：",
    },
  ],
};

/** The chat bot lesson. */
export const chat: Lesson = {
  id: "chat",
  title: "使用Socket实现聊天机器人",
  titleEn: "Chat bot",
  seed: { file: "000_84409504fdc3648b.txt", section: "使用Socket实现聊天机器人" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 9999,
  scripts: ["chat_server.ts", "chat_client.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    {
      id: "chat-empty-input",
      title: "an empty line is skipped: nothing is sent",
      server: { peer: { program: "chat_server.ts" }, golden: "chat.server" },
      clients: [{
        peer: { program: "chat_client.ts" },
        dialogue: ["", "我", "q"].map((line) => ({ wait: PROMPT, type: line })),
      }],
      bytes: { c2s: 4, s2c: 26 },
      mutations: [{
        program: "chat_client.ts",
        from: "if (line.length === 0) continue;",
        to: `if (line.length === 0) line = " ";`,
        shows: "+ 好",
      }],
    },
    {
      id: "chat-disconnect",
      title: "a client that vanishes without q; the next client is served in full",
      server: { peer: { program: "chat_server.ts" } },
      clients: [
        {
          role: "vanishing",
          raw: [{ recv: WELCOME }, { send: "我" }, { recv: "我好" }, { close: true }],
        },
        {
          peer: { program: "chat_client.ts" },
          dialogue: SEED_DIALOGUE,
          golden: "chat.client",
          // Once the server has seen the first one go (客户端已经断开, or the mutant's wording):
          // the server's lines then come in one order.
          startsAfterServerShows: "客户端",
        },
      ],
      bytes: { c2s: 3 + 10, s2c: 26 + 38 },
      mutations: [{
        program: "chat_server.ts",
        from: `"客户端已经断开"`,
        to: `"客户端断开了"`,
        shows: "+客户端断开了",
      }],
    },
    {
      id: "chat-python-client",
      title: "the seed's Python client against chat_server.ts",
      server: { peer: { program: "chat_server.ts" }, golden: "chat.server" },
      clients: [{
        peer: seedPython("chat_client.py"),
        dialogue: SEED_DIALOGUE,
        golden: "chat.client",
      }],
      bytes: { c2s: 10, s2c: 38 },
      mutations: [{ program: "chat_server.ts", from: `"好"`, to: `"了"`, shows: "+我了" }],
    },
    {
      id: "chat-python-server",
      title: "chat_client.ts against the seed's Python server",
      server: {
        peer: seedPython("chat_server.py"),
      },
      clients: [{
        peer: { program: "chat_client.ts" },
        dialogue: SEED_DIALOGUE,
        golden: "chat.client",
      }],
      bytes: { c2s: 10, s2c: 38 },
      mutations: [{
        program: "chat_client.ts",
        from: "console.log(printable(reply))",
        to: `console.log(printable(reply + "!"))`,
        shows: "+我好!",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    ...concurrentCases({
      id: "chat",
      program: "chat_server.ts",
      greeting: WELCOME,
      normal: chatNormal,
      talk: [{ send: "我" }, { recv: "我好" }],
      farewell: [{ send: "q" }],
      normalBytes: { c2s: 10, s2c: 38 },
      crowdBytes: { c2s: 0, s2c: utf8(WELCOME) },
      // The seed's server crashes once a caller has gone.
      diesOnDisconnect: {
        program: "chat_server.ts",
        from: "if (message === null) {",
        to:
          `if (message === null) {\n        console.log("客户端已经断开");\n        Deno.exit(1);`,
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
        rawClient("garbled", [
          { recv: WELCOME },
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
        rawClient("long", [
          { recv: WELCOME },
          { send: LONG },
          ...PIECES.map((piece): RawStep => ({ recv: `${piece}好` })),
          { send: "q" },
          { awaitClose: true },
        ]),
        chatNormal,
      ],
      mutations: [biggerRead("chat_server.ts", "raw peer expected")],
    },
    // --- A message split in two ---
    splitMessageCase(main, {
      id: "chat-split-message",
      title: "你好 split after 你: the server answers 你好, then 好好 (one recv is one message)",
      // Whether the second answer is read glued to the first, and whether the server sees the
      // client's q or its leaving first, are timing: only the broken answer is pinned.
      server: { peer: { program: "chat_server.ts" }, golden: false },
      clients: [{
        peer: { program: "chat_client.ts" },
        dialogue: [{ wait: PROMPT, type: "你好" }, { wait: PROMPT, type: "q" }],
        golden: false,
        transcriptMatches: /内容>>>：你好\n(你好|你好好好)\n/,
      }],
      holdBack: { dir: "c2s", after: utf8("你") },
      mutations: [{ program: "chat_server.ts", from: `"好"`, to: `"了"`, shows: "does not match" }],
    }),
    // --- Third-party clients ---
    ...withThirdPartyTools("chat", "a third-party client: 我 → 我好, 你 → 你好", (tool) => ({
      // It ends with the end of the stream, not with the seed client's `q`: a golden of its own.
      server: { peer: { program: "chat_server.ts" }, golden: "chat-third-party.server" },
      clients: [toolClient(tool, "tcp", ["我", "你"], ["我好", "你好"])],
      bytes: { c2s: utf8("我你"), s2c: utf8("欢迎致电babyshen我好你好") },
      mutations: [{ program: "chat_server.ts", from: `"好"`, to: `"了"`, shows: "我了" }],
    })),
    escapedClientCase(
      "chat-client-escaped",
      { greeting: INJECTED },
      {
        peer: { program: "chat_client.ts" },
        dialogue: ["我", "q"].map((line): Step => ({ wait: PROMPT, type: line })),
      },
      unescapedLog("chat_client.ts", "reply"),
      `-${INJECTED_SHOWN}`,
      {
        mutations: [{ ...unescapedLog("chat_client.ts", "welcome"), shows: `-${INJECTED_SHOWN}` }],
      },
    ),
    overIpv6(main),
  ],
};
