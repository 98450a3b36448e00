/**
 * socketserver — ThreadingTCPServer, one handler per connection: the seed's run, three clients
 * with their turns interleaved, the seed's Python client and server as foreign peers, the
 * bad-input rows of a lockstep server, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ProcessClient } from "../harness/case.ts";
import type { Step } from "../harness/expect.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { AS_TEXT, biggerRead, fatalDecoder, LONG, NOT_UTF8, PIECES } from "./_bad_input.ts";
import { lockstepChaos } from "./_chaos.ts";
import { concurrentCases, ONE_AT_A_TIME } from "./_concurrent.ts";
import { rawClient, seedPython, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { escapedClientCase, INJECTED, INJECTED_SHOWN, unescapedLog } from "./_escaped.ts";

const INPUT = "please input:";
const said = (...lines: string[]): Step[] => lines.map((type) => ({ wait: INPUT, type }));

/** Welcome, 你 → 你好, q. */
const main: ConformanceCase = {
  id: "threaded_chat",
  title: "welcome, 你 → 你好, q",
  server: { peer: { program: "threaded_chat_server.ts" } },
  clients: [{ peer: { program: "threaded_chat_client.ts" }, dialogue: said("你", "", "q") }],
  bytes: { c2s: 4, s2c: utf8("欢迎致电10086") + 6 },
  mutations: [{ program: "threaded_chat_server.ts", from: `"好"`, to: `"了"`, shows: "+你了" }],
};

// --- Bad input ---

const TC_WELCOME = "欢迎致电10086";
const threadedNormal: ProcessClient = {
  peer: { program: "threaded_chat_client.ts" },
  dialogue: ["你", "", "q"].map((line): Step => ({ wait: "please input:", type: line })),
  golden: "threaded_chat.client",
};

