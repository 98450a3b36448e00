/**
 * The bad-input catalogue of issue #6 for the servers that read or write files (the FTP
 * lessons and flagship, msg_file, upload_progress, notebook) and the login server: each case
 * feeds one kind of bad input or fault to a server, checks that it answers with a one-line
 * refusal (or lets go of the connection), and then that it still serves the next client in
 * full. Each case's `reliability` entry is its row in `docs/RELIABILITY.md`.
 *
 * The servers run with exactly the permissions of their header's `@run` line, and every case
 * of a file-writing server names what it may change (`mayChange`): anything else changed
 * under the case's folder fails it. The `*-runtime-refusal` cases take the program's own jail
 * check out (`patches`) to show that the runtime's permissions then refuse, and that the
 * server reports that refusal in one line and goes on.
 *
 * @module
 */

import type { ClientRole, ConformanceCase, ServerRole } from "../harness/case.ts";
import type { Mask } from "../harness/mask.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { vanishingAtEveryPoint } from "./_helpers.ts";
import { ftp } from "./ftp.ts";
import { ftpDownload } from "./ftp_download.ts";
import { ftpUpload } from "./ftp_upload.ts";
import { notebook } from "./lessons_part1.ts";
import { loginLesson, msgFile, uploadProgress } from "./lessons_part2.ts";

type CaseMutation = NonNullable<ConformanceCase["mutations"]>[number];

/** Raw clients vanishing at every point of `make(tag)`, each with its own 3-digit tag. */
function vanishingTagged(make: (tag: string) => RawStep[], everyByteUpTo?: number): ClientRole[] {
  const count = vanishingAtEveryPoint(make("000"), everyByteUpTo).length;
  return Array.from(
    { length: count },
    (_, i) => vanishingAtEveryPoint(make(String(i).padStart(3, "0")), everyByteUpTo)[i],
  );
}

/** `n` copies of `char`. */
const repeat = (char: string, n: number) => char.repeat(n);

/** The temporary names of received files vary: `.part-<ID>`. */
const PART_MASK: Mask = { pattern: /\.part-[0-9a-f]{8}/g, placeholder: ".part-<ID>" };

/**
 * The idle row: a client that connects (and reads the greeting, if any) then stays silent is
 * let go after `--idle-timeout 1`, with one line on stderr; `next` is served after it.
 */
function idleCase(
  id: string,
  server: ServerRole,
  greeting: RawStep[],
  next: ClientRole,
  extra: Partial<ConformanceCase> = {},
): ConformanceCase {
  const [program, args] = "program" in server.peer
    ? [server.peer.program, server.peer.args ?? []]
    : ["", []];
  return {
    id,
    title: "a client silent past --idle-timeout is let go with one line on stderr; next served",
    server: {
      ...server,
      peer: { program, args: [...args, "--idle-timeout", "1"] },
      stderr: /idle for 1 s: closed/,
    },
    clients: [{ role: "idle", raw: [...greeting, { awaitClose: true }] }, next],
    mutations: [{
      program,
      from: "closeWhenIdle(conn, idleSeconds, client);",
      to: "",
      shows: "the server never closed the connection",
    }],
    reliability: {
      fault: "idle client",
      outcome: `closed after --idle-timeout (default 300 s), one line on stderr; ${NEXT}`,
    },
    ...extra,
  };
}

/**
 * The 1,000-connections row: a crowd connects at once and stays, then `next` is served in
 * full while they are still open. `acceptLoop` is what the server's accept loop runs: made to
 * turn clients away beyond 500, it must fail the case.
 */
function crowdCase(
  id: string,
  server: ServerRole,
  crowd: RawStep[],
  next: ClientRole,
  acceptLoop: string,
  outcome: string,
  extra: Partial<ConformanceCase> = {},
): ConformanceCase {
  const program = "program" in server.peer ? server.peer.program : "";
  return {
    id,
    title: "1,000 clients connected at once; one more is served in full while they stay",
    server: { ...server, golden: false },
    clients: [{ role: "crowd", raw: [...crowd, { leaveOpen: true }], copies: 1000 }, next],
    timeoutMs: 60_000,
    mutations: [{
      // A server that turns clients away beyond 500 at once.
      program,
      from: `for await (const conn of listener) ${acceptLoop}`,
      to:
        "let open = 0;\n  for await (const conn of listener) if (++open > 500) conn.close();\n  " +
        `else ${acceptLoop}`,
      shows: "",
    }],
    reliability: { fault: "1,000 concurrent connections", outcome },
    ...extra,
  };
}

