/**
 * 修改内网版notebook — the LAN notebook: notes come back timestamped and are appended to the
 * notebook; the bad-input rows of a server that writes a file, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ServerRole } from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { TIMESTAMP_MASK } from "../harness/mask.ts";
import { KEPT, NEXT } from "./_bad_input.ts";
import { lockstepChaos } from "./_chaos.ts";
import { overIpv6 } from "./_ipv6.ts";
import { crowdCase, idleCase, limitCases, signalCases, withServerFolder } from "./_rows.ts";
import { vanishingAtEveryPoint } from "./_vanishing.ts";
import { escapedClientCase, INJECTED_SHOWN } from "./_escaped.ts";

const NOTE = "今日记录，请输入（输入quit退出程序）：";
const STAMP = String.raw`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d`;

/** Notes in Chinese come back timestamped and are appended to the notebook. */
const main: ConformanceCase = {
  id: "notebook",
  title: "notes in Chinese come back timestamped and are appended to the notebook",
  files: [{
    at: "server",
    path: "notebook.txt",
    content: { text: "2019/05/09 15:31:43 我是一个中文\n" },
  }],
  server: { peer: { program: "notebook_server.ts" } },
  clients: [{
    peer: { program: "notebook_client.ts" },
    dialogue: ["我还是是还是一个中文", "", "第二条", "quit"].map((type) => ({
      wait: NOTE,
      type,
    })),
  }],
  masks: [TIMESTAMP_MASK],
  bytes: { c2s: 30 + 9, s2c: 30 + 9 },
  expectFiles: [{
    at: "server",
    path: "notebook.txt",
    matches: new RegExp(
      `^2019/05/09 15:31:43 我是一个中文\n${STAMP} 我还是是还是一个中文\n${STAMP} 第二条\n$`,
    ),
  }],
  mutations: [
    {
      program: "notebook_server.ts",
      from: "{ append: true }",
      to: "{}",
      shows: "notebook.txt does not match",
    },
    {
      program: "notebook_client.ts",
      from: `console.log("Data:", timestamp(), printable(echoed));`,
      to: `console.log("Data:", timestamp(), JSON.stringify(echoed));`,
      shows: `+Data: <TIME> "第二条"`,
    },
  ],
};

// --- Bad input: each read is a note, echoed and appended ---

const NOTEBOOK = { at: "server", path: "notebook.txt", content: { text: "" } } as const;
const NB_SERVER: ServerRole = {
  peer: { program: "notebook_server.ts" },
  mayChange: /^notebook\.txt$/,
};
const NB_NEXT: RawStep[] = [{ send: "next" }, { recv: "next" }];
/** The notebook holds `lines` (regex sources, without stamps) and then `next`. */
const notebookHolds = (...lines: string[]) => ({
  at: "server",
  path: "notebook.txt",
  matches: new RegExp(`^${[...lines, "next"].map((line) => `${STAMP} ${line}\n`).join("")}$`),
});

