/**
 * 电话发送与接收 — Hello World → HELLO WORLD, the one-call "telephone".
 *
 * @module
 */

import type { Lesson } from "../harness/case.ts";

/** The telephone lesson. */
export const upper: Lesson = {
  id: "upper",
  title: "电话发送与接收(固定发一句，收一句)",
  titleEn: "Telephone: Hello World → HELLO WORLD",
  seed: { file: "001_371bd9c9ea180cac.txt", section: "socket_server修改代码" },
  transport: "tcp",
  host: "localhost",
  port: 6969,
  scripts: ["upper_server.ts", "upper_client.ts"],
  cases: [
    {
      id: "upper",
      title: "the seed's 服务端输出 and 客户端输出; the server takes one call and exits",
      server: { peer: { program: "upper_server.ts" }, exitsByItself: true },
      clients: [{ peer: { program: "upper_client.ts" } }],
      bytes: { c2s: 11, s2c: 11 },
      mutations: [
        {
          program: "upper_server.ts",
          from: "asciiUpper(data)",
          to: "data",
          shows: "+recv: Hello World",
        },
        {
          program: "upper_client.ts",
          from: `"Hello World"`,
          to: `"Hello Word"`,
          shows: "+recv: HELLO WORD",
        },
      ],
    },
  ],
};
