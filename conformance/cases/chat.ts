/**
 * 使用Socket实现聊天机器人 — the chat bot: seed transcript, empty input, a client that vanishes
 * without `q`, and the seed's own Python client and server as foreign peers.
 *
 * @module
 */

import { seedPython } from "./_helpers.ts";
import type { Lesson } from "../harness/case.ts";
import type { Step } from "../harness/expect.ts";

const PROMPT = "请输入要发送的内容>>>：";
const WELCOME = "欢迎致电babyshen";

/** The dialogue of the seed's 运行 block: 我, 你, 他, then q. */
const SEED_DIALOGUE: Step[] = ["我", "你", "他", "q"].map((line) => ({ wait: PROMPT, type: line }));

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
  cases: [
    {
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
    },
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
        { peer: { program: "chat_client.ts" }, dialogue: SEED_DIALOGUE, golden: "chat.client" },
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
        from: "console.log(reply)",
        to: `console.log(reply + "!")`,
        shows: "+我好!",
      }],
    },
  ],
};
