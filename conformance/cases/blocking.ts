/**
 * 4 阻塞与非阻塞 — blocking and non-blocking: the server that waits for one client, the
 * setblocking(False) demo, the seed's Python client and server as foreign peers, the bad-input
 * rows of a server that takes one client by design, and IPv6 (the demo too: it listens and
 * calls itself).
 *
 * @module
 */

import type { ConformanceCase, Lesson, ProcessClient, ServerRole } from "../harness/case.ts";
import { CROWD, CROWD_TEXT, fatalDecoder, idleIgnored, idleLine, NOT_UTF8 } from "./_bad_input.ts";
import { lockstepChaos } from "./_chaos.ts";
import { noSignalHandler, rawClient, seedPython } from "./_helpers.ts";
import { aloneOverIpv6, overIpv6 } from "./_ipv6.ts";
import { escapedServerCase, INJECTED, INJECTED_SHOWN, unescapedLog } from "./_escaped.ts";

/** The server waits for one client, prints ABCDEFGH and ends. */
const main: ConformanceCase = {
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
};

/** setblocking(False): accept() raced against a timer, before and after a caller. */
const nonblockingDemo: ConformanceCase = {
  id: "nonblocking_demo",
  title: "setblocking(False): accept() raced against a timer, before and after a caller",
  clients: [{ peer: { program: "nonblocking_demo.ts" } }],
  mutations: [{
    program: "nonblocking_demo.ts",
    from: "first === NOBODY_YET",
    to: "first !== NOBODY_YET",
    shows: "+accept() with nobody waiting: a caller?!",
  }],
};

// --- Bad input ---

const BLOCKING = "blocking_server.ts";
const blockingNormal: ProcessClient = {
  peer: { program: "blocking_client.ts" },
  golden: "blocking.client",
};
const blockingServer = (extra: Partial<ServerRole> = {}, args: string[] = []): ServerRole => ({
  peer: { program: BLOCKING, args },
  exitsByItself: true,
  ...extra,
});
const blockingSignal = (signal: "SIGINT" | "SIGTERM"): ConformanceCase => ({
  id: `blocking-${signal.toLowerCase()}`,
  title: `${signal} while the client is still sending: listener closed, status 0`,
  reliability: {
    fault: `${signal} mid-transfer`,
    outcome: "listener closed, the message dropped, status 0, nothing on stderr",
  },
  server: blockingServer({ golden: false }),
  clients: [
    rawClient("sending", [{ send: "ABCD" }, { signalServer: signal }, { awaitClose: true }]),
  ],
  mutations: [noSignalHandler(BLOCKING)],
});

/** 4 阻塞与非阻塞. */
export const blocking: Lesson = {
  id: "blocking",
  title: "4 阻塞与非阻塞",
  titleEn: "Blocking and non-blocking",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "4 阻塞与非阻塞" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["blocking_server.ts", "blocking_client.ts", "nonblocking_demo.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    nonblockingDemo,
    // --- Foreign peers: the seed's own Python programs ---
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
        from: "console.log(printable(data));",
        to: "console.log(printable(data.toLowerCase()));",
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
    // --- Bad input (docs/RELIABILITY.md): one client, as in the seed ---
    {
      id: "blocking-idle",
      title: "--idle-timeout 1: a silent client is let go and is not the one; the next one is",
      reliability: {
        fault: "idle client",
        outcome: `let go after the timeout, one line "idle for 1 s: closed"; next client served`,
      },
      server: blockingServer({ stderr: idleLine(BLOCKING), golden: "blocking.server" }, [
        "--idle-timeout",
        "1",
      ]),
      clients: [rawClient("silent", [{ awaitClose: true }]), blockingNormal],
      mutations: [idleIgnored(BLOCKING)],
    },
    {
      id: "blocking-disconnect",
      title: "a client that hangs up without a word is the one client: an empty line, as b''",
      reliability: {
        fault: "disconnect at every step",
        outcome: "its end of stream ends the message: what arrived is printed (here nothing), " +
          "status 0 (one client by design)",
      },
      server: blockingServer(),
      clients: [rawClient("vanishing", [{ vanish: true }])],
      mutations: [{
        program: BLOCKING,
        from: "if (data === null) continue;",
        to: `if (data === "") continue;`,
        shows: "did not exit",
      }],
    },
    {
      id: "blocking-crowd",
      title: `${CROWD_TEXT} clients at once: the first accepted is served in full, the rest let go`,
      reliability: {
        fault: "1,000 concurrent connections",
        outcome: "one client by design: the first accepted is printed in full, status 0; " +
          "the rest wait in the listen backlog and are let go when it ends",
      },
      server: blockingServer({ golden: "blocking.server" }),
      crowd: true,
      clients: [rawClient("crowd", [{ send: "ABCDEFGH" }, { vanish: true }], CROWD)],
      mutations: [{
        program: BLOCKING,
        from: "console.log(printable(data));",
        to: "console.log(printable(data.slice(0, 4)));",
        shows: "+ABCD",
      }],
    },
    blockingSignal("SIGINT"),
    blockingSignal("SIGTERM"),
    {
      id: "blocking-invalid-utf8",
      title: "bytes that are not UTF-8 are printed as U+FFFD",
      reliability: {
        fault: "invalid UTF-8",
        outcome: "printed as U+FFFD (��A), status 0 (one client by design)",
      },
      server: blockingServer(),
      clients: [rawClient("garbled", [{ send: NOT_UTF8 }, { vanish: true }])],
      mutations: [fatalDecoder(BLOCKING, "did not exit")],
    },
    {
      id: "blocking-oversize",
      title: "a message over 64 KiB is refused in one line; the next client is the one served",
      reliability: {
        fault: "oversize message (> 64 KiB)",
        outcome: `one line "sent more than 65536 bytes: refused", connection closed; ` +
          "next client served",
      },
      server: blockingServer({
        golden: "blocking.server",
        stderr: /^blocking_server\.ts: 127\.0\.0\.1:\d+ sent more than 65536 bytes: refused$/,
      }),
      clients: [
        rawClient("long", [{ send: "a".repeat(64 * 1024 + 1) }, { vanish: true }]),
        blockingNormal,
      ],
      mutations: [{
        program: BLOCKING,
        from: "if (total > limit) {",
        to: "if (total > limit * 2) {",
        shows: "sent more than",
      }],
    },
    escapedServerCase(
      "blocking-escaped",
      { peer: { program: "blocking_server.ts" }, exitsByItself: true },
      [{ role: "raw", raw: [{ send: INJECTED }, { close: true }] }],
      unescapedLog("blocking_server.ts", "data"),
      `-${INJECTED_SHOWN}`,
    ),
    overIpv6(main),
    aloneOverIpv6(nonblockingDemo),
  ],
};