/**
 * The SIGINT and SIGTERM rows: `make(signal)` gives the case's clients, one of which signals
 * the server in the middle of a transfer; the server must exit 0 by itself. Without its
 * shutdown handler the signal kills it, which must fail the case.
 */
function signalCases(
  prefix: string,
  server: ServerRole,
  what: string,
  make: (signal: Deno.Signal) => Partial<ConformanceCase>,
  outcome: string,
): ConformanceCase[] {
  const program = "program" in server.peer ? server.peer.program : "";
  return (["SIGINT", "SIGTERM"] as const).map((signal) => ({
    id: `${prefix}-${signal.toLowerCase()}`,
    title: `${signal} in the middle of ${what}: exit 0, nothing under a final name`,
    server: { ...server, exitsByItself: true },
    clients: [],
    mutations: [{
      program,
      from: "onShutdown(() => {",
      to: "(() => {",
      shows: "server exited with",
    }],
    reliability: { fault: `${signal} mid-transfer`, outcome },
    ...make(signal),
  }));
}

/** Outcome texts, uniform across servers. */
const KEPT = "connection kept; the same client is served next";
const NEXT = "next client served";

// --- ftp_server.ts: the FTP tool ---

const FTP_WELCOME = "欢迎登陆FTP系统\n";
const HI = { at: "server", path: "ftp_root/hi.txt", content: { text: "hello\n" } } as const;
const HI_MD5 = "b1946ac92492d2347c6235b4d2611184";
const HELLO_MD5 = "5d41402abc4b2a76b9719d911017c592"; // md5("hello")
/** `ls` and its answer, with hi.txt alone in the root: the server still serves. */
const FTP_LS: RawStep[] = [{ send: "ls\n" }, { recv: "9\n6\thi.txt\n" }];
const FTP_SERVER: ServerRole = {
  peer: { program: "ftp_server.ts" },
  mayChange: /^ftp_root(\/|$)/,
};
const FTP_SIZE_CHECK = {
  program: "ftp_server.ts",
  from: "return /^\\d{1,15}$/.test(text) ? Number(text) : null;",
  to: "return Number(text);",
  shows: "raw peer expected",
};

/** One refusal on the FTP control connection, then `ls` on the same connection. */
function ftpRefusal(
  id: string,
  fault: string,
  send: string | Uint8Array,
  refusal: string,
  mutation: NonNullable<ConformanceCase["mutations"]>[number],
): ConformanceCase {
  return {
    id: `ftp-${id}`,
    title: `${fault}: one error line, then ls on the same connection`,
    files: [HI],
    server: FTP_SERVER,
    clients: [{
      role: "raw",
      raw: [{ recv: FTP_WELCOME }, { send }, { recv: `error: ${refusal}\n` }, ...FTP_LS],
    }],
    expectFiles: [HI],
    mutations: [mutation],
    reliability: { fault, outcome: `one-line refusal "error: ${refusal}"; ${KEPT}` },
  };
}

const sizeRefusal = (size: string) =>
  `the size must be a whole number of bytes (at most 15 digits), not ${JSON.stringify(size)}`;

