/**
 * 使用Socket实现FTP-上传功能(MD5) — upload with size, ack, data and MD5: the seed's run, every
 * byte value, an interrupted upload, the seed's Python client, the bad-input rows (sizes,
 * disconnects, idle, a crowd, signals), the size split in two, and IPv6.
 *
 * @module
 */

import type { ClientRole, ConformanceCase, Lesson, ServerRole } from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { NEXT } from "./_bad_input.ts";
import { readExactlyTrustingOneRead, splitting } from "./_chaos.ts";
import { seedPython } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import {
  crowdCase,
  idleCase,
  limitCases,
  signalCases,
  tooSlowCase,
  withServerFolder,
} from "./_rows.ts";
import { splitMessageCase } from "./_split_message.ts";
import { vanishingAtEveryPoint } from "./_vanishing.ts";
import {
  escapedClientCase,
  escapedServerCase,
  INJECTED,
  INJECTED_SHOWN,
  unescapedLog,
} from "./_escaped.ts";

const F_PNG = { fixture: "files/f.png" }; // 1795 bytes, md5 8538a2876ec718b52850d4abfa89b651
const EVERY_BYTE = { fixture: "files/every_byte.bin" }; // 1024 bytes: 0..255 four times

/** Bytes the server sends in every upload: welcome 21, ack 54, reply 21 + 32. */
const SERVER_BYTES = 21 + 54 + 53;

// --- Bad input (docs/RELIABILITY.md) ---

const HELLO_MD5 = "5d41402abc4b2a76b9719d911017c592"; // md5("hello")
const UPLOAD_WELCOME = "欢迎登陆FTP系统";
const UPLOAD_ACK = "已经接收到文件大小数据包，往下继续吧";
const UPLOAD_SERVER: ServerRole = {
  peer: { program: "ftp_upload_server.ts" },
  mayChange: /^new\.png$/,
};
/** A whole upload of "hello" after the fault. */
const UPLOAD_NEXT: RawStep[] = [
  { recv: UPLOAD_WELCOME },
  { send: "5" },
  { recv: UPLOAD_ACK },
  { send: `hello${HELLO_MD5}` },
  { recv: `file MD5(after send):${HELLO_MD5}` },
];
const uploadNext: ClientRole = { role: "next", raw: UPLOAD_NEXT };
const UPLOAD_SAVED = { at: "server", path: "new.png", content: { text: "hello" } } as const;
const UPLOAD_SIZE_CHECK = {
  program: "ftp_upload_server.ts",
  from: "if (!/^\\d{1,15}$/.test(size)) {",
  to: 'if (size === "") {',
  shows: "not written",
};

/** A size the server refuses: one log line, the connection ends; the next upload is saved. */
function uploadRefusal(id: string, fault: string, size: string | Uint8Array): ConformanceCase {
  return {
    id: `ftp_upload-${id}`,
    title: `${fault}: one line in the log, the connection ends; next upload saved`,
    server: UPLOAD_SERVER,
    clients: [
      { role: "bad", raw: [{ recv: UPLOAD_WELCOME }, { send: size }, { awaitClose: true }] },
      uploadNext,
    ],
    expectFiles: [UPLOAD_SAVED],
    mutations: [{ ...UPLOAD_SIZE_CHECK, shows: "the server never closed the connection" }],
    reliability: {
      fault,
      outcome:
        `one-line log "the size must be a whole number of bytes …", connection closed; ${NEXT}`,
    },
  };
}

/** The seed's 运行 lines. */
const main: ConformanceCase = {
  id: "ftp_upload",
  title: "the seed's 运行 lines: f.png arrives as new.png with the same MD5",
  files: [{ at: "client", path: "f.png", content: F_PNG }],
  server: { peer: { program: "ftp_upload_server.ts" } },
  clients: [{ peer: { program: "ftp_upload_client.ts" } }],
  // "1795" + 1795 bytes + 32 hex digits of MD5.
  bytes: { c2s: 4 + 1795 + 32, s2c: SERVER_BYTES },
  expectFiles: [{ at: "server", path: "new.png", content: F_PNG }],
  mutations: [
    {
      program: "ftp_upload_server.ts",
      from: "hash.update(piece);",
      to: "hash.update(piece.subarray(1));",
      shows: "+file MD5(after send):",
    },
    {
      program: "ftp_upload_server.ts",
      from: "await Deno.rename(temporary, out);",
      to: "await Deno.copyFile(temporary, `${out}.copy`);",
      shows: "server: new.png is missing",
    },
  ],
};