/** socketserver: ThreadingTCPServer, one handler per connection. */
export const threadedChat: Lesson = {
  id: "threaded_chat",
  title: "socketserver",
  titleEn: "socketserver: many clients at once",
  seed: { file: "000_84409504fdc3648b.txt", section: "socketserver" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 9999,
  scripts: ["threaded_chat_server.ts", "threaded_chat_client.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    {
      id: "threaded_chat-interleaved",
      title: "three clients connected at once, their turns interleaved, each transcript exact",
      server: { peer: { program: "threaded_chat_server.ts" }, golden: false },
      clients: [[
        {
          role: "alice",
          peer: { program: "threaded_chat_client.ts" },
          dialogue: [
            { wait: INPUT, type: "我", together: "all connected" },
            { wait: INPUT, type: "还是我", together: "second turn" },
            { wait: INPUT, type: "q" },
          ],
        },
        {
          role: "bob",
          peer: { program: "threaded_chat_client.ts" },
          dialogue: [
            { wait: INPUT, type: "你", together: "all connected" },
            { wait: INPUT, type: "q", together: "second turn" },
          ],
        },
        {
          role: "carol",
          peer: { program: "threaded_chat_client.ts" },
          dialogue: [
            { wait: INPUT, type: "他", together: "all connected" },
            { wait: INPUT, type: "他们", together: "second turn" },
            { wait: INPUT, type: "q" },
          ],
        },
      ]],
      bytes: {
        c2s: utf8("我还是我q你q他他们q"),
        s2c: 3 * utf8("欢迎致电10086") + utf8("我好还是我好你好他好他们好"),
      },
      mutations: [{
        program: "threaded_chat_server.ts",
        ...ONE_AT_A_TIME,
        // One client at a time: the second never even gets its welcome, while the first waits
        // for it at the barrier; whichever bound fires first tells.
        shows: [`no prompt "please input:"`, `only 1 of 3 clients reached "all connected"`],
      }],
    },
    // --- Foreign peers: the seed's own Python programs ---
    {
      id: "threaded_chat-python-client",
      title: "the seed's Python client against threaded_chat_server.ts",
      server: { peer: { program: "threaded_chat_server.ts" }, golden: "threaded_chat.server" },
      clients: [{ peer: seedPython("threaded_chat_client.py"), dialogue: said("你", "q") }],
      bytes: { c2s: 4, s2c: utf8("欢迎致电10086") + 6 },
      mutations: [{ program: "threaded_chat_server.ts", from: `"好"`, to: `"了"`, shows: "+你了" }],
    },
    {
      id: "threaded_chat-python-server",
      title: "threaded_chat_client.ts against the seed's Python socketserver",
      server: { peer: seedPython("threaded_chat_server.py") },
      clients: [{
        peer: { program: "threaded_chat_client.ts" },
        dialogue: said("你", "q"),
        golden: "threaded_chat-python-client.client",
      }],
      bytes: { c2s: 4, s2c: utf8("欢迎致电10086") + 6 },
      mutations: [{
        program: "threaded_chat_client.ts",
        from: `const PROMPT = "please input:";`,
        to: `const PROMPT = "input:";`,
        shows: `no prompt "please input:"`,
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    ...concurrentCases({
      id: "threaded_chat",
      program: "threaded_chat_server.ts",
      greeting: TC_WELCOME,
      normal: threadedNormal,
      talk: [{ send: "你" }, { recv: "你好" }],
      farewell: [{ send: "q" }],
      normalBytes: { c2s: 4, s2c: utf8(TC_WELCOME) + 6 },
      crowdBytes: { c2s: 0, s2c: utf8(TC_WELCOME) },
      // The seed's handler answers the empty reads until its send fails.
      diesOnDisconnect: {
        program: "threaded_chat_server.ts",
        from: "if (message === null || message === QUIT) break;",
        to: "if (message === null) Deno.exit(1);\n      if (message === QUIT) break;",
        shows: "vanishing-at-1",
      },
    }),
    {
      id: "threaded_chat-invalid-utf8",
      title: "bytes that are not UTF-8 are answered as U+FFFD; the same client goes on",
      reliability: {
        fault: "invalid UTF-8",
        outcome:
          "read as U+FFFD and answered (ff fe 41 → ��A好); connection kept; next client served",
      },
      server: { peer: { program: "threaded_chat_server.ts" } },
      clients: [
        rawClient("garbled", [
          { recv: TC_WELCOME },
          { send: NOT_UTF8 },
          { recv: `${AS_TEXT}好` },
          { send: "你" },
          { recv: "你好" },
          { send: "q" },
          { awaitClose: true },
        ]),
        threadedNormal,
      ],
      mutations: [fatalDecoder("threaded_chat_server.ts", "raw peer expected")],
    },
    {
      id: "threaded_chat-oversize",
      title: "a message of 1,500 bytes is read 1024 bytes at a time: two replies",
      reliability: {
        fault: "oversize message (> 1024 bytes)",
        outcome: "one recv(1024) per reply: answered in two pieces; connection kept; next served",
      },
      server: {
        peer: { program: "threaded_chat_server.ts" },
        golden: "threaded_chat-invalid-utf8.server",
      },
      clients: [
        rawClient("long", [
          { recv: TC_WELCOME },
          { send: LONG },
          ...PIECES.map((piece): RawStep => ({ recv: `${piece}好` })),
          { send: "q" },
          { awaitClose: true },
        ]),
        threadedNormal,
      ],
      mutations: [biggerRead("threaded_chat_server.ts", "raw peer expected")],
    },
    escapedClientCase(
      "threaded_chat-client-escaped",
      { greeting: INJECTED },
      {
        peer: { program: "threaded_chat_client.ts" },
        dialogue: [{ wait: "please input:", type: "q" }],
      },
      unescapedLog("threaded_chat_client.ts", "message"),
      `-${INJECTED_SHOWN}`,
    ),
    overIpv6(main),
  ],
};
