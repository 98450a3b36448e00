/**
 * 3.3 案例：发送消息和文件上传 — messages and files in one protocol (4-byte length, JSON type
 * frame, then the message or the file): as sent, one byte at a time and glued; Chinese names
 * and names that leave the folder, a client that vanishes, the seed's Python client as a
 * foreign peer, the bad-input rows of a server that writes files, and IPv6.
 *
 * @module
 */

import { readExactlyTrustingOneRead } from "./_chaos.ts";
import type { ClientRole, ConformanceCase, Lesson, ServerRole } from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { type CaseMutation, KEPT, nameChecksTakenOut, NEXT, PART_MASK } from "./_bad_input.ts";
import { bytes, frame, header } from "./_bytes.ts";
import { everyChunking } from "./_chunking.ts";
import { seedPython, utf8 } from "./_helpers.ts";
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
import { TERMINAL_INJECTION, unescapedLog } from "./_escaped.ts";

const MSG_PROMPT = ">>>";
const typedAt = (...lines: string[]) => lines.map((type) => ({ wait: MSG_PROMPT, type }));
const F_PNG = { fixture: "files/f.png" }; // 1795 bytes
/** Bytes of one frame holding `text`. */
const frameBytes = (text: string) => 4 + utf8(text);
const MSG_TYPE = `{"msg_type": "msg"}`;
const fileType = (escapedName: string) => `{"msg_type": "file", "file_name": "${escapedName}"}`;

/** msg|你好呀, a bad line, file|f.png, Q. */
const main: ConformanceCase = {
  id: "msg_file",
  title: "msg|你好呀, a bad line, file|f.png, Q",
  files: [{ at: "client", path: "f.png", content: F_PNG }],
  server: { peer: { program: "msg_file_server.ts" } },
  clients: [{
    peer: { program: "msg_file_client.ts" },
    dialogue: typedAt("msg|你好呀", "你好呀", "file|f.png", "Q"),
  }],
  bytes: {
    c2s: frameBytes(MSG_TYPE) + frameBytes("你好呀") + frameBytes(fileType("f.png")) + 4 + 1795 +
      frameBytes("close"),
    s2c: 0,
  },
  expectFiles: [{ at: "server", path: "file/f.png", content: F_PNG }],
  mutations: [
    {
      program: "msg_file_server.ts",
      from: "console.log(`${RECEIVED}${printable(data)}`);",
      to: "console.log(`消息:${printable(data)}`);",
      shows: "+消息:你好呀",
    },
    {
      program: "msg_file_server.ts",
      from: "if (file) await writeAll(file, buffer.subarray(0, n));",
      to: "if (file) await writeAll(file, buffer.subarray(0, n - 1));",
      shows: "server: file/f.png: ",
    },
  ],
};

// --- Bad input: framed messages and files ---

const fileOf = (name: string) => JSON.stringify({ msg_type: "file", file_name: name });
const MSG_FILE_SERVER: ServerRole = {
  peer: { program: "msg_file_server.ts" },
  mayChange: /^file(\/|$)/,
};
/** A whole conversation after the fault: a message, then close. */
const MSG_NEXT: RawStep[] = [
  { send: frame(MSG_TYPE) },
  { send: frame("still here") },
  { send: frame("close") },
  { awaitClose: true },
];
const msgNext: ClientRole = { role: "next", raw: MSG_NEXT };

/** A fault that ends the connection with one log line; the next client is served. */
function msgFileEnds(
  id: string,
  fault: string,
  sends: (string | Uint8Array)[],
  mutation: CaseMutation,
  refusal: string,
  extra: Partial<ConformanceCase> = {},
): ConformanceCase {
  return {
    id: `msg_file-${id}`,
    title: `${fault}: one line in the log, the connection ends; next client served`,
    server: MSG_FILE_SERVER,
    clients: [
      { role: "bad", raw: [...sends.map((send) => ({ send })), { awaitClose: true }] },
      msgNext,
    ],
    mutations: [mutation],
    reliability: { fault, outcome: `one-line log "${refusal}", connection closed; ${NEXT}` },
    ...extra,
  };
}

