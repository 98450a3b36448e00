/**
 * Lessons, part 1: the small TCP examples, the welcome server, the 马冬梅 simulator and
 * socketserver's many clients at once.
 *
 * @module
 */

import { seedPython, utf8 } from "./_helpers.ts";
import type { Lesson } from "../harness/case.ts";
import type { Step } from "../harness/expect.ts";
import { TIMESTAMP_MASK } from "../harness/mask.ts";

const S000 = "000_84409504fdc3648b.txt";
const S002 = "002_74a0ec6df0a817ca.txt";
const S003 = "003_5d88270f3bd9af2f.txt";

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
        from: "for await (const conn of server) handle(conn, server, idleSeconds);",
        to: "for await (const conn of server) await handle(conn, server, idleSeconds);",
        // One client at a time: the second never even gets its welcome.
        shows: `no prompt "please input:"`,
      }],
    },
  ],
};

const SEND = "请输入要发送的内容>>>：";

/** 使用(IO多路复用)select实现多客户端连接. */
export const selectEcho: Lesson = {
  id: "select_echo",
  title: "使用(IO多路复用)select实现多客户端连接",
  titleEn: "select: many clients, one loop",
  seed: { file: S000, section: "使用(IO多路复用)select实现多客户端连接" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["select_echo_server.ts", "select_echo_client.ts"],
  cases: [
    {
      id: "select_echo",
      title: "the watched sockets grow and shrink; 我 → 我好, 你 → 你好",
      server: { peer: { program: "select_echo_server.ts" } },
      clients: [{
        peer: { program: "select_echo_client.ts" },
        dialogue: ["我", "", "你"].map((type) => ({ wait: SEND, type })),
      }],
      bytes: { c2s: 6, s2c: 12 },
      mutations: [{ program: "select_echo_server.ts", from: `"好"`, to: `"了"`, shows: "+我了" }],
    },
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
  ],
};

/** select 第二个参数(w_list) 读写分离. */
export const selectRw: Lesson = {
  id: "select_rw",
  title: "select 第二个参数(w_list) 读写分离",
  titleEn: "select's w_list: reading and writing apart",
  seed: { file: S000, section: "socket中第二个参数(w_list)详解" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["select_rw_server.ts"],
  cases: [{
    id: "select_rw",
    title: "each message answered once, in order (the seed answers the first one forever)",
    server: { peer: { program: "select_rw_server.ts" } },
    clients: [{
      peer: { program: "select_echo_client.ts" },
      dialogue: ["你", "他", "我们"].map((type) => ({ wait: SEND, type })),
    }],
    bytes: { c2s: 12, s2c: 21 },
    mutations: [{
      program: "select_rw_server.ts",
      from: "queue.shift()!",
      to: "queue[0]",
      shows: "-他好",
    }],
  }],
};

/** 5.1 TCP的服务端同时处理多个客户端. */
export const multiplex: Lesson = {
  id: "multiplex",
  title: "5.1 TCP的服务端同时处理多个客户端",
  titleEn: "One server, many clients",
  seed: { file: S003, section: "5.1 TCP的服务端同时处理多个客户端" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["multiplex_server.ts", "multiplex_client.ts"],
  cases: [
    {
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
        from: `console.log("收到消息:", data);`,
        to: `console.log("收到:", data);`,
        shows: `server line "收到消息: 你好"`,
      }],
    },
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
        from: "    serveClient(conn, idleSeconds);",
        to: "    await serveClient(conn, idleSeconds);",
        shows: "server line",
      }],
    },
  ],
};

