/**
 * 电话发送与接收 — Hello World → HELLO WORLD, the one-call "telephone": the seed's run, then
 * the bad-input rows of a server that takes one call by design, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ProcessClient, ServerRole } from "../harness/case.ts";
import {
  AS_TEXT,
  biggerRead,
  CROWD,
  CROWD_TEXT,
  fatalDecoder,
  idleIgnored,
  idleLine,
  LONG,
  PIECES,
} from "./_bad_input.ts";
import { lockstepChaos } from "./_chaos.ts";
import { noSignalHandler, rawClient } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { escapedClientCase, escapedServerCase, INJECTED, INJECTED_SHOWN } from "./_escaped.ts";

/** The seed's 服务端输出 and 客户端输出. */
const main: ConformanceCase = {
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
};

// --- Bad input (docs/RELIABILITY.md): one call, as in the seed ---

const UPPER = "upper_server.ts";
const upperNormal: ProcessClient = { peer: { program: "upper_client.ts" }, golden: "upper.client" };
/** The server of a one-call case: it ends by itself once the call is answered. */
const upperServer = (extra: Partial<ServerRole> = {}, args: string[] = []): ServerRole => ({
  peer: { program: UPPER, args },
  exitsByItself: true,
  ...extra,
});
const upperSignal = (signal: "SIGINT" | "SIGTERM"): ConformanceCase => ({
  id: `upper-${signal.toLowerCase()}`,
  title: `${signal} while the call is open, before a word: listener closed, status 0`,
  reliability: {
    fault: `${signal} mid-transfer`,
    outcome: "listener closed, the call dropped, status 0, nothing on stderr",
  },
  // Whether the call was picked up before the signal is timing: the log is not compared.
  server: upperServer({ golden: false }),
  clients: [rawClient("caller", [{ signalServer: signal }, { awaitClose: true }])],
  mutations: [noSignalHandler(UPPER)],
});

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
  chaos: lockstepChaos(),
  cases: [
    main,
    {
      id: "upper-idle",
      title:
        "--idle-timeout 1: a silent call is hung up and does not count; the next call is taken",
      reliability: {
        fault: "idle client",
        outcome: `hung up after the timeout, one line "idle for 1 s: closed"; the next call served`,
      },
      server: upperServer({ stderr: idleLine(UPPER) }, ["--idle-timeout", "1"]),
      clients: [rawClient("silent", [{ awaitClose: true }]), upperNormal],
      mutations: [idleIgnored(UPPER)],
    },
    {
      id: "upper-disconnect",
      title:
        "a caller that hangs up mid-sentence: what was heard is answered, the one call is over",
      reliability: {
        fault: "disconnect at every step",
        outcome: "one call by design: the part heard is printed and answered, status 0",
      },
      server: upperServer(),
      clients: [rawClient("vanishing", [{ send: "Hello" }, { vanish: true }])],
      // A call whose caller has left would not count: the server would wait for another.
      mutations: [{
        program: UPPER,
        from: "answered = true;",
        to: "",
        shows: "did not exit",
      }],
    },
    {
      id: "upper-crowd",
      title:
        `${CROWD_TEXT} calls at once: one is taken and answered, the others wait and are let go`,
      reliability: {
        fault: "1,000 concurrent connections",
        outcome: "one call by design: the first picked up is served in full, status 0; " +
          "the rest wait in the listen backlog and are let go when it ends",
      },
      server: upperServer(),
      clients: [rawClient("crowd", [{ send: "hello" }, { vanish: true }], CROWD)],
      crowd: true,
      mutations: [{
        program: UPPER,
        from: `console.log("recv:", printable(data));`,
        to: `console.log("recv:", printable(data.slice(0, 3)));`,
        shows: "+recv: hel",
      }],
    },
    upperSignal("SIGINT"),
    upperSignal("SIGTERM"),
    {
      id: "upper-invalid-utf8",
      title: "bytes that are not UTF-8 are read as U+FFFD; the ASCII letters are still capitals",
      reliability: {
        fault: "invalid UTF-8",
        outcome: "read as U+FFFD and answered as its UTF-8 (ff fe 61 → ��A), status 0",
      },
      server: upperServer(),
      clients: [rawClient("garbled", [
        { send: Uint8Array.from([0xff, 0xfe, 0x61]) },
        { recv: AS_TEXT },
        { vanish: true },
      ])],
      mutations: [fatalDecoder(UPPER, "raw peer expected")],
    },
    {
      id: "upper-oversize",
      title: "a sentence of 1,500 bytes: its first 1024 are heard and answered, the rest dropped",
      reliability: {
        fault: "oversize message (> 1024 bytes)",
        outcome: "one recv(1024): the first 1024 bytes answered in capitals, the rest dropped, " +
          "status 0",
      },
      server: upperServer(),
      clients: [
        rawClient("long", [{ send: LONG }, { recv: PIECES[0].toUpperCase() }, { vanish: true }]),
      ],
      mutations: [biggerRead(UPPER, "transcript differs")],
    },
    escapedServerCase(
      "upper-escaped",
      upperServer(),
      [{
        role: "raw",
        raw: [{ send: INJECTED }, { recv: "HI\u001b[2J\n\u009b31M\u202eEND" }, { close: true }],
      }],
      {
        program: UPPER,
        from: `console.log("recv:", printable(data));`,
        to: `console.log("recv:", data);`,
      },
      `-recv: ${INJECTED_SHOWN}`,
    ),
    escapedClientCase(
      "upper-client-escaped",
      {},
      { peer: { program: "upper_client.ts" } },
      {
        program: "upper_client.ts",
        from: `console.log("recv:", printable(reply));`,
        to: `console.log("recv:", reply);`,
      },
      `-recv: ${INJECTED_SHOWN}`,
    ),
    overIpv6(main),
  ],
};