/** 修改内网版notebook. */
export const notebook: Lesson = {
  id: "notebook",
  title: "修改内网版notebook",
  titleEn: "The LAN notebook",
  seed: { file: "002_74a0ec6df0a817ca.txt", section: "6. 修改内网版notebook" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 65432,
  scripts: ["notebook_server.ts", "notebook_client.ts"],
  chaos: lockstepChaos(),
  cases: withServerFolder([
    main,
    // --- Bad input (docs/RELIABILITY.md) ---
    {
      id: "notebook-invalid-utf8",
      title: "a note that is not UTF-8: saved and echoed as U+FFFD; the next note is served",
      files: [NOTEBOOK],
      server: NB_SERVER,
      clients: [{
        role: "raw",
        raw: [{ send: Uint8Array.of(0xff, 0xfe) }, { recv: "\uFFFD\uFFFD" }, ...NB_NEXT],
      }],
      expectFiles: [notebookHolds("\uFFFD\uFFFD")],
      mutations: [{
        program: "notebook_server.ts",
        from: "const decoder = new TextDecoder();",
        to: `const decoder = new TextDecoder("utf-8", { fatal: true });`,
        shows: "raw peer expected",
      }],
      reliability: {
        fault: "invalid UTF-8",
        outcome: `saved and echoed as U+FFFD (the notebook stays UTF-8); ${KEPT}`,
      },
    },
    {
      id: "notebook-line-breaks",
      title:
        "a note with line breaks (nc sends one per Enter): one stamped line each; echoed as sent",
      files: [NOTEBOOK],
      server: NB_SERVER,
      clients: [{
        role: "raw",
        raw: [{ send: "one\ntwo\r\n" }, { recv: "one\ntwo\r\n" }, ...NB_NEXT],
      }],
      expectFiles: [notebookHolds("one", "two")],
      mutations: [{
        program: "notebook_server.ts",
        from: 'if (lines.length > 1 && lines.at(-1) === "") lines.pop();',
        to: "",
        shows: "notebook.txt",
      }],
      reliability: {
        fault: "line breaks inside a note",
        outcome:
          `saved as one timestamped line per line (every line of the notebook is a note), echoed as sent; ${KEPT}`,
      },
    },
    {
      id: "notebook-oversize",
      title: "a 3000-byte note: saved in recv(1024) pieces, echoed whole; the next note is served",
      files: [NOTEBOOK],
      server: NB_SERVER,
      clients: [{
        role: "raw",
        raw: [{ send: "a".repeat(3000) }, { recv: "a".repeat(3000) }, ...NB_NEXT],
      }],
      expectFiles: [{
        at: "server",
        path: "notebook.txt",
        matches: new RegExp(`^(${STAMP} a+\n){3,}${STAMP} next\n$`),
      }],
      mutations: [{
        program: "notebook_server.ts",
        from: "await writeAll(conn, encoder.encode(note));",
        to: "await writeAll(conn, encoder.encode(note.slice(0, 1000)));",
        shows: "raw peer expected",
      }],
      reliability: {
        fault: "oversize message (> 1024 bytes, one recv)",
        outcome: `saved as one line per recv(1024), echoed whole; ${KEPT}`,
      },
    },
    {
      id: "notebook-disconnects",
      title: "clients vanishing at every byte of a note: whole characters only saved; next served",
      files: [NOTEBOOK],
      server: NB_SERVER,
      clients: [
        ...vanishingAtEveryPoint([{ send: "你好" }, { recv: "你好" }]),
        { role: "next", raw: NB_NEXT },
      ],
      expectFiles: [{
        at: "server",
        path: "notebook.txt",
        matches: new RegExp(`^(${STAMP} 你\n)*${STAMP} next\n$`),
      }],
      mutations: [{
        program: "notebook_server.ts",
        from: "if (note === null) break;",
        to: "if (note === null) Deno.exit(1);",
        shows: "",
      }],
      reliability: {
        fault: "disconnect at every step",
        outcome: `connection let go; a cut character is never saved; ${NEXT}`,
      },
    },
    idleCase("notebook-idle", NB_SERVER, [], { role: "next", raw: NB_NEXT }, {
      files: [NOTEBOOK],
      expectFiles: [notebookHolds()],
    }),
    crowdCase(
      "notebook-1000-connections",
      NB_SERVER,
      [{ send: "hi" }, { recv: "hi" }],
      { role: "next", raw: NB_NEXT },
      `all 1,000 notes echoed and saved, connections held; ${NEXT} while they stay open`,
      {
        files: [NOTEBOOK],
        expectFiles: [{
          at: "server",
          path: "notebook.txt",
          matches: new RegExp(`^(${STAMP} hi\n){1000}${STAMP} next\n$`),
        }],
      },
    ),
    ...limitCases("notebook", NB_SERVER, [], { role: "next", raw: NB_NEXT }, { files: [NOTEBOOK] }),
    ...signalCases("notebook", NB_SERVER, "a conversation", (signal) => ({
      files: [NOTEBOOK],
      clients: [{
        role: "raw",
        raw: [{ send: "note" }, { recv: "note" }, { signalServer: signal }, { awaitClose: true }],
      }],
      expectFiles: [{
        at: "server",
        path: "notebook.txt",
        matches: new RegExp(`^${STAMP} note\n$`),
      }],
    }), "listener closed, exit 0; every note saved before it stays (the file is only appended to)"),
    escapedClientCase(
      "notebook-client-escaped",
      {},
      {
        peer: { program: "notebook_client.ts" },
        dialogue: ["x", "quit"].map((type) => ({
          wait: "今日记录，请输入（输入quit退出程序）：",
          type,
        })),
      },
      {
        program: "notebook_client.ts",
        from: `console.log("Data:", timestamp(), printable(echoed));`,
        to: `console.log("Data:", timestamp(), echoed);`,
      },
      `-Data: <TIME> ${INJECTED_SHOWN}`,
      { masks: [TIMESTAMP_MASK] },
    ),
    overIpv6(main),
  ]),
};
