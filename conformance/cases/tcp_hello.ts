/**
 * 2.1 TCP代码示例 — hello → hello world: the seed's run, the seed's Python client and server as
 * foreign peers, the bad-input rows of a server that reads one message, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson } from "../harness/case.ts";
import { lockstepChaos } from "./_chaos.ts";
import { oneMessageCases } from "./_concurrent.ts";
import { seedPython } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";

/** The seed's run: hello, hello world. */
const main: ConformanceCase = {
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
};

/** 2.1 TCP代码示例. */
export const tcpHello: Lesson = {
  id: "tcp_hello",
  title: "2.1 TCP代码示例",
  titleEn: "TCP example: hello → hello world",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "2.1 TCP代码示例" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["tcp_hello_server.ts", "tcp_hello_client.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    // --- Foreign peers: the seed's own Python programs ---
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
    // --- Bad input (docs/RELIABILITY.md) ---
    ...oneMessageCases(
      "tcp_hello",
      "tcp_hello_server.ts",
      "hello world",
      { peer: { program: "tcp_hello_client.ts" }, golden: "tcp_hello.client" },
      { c2s: 5, s2c: 11 },
    ),
    overIpv6(main),
  ],
};