ftp.cases.push(
  ftpRefusal("size-non-numeric", "size: non-numeric", "put a.bin abc\n", sizeRefusal("abc"), {
    ...FTP_SIZE_CHECK,
  }),
  ftpRefusal("size-negative", "size: negative", "put a.bin -1\n", sizeRefusal("-1"), {
    ...FTP_SIZE_CHECK,
  }),
  ftpRefusal(
    "size-2p63",
    "size: 2^63",
    "put a.bin 9223372036854775808\n",
    sizeRefusal("9223372036854775808"),
    { ...FTP_SIZE_CHECK },
  ),
  ftpRefusal("size-empty", "size: empty", "put a.bin \n", sizeRefusal(""), {
    ...FTP_SIZE_CHECK,
  }),
  ftpRefusal(
    "invalid-utf8",
    "invalid UTF-8",
    Uint8Array.of(...new TextEncoder().encode("get "), 0xff, 0xfe, 0x0a),
    "the command is not valid UTF-8",
    {
      program: "ftp_server.ts",
      from: `if (line.includes("\\uFFFD")) throw`,
      to: `if (line.includes("\\u0000\\u0000")) throw`,
      shows: "raw peer expected",
    },
  ),
  ftpRefusal(
    "unknown-command",
    "unknown command",
    "dance\n",
    `unknown command "dance"; commands: get NAME, put NAME SIZE, ls, quit`,
    {
      // An unknown command taken for ls.
      program: "ftp_server.ts",
      from: `} else if (line === "ls") {`,
      to: `} else if (line !== "") {`,
      shows: "raw peer expected",
    },
  ),
  {
    id: "ftp-oversize",
    title: "a command line over 8192 bytes: error: line too long, the connection ends; next served",
    files: [HI],
    server: FTP_SERVER,
    clients: [
      {
        role: "oversize",
        raw: [
          { recv: FTP_WELCOME },
          // Exactly the buffer: the server has read all of it when it refuses.
          { send: repeat("x", 8192) },
          { recv: "error: line too long\n" },
          { awaitClose: true },
        ],
      },
      { role: "next", raw: [{ recv: FTP_WELCOME }, ...FTP_LS] },
    ],
    expectFiles: [HI],
    mutations: [{
      program: "ftp_server.ts",
      from: "await session.writeLine(`error: ${message}`).catch(() => {});",
      to: "",
      shows: "raw peer expected",
    }],
    reliability: {
      fault: "oversize message (> 8192 bytes)",
      outcome: `one-line refusal "error: line too long", connection closed; ${NEXT}`,
    },
  },
  {
    id: "ftp-disconnects",
    title: "clients vanishing at every byte of ls, get and put: nothing saved, next served",
    files: [HI],
    server: FTP_SERVER,
    clients: [
      ...vanishingTagged((tag) => [
        { recv: FTP_WELCOME },
        ...FTP_LS,
        { send: "get hi.txt\n" },
        { recv: "6\n" },
        { send: "ready to recv file 0\n" },
        { recv: `hello\n${HI_MD5}\n` },
        // The upload last: every cut leaves it unfinished, so it must never appear.
        { send: `put v${tag}.txt 5\n` },
        { recv: "0\n" },
        { send: "hello" },
        { send: `${HELLO_MD5}\n` },
      ]),
      { role: "next", raw: [{ recv: FTP_WELCOME }, ...FTP_LS] },
    ],
    expectFiles: [
      HI,
      ...Array.from({ length: 88 }, (_, i) => ({
        at: "server",
        path: `ftp_root/v${String(i).padStart(3, "0")}.txt`,
        absent: true as const,
      })),
    ],
    mutations: [{
      // An interrupted upload saved under its name.
      program: "ftp_server.ts",
      from: "if (claimed === null) {",
      to: "if (claimed === null) {\n      await Deno.rename(partial, join(root, name));",
      // The next client's ls lists the saved file.
      shows: 'raw peer expected "9\\n6\\thi.txt\\n"',
    }],
    reliability: {
      fault: "disconnect at every step",
      outcome: `connection let go, an unfinished upload kept only under .ftp-partial/; ${NEXT}`,
    },
  },
  {
    id: "ftp-idle",
    title: "a client silent past --idle-timeout is let go with one line on stderr; next served",
    files: [HI],
    server: {
      ...FTP_SERVER,
      peer: { program: "ftp_server.ts", args: ["--idle-timeout", "1"] },
      stderr: /idle for 1 s: closed/,
    },
    clients: [
      { role: "idle", raw: [{ recv: FTP_WELCOME }, { awaitClose: true }] },
      { role: "next", raw: [{ recv: FTP_WELCOME }, ...FTP_LS] },
    ],
    mutations: [{
      program: "ftp_server.ts",
      from: "closeWhenIdle(conn, idleSeconds, client);",
      to: "",
      shows: "the server never closed the connection",
    }],
    reliability: {
      fault: "idle client",
      outcome: `closed after --idle-timeout (default 300 s), one line on stderr; ${NEXT}`,
    },
  },
  {
    id: "ftp-1000-connections",
    title: "1,000 clients connected at once, each welcomed; one more is served in full",
    files: [HI],
    server: { ...FTP_SERVER, golden: false },
    clients: [
      { role: "crowd", raw: [{ recv: FTP_WELCOME }, { leaveOpen: true }], copies: 1000 },
      { role: "next", raw: [{ recv: FTP_WELCOME }, ...FTP_LS] },
    ],
    timeoutMs: 60_000,
    mutations: [{
      // A server that turns clients away beyond 500 at once.
      program: "ftp_server.ts",
      from: "for await (const conn of listener) serveClient(conn, root, idleSeconds);",
      to:
        "let open = 0;\n  for await (const conn of listener) if (++open > 500) conn.close();\n  " +
        "else serveClient(conn, root, idleSeconds);",
      shows: "raw peer expected",
    }],
    reliability: {
      fault: "1,000 concurrent connections",
      outcome: `all 1,000 welcomed and held; ${NEXT} while they stay open`,
    },
  },
  ...(["SIGINT", "SIGTERM"] as const).map((signal): ConformanceCase => ({
    id: `ftp-${signal.toLowerCase()}`,
    title: `${signal} in the middle of an upload: exit 0, nothing under the file's name`,
    files: [HI],
    server: { ...FTP_SERVER, exitsByItself: true },
    clients: [{
      role: "uploader",
      raw: [
        { recv: FTP_WELCOME },
        { send: "put big.bin 100000\n" },
        // The partial file exists once the offset is answered.
        { recv: "0\n" },
        { send: repeat("x", 1000) },
        { signalServer: signal },
        { awaitClose: true },
      ],
    }],
    expectFiles: [HI, { at: "server", path: "ftp_root/big.bin", absent: true }],
    mutations: [{
      // No handler: the signal kills the process.
      program: "ftp_server.ts",
      from: "onShutdown(() => {",
      to: "(() => {",
      shows: "server exited with",
    }],
    reliability: {
      fault: `${signal} mid-transfer`,
      outcome: "listener closed, exit 0; the upload stays under .ftp-partial/ for resuming, " +
        "never under its name",
    },
  })),
  {
    id: "ftp-runtime-refusal",
    title: "with the jail check taken out, --allow-read/--allow-write still refuse; one line each",
    files: [
      HI,
      { at: "server", path: "secret.txt", content: { text: "outside the root\n" } },
      { at: "server", path: "ftp_root/link.txt", symlinkTo: "../secret.txt" },
    ],
    server: FTP_SERVER,
    // The server's own checks gone: only the runtime's permissions stand between.
    patches: [
      {
        program: "ftp_server.ts",
        from: "function nameProblem(name: string): string | null {",
        to: "function nameProblem(name: string): string | null {\n  if (name) return null;",
      },
      {
        program: "ftp_server.ts",
        from: "function isInside(root: string, path: string): boolean {",
        to: "function isInside(root: string, path: string): boolean {\n  if (root) return true;",
      },
    ],
    clients: [{
      role: "raw",
      raw: [
        { recv: FTP_WELCOME },
        { send: "get ../secret.txt\n" },
        { expect: /^error: cannot read \.\.\/secret\.txt: Requires read access to .*\n$/ },
        { send: "put ../x.txt 5\n" },
        { expect: /^error: Requires read access to .*\n$/ },
        // realPath may name the link's target; opening that target is what the runtime refuses.
        { send: "get link.txt\n" },
        { expect: /^error: Requires read access to .*secret\.txt.*\n$/ },
        ...FTP_LS,
      ],
    }],
    expectFiles: [
      HI,
      { at: "server", path: "secret.txt", content: { text: "outside the root\n" } },
      { at: "server", path: "x.txt", absent: true },
    ],
    masks: [{ pattern: /"\/[^"]*\/server(?=[\/"])/g, placeholder: '"<FOLDER>' }],
    mutations: [{
      // A runtime refusal that ends the conversation instead of being answered.
      program: "ftp_server.ts",
      from: "// A refusal is one line to the client; the conversation goes on.",
      to: "if (error instanceof Deno.errors.NotCapable) throw error;",
      shows: "raw peer expected",
    }],
    reliability: {
      fault: "permission refused by the runtime",
      outcome: `one-line refusal "error: … Requires read access to …" (also for a link out, ` +
        `since the server opens the link's real path); ${KEPT}`,
    },
  },
);

// --- msg_file_server.ts: framed messages and files ---

/** A frame: 4-byte little-endian length, then the bytes (text as UTF-8). */
function frame(data: string | Uint8Array): Uint8Array {
  const body = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length, true);
  out.set(body, 4);
  return out;
}

/** A frame header alone, saying `length`. */
function lengthOnly(length: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, length, true);
  return out;
}

const MSG = `{"msg_type": "msg"}`;
const fileOf = (name: string) => JSON.stringify({ msg_type: "file", file_name: name });
const MSG_FILE_SERVER: ServerRole = {
  peer: { program: "msg_file_server.ts" },
  mayChange: /^file(\/|$)/,
};
/** A whole conversation after the fault: a message, then close. */
const MSG_NEXT: RawStep[] = [
  { send: frame(MSG) },
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

msgFile.cases.push(
  msgFileEnds("size-negative", "size: negative", [lengthOnly(-1)], {
    program: "msg_file_server.ts",
    from: "if (length < 0) throw new Error(`a frame cannot be ${length} bytes long`);",
    to: "if (length < 0) return null;",
    shows: "-127.0.0.1:<PORT>: a frame cannot be -1 bytes long",
  }, "a frame cannot be -1 bytes long"),
  msgFileEnds(
    "size-2p63",
    "size: 2^63",
    // 2^63 does not fit a 4-byte length: the largest it can say is 2^31 - 1.
    [lengthOnly(0x7fffffff)],
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
    [frame(MSG), lengthOnly(65)],
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
      raw: [{ send: frame(MSG) }, { send: frame(Uint8Array.of(0xff, 0xfe)) }, ...MSG_NEXT],
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
      from: `console.log("格式错误，请验证后输入");`,
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
  idleCase("msg_file-idle", MSG_FILE_SERVER, [], msgNext),
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
    "serveClient(conn, flags.dir, maxFrame, idleSeconds);",
    `all 1,000 held; ${NEXT} (a file saved) while they stay open`,
    { expectFiles: [{ at: "server", path: "file/after.txt", content: { text: "hello" } }] },
  ),
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
            { send: lengthOnly(100_000) },
            { send: repeat("x", 1000) },
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
    title: "with the name check taken out, --allow-write refuses; one line, the next frame is read",
    files: [{ at: "server", path: "file/.keep", content: { text: "" } }],
    server: MSG_FILE_SERVER,
    patches: [{
      program: "msg_file_server.ts",
      from: `const problem = nameProblem(name) ??
          (name.includes("/") ? "it is a path, not a file name" : null);`,
      to: "const problem = null;",
    }],
    clients: [{
      role: "raw",
      raw: [{ send: frame(fileOf("../escape.png")) }, { send: frame("stolen") }, ...MSG_NEXT],
    }],
    expectFiles: [{ at: "server", path: "escape.png", absent: true }],
    masks: [PART_MASK],
    mutations: [{
      // The refusal ends the conversation instead: the next message is never read.
      program: "msg_file_server.ts",
      from: "temporary = null;\n    }",
      to: "throw error;\n    }",
      shows: "-接收到消息:still here",
    }],
    reliability: {
      fault: "permission refused by the runtime",
      outcome:
        `one-line log "cannot save …: Requires write access to …; its data is dropped"; ${KEPT}`,
    },
  },
);

// A case whose server folder holds no input would see that folder appear as a change: give
// each file-writing case's server folder something to start from.
for (
  const lesson of [ftp, ftpUpload, ftpDownload, msgFile, uploadProgress, notebook, loginLesson]
) {
  for (const each of lesson.cases) {
    if (!each.server?.mayChange || each.files?.some((file) => file.at === "server")) continue;
    each.files = [...each.files ?? [], { at: "server", path: ".", folder: true }];
  }
}