const OVER_LIMIT = {
  program: "msg_file_server.ts",
  from:
    "if (length > maxFrame) throw new Error(`a ${length}-byte frame is over the limit of ${maxFrame}`);",
  to: "if (length > maxFrame) return null;",
  shows: "-127.0.0.1:<PORT>: a ",
};

/** Why msg_file-frames-held may break when the bytes are split or delayed. */
const HOLDERS_ON_THEIR_WAY = "the holders' bytes may still be on their way when the fifth " +
  "client's frame comes, so the frames held have not yet reached the limit";

/** A client that sends 99 bytes of a 100-byte message frame and stays, holding them. */
const holder = (n: number): ClientRole => ({
  role: `holder ${n}`,
  // Each starts once the server has shown the one before reading its message.
  startsAfterServerShows: n > 1 ? `{"msg_type": "msg", "n": ${n - 1}}` : undefined,
  raw: [
    { send: frame(`{"msg_type": "msg", "n": ${n}}`) },
    { send: bytes(header(100), "x".repeat(99)) },
    { leaveOpen: true },
  ],
});

/**
 * Four clients each hold 99 bytes of a message (--max-frame 100): 396 bytes in frames. A
 * fifth client's type frame would take them past four times the largest frame, 400, and is
 * refused: what clients hold half-sent is bounded however many connect.
 */
const framesHeld: ConformanceCase = {
  id: "msg_file-frames-held",
  title: "--max-frame 100: four clients each hold 99 bytes of a message; a fifth client's " +
    "frame would pass 400 bytes held and is refused in one line, the connection ends",
  server: {
    ...MSG_FILE_SERVER,
    peer: { program: "msg_file_server.ts", args: ["--max-frame", "100"] },
  },
  // The fifth starts once the fourth's type frame is printed; pieces held back or delayed may
  // leave some of the holders' 396 bytes on their way then, and the fifth's frame fits.
  chaosMayBreak: {
    "one-byte": HOLDERS_ON_THEIR_WAY,
    "random-splits": HOLDERS_ON_THEIR_WAY,
    delays: HOLDERS_ON_THEIR_WAY,
  },
  clients: [
    holder(1),
    holder(2),
    holder(3),
    holder(4),
    {
      role: "fifth",
      startsAfterServerShows: `{"msg_type": "msg", "n": 4}`,
      // A close frame after the message: a fifth served in full ends, instead of waiting.
      raw: MSG_NEXT,
    },
  ],
  mutations: [{
    program: "msg_file_server.ts",
    from: "if (framesHeld + n > most) {",
    to: "if (false) {",
    shows: "+接收到消息:still here",
  }],
  reliability: {
    fault: "big messages held half-sent on many connections at once",
    outcome: "the bytes of frames held stay within 4 × --max-frame (64 MiB by default): a " +
      "frame that would pass it is refused in one line, the connection ends",
  },
};

// --- Terminal injection ---

/** A message that clears the screen, forges a log line and reverses what follows. */
const INJECTED_MESSAGE = "hi\u001b[2J\n客户端已关闭连接\u202e";
/** A name shown as `invoiceexe.pdf`: a right-to-left override before `fdp.exe`. */
const REVERSED_NAME = "invoice\u202efdp.exe";
/** A name with a C1 control, CSI, which JSON keeps as it is: `ESC [` to some terminals. */
const C1_NAME = "a\u009b2Jb.txt";

/**
 * What a client sends that could steer the server's terminal: a type frame with a raw newline
 * (JSON allows one between tokens), a message with ESC, a newline and a bidi override, and
 * file names with a bidi override, a C1 control, or ESC and a newline.
 */
