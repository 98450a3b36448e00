/**
 * Lessons, part 2: TCP is a byte stream, so message boundaries are the program's job. Each
 * framing lesson runs as the seed has it, then with every byte delivered on its own and with
 * every message glued together, and must print the same.
 *
 * @module
 */

import type { ConformanceCase, Lesson } from "../harness/case.ts";

const S003 = "003_5d88270f3bd9af2f.txt";

/** The same case under each re-chunking: as sent, one byte per write, all glued together. */
function everyChunking(base: ConformanceCase): ConformanceCase[] {
  const golden = base.server?.golden ?? `${base.id}.server`;
  return [
    base,
    ...(["one-byte", "glued"] as const).map((shaping) => ({
      ...base,
      id: `${base.id}-${shaping}`,
      title: `${base.title} (${
        shaping === "one-byte" ? "every byte on its own" : "all glued together"
      })`,
      shaping,
      server: { ...base.server!, golden },
    })),
  ];
}

/** 3 粘包. */
export const sticky: Lesson = {
  id: "sticky",
  title: "3 粘包",
  titleEn: "Sticky packets",
  seed: { file: S003, section: "3 粘包" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["sticky_server.ts", "sticky_client.ts"],
  cases: everyChunking({
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
  }),
};

/** 3.1 解决粘包问题的思路. */
export const stickyLen: Lesson = {
  id: "sticky_len",
  title: "3.1 解决粘包问题的思路",
  titleEn: "Length as text",
  seed: { file: S003, section: "3.1 解决粘包问题的思路" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["sticky_len_server.ts", "sticky_len_client.ts"],
  cases: [
    ...everyChunking({
      id: "sticky_len",
      title: "12kinght love 3aym: each message read by its length",
      server: { peer: { program: "sticky_len_server.ts" }, exitsByItself: true },
      clients: [{ peer: { program: "sticky_len_client.ts" }, golden: false }],
      bytes: { c2s: 2 + 12 + 1 + 3, s2c: 0 },
      mutations: [{
        program: "sticky_len_server.ts",
        from: 'if (c >= "0" && c <= "9") digits += c;',
        to: 'if (c >= "0" && c <= "9" && digits === "") digits += c;',
        shows: "-aym",
      }],
    }),
    {
      id: "sticky_len-faithful",
      title: "--faithful: the seed's recv(4) takes 12ki and fails, in one line",
      server: {
        peer: { program: "sticky_len_server.ts", args: ["--faithful"] },
        exitsByItself: true,
        exitCode: 1,
        stderr: /^sticky_len_server\.ts: 粘包: recv\(4\) got "12ki", not a length/,
      },
      clients: [{ peer: { program: "sticky_len_client.ts" }, golden: false }],
      mutations: [{
        program: "sticky_len_server.ts",
        from: "const header = await readExactly(conn, 4);",
        to: "const header = await readExactly(conn, 2);",
        shows: "server exited with 0",
      }],
    },
  ],
};

/** 3.2 使用struct解决数字转字节. */
export const framed: Lesson = {
  id: "framed",
  title: "3.2 使用struct解决数字转字节",
  titleEn: "4-byte length headers with struct",
  seed: { file: S003, section: "3.2 使用struct解决数字转字节" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["framed_server.ts", "framed_client.ts"],
  cases: [
    ...everyChunking({
      id: "framed",
      title: "xin正在学习, 应该没有, then 对方断开连接",
      server: { peer: { program: "framed_server.ts" }, exitsByItself: true },
      clients: [{ peer: { program: "framed_client.ts" }, golden: false }],
      // Two 4-byte headers; xin正在学习 is 3 + 4 × 3 bytes, 应该没有 4 × 3.
      bytes: { c2s: 4 + 15 + 4 + 12, s2c: 0 },
      mutations: [{
        program: "framed_server.ts",
        from: "getInt32(0, true)",
        to: "getInt32(0, false)",
        shows: "is not accepted",
      }],
    }),
    ...everyChunking({
      id: "framed-long",
      title: "a 6000-byte message, far over 1024, between two short ones",
      server: { peer: { program: "framed_server.ts" }, exitsByItself: true },
      clients: [{
        peer: { program: "framed_client.ts", args: ["前", "长".repeat(2000), "后"] },
        golden: false,
      }],
      bytes: { c2s: 3 * 4 + 3 + 6000 + 3, s2c: 0 },
      mutations: [{
        program: "framed_server.ts",
        from: "const data = await readExactly(conn, length);",
        to: "const data = await readExactly(conn, Math.min(length, 1024));",
        shows: "-对方断开连接",
      }],
    }),
  ],
};
