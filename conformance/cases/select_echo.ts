/**
 * 使用(IO多路复用)select实现多客户端连接 — select: many clients, one loop. The watched sockets
 * grow and shrink, a client leaves while another talks on, the seed's Python client as a
 * foreign peer, the bad-input rows of a select server, nc and socat as clients, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson } from "../harness/case.ts";
import { lockstepChaos } from "./_chaos.ts";
import { seedPython, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { selectCases } from "./_select.ts";
import { toolClient, withThirdPartyTools } from "./_third_party.ts";
import { escapedClientCase, INJECTED_SHOWN, unescapedLog } from "./_escaped.ts";

const SEND = "请输入要发送的内容>>>：";

/** The watched sockets grow and shrink; 我 → 我好, 你 → 你好. */
const main: ConformanceCase = {
  id: "select_echo",
  title: "the watched sockets grow and shrink; 我 → 我好, 你 → 你好",
  server: { peer: { program: "select_echo_server.ts" } },
  clients: [{
    peer: { program: "select_echo_client.ts" },
    dialogue: ["我", "", "你"].map((type) => ({ wait: SEND, type })),
  }],
  bytes: { c2s: 6, s2c: 12 },
  mutations: [{ program: "select_echo_server.ts", from: `"好"`, to: `"了"`, shows: "+我了" }],
};

/** 使用(IO多路复用)select实现多客户端连接. */
export const selectEcho: Lesson = {
  id: "select_echo",
  title: "使用(IO多路复用)select实现多客户端连接",
  titleEn: "select: many clients, one loop",
  seed: { file: "000_84409504fdc3648b.txt", section: "使用(IO多路复用)select实现多客户端连接" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["select_echo_server.ts", "select_echo_client.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    {
      id: "select_echo-departure",
      title: "two clients at once; one leaves, the other is answered as before",
      server: { peer: { program: "select_echo_server.ts" }, golden: false },
      clients: [[
        {
          role: "alice",
          peer: { program: "select_echo_client.ts" },
          dialogue: [{ wait: SEND, type: "我", together: "both" }],
        },
        {
          role: "bob",
          peer: { program: "select_echo_client.ts" },
          dialogue: [
            { wait: SEND, type: "你", together: "both" },
            { wait: SEND, type: "他", serverShows: "客户端断开之后" },
          ],
        },
      ]],
      bytes: { c2s: 9, s2c: 18 },
      mutations: [{
        program: "select_echo_server.ts",
        from: "if (message === null) break;",
        to: "if (message === null) continue;",
        shows: `server line "客户端断开之后"`,
      }],
    },
    // --- Foreign peers: the seed's own Python client ---
    {
      id: "select_echo-python-client",
      title:
        "the seed's Python client against select_echo_server.ts (it ends on EOFError, as in Python)",
      server: { peer: { program: "select_echo_server.ts" }, golden: "select_echo.server" },
      clients: [{
        peer: seedPython("select_echo_client.py"),
        dialogue: ["我", "你"].map((type) => ({ wait: SEND, type })),
        exitCode: 1,
        stderr: /EOFError/,
      }],
      bytes: { c2s: 6, s2c: 12 },
      mutations: [{ program: "select_echo_server.ts", from: `"好"`, to: `"了"`, shows: "+我了" }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    ...selectCases("select_echo_server.ts", "select_echo"),
    // --- Third-party clients ---
    ...withThirdPartyTools("select_echo", "a third-party client: 你好 → 你好好", (tool) => ({
      server: { peer: { program: "select_echo_server.ts" }, golden: false },
      clients: [toolClient(tool, "tcp", ["你好", "hello"], ["你好好", "hello好"])],
      bytes: { c2s: utf8("你好hello"), s2c: utf8("你好好hello好") },
      mutations: [{
        program: "select_echo_server.ts",
        from: `const REPLY_SUFFIX = "好";`,
        to: `const REPLY_SUFFIX = "了";`,
        shows: "你好了",
      }],
    })),
    escapedClientCase(
      "select_echo-client-escaped",
      {},
      {
        peer: { program: "select_echo_client.ts" },
        dialogue: [{ wait: "请输入要发送的内容>>>：", type: "hi" }],
      },
      unescapedLog("select_echo_client.ts", "reply"),
      `-${INJECTED_SHOWN}`,
    ),
    overIpv6(main),
  ],
};