/** The upload lesson. */
export const ftpUpload: Lesson = {
  id: "ftp_upload",
  title: "使用Socket实现FTP-上传功能(MD5)",
  titleEn: "FTP upload with MD5",
  seed: { file: "000_84409504fdc3648b.txt", section: "使用Socket实现FTP-上传功能(MD5)" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 9999,
  scripts: ["ftp_upload_server.ts", "ftp_upload_client.ts"],
  chaos: {
    mayBreak: splitting(
      "the size is bare digits read with one recv: the ack keeps it from being glued to the " +
        "data, not from arriving in pieces",
    ),
    // readExactly (the MD5) trusting one read: it returns what its first read brought.
    oneReadMutations: [readExactlyTrustingOneRead("ftp_upload_server.ts")],
  },
  // A case whose server may change files gets an empty server folder to start from.
  cases: withServerFolder([
    main,
    {
      id: "ftp_upload-binary",
      title: "every byte value survives, under another name (--out)",
      files: [{ at: "client", path: "every_byte.bin", content: EVERY_BYTE }],
      server: { peer: { program: "ftp_upload_server.ts", args: ["--out", "copy.bin"] } },
      clients: [{ peer: { program: "ftp_upload_client.ts", args: ["every_byte.bin"] } }],
      bytes: { c2s: 4 + 1024 + 32, s2c: SERVER_BYTES },
      expectFiles: [
        { at: "server", path: "copy.bin", content: EVERY_BYTE },
        { at: "server", path: "new.png", absent: true },
      ],
      mutations: [{
        program: "ftp_upload_client.ts",
        from: "await writeAll(conn, piece);",
        to: "await writeAll(conn, piece.map((b) => b ^ 1));",
        shows: "the server's MD5 differs: upload not verified",
      }],
    },
    {
      id: "ftp_upload-interrupted",
      title: "a client cut off mid-file leaves no new.png, and an older new.png untouched",
      files: [
        { at: "client", path: "f.png", content: F_PNG },
        { at: "server", path: "new.png", content: { text: "an older upload\n" } },
      ],
      server: { peer: { program: "ftp_upload_server.ts" } },
      clients: [{
        peer: { program: "ftp_upload_client.ts" },
        golden: false,
        exitCode: 1,
        stderr: /closed the connection/,
      }],
      cut: { conn: 0, dir: "c2s", after: 4 + 1000 },
      expectFiles: [{ at: "server", path: "new.png", content: { text: "an older upload\n" } }],
      mutations: [{
        program: "ftp_upload_server.ts",
        from: "if (unfinished.delete(temporary)) await Deno.remove(temporary).catch(() => {});",
        to: "if (unfinished.delete(temporary)) await Deno.rename(temporary, out);",
        shows: "server: new.png: 1000 bytes",
      }],
    },
    {
      id: "ftp_upload-python-client",
      title: "the seed's Python client uploads to ftp_upload_server.ts",
      files: [{ at: "client", path: "f.png", content: F_PNG }],
      server: { peer: { program: "ftp_upload_server.ts" }, golden: "ftp_upload.server" },
      clients: [{
        peer: seedPython("ftp_upload_client.py"),
        golden: "ftp_upload.client",
      }],
      bytes: { c2s: 4 + 1795 + 32, s2c: SERVER_BYTES },
      expectFiles: [{ at: "server", path: "new.png", content: F_PNG }],
      mutations: [{
        program: "ftp_upload_server.ts",
        from: `const SIZE_ACK = "已经接收到文件大小数据包，往下继续吧";`,
        to: `const SIZE_ACK = "已经接收到文件大小数据包，往下继续";`,
        shows: "c2s 1831, s2c 125",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    uploadRefusal("size-non-numeric", "size: non-numeric", "abc"),
    uploadRefusal("size-negative", "size: negative", "-5"),
    uploadRefusal("size-2p63", "size: 2^63", "9223372036854775808"),
    uploadRefusal("invalid-utf8", "invalid UTF-8", Uint8Array.of(0xff, 0xfe)),
    {
      id: "ftp_upload-size-empty",
      title: "no size at all (the stream ends first): one line in the log; next upload saved",
      server: UPLOAD_SERVER,
      clients: [{ role: "bad", raw: [{ recv: UPLOAD_WELCOME }, { vanish: true }] }, uploadNext],
      expectFiles: [UPLOAD_SAVED],
      mutations: [{
        program: "ftp_upload_server.ts",
        from: "console.log(`${client} left before sending a size; ${out} not written`);",
        to: "",
        shows: "-127.0.0.1:<PORT> left before sending a size",
      }],
      reliability: {
        fault: "size: empty",
        outcome: `one-line log "left before sending a size" (the seed: int('') crashes); ${NEXT}`,
      },
    },
    {
      id: "ftp_upload-disconnects",
      title: "clients vanishing at every byte of size, data and MD5: nothing saved, next served",
      server: UPLOAD_SERVER,
      clients: [
        ...vanishingAtEveryPoint([
          { recv: UPLOAD_WELCOME },
          { send: "5" },
          { recv: UPLOAD_ACK },
          { send: `hello${HELLO_MD5}` },
        ]),
        uploadNext,
      ],
      expectFiles: [UPLOAD_SAVED],
      mutations: [{
        program: "ftp_upload_server.ts",
        from: "if (unfinished.delete(temporary)) await Deno.remove(temporary).catch(() => {});",
        to: "unfinished.delete(temporary);",
        shows: "changed outside what the server may change",
      }],
      reliability: {
        fault: "disconnect at every step",
        outcome:
          `connection let go, one line; the temporary file removed, new.png untouched; ${NEXT}`,
      },
    },
    idleCase("ftp_upload-idle", UPLOAD_SERVER, [{ recv: UPLOAD_WELCOME }], uploadNext, {
      expectFiles: [UPLOAD_SAVED],
    }),
    crowdCase(
      "ftp_upload-1000-connections",
      UPLOAD_SERVER,
      [{ recv: UPLOAD_WELCOME }],
      uploadNext,
      `all 1,000 welcomed and held; ${NEXT} (its file saved) while they stay open`,
      {
        expectFiles: [UPLOAD_SAVED],
      },
    ),
    ...limitCases("ftp_upload", UPLOAD_SERVER, [{ recv: UPLOAD_WELCOME }], uploadNext, {
      expectFiles: [UPLOAD_SAVED],
    }),
    ...signalCases("ftp_upload", UPLOAD_SERVER, "an upload", (signal) => ({
      clients: [{
        role: "uploader",
        raw: [
          { recv: UPLOAD_WELCOME },
          { send: "100000" },
          { recv: UPLOAD_ACK },
          { send: "x".repeat(1000) },
          { signalServer: signal },
          { awaitClose: true },
        ],
      }],
      expectFiles: [{ at: "server", path: "new.png", absent: true }],
    }), "listener closed, exit 0; the temporary file removed, nothing under new.png"),
    // --- A message split in two ---
    splitMessageCase(main, {
      id: "ftp_upload-split-size",
      title: "the size 1795 split after 17: the server takes 17 bytes, and the MD5s differ",
      holdBack: { dir: "c2s", after: 2 },
      clients: [{
        peer: { program: "ftp_upload_client.ts" },
        exitCode: 1,
        // The server answers and closes with the rest of the upload unread, which resets the
        // connection: the answer reaches the client first, or is lost with the reset (timing).
        golden: false,
        transcriptMatches: new RegExp(
          "^欢迎登陆FTP系统\nfile MD5\\(before send\\): 8538a2876ec718b52850d4abfa89b651\n" +
            "(file MD5\\(after send\\):5b1a3604dcd89a65433f2ee616628490\n)?$",
        ),
        stderr: new RegExp(
          "the server's MD5 differs: upload not verified|" +
            "the server closed the connection before answering with its MD5",
        ),
      }],
      mutations: [{
        program: "ftp_upload_server.ts",
        from: "MD5 mismatch: client",
        to: "MD5 mismatch: the client",
        shows: "MD5 mismatch: the client",
      }],
    }),
    {
      id: "ftp_upload-max-uploads",
      title: "--max-uploads 1: an upload that stops halfway holds the one place; a second " +
        "client's size gets no ack, its connection is closed in one line",
      server: {
        ...UPLOAD_SERVER,
        peer: { program: "ftp_upload_server.ts", args: ["--max-uploads", "1"] },
      },
      clients: [
        {
          role: "stalled",
          raw: [
            { recv: UPLOAD_WELCOME },
            { send: "1000" },
            { recv: UPLOAD_ACK },
            { send: "x".repeat(10) },
            { leaveOpen: true },
          ],
        },
        {
          role: "second",
          raw: [{ recv: UPLOAD_WELCOME }, { send: "5" }, { closedUnanswered: true }],
        },
      ],
      mutations: [{
        program: "ftp_upload_server.ts",
        from: "if (uploads >= limits.maxUploads) {",
        to: "if (false) {",
        shows: "second",
      }],
      reliability: {
        fault: "uploads that stop halfway (each holds a 1 MiB buffer)",
        outcome: "at most --max-uploads (default 16) at once; one more is closed without the " +
          `ack, in one line; ${NEXT}`,
      },
    },
    tooSlowCase(
      "ftp_upload-too-slow",
      UPLOAD_SERVER,
      "an upload",
      [{ recv: UPLOAD_WELCOME }, { send: "1000" }, { recv: UPLOAD_ACK }],
      uploadNext,
      {
        from: "const n = await pace.read(conn, room, received);",
        to: "const n = await conn.read(room);",
      },
      { expectFiles: [UPLOAD_SAVED, { at: "server", path: ".", holdsNone: /\.part-/ }] },
    ),
    escapedServerCase(
      "ftp_upload-escaped",
      UPLOAD_SERVER,
      [
        {
          role: "bad size",
          raw: [{ recv: UPLOAD_WELCOME }, { send: "\u009b5" }, { awaitClose: true }],
        },
        {
          role: "bad MD5",
          raw: [
            { recv: UPLOAD_WELCOME },
            { send: "5" },
            { recv: UPLOAD_ACK },
            // An MD5 of 32 bytes that clears the screen.
            { send: `hello\u001b[2J${"0".repeat(28)}` },
            { recv: `file MD5(after send):${HELLO_MD5}` },
            { awaitClose: true },
          ],
        },
        uploadNext,
      ],
      {
        program: "ftp_upload_server.ts",
        from: "client ${printable(theirs)}, received",
        to: "client ${theirs}, received",
      },
      `-MD5 mismatch: client \\u{1b}[2J${"0".repeat(28)}`,
      {
        expectFiles: [UPLOAD_SAVED],
        mutations: [{
          program: "ftp_upload_server.ts",
          from: "printable(JSON.stringify(size.slice(0, 100)))",
          to: "JSON.stringify(size.slice(0, 100))",
          shows:
            '-127.0.0.1:<PORT>: the size must be a whole number of bytes (at most 15 digits), not "\\u{9b}5"',
        }],
      },
    ),
    escapedClientCase(
      "ftp_upload-client-escaped",
      // As long as the welcome (21 bytes), then one answer to the size and the server hangs up.
      { greeting: `${INJECTED}xyz`, answers: 1 },
      {
        peer: { program: "ftp_upload_client.ts" },
        exitCode: 1,
        stderr:
          /^ftp_upload_client\.ts: the server closed the connection before acknowledging the size$/,
      },
      unescapedLog("ftp_upload_client.ts", `await expectText(conn, WELCOME, "its welcome")`),
      `-${INJECTED_SHOWN}xyz`,
      { files: [{ at: "client", path: "f.png", content: F_PNG }] },
    ),
    overIpv6(main),
  ]),
};
