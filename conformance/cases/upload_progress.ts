/**
 * 案例2：文件上传 — file upload with progress (NAME-SIZE, then the file to the end of the
 * stream): as sent, one byte at a time and glued; names with dashes, refused names, the seed's
 * Python client as a foreign peer, the bad-input rows of a server that writes files, and IPv6.
 *
 * @module
 */

import type { ClientRole, ConformanceCase, Lesson, ServerRole } from "../harness/case.ts";
import { type CaseMutation, nameChecksTakenOut, NEXT, PART_MASK } from "./_bad_input.ts";
import { splitting } from "./_chaos.ts";
import { everyChunking } from "./_chunking.ts";
import { utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import {
  crowdCase,
  idleCase,
  limitCases,
  signalCases,
  tooSlowCase,
  withServerFolder,
} from "./_rows.ts";
import { vanishingAtEveryPoint } from "./_vanishing.ts";
import { escapedServerCase } from "./_escaped.ts";

const UPLOAD_PROMPT = "请输入需要上传的文件:";
const F_PNG = { fixture: "files/f.png" }; // 1795 bytes

/** f.png: 用户已连接, the seed's progress line, 传输完成. */
const main: ConformanceCase = {
  id: "upload_progress",
  title: "f.png: 用户已连接, the seed's progress line, 传输完成",
  files: [{ at: "client", path: "f.png", content: F_PNG }],
  server: { peer: { program: "upload_progress_server.ts" } },
  clients: [{
    peer: { program: "upload_progress_client.ts" },
    dialogue: [{ wait: UPLOAD_PROMPT, type: "f.png" }],
  }],
  bytes: { c2s: utf8("f.png-1795") + 1795, s2c: 0 },
  expectFiles: [{ at: "server", path: "file/f.png", content: F_PNG }],
  mutations: [
    {
      program: "upload_progress_server.ts",
      from: "return Number.isInteger(x) ? `${x}.0` : String(x);",
      to: "return x.toFixed(2);",
      shows: "+用户已连接,传输文件名f.png-1.75kb",
    },
  ],
};

// --- Bad input: NAME-SIZE, then the file to the end of the stream ---

/** A name a header may carry (no C0: the header's parser refuses those) that steers a terminal. */
const INJECTED_NAME = "hi\u009b31m\u202eend.txt";
/** {@linkcode INJECTED_NAME} as `printable` shows it. */
const INJECTED_NAME_SHOWN = "hi\\u{9b}31m\\u{202e}end.txt";

const UP_SERVER: ServerRole = {
  peer: { program: "upload_progress_server.ts" },
  mayChange: /^file(\/|$)/,
};
/** A whole upload after the fault: it is saved. */
const upNext: ClientRole = { role: "next", raw: [{ send: "ok.txt-5hello" }, { vanish: true }] };
const UP_SAVED = { at: "server", path: "file/ok.txt", content: { text: "hello" } } as const;
const UP_NO_HEADER = {
  // A header taken from the first dash, whatever follows.
  program: "upload_progress_server.ts",
  from: "if (end === dash + 1 || end - dash - 1 > 15) continue;",
  to: "if (end === dash + 1) end = start.length;",
  shows: "-127.0.0.1:<PORT>: the client closed before sending a NAME-SIZE header",
};

/** A header the server cannot use: one log line, the connection ends; the next is saved. */
function upRefusal(
  id: string,
  fault: string,
  header: string | Uint8Array,
  mutation: CaseMutation,
  refusal = "the client closed before sending a NAME-SIZE header",
): ConformanceCase {
  return {
    id: `upload_progress-${id}`,
    title: `${fault}: one line in the log, nothing saved; next client served`,
    server: UP_SERVER,
    clients: [{ role: "bad", raw: [{ send: header }, { vanish: true }] }, upNext],
    expectFiles: [UP_SAVED],
    mutations: [mutation],
    reliability: { fault, outcome: `one-line log "${refusal}", nothing saved; ${NEXT}` },
  };
}

/** 案例2：文件上传. */
export const uploadProgress: Lesson = {
  id: "upload_progress",
  title: "案例2：文件上传",
  titleEn: "File upload with progress",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "案例2：文件上传" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["upload_progress_server.ts", "upload_progress_client.ts"],
  chaos: {
    oneReadMutations: [{
      program: "upload_progress_server.ts",
      from: "const header = parseHeader(start.subarray(0, filled), ended);",
      to: "const header = parseHeader(start.subarray(0, filled), true);",
    }],
  },
  cases: withServerFolder([
    ...everyChunking(main),
    {
      id: "upload_progress-names",
      title: "a name with dashes and a size, and a zero-byte file",
      chaosMayBreak: splitting(
        "the header NAME-SIZE has no end marker: a name holding -DIGITS (my-photo-2024.png) read " +
          "in pieces can end where a size could",
      ),
      files: [
        { at: "photo", path: "my-photo-2024.png", content: F_PNG },
        { at: "empty", path: "empty-0.txt", content: { bytes: [] } },
      ],
      server: { peer: { program: "upload_progress_server.ts" } },
      clients: [
        {
          role: "photo",
          peer: { program: "upload_progress_client.ts" },
          dialogue: [{ wait: UPLOAD_PROMPT, type: "my-photo-2024.png" }],
        },
        {
          role: "empty",
          peer: { program: "upload_progress_client.ts" },
          dialogue: [{ wait: UPLOAD_PROMPT, type: "empty-0.txt" }],
        },
      ],
      expectFiles: [
        { at: "server", path: "file/my-photo-2024.png", content: F_PNG },
        { at: "server", path: "file/empty-0.txt", content: { bytes: [] } },
      ],
      mutations: [{
        program: "upload_progress_server.ts",
        from:
          "for (let dash = start.lastIndexOf(0x2d); dash > 0; dash = start.lastIndexOf(0x2d, dash - 1)) {",
        to:
          "for (let dash = start.indexOf(0x2d); dash > 0; dash = start.indexOf(0x2d, dash + 1)) {",
        shows: "server: file/my-photo-2024.png is missing",
      }],
    },
    {
      id: "upload_progress-refused",
      title: "a name that leaves the folder, and a glued header the format cannot tell apart",
      server: { peer: { program: "upload_progress_server.ts" } },
      clients: [
        // Waits until the server lets go, so its lines come before the next client's.
        { role: "traversal", raw: [{ send: "../escape.txt-5hello" }, { vanish: true }] },
        // Size 3, data "12a": glued, the digits run on into the data, and the count disagrees.
        { role: "ambiguous", raw: [{ send: "n.txt-312a" }, { close: true }] },
      ],
      expectFiles: [
        { at: "server", path: "escape.txt", absent: true },
        { at: "server", path: "file/n.txt", absent: true },
      ],
      mutations: [{
        program: "upload_progress_server.ts",
        from: "temporary = problem ? null :",
        to: "temporary = false ? null :",
        // With the check gone, the runtime's --allow-write=./file still stops the write.
        shows: `Requires write access to "file/../escape.txt`,
      }],
      reliability: {
        fault: "traversal: ../x",
        outcome: 'one-line log "refused …", its data dropped; next client served',
      },
    },
    {
      id: "upload_progress-python-client",
      title: "the seed's Python client against upload_progress_server.ts",
      files: [{ at: "client", path: "f.png", content: F_PNG }],
      server: { peer: { program: "upload_progress_server.ts" }, golden: "upload_progress.server" },
      clients: [{
        peer: {
          command: [
            "python3",
            "-u",
            "{fixtures}/peers/upload_progress_client.py",
            "{host}",
            "{port}",
          ],
          requires: "python3",
        },
        dialogue: [{ wait: UPLOAD_PROMPT, type: "f.png" }],
        golden: "upload_progress.client",
      }],
      bytes: { c2s: utf8("f.png-1795") + 1795, s2c: 0 },
      expectFiles: [{ at: "server", path: "file/f.png", content: F_PNG }],
      mutations: [{
        program: "upload_progress_server.ts",
        from: "传输完成",
        to: "完成",
        shows: "+\rf.png完成",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    // A client that vanishes at any point: the server keeps serving the next one.
    {
      id: "upload_progress-disconnects",
      title: "clients vanishing at every byte of a header and a file: nothing saved, next served",
      files: [{ at: "client", path: "f.png", content: F_PNG }],
      server: { peer: { program: "upload_progress_server.ts" } },
      clients: [
        ...vanishingAtEveryPoint([{ send: "a.bin-4" }, { send: Uint8Array.of(0, 1, 2, 3) }]),
        {
          peer: { program: "upload_progress_client.ts" },
          dialogue: [{ wait: UPLOAD_PROMPT, type: "f.png" }],
          golden: "upload_progress.client",
        },
      ],
      expectFiles: [
        { at: "server", path: "file/a.bin", absent: true },
        { at: "server", path: "file/f.png", content: F_PNG },
      ],
      mutations: [{
        program: "upload_progress_server.ts",
        from: "if (received !== size) {",
        to: "if (received > size) {",
        shows: "server: file/a.bin",
      }],
      reliability: {
        fault: "disconnect at every step",
        outcome: "connection let go, one line; an unfinished file never saved; next client served",
      },
    },
    upRefusal("size-non-numeric", "size: non-numeric", "a.txt-abchello", UP_NO_HEADER),
    upRefusal("size-2p63", "size: 2^63", "a.txt-9223372036854775808hello", {
      program: "upload_progress_server.ts",
      from: "if (end === dash + 1 || end - dash - 1 > 15) continue;",
      to: "if (end === dash + 1) continue;",
      shows: "-127.0.0.1:<PORT>: the client closed before sending a NAME-SIZE header",
    }),
    upRefusal("size-empty", "size: empty", "a.txt-", UP_NO_HEADER),
    upRefusal(
      "invalid-utf8",
      "invalid UTF-8",
      Uint8Array.of(0xff, 0xfe, ...new TextEncoder().encode("-5hello")),
      {
        program: "upload_progress_server.ts",
        from: `new TextDecoder("utf-8", { fatal: true })`,
        to: "new TextDecoder()",
        shows: "-127.0.0.1:<PORT>: the client closed before sending a NAME-SIZE header",
      },
    ),
    {
      id: "upload_progress-size-negative",
      title: "NAME--5: read as name NAME- and size 5 (names may hold dashes), saved as such",
      server: UP_SERVER,
      clients: [{ role: "raw", raw: [{ send: "a--5hello" }, { vanish: true }] }, upNext],
      expectFiles: [{ at: "server", path: "file/a-", content: { text: "hello" } }, UP_SAVED],
      mutations: [{
        // The name's trailing dash taken for a minus sign.
        program: "upload_progress_server.ts",
        from: `.decode(start.subarray(0, dash));`,
        to: `.decode(start.subarray(0, dash)).replace(/-$/, "");`,
        shows: "server: file/a- is missing",
      }],
      reliability: {
        fault: "size: negative",
        outcome: `no negative size exists in this format: "a--5" is name "a-", size 5; ${NEXT}`,
      },
    },
    {
      id: "upload_progress-oversize",
      title: "301 bytes and no NAME-SIZE header in them (a control byte, then 150 dashes each " +
        "followed by a digit): one line once 272 have come, the connection ends; next served",
      server: UP_SERVER,
      clients: [
        // Every dash could start a size: each read used to re-parse them all, up to 64 KiB.
        { role: "bad", raw: [{ send: `\u0001${"-1".repeat(150)}` }, { awaitClose: true }] },
        upNext,
      ],
      expectFiles: [UP_SAVED],
      mutations: [
        {
          program: "upload_progress_server.ts",
          from: `throw new Error("no NAME-SIZE header found");`,
          to: "{ filled = 0; }",
          shows: "the server never closed the connection",
        },
        {
          // The header bounded only by 64 KiB, as it was: the server waits for more.
          program: "upload_progress_server.ts",
          from: "const MAX_HEADER = MAX_NAME + 1 + 15 + 1;",
          to: "const MAX_HEADER = 64 * 1024;",
          shows: "the server never closed the connection",
        },
      ],
      reliability: {
        fault: "oversize message (header > 272 bytes: a name over 255)",
        outcome: `one-line log "no NAME-SIZE header found", connection closed; ${NEXT}`,
      },
    },
    {
      id: "upload_progress-traversal",
      title: "/etc/passwd, a/../../b, ..\\x and a link out as names: refused or kept inside",
      files: [
        { at: "server", path: "outside.txt", content: { text: "outside the folder\n" } },
        { at: "server", path: "file/link.txt", symlinkTo: "../outside.txt" },
      ],
      server: UP_SERVER,
      clients: [
        ...["/etc/passwd", "a/../../b", "..\\x", "link.txt"].map((name, i): ClientRole => ({
          role: `name-${i}`,
          raw: [{ send: `${name}-6stolen` }, { vanish: true }],
        })),
        upNext,
      ],
      expectFiles: [
        { at: "server", path: "outside.txt", content: { text: "outside the folder\n" } },
        { at: "server", path: "file/link.txt", content: { text: "stolen" } },
        UP_SAVED,
      ],
      mutations: [{
        program: "upload_progress_server.ts",
        from: "await Deno.rename(temporary, `${folder}/${name}`);",
        to: "await Deno.writeFile(`${folder}/${name}`, await Deno.readFile(temporary));",
        shows: "outside.txt",
      }],
      reliability: {
        fault: "traversal: /etc/passwd, a/../../b, ..\\x, symlink out",
        outcome: 'one-line log "refused …", data dropped (a link in the folder is replaced, ' +
          `its target untouched; NUL cannot be in a header); ${NEXT}`,
      },
    },
    idleCase("upload_progress-idle", UP_SERVER, [], upNext, {
      expectFiles: [UP_SAVED],
    }),
    crowdCase(
      "upload_progress-1000-connections",
      UP_SERVER,
      [],
      upNext,
      `all 1,000 held; ${NEXT} (its file saved) while they stay open`,
      {
        expectFiles: [UP_SAVED],
      },
    ),
    ...limitCases("upload_progress", UP_SERVER, [], upNext, { expectFiles: [UP_SAVED] }),
    ...signalCases(
      "upload_progress",
      { ...UP_SERVER, mayChange: /^file$/ },
      "an upload",
      (signal) => ({
        clients: [
          {
            role: "uploader",
            // Exactly one progress step: how many more would show before the signal is timing.
            raw: [{ send: "big.bin-100000" }, { send: "x".repeat(1024) }, { leaveOpen: true }],
          },
          {
            // Progress is printed once a piece is written: the temporary file exists.
            role: "signal",
            startsAfterServerShows: "big.bin已传输",
            raw: [{ signalServer: signal }, { awaitClose: true }],
          },
        ],
        expectFiles: [{ at: "server", path: "file/big.bin", absent: true }],
      }),
      "listener closed, exit 0; the temporary file removed, nothing under the file's name",
    ),
    {
      id: "upload_progress-runtime-refusal",
      title: "with the name check taken out, --allow-write refuses; one line; next client served",
      server: UP_SERVER,
      patches: nameChecksTakenOut("upload_progress_server.ts"),
      clients: [
        { role: "bad", raw: [{ send: "../escape.txt-6stolen" }, { vanish: true }] },
        upNext,
      ],
      expectFiles: [{ at: "server", path: "escape.txt", absent: true }, UP_SAVED],
      masks: [PART_MASK],
      mutations: [{
        // The runtime's refusal left to crash the server.
        program: "upload_progress_server.ts",
        from: "if (error instanceof Deno.errors.TimedOut) {",
        to:
          "if (error instanceof Deno.errors.NotCapable) Deno.exit(3);\n    if (error instanceof Deno.errors.TimedOut) {",
        shows: "",
      }],
      reliability: {
        fault: "permission refused by the runtime",
        outcome: `one-line log "Requires write access to …", connection closed; ${NEXT}`,
      },
    },
    {
      id: "upload_progress-max-uploads",
      title: "--max-uploads 1: an upload that stops halfway holds the one place; the next " +
        "client is closed after its header, in one line, nothing saved",
      server: {
        ...UP_SERVER,
        peer: { program: "upload_progress_server.ts", args: ["--max-uploads", "1"] },
      },
      clients: [
        { role: "stalled", raw: [{ send: "half.txt-10hello" }, { leaveOpen: true }] },
        {
          role: "second",
          // Once the server has shown the first upload begin.
          startsAfterServerShows: "用户已连接,传输文件名half.txt",
          // Half-closes and waits for the server to close: it has judged the upload by then.
          raw: [{ send: "ok.txt-5hello" }, { vanish: true }],
        },
      ],
      expectFiles: [
        { at: "server", path: "file/ok.txt", absent: true },
        { at: "server", path: "file/half.txt", absent: true },
      ],
      mutations: [{
        program: "upload_progress_server.ts",
        from: "if (uploads >= limits.maxUploads) {",
        to: "if (false) {",
        shows: "file/ok.txt",
      }],
      reliability: {
        fault: "uploads that stop halfway (each holds a 1 MiB buffer)",
        outcome: "at most --max-uploads (default 16) at once; one more is closed after its " +
          "header, in one line, nothing saved",
      },
    },
    tooSlowCase(
      "upload_progress-too-slow",
      UP_SERVER,
      "an upload",
      [{ send: "slow.txt-1000" }],
      upNext,
      {
        from: "const n = await pace.read(conn, buffer, received);",
        to: "const n = await conn.read(buffer);",
      },
      {
        expectFiles: [
          { at: "server", path: "file/slow.txt", absent: true },
          { at: "server", path: "file", holdsNone: /\.part-/ },
          UP_SAVED,
        ],
      },
    ),
    escapedServerCase(
      "upload_progress-escaped",
      UP_SERVER,
      [{ role: "raw", raw: [{ send: `${INJECTED_NAME}-5hello` }, { vanish: true }] }, upNext],
      {
        program: "upload_progress_server.ts",
        from: "const shown = printable(name);",
        to: "const shown = name;",
      },
      `-用户已连接,传输文件名${INJECTED_NAME_SHOWN}-0.0048828125kb`,
      {
        title: "a name holding a C1 control and a bidi override is printed with each escaped " +
          "as \\u{…} and refused, its data dropped; next client served",
        expectFiles: [{ at: "server", path: `file/${INJECTED_NAME}`, absent: true }, UP_SAVED],
        mutations: [{
          program: "upload_progress_server.ts",
          from: `(shown !== name ? "it contains control or bidi characters" : null) ??`,
          to: "null ??",
          shows: `-refused "${INJECTED_NAME_SHOWN}"`,
        }],
      },
    ),
    overIpv6(main),
  ]),
};