const terminalInjection: ConformanceCase = {
  id: "msg_file-terminal-injection",
  title: "a type frame, a message and file names holding ESC, a newline, a C1 or a bidi " +
    "control are logged with them escaped as \\u{…}; such names are refused, their data dropped",
  server: MSG_FILE_SERVER,
  clients: [{
    role: "raw",
    raw: [
      { send: frame(`{"msg_type":\n"msg"}`) },
      { send: frame(INJECTED_MESSAGE) },
      ...[REVERSED_NAME, C1_NAME, "red\u001b[31m\nname.txt"].flatMap((name) => [
        { send: frame(fileOf(name)) },
        { send: frame("dropped") },
      ]),
      ...MSG_NEXT,
    ],
  }],
  expectFiles: [
    { at: "server", path: `file/${REVERSED_NAME}`, absent: true },
    { at: "server", path: `file/${C1_NAME}`, absent: true },
  ],
  mutations: [
    {
      program: "msg_file_server.ts",
      from: 'if (typeof data === "string") console.log(`${RECEIVED}${printable(data)}`);',
      to: 'if (typeof data === "string") console.log(`${RECEIVED}${data}`);',
      shows: "-接收到消息:hi\\u{1b}[2J\\u{a}客户端已关闭连接\\u{202e}",
    },
    { ...unescapedLog("msg_file_server.ts", "messageType"), shows: `-{"msg_type":\\u{a}"msg"}` },
    {
      program: "msg_file_server.ts",
      from: `(printable(name) !== name ? "it contains control or bidi characters" : null) ??`,
      to: "null ??",
      shows: `-refused file name "invoice\\u{202e}fdp.exe"`,
    },
    {
      program: "msg_file_server.ts",
      from: "const shown = printable(JSON.stringify(name));",
      to: "const shown = JSON.stringify(name);",
      shows: `-refused file name "a\\u{9b}2Jb.txt"`,
    },
  ],
  reliability: {
    fault: "terminal control characters (ESC, newline, C1, bidi) in a message or file name",
    outcome: "logged with each shown as `\\u{…}`; a file name holding one refused in one line, " +
      `its data dropped; ${KEPT}`,
    threat: TERMINAL_INJECTION,
  },
};