/** IO多路复用: three listening ports. */
export const selectMultiport: Lesson = {
  id: "select_multiport",
  title: "IO多路复用",
  titleEn: "select over three listening ports",
  seed: { file: S000, section: "IO多路复用" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["select_multiport_server.ts", "select_hello_client.ts"],
  cases: [{
    id: "select_multiport",
    title: "the seed's client 1 on the first port, client 2 on the second: hello, hello",
    server: { peer: { program: "select_multiport_server.ts" }, listeners: 3 },
    clients: [
      {
        role: "client1",
        peer: { program: "select_hello_client.ts" },
        golden: "select_multiport.client",
      },
      {
        role: "client2",
        listener: 1,
        peer: { program: "select_hello_client.ts" },
        golden: "select_multiport.client",
      },
    ],
    bytes: { c2s: 0, s2c: 10 },
    mutations: [{
      program: "select_multiport_server.ts",
      from: `const GREETING = "hello";`,
      to: `const GREETING = "hallo";`,
      shows: "+hallo",
    }],
  }],
};

const UDP_PROMPT = "请输入要发送的内容(Q退出):";

/** 2.2 UDP代码示例. */
export const udp: Lesson = {
  id: "udp",
  title: "2.2 UDP代码示例",
  titleEn: "UDP example, with a retry when a datagram is lost",
  seed: { file: S003, section: "2.2 UDP代码示例" },
  transport: "udp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["udp_server.ts", "udp_client.ts"],
  cases: [
    {
      id: "udp",
      title: "每个数据报: 已收到",
      server: { peer: { program: "udp_server.ts" } },
      clients: [{
        peer: { program: "udp_client.ts" },
        dialogue: ["你好", "hello", "Q"].map((type) => ({ wait: UDP_PROMPT, type })),
      }],
      bytes: { c2s: 11, s2c: 18 },
      mutations: [{
        program: "udp_server.ts",
        from: `const REPLY = "已收到";`,
        to: `const REPLY = "收到";`,
        shows: "+收到",
      }],
    },
    {
      id: "udp-lost-question",
      title:
        "the first datagram is lost on its way: the client sends it again; the server sees it once",
      server: { peer: { program: "udp_server.ts" } },
      clients: [{
        peer: { program: "udp_client.ts", args: ["--timeout", "0.5"] },
        dialogue: ["你好", "Q"].map((type) => ({ wait: UDP_PROMPT, type })),
      }],
      drop: { dir: "c2s", nth: 1 },
      bytes: { c2s: 6, s2c: 9 },
      mutations: [{
        program: "udp_client.ts",
        from: "attempt <= retries && reply === null",
        to: "attempt < 1 && reply === null",
        shows: "+(no answer after 4 tries",
      }],
    },
    {
      id: "udp-lost-answer",
      title: "the first answer is lost: the line is sent again and the server sees it twice",
      server: { peer: { program: "udp_server.ts" } },
      clients: [{
        peer: { program: "udp_client.ts", args: ["--timeout", "0.5"] },
        dialogue: ["你好", "Q"].map((type) => ({ wait: UDP_PROMPT, type })),
      }],
      drop: { dir: "s2c", nth: 1 },
      bytes: { c2s: 12, s2c: 9 },
      mutations: [{
        program: "udp_client.ts",
        from: "attempt <= retries && reply === null",
        to: "attempt < 1 && reply === null",
        shows: "+(no answer after 4 tries",
      }],
    },
  ],
};

/** 4 阻塞与非阻塞. */
export const blocking: Lesson = {
  id: "blocking",
  title: "4 阻塞与非阻塞",
  titleEn: "Blocking and non-blocking",
  seed: { file: S003, section: "4 阻塞与非阻塞" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["blocking_server.ts", "blocking_client.ts", "nonblocking_demo.ts"],
  cases: [
    {
      id: "blocking",
      title: "the server waits for one client, prints ABCDEFGH and ends",
      server: { peer: { program: "blocking_server.ts" }, exitsByItself: true },
      clients: [{ peer: { program: "blocking_client.ts" } }],
      bytes: { c2s: 8, s2c: 0 },
      mutations: [{
        program: "blocking_client.ts",
        from: `const MESSAGE = "ABCDEFGH";`,
        to: `const MESSAGE = "ABCDEFG";`,
        shows: "+ABCDEFG\n",
      }],
    },
    {
      id: "nonblocking_demo",
      title: "setblocking(False): accept() raced against a timer, before and after a caller",
      clients: [{ peer: { program: "nonblocking_demo.ts" } }],
      mutations: [{
        program: "nonblocking_demo.ts",
        from: `first === "nobody yet"`,
        to: `first !== "nobody yet"`,
        shows: "+accept() with nobody waiting: a caller?!",
      }],
    },
  ],
};

const NOTE = "今日记录，请输入（输入quit退出程序）：";
const STAMP = String.raw`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d`;

/** 修改内网版notebook. */
export const notebook: Lesson = {
  id: "notebook",
  title: "修改内网版notebook",
  titleEn: "The LAN notebook",
  seed: { file: S002, section: "6. 修改内网版notebook" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 65432,
  scripts: ["notebook_server.ts", "notebook_client.ts"],
  cases: [{
    id: "notebook",
    title: "notes in Chinese come back timestamped and are appended to the notebook",
    files: [{
      at: "server",
      path: "notebook.txt",
      content: { text: "2019/05/09 15:31:43 我是一个中文\n" },
    }],
    server: { peer: { program: "notebook_server.ts" } },
    clients: [{
      peer: { program: "notebook_client.ts" },
      dialogue: ["我还是是还是一个中文", "", "第二条", "quit"].map((type) => ({
        wait: NOTE,
        type,
      })),
    }],
    masks: [TIMESTAMP_MASK],
    bytes: { c2s: 30 + 9, s2c: 30 + 9 },
    expectFiles: [{
      at: "server",
      path: "notebook.txt",
      matches: new RegExp(
        `^2019/05/09 15:31:43 我是一个中文\n${STAMP} 我还是是还是一个中文\n${STAMP} 第二条\n$`,
      ),
    }],
    mutations: [
      {
        program: "notebook_server.ts",
        from: "{ append: true }",
        to: "{}",
        shows: "notebook.txt does not match",
      },
      {
        program: "notebook_client.ts",
        from: `console.log("Data:", timestamp(), echoed);`,
        to: `console.log("Data:", timestamp(), JSON.stringify(echoed));`,
        shows: `+Data: <TIME> "第二条"`,
      },
    ],
  }],
};

/** selectors: several connections from one client. */
export const multiconn: Lesson = {
  id: "multiconn",
  title: "selectors",
  titleEn: "selectors: several connections from one client",
  seed: { file: S002, section: "5. selectors" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 65432,
  scripts: ["multiconn_server.ts", "multiconn_client.ts"],
  cases: [{
    id: "multiconn",
    title: "three connections at once from one process, every message echoed",
    server: { peer: { program: "multiconn_server.ts" }, golden: false },
    clients: [{ peer: { program: "multiconn_client.ts", args: ["--conns", "3"] } }],
    bytes: { c2s: 3 * 44, s2c: 3 * 44 },
    connectionBytes: [{ c2s: 44, s2c: 44 }, { c2s: 44, s2c: 44 }, { c2s: 44, s2c: 44 }],
    mutations: [{
      program: "multiconn_server.ts",
      from: "await writeAll(conn, buffer.subarray(0, n));",
      to: "await writeAll(conn, buffer.subarray(0, n).reverse());",
      shows: "+received",
    }],
  }],
};

/** MD5实现 / 中文的长度问题 / 获取文件大小. */
export const md5Demo: Lesson = {
  id: "md5_demo",
  title: "MD5实现 / 中文的长度问题 / 获取文件大小",
  titleEn: "MD5, UTF-8 lengths and file sizes",
  seed: {
    file: S000,
    section: "使用Socket实现FTP-上传功能(MD5): MD5实现, 中文的长度问题, 获取文件大小",
  },
  transport: "none",
  host: "-",
  port: 0,
  scripts: ["md5_demo.ts"],
  cases: [{
    id: "md5_demo",
    title: `md5("wangzy"), "神" in characters and bytes, the size of the seed's 14-byte demo1.txt`,
    files: [{ at: "client", path: "demo1.txt", content: { text: "abcdefghijklmn" } }],
    clients: [{ peer: { program: "md5_demo.ts", args: ["demo1.txt"] } }],
    mutations: [{
      program: "md5_demo.ts",
      from: `"wangzy"`,
      to: `"wangz"`,
      shows: `+md5("wangz")`,
    }],
  }],
};

/** send和sendall区别. */
export const sendVsSendall: Lesson = {
  id: "send_vs_sendall",
  title: "send和sendall区别",
  titleEn: "send vs sendall",
  seed: { file: S000, section: "send和sendall区别" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 0,
  scripts: ["send_vs_sendall.ts"],
  cases: [{
    id: "send_vs_sendall",
    title: "one conn.write() of 64 MiB writes only part; the write-all loop sends the rest",
    clients: [{ peer: { program: "send_vs_sendall.ts" } }],
    mutations: [{
      program: "send_vs_sendall.ts",
      from: "await writeAll(sender, data.subarray(sent));",
      to: "await sender.write(data.subarray(sent));",
      shows: "-the receiver got 67108864 bytes of 67108864",
    }],
  }],
};

const PLZ = "PLZ inpuet>>: ";

/** 断言. */
export const assertDemo: Lesson = {
  id: "assert_demo",
  title: "断言",
  titleEn: "assert",
  seed: { file: S000, section: "断言" },
  transport: "none",
  host: "-",
  port: 0,
  scripts: ["assert_demo.ts"],
  cases: [
    {
      id: "assert_demo",
      title: "keyboard input is a string: True",
      clients: [{ peer: { program: "assert_demo.ts" }, dialogue: [{ wait: PLZ, type: "123" }] }],
      mutations: [{
        program: "assert_demo.ts",
        from: `console.log("True");`,
        to: `console.log("true");`,
        shows: "+true",
      }],
    },
    {
      id: "assert_demo-int",
      title: "asserting a number fails, and the program stops there",
      clients: [{
        peer: { program: "assert_demo.ts", args: ["--int"] },
        dialogue: [{ wait: PLZ, type: "123" }],
        exitCode: 1,
        stderr: /^assert_demo\.ts: AssertionError: type of "123" is string, not number$/,
      }],
      mutations: [{
        program: "assert_demo.ts",
        from: "if (flags.int)",
        to: "if (false)",
        shows: "exited with 0",
      }],
    },
  ],
};

const SLOW_REPLY = "已收到延时反馈信息:sleep";

/** 5.2 IO复用完成客户端基础伪并发请求. */
export const pseudoConcurrent: Lesson = {
  id: "pseudo_concurrent",
  title: "5.2 IO复用完成客户端基础伪并发请求",
  titleEn: "Four requests in flight at once",
  seed: { file: S003, section: "5.2 IO复用完成客户端基础伪并发请求" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["delay_server.ts", "pseudo_concurrent_client.ts"],
  cases: [
    {
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
        from: 'console.log("收到普通信息", data);',
        to: 'console.log("收到普通信息", data);\n        await pause(seconds * 2, false);',
        // The slow answer now comes before the others, whether the client ends in time or not.
        shows: `${SLOW_REPLY}\n已收到普通信息`,
      }],
    },
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
  ],
};

// --- Foreign peers: the seed's own Python programs against ours, both ways ---

tcpHello.cases.push(
  {
    id: "tcp_hello-python-client",
    title: "the seed's Python client against tcp_hello_server.ts",
    server: { peer: { program: "tcp_hello_server.ts" }, golden: "tcp_hello.server" },
    clients: [{ peer: seedPython("tcp_hello_client.py") }],
    bytes: { c2s: 5, s2c: 11 },
    mutations: [{
      program: "tcp_hello_server.ts",
      from: `"hello world"`,
      to: `"hello word"`,
      shows: "+b'hello word'",
    }],
  },
  {
    id: "tcp_hello-python-server",
    title: "tcp_hello_client.ts against the seed's Python server",
    server: { peer: seedPython("tcp_hello_server.py") },
    clients: [{ peer: { program: "tcp_hello_client.ts" }, golden: "tcp_hello.client" }],
    bytes: { c2s: 5, s2c: 11 },
    mutations: [{
      program: "tcp_hello_client.ts",
      from: `const MESSAGE = "hello";`,
      to: `const MESSAGE = "hi";`,
      shows: "c2s 2",
    }],
  },
);

madongmei.cases.push(
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
      from: "console.log(reply);",
      to: "console.log(`[${reply}]`);",
      shows: "transcript does not match",
    }],
  },
);

udp.cases.push(
  {
    id: "udp-python-client",
    title: "the seed's Python client against udp_server.ts",
    server: { peer: { program: "udp_server.ts" }, golden: "udp.server" },
    clients: [{
      peer: seedPython("udp_client.py"),
      dialogue: ["你好", "hello", "Q"].map((type) => ({ wait: UDP_PROMPT, type })),
      golden: "udp.client",
    }],
    bytes: { c2s: 11, s2c: 18 },
    mutations: [{
      program: "udp_server.ts",
      from: `const REPLY = "已收到";`,
      to: `const REPLY = "收到";`,
      shows: "+收到",
    }],
  },
  {
    id: "udp-python-server",
    title: "udp_client.ts against the seed's Python server",
    server: { peer: seedPython("udp_server.py") },
    clients: [{
      peer: { program: "udp_client.ts" },
      dialogue: ["你好", "hello", "Q"].map((type) => ({ wait: UDP_PROMPT, type })),
      golden: "udp.client",
    }],
    bytes: { c2s: 11, s2c: 18 },
    mutations: [{
      program: "udp_client.ts",
      from: "decoder.decode(reply)",
      to: "`${decoder.decode(reply)}!`",
      shows: "+已收到!",
    }],
  },
);

threadedChat.cases.push(
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
);

selectEcho.cases.push({
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
});

multiplex.cases.push({
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
});

blocking.cases.push(
  {
    id: "blocking-python-client",
    title: "the seed's Python client against blocking_server.ts",
    server: {
      peer: { program: "blocking_server.ts" },
      exitsByItself: true,
      golden: "blocking.server",
    },
    clients: [{ peer: seedPython("blocking_client.py"), golden: "blocking.client" }],
    bytes: { c2s: 8, s2c: 0 },
    mutations: [{
      program: "blocking_server.ts",
      from: "console.log(data);",
      to: "console.log(data.toLowerCase());",
      shows: "+abcdefgh",
    }],
  },
  {
    id: "blocking-python-server",
    title: "blocking_client.ts against the seed's Python server",
    server: { peer: seedPython("blocking_server.py"), exitsByItself: true },
    clients: [{ peer: { program: "blocking_client.ts" }, golden: "blocking.client" }],
    bytes: { c2s: 8, s2c: 0 },
    mutations: [{
      program: "blocking_client.ts",
      from: `const MESSAGE = "ABCDEFGH";`,
      to: `const MESSAGE = "ABCD";`,
      shows: "c2s 4",
    }],
  },
);
