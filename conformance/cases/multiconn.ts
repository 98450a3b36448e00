/**
 * selectors — several connections from one client: every message echoed on each; the
 * bad-input rows of an echo server for many connections, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ProcessClient } from "../harness/case.ts";
import { LONG, NOT_UTF8 } from "./_bad_input.ts";
import { lockstepChaos } from "./_chaos.ts";
import { concurrentCases } from "./_concurrent.ts";
import { rawClient, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { escapedClientCase, INJECTED, INJECTED_SHOWN } from "./_escaped.ts";

/** Three connections at once from one process, every message echoed. */
const main: ConformanceCase = {
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
};

// --- Bad input: an echo server for many connections ---

const MULTICONN = "multiconn_server.ts";
const multiconnNormal: ProcessClient = {
  peer: { program: "multiconn_client.ts", args: ["--conns", "3"] },
  golden: "multiconn.client",
};

/** selectors: several connections from one client. */
export const multiconn: Lesson = {
  id: "multiconn",
  title: "selectors",
  titleEn: "selectors: several connections from one client",
  seed: { file: "002_74a0ec6df0a817ca.txt", section: "5. selectors" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 65432,
  scripts: ["multiconn_server.ts", "multiconn_client.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    // --- Bad input (docs/RELIABILITY.md) ---
    ...concurrentCases({
      id: "multiconn",
      program: MULTICONN,
      normal: multiconnNormal,
      talk: [{ send: "hi" }, { recv: "hi" }],
      farewell: [{ send: "yo" }],
      // The normal client's three connections are logged in an order the network decides.
      serverGolden: false,
      signalGolden: false,
      crowdTalk: [{ send: "hi" }, { recv: "hi" }],
      normalBytes: { c2s: 3 * 44, s2c: 3 * 44 },
      crowdBytes: { c2s: 2, s2c: 2 },
      diesOnDisconnect: {
        program: MULTICONN,
        from: "if (n === null) break;",
        to: "if (n === null) Deno.exit(1);",
        // The first to wait for an echo after the first vanished.
        shows: "vanishing-at-3",
      },
    }),
    {
      id: "multiconn-invalid-utf8",
      title: "bytes that are not UTF-8 come back unchanged: it echoes bytes, not text",
      reliability: {
        fault: "invalid UTF-8",
        outcome: "echoed byte for byte (ff fe 41); connection kept; next client served",
      },
      server: { peer: { program: MULTICONN }, golden: false },
      clients: [
        rawClient("garbled", [{ send: NOT_UTF8 }, { recv: NOT_UTF8 }, { send: "hi" }, {
          recv: "hi",
        }]),
        multiconnNormal,
      ],
      mutations: [{
        program: MULTICONN,
        from: "await writeAll(conn, buffer.subarray(0, n));",
        to:
          "await writeAll(conn, new TextEncoder().encode(new TextDecoder().decode(buffer.subarray(0, n))));",
        shows: "raw peer expected",
      }],
    },
    {
      id: "multiconn-oversize",
      title: "a message of 1,500 bytes is read 1024 bytes at a time and comes back whole",
      reliability: {
        fault: "oversize message (> 1024 bytes)",
        outcome: "echoed whole, in 1024-byte reads; connection kept; next client served",
      },
      server: { peer: { program: MULTICONN }, golden: false },
      clients: [rawClient("long", [{ send: LONG }, { recv: LONG }]), multiconnNormal],
      // A server that answers one read and hangs up.
      mutations: [{
        program: MULTICONN,
        from: "await writeAll(conn, buffer.subarray(0, n));",
        to: "await writeAll(conn, buffer.subarray(0, n));\n      break;",
        shows: "raw peer expected",
      }],
    },
    escapedClientCase(
      "multiconn-client-escaped",
      // As long as the two messages the client sends: it reads that many bytes back.
      { greeting: INJECTED + "x".repeat(44 - utf8(INJECTED)) },
      { peer: { program: "multiconn_client.ts", args: ["--conns", "1"] } },
      {
        program: "multiconn_client.ts",
        from: "story.push(`received ${printable(new TextDecoder().decode(echoed))} from",
        to: "story.push(`received ${new TextDecoder().decode(echoed)} from",
      },
      `-received ${INJECTED_SHOWN}`,
    ),
    overIpv6(main),
  ],
};
