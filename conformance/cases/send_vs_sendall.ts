/**
 * send和sendall区别 — send vs sendall: one `conn.write()` of 64 MiB writes only part, the
 * write-all loop sends the rest. The program listens and calls itself; it runs over IPv6 too.
 *
 * @module
 */

import type { ConformanceCase, Lesson } from "../harness/case.ts";
import { aloneOverIpv6 } from "./_ipv6.ts";

/** One write of 64 MiB against the write-all loop. */
const main: ConformanceCase = {
  id: "send_vs_sendall",
  title: "one conn.write() of 64 MiB writes only part; the write-all loop sends the rest",
  clients: [{ peer: { program: "send_vs_sendall.ts" } }],
  mutations: [{
    program: "send_vs_sendall.ts",
    from: "await writeAll(sender, data.subarray(sent));",
    to: "await sender.write(data.subarray(sent));",
    shows: "-the receiver got 67108864 bytes of 67108864",
  }],
};

/** send和sendall区别. */
export const sendVsSendall: Lesson = {
  id: "send_vs_sendall",
  title: "send和sendall区别",
  titleEn: "send vs sendall",
  seed: { file: "000_84409504fdc3648b.txt", section: "send和sendall区别" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 0,
  scripts: ["send_vs_sendall.ts"],
  cases: [
    main,
    aloneOverIpv6(main),
  ],
};
