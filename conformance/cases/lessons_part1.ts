/**
 * Lessons, part 1: the small TCP examples, the welcome server, the 马冬梅 simulator and
 * socketserver's many clients at once.
 *
 * @module
 */

import type { Lesson } from "../harness/case.ts";
import type { Step } from "../harness/expect.ts";

const S000 = "000_84409504fdc3648b.txt";
const S002 = "002_74a0ec6df0a817ca.txt";
const S003 = "003_5d88270f3bd9af2f.txt";
const utf8 = (text: string) => new TextEncoder().encode(text).length;

/** 2.1 TCP代码示例. */
export const tcpHello: Lesson = {
  id: "tcp_hello",
  title: "2.1 TCP代码示例",
  titleEn: "TCP example: hello → hello world",
  seed: { file: S003, section: "2.1 TCP代码示例" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["tcp_hello_server.ts", "tcp_hello_client.ts"],
  cases: [{
    id: "tcp_hello",
    title: "hello, hello world",
    server: { peer: { program: "tcp_hello_server.ts" } },
    clients: [{ peer: { program: "tcp_hello_client.ts" } }],
    bytes: { c2s: 5, s2c: 11 },
    mutations: [
      {
        program: "tcp_hello_server.ts",
        from: `"hello world"`,
        to: `"hello word"`,
        shows: "+hello word",
      },
      {
        program: "tcp_hello_client.ts",
        from: `const MESSAGE = "hello";`,
        to: `const MESSAGE = "hallo";`,
        shows: "+hallo",
      },
    ],
  }],
};

/** 样例程序的问题: the welcome server in its final working form. */
export const welcome: Lesson = {
  id: "welcome",
  title: "样例程序的问题",
  titleEn: "The kudingcha welcome server",
  seed: { file: S002, section: "4. 样例程序的问题" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 12346,
  scripts: ["welcome_server.ts", "welcome_client.ts"],
  cases: [{
    id: "welcome",
    title: "the greeting, then the server ends when the caller hangs up",
    server: { peer: { program: "welcome_server.ts" }, exitsByItself: true },
    clients: [{ peer: { program: "welcome_client.ts" } }],
    bytes: { c2s: 0, s2c: utf8("welcome kudingcha Tea Garden") },
    mutations: [
      {
        program: "welcome_server.ts",
        from: "if (heard === null) break;",
        to: "",
        shows: "server did not exit within",
      },
      {
        program: "welcome_server.ts",
        from: `const WELCOME = "welcome kudingcha Tea Garden";`,
        to: `const WELCOME = "welcome to kudingcha Tea Garden";`,
        shows: "+Received welcome to kudingcha Tea Garden",
      },
    ],
  }],
};

const UNCLE = "请输入(q/Q退出)：";

/** 案例1：马冬梅大爷模拟器. */
export const madongmei: Lesson = {
  id: "madongmei",
  title: "案例1：马冬梅大爷模拟器",
  titleEn: "The 马冬梅 simulator",
  seed: { file: S003, section: "案例1：马冬梅大爷模拟器" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["madongmei_server.ts", "madongmei_client.ts"],
  cases: [{
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
  }],
};

const INPUT = "please input:";
const said = (...lines: string[]): Step[] => lines.map((type) => ({ wait: INPUT, type }));

/** socketserver: ThreadingTCPServer, one handler per connection. */
export const threadedChat: Lesson = {
  id: "threaded_chat",
  title: "socketserver",
  titleEn: "socketserver: many clients at once",
  seed: { file: S000, section: "socketserver" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 9999,
  scripts: ["threaded_chat_server.ts", "threaded_chat_client.ts"],
  cases: [
    {
      id: "threaded_chat",
      title: "welcome, 你 → 你好, q",
      server: { peer: { program: "threaded_chat_server.ts" } },
      clients: [{ peer: { program: "threaded_chat_client.ts" }, dialogue: said("你", "", "q") }],
      bytes: { c2s: 4, s2c: utf8("欢迎致电10086") + 6 },
      mutations: [{ program: "threaded_chat_server.ts", from: `"好"`, to: `"了"`, shows: "+你了" }],
    },
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
        from: "for await (const conn of server) handle(conn, server);",
        to: "for await (const conn of server) await handle(conn, server);",
        // One client at a time: the second never even gets its welcome.
        shows: `no prompt "please input:"`,
      }],
    },
  ],
};
