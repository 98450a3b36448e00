/**
 * Bad-input rows of the select servers (select_echo, select_rw): many clients at once, each
 * message one read of at most 1 KiB, answered with 好 appended.
 *
 * @module
 */

import type { ClientRole, ConformanceCase } from "../harness/case.ts";
import { limitCases } from "./_rows.ts";
import { idleIgnored, idleLine } from "./_bad_input.ts";
import { noSignalHandler, rawClient, stopsOnSignal } from "./_helpers.ts";
import { vanishingAtEveryPoint } from "./_vanishing.ts";

const SEND_PROMPT = "请输入要发送的内容>>>：";
const DEPARTED = "客户端断开之后";

/**
 * The lesson's own client (`select_echo_client.ts`), sending 我 once the server has seen the
 * client before leave; its golden is `<id>.client`.
 */
export const echoClient = (id: string): ClientRole => ({
  peer: { program: "select_echo_client.ts" },
  dialogue: [{ wait: SEND_PROMPT, type: "我" }],
  golden: `${id}.client`,
  startsAfterServerShows: DEPARTED,
});

/**
 * The select server `program`'s rows, ids prefixed `lesson`: idle, oversize, invalid UTF-8,
 * every disconnect, a crowd, SIGINT and SIGTERM.
 */
export function selectCases(program: string, lesson: string): ConformanceCase[] {
  const id = (row: string) => `${lesson}-${row}`;
  return [
    {
      id: id("idle"),
      title: "--idle-timeout 1: a silent client is let go as a departure; the next is answered",
      reliability: {
        fault: "idle client",
        outcome: `"idle for 1 s: closed" on stderr, the departure printed; next client served`,
      },
      server: { peer: { program, args: ["--idle-timeout", "1"] }, stderr: idleLine(program) },
      clients: [rawClient("idle", [{ awaitClose: true }]), echoClient(id("idle"))],
      mutations: [idleIgnored(program)],
    },
    {
      id: id("oversize"),
      title: "a 5000-byte message is read 1 KiB at a time, each piece answered; the next is served",
      reliability: {
        fault: "oversize message (> 1024 B, one recv)",
        outcome:
          "answered piece by piece (at most 1024 bytes + 好 each), never held whole; next client served",
      },
      // select_rw prints a line per piece, and how the 5000 bytes are cut is the network's.
      server: { peer: { program }, golden: lesson === "select_echo" ? undefined : false },
      clients: [
        rawClient("long", [
          { send: "a".repeat(5000) },
          // All 5000 bytes come back, in pieces of at most 1024, each followed by 好.
          { expect: /^(?=(?:好*a){5000}好*$)(?:a{1,1024}好)+$/ },
          { close: true },
        ]),
        echoClient(id("oversize")),
      ],
      // A read of 8 KiB answers the 5000 bytes in one piece: the expectation never holds.
      mutations: [{
        program,
        from: "const buffer = new Uint8Array(1024);",
        to: "const buffer = new Uint8Array(8192);",
        shows: "raw peer expected",
      }],
    },
    {
      id: id("invalid-utf8"),
      title: "bytes that are not UTF-8 come back as U+FFFD + 好; the same client goes on",
      reliability: {
        fault: "invalid UTF-8",
        outcome: "answered as U+FFFD (�) + 好; connection kept, next message answered",
      },
      server: { peer: { program } },
      clients: [
        rawClient("bad", [
          { send: Uint8Array.from([0xff, 0xfe]) },
          { recv: "\uFFFD\uFFFD好" },
          { send: "我" },
          { recv: "我好" },
          { close: true },
        ]),
        echoClient(id("invalid-utf8")),
      ],
      mutations: [{
        program,
        from: "const decoder = new TextDecoder();",
        to: `const decoder = new TextDecoder("utf-8", { fatal: true });`,
        shows: "raw peer expected",
      }],
    },
    {
      id: id("disconnects"),
      title: "clients vanishing at every byte of 我 (mid-character too); the next is answered",
      reliability: {
        fault: "disconnect at every step",
        outcome:
          "each departure printed, nothing answered for a broken character; next client served",
      },
      server: { peer: { program } },
      clients: [
        ...vanishingAtEveryPoint([{ send: "我" }, { recv: "我好" }]),
        echoClient(id("disconnects")),
      ],
      mutations: [{
        program,
        from: `console.log("客户端断开之后sk1_or_conn内容：", describeConn(conn));`,
        to: "",
        shows: "客户端断开之后",
      }],
    },
    {
      id: id("crowd"),
      title: "1,000 clients at once, each answered while all stay connected; then one more",
      reliability: {
        fault: "1,000 concurrent connections",
        outcome: "all 1,000 answered while connected; the next client served in full",
      },
      // A thousand connections' lines, in an order that varies.
      server: { peer: { program }, golden: false },
      crowd: true,
      clients: [
        rawClient("crowd", [{ send: "我" }, { recv: "我好" }, { leaveOpen: true }], 1000),
        { ...echoClient(id("crowd")), startsAfterServerShows: undefined },
      ],
      // (One client at a time, `await serveClient(conn)`, would leave the thousand waiting;
      // as a mutation it trips the proxy's unguarded close at the case's end, see the report.)
      mutations: [{ program, from: `"好"`, to: `"了"`, shows: "crowd" }],
    },
    ...limitCases(lesson, { peer: { program } }, [], {
      ...echoClient(id("crowd")),
      startsAfterServerShows: undefined,
    }),
    ...(["SIGINT", "SIGTERM"] as const).map((signal): ConformanceCase => ({
      id: id(signal.toLowerCase()),
      title: `${signal} in the middle of a conversation: listener closed, status 0`,
      reliability: {
        fault: `${signal} mid-transfer`,
        outcome: "listener closed, status 0, nothing on stderr",
      },
      server: stopsOnSignal(program),
      clients: [rawClient("talker", [
        { send: "我" },
        { recv: "我好" },
        { signalServer: signal },
        { awaitClose: true },
      ])],
      mutations: [noSignalHandler(program)],
    })),
  ];
}
