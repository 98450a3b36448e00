/**
 * select 第二个参数(w_list) 读写分离 — select's w_list: reading and writing apart. Each message
 * answered once, in order; the bad-input rows of a select server, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson } from "../harness/case.ts";
import { lockstepChaos } from "./_chaos.ts";
import { overIpv6 } from "./_ipv6.ts";
import { selectCases } from "./_select.ts";

const SEND = "请输入要发送的内容>>>：";

/** Each message answered once, in order. */
const main: ConformanceCase = {
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
};

/** select 第二个参数(w_list) 读写分离. */
export const selectRw: Lesson = {
  id: "select_rw",
  title: "select 第二个参数(w_list) 读写分离",
  titleEn: "select's w_list: reading and writing apart",
  seed: { file: "000_84409504fdc3648b.txt", section: "socket中第二个参数(w_list)详解" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["select_rw_server.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    // --- Bad input (docs/RELIABILITY.md) ---
    ...selectCases("select_rw_server.ts", "select_rw"),
    overIpv6(main),
  ],
};