/** 3.3 案例：发送消息和文件上传. */
export const msgFile: Lesson = {
  id: "msg_file",
  title: "3.3 案例：发送消息和文件上传",
  titleEn: "Messages and files in one protocol",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "3.3 案例：发送消息和文件上传" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["msg_file_server.ts", "msg_file_client.ts"],
  chaos: {
    // readExactly (a header, a type frame, a message) trusting one read: it returns what its
    // first read brought.
    oneReadMutations: [readExactlyTrustingOneRead("msg_file_server.ts")],
  },
  cases: withServerFolder([
    ...everyChunking(main),
    {
      id: "msg_file-names",
      title: "a Chinese file name; names that leave the folder are refused, their data dropped",
      files: [
        { at: "client", path: "测试 文件.png", content: F_PNG },
      ],
      server: { peer: { program: "msg_file_server.ts" } },
      clients: [
        {
          role: "client",
          peer: { program: "msg_file_client.ts" },
          dialogue: typedAt("file|测试 文件.png", "msg|after the file", "Q"),
        },
        {
          role: "evil",
          startsAfterServerShows: "客户端已关闭连接",
          raw: [
            { send: frame(fileType("../escape.png")) },
            { send: frame("stolen") },
            { send: frame(MSG_TYPE) },
            { send: frame("still in step") },
            { send: frame("close") },
          ],
        },
      ],
      expectFiles: [
        { at: "server", path: "file/测试 文件.png", content: F_PNG },
        { at: "server", path: "escape.png", absent: true },
      ],
      mutations: [{
        program: "msg_file_server.ts",
        from: "await recvFile(conn, problem ? null : `${folder}/${name}`);",
        to: "await recvFile(conn, `${folder}/${name}`);",
        // With the check gone, the runtime's --allow-write=./file still stops the write.
        shows: `Requires write access to "file/../escape.png`,
      }],
      reliability: {
        fault: "traversal: ../x",
        outcome: `one-line log "refused file name …", its data dropped; connection kept`,
      },
    },
    {
      id: "msg_file-vanishing",
      title: "a client that vanishes without close ends only its own conversation",
      server: { peer: { program: "msg_file_server.ts" } },
      clients: [
        {
          role: "vanishing",
          // Waits until the server lets go, so its lines come before the next client's.
          raw: [{ send: frame(MSG_TYPE) }, { send: frame("half a conversation") }, {
            vanish: true,
          }],
        },
        { peer: { program: "msg_file_client.ts" }, dialogue: typedAt("msg|我还在", "Q") },
      ],
      mutations: [{
        program: "msg_file_server.ts",
        from: "console.log(CLIENT_GONE);",
        to: "",
        shows: "-客户端已经断开",
      }],
    },
    {
      id: "msg_file-python-client",
      title: "the seed's Python client against msg_file_server.ts",
      files: [{ at: "client", path: "f.png", content: F_PNG }],
      server: { peer: { program: "msg_file_server.ts" }, golden: "msg_file.server" },
      clients: [{
        peer: seedPython("msg_file_client.py"),
        dialogue: typedAt("msg|你好呀", "你好呀", "file|f.png", "Q"),
      }],
      bytes: {
        c2s: frameBytes(MSG_TYPE) + frameBytes("你好呀") + frameBytes(fileType("f.png")) + 4 +
          1795 + frameBytes("close"),
        s2c: 0,
      },
      expectFiles: [{ at: "server", path: "file/f.png", content: F_PNG }],
      mutations: [{
        program: "msg_file_server.ts",
        from: "console.log(CLIENT_CLOSED);",
        to: "",
        shows: "-客户端已关闭连接",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    // A client that vanishes at any point: the server keeps serving the next one.
    {
      id: "msg_file-disconnects",
      title: "clients vanishing at every field of a message and a file: no file saved, next served",
      server: { peer: { program: "msg_file_server.ts" } },
      clients: [
        ...vanishingAtEveryPoint([
          { send: frame(MSG_TYPE) },
          { send: frame("你好") },
          { send: frame(fileType("a.txt")) },
          // The file last: every cut leaves it unfinished, so it must never appear.
          { send: frame("hello file") },
        ], 200),
        { peer: { program: "msg_file_client.ts" }, dialogue: typedAt("msg|我还在", "Q") },
      ],
      expectFiles: [{ at: "server", path: "file/a.txt", absent: true }],
      mutations: [{
        program: "msg_file_server.ts",
        from:
          "throw new Error(`the client closed after ${received} of ${length} bytes of a file`);",
        to: "break;",
        shows: "server: file/a.txt",
      }],
      reliability: {
        fault: "disconnect at every step",
        outcome: "connection let go, one line; an unfinished file never saved; next client served",
      },
    },
    msgFileEnds("size-negative", "size: negative", [header(-1)], {
      program: "msg_file_server.ts",
      from: "if (length < 0) throw new Error(`a frame cannot be ${length} bytes long`);",
      to: "if (length < 0) return null;",
      shows: "-127.0.0.1:<PORT>: a frame cannot be -1 bytes long",
    }, "a frame cannot be -1 bytes long"),
    msgFileEnds(
      "size-2p63",
      "size: 2^63",
      // 2^63 does not fit a 4-byte length: the largest it can say is 2^31 - 1.
      [header(0x7fffffff)],
      OVER_LIMIT,
      "a 2147483647-byte frame is over the limit of 16777216",
    ),
    msgFileEnds("size-empty", "size: empty", [frame("")], {
      program: "msg_file_server.ts",
      from: "info = JSON.parse(messageType);",
      to: 'info = JSON.parse(messageType || "{}");',
      shows: "the server never closed the connection",
    }, "the type frame is not JSON; the stream cannot be followed any further"),
    msgFileEnds(
      "oversize",
      "oversize message (> --max-frame)",
      [frame(MSG_TYPE), header(65)],
      OVER_LIMIT,
      "a 65-byte frame is over the limit of 64",
      {
        server: {
          ...MSG_FILE_SERVER,
          peer: { program: "msg_file_server.ts", args: ["--max-frame", "64"] },
        },
      },
    ),
    msgFileEnds("invalid-json", "invalid JSON", [frame("{nope")], {
      program: "msg_file_server.ts",
      from: "info = JSON.parse(messageType);",
      to: 'info = JSON.parse(messageType.replace("{nope", "{}"));',
      shows: "the server never closed the connection",
    }, "the type frame is not JSON; the stream cannot be followed any further"),
    {
      id: "msg_file-invalid-utf8",
      title: "a message that is not UTF-8: one line, the next frame is read; the client goes on",
      server: MSG_FILE_SERVER,
      clients: [{
        role: "raw",
        raw: [{ send: frame(MSG_TYPE) }, { send: frame(Uint8Array.of(0xff, 0xfe)) }, ...MSG_NEXT],
      }],
      mutations: [{
        program: "msg_file_server.ts",
        from: `new TextDecoder("utf-8", { fatal: true })`,
        to: "new TextDecoder()",
        shows: "+接收到消息:",
      }],
      reliability: {
        fault: "invalid UTF-8",
        outcome: `one-line log "refused a 2-byte message: it is not UTF-8 text"; ${KEPT}`,
      },
    },
    {
      id: "msg_file-wrong-shape",
      title: "type frames of the wrong shape: 格式错误 or a refused name, one line each; goes on",
      server: MSG_FILE_SERVER,
      clients: [{
        role: "raw",
        raw: [
          { send: frame("[1, 2]") },
          { send: frame("null") },
          { send: frame(`{"msg_type": 5}`) },
          // A file whose name is not a string: its frame is read and dropped.
          { send: frame(`{"msg_type": "file", "file_name": 5}`) },
          { send: frame("dropped") },
          ...MSG_NEXT,
        ],
      }],
      mutations: [{
        program: "msg_file_server.ts",
        from: `const name = typeof info.file_name === "string" ? info.file_name : "";`,
        to: "const name = String(info.file_name);",
        shows: "file/5",
      }],
      reliability: {
        fault: "JSON of the wrong shape",
        outcome: `one-line log "格式错误，请验证后输入" (a file name that is not a string: ` +
          `refused, its data dropped); ${KEPT}`,
      },
      expectFiles: [{ at: "server", path: "file/5", absent: true }],
    },
    {
      id: "msg_file-unknown-command",
      title: "an unknown msg_type: 格式错误, and the conversation goes on",
      server: MSG_FILE_SERVER,
      clients: [{ role: "raw", raw: [{ send: frame(`{"msg_type": "dance"}`) }, ...MSG_NEXT] }],
      mutations: [{
        program: "msg_file_server.ts",
        from: "console.log(BAD_FORMAT);",
        to: `throw new Error("unknown msg_type");`,
        shows: "-格式错误，请验证后输入",
      }],
      reliability: {
        fault: "unknown command",
        outcome: `one-line log "格式错误，请验证后输入"; ${KEPT}`,
      },
    },
    {
      id: "msg_file-traversal",
      title:
        "/etc/passwd, a/../../b, ..\\x, NUL and a link out as file names: refused or kept inside",
      files: [
        { at: "server", path: "outside.png", content: { text: "outside the folder\n" } },
        { at: "server", path: "file/link.png", symlinkTo: "../outside.png" },
      ],
      server: MSG_FILE_SERVER,
      clients: [{
        role: "raw",
        raw: [
          ...["/etc/passwd", "a/../../b", "..\\x", "a\u0000b", "link.png"].flatMap((name) => [
            { send: frame(fileOf(name)) },
            { send: frame("stolen") },
          ]),
          ...MSG_NEXT,
        ],
      }],
      expectFiles: [
        { at: "server", path: "outside.png", content: { text: "outside the folder\n" } },
        { at: "server", path: "b", absent: true },
        // The link itself is replaced by the file: its target is never written.
        { at: "server", path: "file/link.png", content: { text: "stolen" } },
      ],
      mutations: [{
        program: "msg_file_server.ts",
        from: "await Deno.rename(temporary, path);",
        to: "await Deno.writeFile(path, await Deno.readFile(temporary));",
        shows: "outside.png",
      }],
      reliability: {
        fault: "traversal: /etc/passwd, a/../../b, ..\\x, NUL, symlink out",
        outcome: 'one-line log "refused file name …", data dropped (a link in the folder is ' +
          `replaced, its target untouched); ${KEPT}`,
      },
    },
    idleCase("msg_file-idle", MSG_FILE_SERVER, [], msgNext, {}),
    crowdCase(
      "msg_file-1000-connections",
      MSG_FILE_SERVER,
      [],
      {
        role: "next",
        raw: [
          { send: frame(fileOf("after.txt")) },
          { send: frame("hello") },
          { send: frame("close") },
          { awaitClose: true },
        ],
      },
      `all 1,000 held; ${NEXT} (a file saved) while they stay open`,
      {
        expectFiles: [{ at: "server", path: "file/after.txt", content: { text: "hello" } }],
      },
    ),
    ...limitCases("msg_file", MSG_FILE_SERVER, [], {
      role: "next",
      raw: [
        { send: frame(fileOf("after.txt")) },
        { send: frame("hello") },
        { send: frame("close") },
        { awaitClose: true },
      ],
    }, { expectFiles: [{ at: "server", path: "file/after.txt", content: { text: "hello" } }] }),
    ...signalCases(
      "msg_file",
      { ...MSG_FILE_SERVER, mayChange: /^file$/ },
      "a file",
      (signal) => ({
        clients: [
          {
            role: "uploader",
            raw: [
              { send: frame(fileOf("big.bin")) },
              { send: header(100_000) },
              { send: "x".repeat(1000) },
              { leaveOpen: true },
            ],
          },
          {
            role: "signal",
            startsAfterServerShows: fileOf("big.bin"),
            raw: [{ signalServer: signal }, { awaitClose: true }],
          },
        ],
        expectFiles: [{ at: "server", path: "file/big.bin", absent: true }],
      }),
      "listener closed, exit 0; the half-received file's temporary name removed, nothing under its name",
    ),
    {
      id: "msg_file-runtime-refusal",
      title:
        "with the name check taken out, --allow-write refuses; one line, the next frame is read",
      files: [{ at: "server", path: "file/.keep", content: { text: "" } }],
      server: MSG_FILE_SERVER,
      patches: nameChecksTakenOut("msg_file_server.ts"),
      clients: [{
        role: "raw",
        raw: [{ send: frame(fileOf("../escape.png")) }, { send: frame("stolen") }, ...MSG_NEXT],
      }],
      expectFiles: [{ at: "server", path: "escape.png", absent: true }],
      masks: [PART_MASK],
      mutations: [{
        // The refusal ends the conversation instead: the next message is never read.
        program: "msg_file_server.ts",
        from:
          "console.log(`cannot save ${path}: ${(error as Error).message}; its data is dropped`);",
        to:
          "console.log(`cannot save ${path}: ${(error as Error).message}; its data is dropped`);\n" +
          "      throw error;",
        shows: "-接收到消息:still here",
      }],
      reliability: {
        fault: "permission refused by the runtime",
        outcome:
          `one-line log "cannot save …: Requires write access to …; its data is dropped"; ${KEPT}`,
      },
    },
    terminalInjection,
    framesHeld,
    tooSlowCase(
      "msg_file-too-slow",
      MSG_FILE_SERVER,
      "a message frame",
      [{ send: frame(MSG_TYPE) }, { send: header(1000) }],
      msgNext,
      {
        from: "const n = await pace.read(conn, data.subarray(got), got);",
        to: "const n = await conn.read(data.subarray(got));",
      },
    ),
    overIpv6(main),
  ]),
};
