/**
 * IO多路复用 — select over three listening ports: the seed's two clients on two ports, the
 * bad-input rows of a server that greets and hangs up (it reads nothing, so no input can be
 * bad), and IPv6.
 *
 * @module
 */

import type { ClientRole, ConformanceCase, Lesson } from "../harness/case.ts";
import { lockstepChaos } from "./_chaos.ts";
import { noSignalHandler, rawClient, stopsOnSignal } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { escapedClientCase, INJECTED, INJECTED_SHOWN, unescapedLog } from "./_escaped.ts";

/** The seed's client 1 on the first port, client 2 on the second. */
const main: ConformanceCase = {
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
};

// --- Bad input ---

const MULTIPORT = "select_multiport_server.ts";
const helloClient = (listener: number): ClientRole => ({
  role: "client",
  listener,
  peer: { program: "select_hello_client.ts" },
  golden: "select_multiport.client",
});

/** IO多路复用: three listening ports. */
export const selectMultiport: Lesson = {
  id: "select_multiport",
  title: "IO多路复用",
  titleEn: "select over three listening ports",
  seed: { file: "000_84409504fdc3648b.txt", section: "IO多路复用" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["select_multiport_server.ts", "select_hello_client.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    // --- Bad input (docs/RELIABILITY.md) ---
    {
      id: "select_multiport-idle",
      title: "--idle-timeout 1: a silent caller is greeted and hung up on at once, not held",
      reliability: {
        fault: "idle client",
        outcome: "hello, then hung up on at once (nothing is read): no timeout needed; next served",
      },
      server: { peer: { program: MULTIPORT, args: ["--idle-timeout", "1"] }, listeners: 3 },
      clients: [rawClient("idle", [{ recv: "hello" }, { awaitClose: true }]), helloClient(1)],
      // Held, waiting for the caller to speak: only the idle timer lets it go (a line on stderr).
      mutations: [{
        program: MULTIPORT,
        from: "await writeAll(conn, encoder.encode(GREETING));",
        to:
          "await writeAll(conn, encoder.encode(GREETING));\n      await conn.read(new Uint8Array(1));",
        shows: "idle for 1 s",
      }],
    },
    {
      id: "select_multiport-crowd",
      title: "1,000 callers at once on one port are all greeted; a caller on another port too",
      reliability: {
        fault: "1,000 concurrent connections",
        outcome: "all 1,000 greeted and hung up on; a caller on the second port served",
      },
      server: { peer: { program: MULTIPORT }, listeners: 3, golden: false },
      crowd: true,
      clients: [
        rawClient("crowd", [{ recv: "hello" }, { awaitClose: true }], 1000),
        helloClient(1),
      ],
      mutations: [{
        program: MULTIPORT,
        from: `const GREETING = "hello";`,
        to: `const GREETING = "hallo";`,
        shows: "crowd",
      }],
    },
    ...(["SIGINT", "SIGTERM"] as const).map((signal): ConformanceCase => ({
      id: `select_multiport-${signal.toLowerCase()}`,
      title: `${signal} after a caller: all three listeners closed, status 0`,
      reliability: {
        fault: `${signal} mid-transfer`,
        outcome: "all three listeners closed, status 0, nothing on stderr",
      },
      server: { ...stopsOnSignal(MULTIPORT), listeners: 3 },
      clients: [
        rawClient("caller", [{ recv: "hello" }, { signalServer: signal }, { awaitClose: true }]),
      ],
      mutations: [noSignalHandler(MULTIPORT)],
    })),
    escapedClientCase(
      "select_hello-client-escaped",
      { greeting: INJECTED },
      { peer: { program: "select_hello_client.ts" } },
      unescapedLog("select_hello_client.ts", `content ?? ""`),
      `-${INJECTED_SHOWN}`,
    ),
    overIpv6(main),
  ],
};
