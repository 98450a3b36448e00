/**
 * 网络编程入门 — the first client and server: one message each way, then the server accepts the
 * next client; the bad-input rows of a server that reads one message, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson } from "../harness/case.ts";
import { lockstepChaos } from "./_chaos.ts";
import { oneMessageCases } from "./_concurrent.ts";
import { overIpv6 } from "./_ipv6.ts";

/** Two clients in turn. */
const main: ConformanceCase = {
  id: "basic",
  title: "two clients in turn; the server answers each and goes on accepting",
  server: { peer: { program: "basic_server.ts" } },
  clients: [
    { peer: { program: "basic_client.ts" } },
    { role: "client", peer: { program: "basic_client.ts" } },
  ],
  // "Hello,I am client" is 17 bytes, "Hello World" 11, twice each.
  bytes: { c2s: 34, s2c: 22 },
  mutations: [
    {
      program: "basic_server.ts",
      from: `"Hello World"`,
      to: `"Hello Word"`,
      shows: "+Hello Word",
    },
    {
      program: "basic_client.ts",
      from: `"Hello,I am client"`,
      to: `"Hello,I am a client"`,
      shows: "+Hello,I am a client",
    },
  ],
};

/** The introduction lesson. */
export const basic: Lesson = {
  id: "basic",
  title: "网络编程入门",
  titleEn: "Getting started: one message each way",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "1 网络编程入门" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["basic_server.ts", "basic_client.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    // --- Bad input (docs/RELIABILITY.md) ---
    ...oneMessageCases(
      "basic",
      "basic_server.ts",
      "Hello World",
      { peer: { program: "basic_client.ts" }, golden: "basic.client" },
      { c2s: 17, s2c: 11 },
    ),
    overIpv6(main),
  ],
};
