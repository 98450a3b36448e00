/**
 * 样例程序的问题 — the kudingcha welcome server in its final working form: the greeting, the
 * bad-input rows of a server that takes callers one after another, nc and socat as clients and
 * as the server of the welcome client, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ProcessClient, ServerRole } from "../harness/case.ts";
import { CROWD, CROWD_TEXT, idleIgnored, idleLine } from "./_bad_input.ts";
import { lockstepChaos } from "./_chaos.ts";
import { noSignalHandler, rawClient, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { toolClient, toolServer, withThirdPartyTools } from "./_third_party.ts";
import { escapedClientCase, INJECTED, INJECTED_SHOWN } from "./_escaped.ts";

/** The greeting, then the server ends when the caller hangs up. */
const main: ConformanceCase = {
  id: "welcome",
  title: "the greeting, then the server ends when the caller hangs up",
  server: { peer: { program: "welcome_server.ts" }, exitsByItself: true },
  clients: [{ peer: { program: "welcome_client.ts" } }],
  bytes: { c2s: 0, s2c: utf8("welcome kudingcha Tea Garden") },
  mutations: [
    {
      program: "welcome_server.ts",
      from: "if (hungUp) break;",
      to: "",
      shows: "server did not exit within",
    },
    {
      program: "welcome_server.ts",
      from: `const WELCOME = "welcome kudingcha Tea Garden";`,
      to: `const WELCOME = "welcome to kudingcha Tea Garden";`,
      shows: "+Received welcome to kudingcha Tea Garden",
    },
  ],
};

// --- Bad input: the first caller that hangs up ends the server ---

const WELCOME_SERVER = "welcome_server.ts";
const KUDINGCHA = "welcome kudingcha Tea Garden";
const welcomeNormal: ProcessClient = {
  peer: { program: "welcome_client.ts" },
  golden: "welcome.client",
};
const welcomeServer = (extra: Partial<ServerRole> = {}, args: string[] = []): ServerRole => ({
  peer: { program: WELCOME_SERVER, args },
  exitsByItself: true,
  ...extra,
});
const welcomeSignal = (signal: "SIGINT" | "SIGTERM"): ConformanceCase => ({
  id: `welcome-${signal.toLowerCase()}`,
  title: `${signal} while a caller is connected: listener closed, status 0`,
  reliability: {
    fault: `${signal} mid-transfer`,
    outcome: "listener closed, the caller dropped, status 0, nothing on stderr",
  },
  server: welcomeServer({ golden: "welcome-signal.server" }),
  clients: [
    rawClient("caller", [{ recv: KUDINGCHA }, { signalServer: signal }, { awaitClose: true }]),
  ],
  mutations: [noSignalHandler(WELCOME_SERVER)],
});

/** 样例程序的问题: the welcome server in its final working form. */
export const welcome: Lesson = {
  id: "welcome",
  title: "样例程序的问题",
  titleEn: "The kudingcha welcome server",
  seed: { file: "002_74a0ec6df0a817ca.txt", section: "4. 样例程序的问题" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 12346,
  scripts: ["welcome_server.ts", "welcome_client.ts"],
  chaos: lockstepChaos(),
  cases: [
    main,
    // --- Bad input (docs/RELIABILITY.md): callers one after another ---
    {
      id: "welcome-idle",
      title: "--idle-timeout 1: a silent caller is let go, the server waits for the next",
      reliability: {
        fault: "idle client",
        outcome: `let go after the timeout, one line "idle for 1 s: closed"; next caller served`,
      },
      server: welcomeServer({ stderr: idleLine(WELCOME_SERVER) }, ["--idle-timeout", "1"]),
      clients: [rawClient("silent", [{ recv: KUDINGCHA }, { awaitClose: true }]), welcomeNormal],
      mutations: [idleIgnored(WELCOME_SERVER)],
    },
    {
      id: "welcome-vanishing",
      title: "a caller that says a byte and leaves ends only its conversation; one that hangs up " +
        "ends the server",
      reliability: {
        fault: "disconnect at every step",
        outcome: "after a word, only that conversation ends; a hang-up without one ends the " +
          "server, status 0 (the lesson)",
      },
      server: welcomeServer(),
      clients: [
        rawClient("vanishing", [{ recv: KUDINGCHA }, { send: "h" }, { vanish: true }]),
        welcomeNormal,
      ],
      // The server ending after any caller: the one after it finds nobody.
      mutations: [{
        program: WELCOME_SERVER,
        from: "if (hungUp) break;",
        to: "break;",
        shows: `-Received ${KUDINGCHA}`,
      }],
    },
    {
      id: "welcome-crowd",
      title: `${CROWD_TEXT} callers at once are greeted one after another; then one more hangs up`,
      reliability: {
        fault: "1,000 concurrent connections",
        outcome: "callers one at a time, as in the seed: the crowd waits in the backlog and each " +
          "is greeted in turn; the last ends the server, status 0",
      },
      // 1,001 identical lines: the exact bytes each way say more.
      server: welcomeServer({ golden: false }),
      crowd: true,
      clients: [
        // Each speaks first, so the server never waits on a caller: it greets, finds the word
        // waiting, hangs up and takes the next, one after another.
        rawClient("crowd", [{ send: "hi" }, { recv: KUDINGCHA }, { awaitClose: true }], CROWD),
        welcomeNormal,
      ],
      bytes: { c2s: CROWD * 2, s2c: (CROWD + 1) * utf8(KUDINGCHA) },
      mutations: [{
        program: WELCOME_SERVER,
        // The accept loop ends after 999 callers (a counter hoisted by `var`, counted before
        // each accept): the last of the crowd is never greeted.
        from: "const conn = await acceptRetrying(listener);",
        to: `var served = (served ?? 0) + 1;\n    if (served >= ${CROWD}) break;\n` +
          "    const conn = await acceptRetrying(listener);",
        shows: `of ${CROWD} copies`,
      }],
    },
    welcomeSignal("SIGINT"),
    welcomeSignal("SIGTERM"),
    // --- Third-party clients and servers ---
    ...withThirdPartyTools("welcome", "a third-party client reads the welcome", (tool) => ({
      server: { peer: { program: "welcome_server.ts" }, golden: false },
      clients: [{ ...toolClient(tool, "tcp", [], []), dialogue: undefined }],
      bytes: { c2s: 0, s2c: utf8("welcome kudingcha Tea Garden") },
      mutations: [{
        program: "welcome_server.ts",
        from: "kudingcha",
        to: "kudingchá",
        shows: "welcome kudingchá",
      }],
    })),
    ...withThirdPartyTools(
      "welcome-client",
      "welcome_client.ts against a third-party server",
      (tool) => ({
        server: { peer: toolServer(tool, "welcome kudingcha Tea Garden"), exitsByItself: true },
        clients: [{ peer: { program: "welcome_client.ts" }, golden: "welcome.client" }],
        bytes: { c2s: 0, s2c: utf8("welcome kudingcha Tea Garden") },
        mutations: [{
          program: "welcome_client.ts",
          from: `console.log("Received", printable(data ?? ""));`,
          to: `console.log("Got", printable(data ?? ""));`,
          shows: "+Got welcome kudingcha Tea Garden",
        }],
      }),
    ),
    escapedClientCase(
      "welcome-client-escaped",
      { greeting: INJECTED },
      { peer: { program: "welcome_client.ts" } },
      {
        program: "welcome_client.ts",
        from: `console.log("Received", printable(data ?? ""));`,
        to: `console.log("Received", data ?? "");`,
      },
      `-Received ${INJECTED_SHOWN}`,
    ),
    overIpv6(main),
  ],
};
