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
import { noSignalHandler, vanishingAtEveryPoint } from "./_helpers.ts";
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
    mutations: [noSignalHandler(program)],
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
  idleCase("ftp-idle", FTP_SERVER, [{ recv: FTP_WELCOME }], {
    role: "next",
    raw: [{ recv: FTP_WELCOME }, ...FTP_LS],
  }, { files: [HI] }),
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
    mutations: [noSignalHandler("ftp_server.ts")],
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

// --- upload_progress_server.ts: NAME-SIZE, then the file to the end of the stream ---

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

uploadProgress.cases.push(
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
    title: "64 KiB without a NAME-SIZE header: one line, the connection ends; next served",
    server: UP_SERVER,
    clients: [
      { role: "bad", raw: [{ send: repeat("a", 64 * 1024) }, { awaitClose: true }] },
      upNext,
    ],
    expectFiles: [UP_SAVED],
    mutations: [{
      program: "upload_progress_server.ts",
      from: `throw new Error("no NAME-SIZE header found");`,
      to: "{ filled = 0; }",
      shows: "the server never closed the connection",
    }],
    reliability: {
      fault: "oversize message (> 64 KiB header)",
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
  idleCase("upload_progress-idle", UP_SERVER, [], upNext, { expectFiles: [UP_SAVED] }),
  crowdCase(
    "upload_progress-1000-connections",
    UP_SERVER,
    [],
    upNext,
    "serveUpload(conn, flags.dir, idleSeconds);",
    `all 1,000 held; ${NEXT} (its file saved) while they stay open`,
    { expectFiles: [UP_SAVED] },
  ),
  ...signalCases(
    "upload_progress",
    { ...UP_SERVER, mayChange: /^file$/ },
    "an upload",
    (signal) => ({
      clients: [
        {
          role: "uploader",
          // Exactly one progress step: how many more would show before the signal is timing.
          raw: [{ send: "big.bin-100000" }, { send: repeat("x", 1024) }, { leaveOpen: true }],
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
    patches: [{
      program: "upload_progress_server.ts",
      from: `const problem = nameProblem(name) ??
      (name.includes("/") ? "it is a path, not a file name" : null);`,
      to: "const problem = null;",
    }],
    clients: [{ role: "bad", raw: [{ send: "../escape.txt-6stolen" }, { vanish: true }] }, upNext],
    expectFiles: [{ at: "server", path: "escape.txt", absent: true }, UP_SAVED],
    masks: [PART_MASK],
    mutations: [{
      // The runtime's refusal left to crash the server.
      program: "upload_progress_server.ts",
      from: "if (!(error instanceof Deno.errors.Interrupted)) {",
      to: "if (error instanceof Deno.errors.NotCapable) Deno.exit(3);\n    {",
      shows: "",
    }],
    reliability: {
      fault: "permission refused by the runtime",
      outcome: `one-line log "Requires write access to …", connection closed; ${NEXT}`,
    },
  },
);

// --- ftp_upload_server.ts: size, ack, data, MD5 into one fixed file ---

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

ftpUpload.cases.push(
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
    "serveUpload(conn, flags.out, idleSeconds);",
    `all 1,000 welcomed and held; ${NEXT} (its file saved) while they stay open`,
    { expectFiles: [UPLOAD_SAVED] },
  ),
  ...signalCases("ftp_upload", UPLOAD_SERVER, "an upload", (signal) => ({
    clients: [{
      role: "uploader",
      raw: [
        { recv: UPLOAD_WELCOME },
        { send: "100000" },
        { recv: UPLOAD_ACK },
        { send: repeat("x", 1000) },
        { signalServer: signal },
        { awaitClose: true },
      ],
    }],
    expectFiles: [{ at: "server", path: "new.png", absent: true }],
  }), "listener closed, exit 0; the temporary file removed, nothing under new.png"),
);

// --- ftp_download_server.ts: get NAME, size, ack, data, MD5 ---

const DL_SERVER: ServerRole = { peer: { program: "ftp_download_server.ts" } };
const DL_HI = { at: "server", path: "hi.txt", content: { text: "hello\n" } } as const;
/** A whole download of hi.txt. */
const DL_GET: RawStep[] = [
  { send: "get hi.txt" },
  { recv: "6" },
  { send: "ready to recv file" },
  { recv: `hello\n${HI_MD5}` },
];

/** One command answered with one error text, then a get on the same connection. */
function dlRefusal(
  id: string,
  fault: string,
  exchanges: [string | Uint8Array, string][],
  mutation: CaseMutation,
  outcome: string,
): ConformanceCase {
  return {
    id: `ftp_download-${id}`,
    title: `${fault}: answered with one error text; get works after on the same connection`,
    files: [DL_HI],
    server: DL_SERVER,
    clients: [{
      role: "raw",
      raw: [...exchanges.flatMap(([send, recv]) => [{ send }, { recv }]), ...DL_GET],
    }],
    mutations: [mutation],
    reliability: { fault, outcome: `${outcome}; ${KEPT}` },
  };
}

ftpDownload.cases.push(
  dlRefusal(
    "unknown-command",
    "unknown command",
    [["dance hi.txt", "error: usage: get NAME"]],
    {
      program: "ftp_download_server.ts",
      from: `if (words.length !== 2 || words[0] !== "get") {`,
      to: "if (words.length !== 2) {",
      shows: "raw peer expected",
    },
    `one-line answer "error: usage: get NAME"`,
  ),
  dlRefusal(
    "traversal",
    "traversal: a/../../b, ..\\x, NUL",
    [
      ["get a/../../b", `error: refused "a/../../b": it contains ..`],
      ["get ..\\x", `error: refused "..\\\\x": it contains a backslash`],
      ["get a\u0000b", `error: refused "a\\u0000b": it contains control characters`],
    ],
    {
      program: "ftp_download_server.ts",
      from: "if (problem) throw new Error(`refused ${JSON.stringify(name)}: ${problem}`);",
      to: "",
      shows: "raw peer expected",
    },
    `one-line answer "error: refused …"`,
  ),
  dlRefusal(
    "invalid-utf8",
    "invalid UTF-8",
    [[
      Uint8Array.of(...new TextEncoder().encode("get "), 0xff, 0xfe),
      "error: no such file: \uFFFD\uFFFD",
    ]],
    {
      program: "ftp_download_server.ts",
      from: "if (error instanceof Deno.errors.NotFound) throw new Error(`no such file: ${name}`);",
      to: "",
      shows: "raw peer expected",
    },
    `one-line answer "error: no such file: ��" (the bytes read as U+FFFD)`,
  ),
  {
    id: "ftp_download-oversize",
    title: "a 3000-byte command: read in 1024-byte pieces, each answered; the server goes on",
    files: [DL_HI],
    server: { ...DL_SERVER, golden: false },
    clients: [
      {
        role: "oversize",
        raw: [{ send: `get ${repeat("a", 2996)}` }, { expect: /^error: / }, { vanish: true }],
      },
      { role: "next", raw: DL_GET },
    ],
    mutations: [{
      program: "ftp_download_server.ts",
      // A server that drops a client whose name is long.
      from: "console.log(filename);",
      to: `if (filename.length > 1000) throw new Error("too long");`,
      shows: "raw peer expected",
    }],
    reliability: {
      fault: "oversize message (> 1024 bytes, one recv)",
      outcome: `read in pieces as the seed's recv(1024), each answered "error: …"; ${NEXT}`,
    },
  },
  {
    id: "ftp_download-disconnects",
    title: "clients vanishing at every byte of get and ack; the next download is served",
    files: [DL_HI],
    server: DL_SERVER,
    clients: [...vanishingAtEveryPoint(DL_GET), { role: "next", raw: DL_GET }],
    mutations: [{
      program: "ftp_download_server.ts",
      // A server that dies when a client leaves.
      from: `if (data === null) {\n        console.log("客户端已经断开");`,
      to: "if (data === null) {\n        Deno.exit(1);",
      shows: "",
    }],
    reliability: {
      fault: "disconnect at every step",
      outcome: `connection let go (客户端已经断开); ${NEXT}`,
    },
  },
  idleCase("ftp_download-idle", DL_SERVER, [], { role: "next", raw: DL_GET }, { files: [DL_HI] }),
  crowdCase(
    "ftp_download-1000-connections",
    DL_SERVER,
    [{ send: "get hi.txt" }, { recv: "6" }],
    { role: "next", raw: DL_GET },
    "serveClient(conn, root, idleSeconds);",
    `all 1,000 answered and held mid-download; ${NEXT} while they stay open`,
    { files: [DL_HI] },
  ),
  ...signalCases("ftp_download", DL_SERVER, "a download", (signal) => ({
    // More than the socket buffers between the server and a downloader that reads nothing
    // can hold (4 MiB could all be sent, and the MD5 printed, before the signal arrived).
    files: [{ at: "server", path: "big.bin", content: { generated: 32 << 20 } }],
    clients: [{
      role: "downloader",
      raw: [
        { send: "get big.bin" },
        { recv: String(32 << 20) },
        { send: "ready to recv file" },
        { signalServer: signal },
        { awaitClose: true },
      ],
    }],
  }), "listener closed, exit 0 (it writes no files)"),
  {
    id: "ftp_download-runtime-refusal",
    title: "with the jail check taken out, --allow-read refuses; one answer; get works after",
    files: [DL_HI, { at: "other", path: "secret.txt", content: { text: "outside\n" } }],
    server: DL_SERVER,
    patches: [
      {
        program: "ftp_download_server.ts",
        from: "function nameProblem(name: string): string | null {",
        to: "function nameProblem(name: string): string | null {\n  if (name) return null;",
      },
      {
        program: "ftp_download_server.ts",
        from: "function isInside(root: string, path: string): boolean {",
        to: "function isInside(root: string, path: string): boolean {\n  if (root) return true;",
      },
    ],
    clients: [{
      role: "raw",
      raw: [
        { send: "get ../other/secret.txt" },
        { expect: /^error: cannot read \.\.\/other\/secret\.txt: Requires read access to .*flag$/ },
        ...DL_GET,
      ],
    }],
    masks: [{ pattern: /"\/[^"]*\/other(?=[\/"])/g, placeholder: '"<FOLDER>' }],
    mutations: [{
      program: "ftp_download_server.ts",
      from: "throw new Error(`cannot read ${name}: ${(error as Error).message}`);",
      to: "throw error;",
      shows: "raw peer expected",
    }],
    reliability: {
      fault: "permission refused by the runtime",
      outcome: `one-line answer "error: cannot read …: Requires read access to …"; ${KEPT}`,
    },
  },
);

// --- notebook_server.ts: each read is a note, echoed and appended ---

const STAMP = String.raw`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d`;
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

notebook.cases.push(
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
      raw: [{ send: repeat("a", 3000) }, { recv: repeat("a", 3000) }, ...NB_NEXT],
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
    "serveClient(conn, flags.notebook, idleSeconds);",
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
  ...signalCases("notebook", NB_SERVER, "a conversation", (signal) => ({
    files: [NOTEBOOK],
    clients: [{
      role: "raw",
      raw: [{ send: "note" }, { recv: "note" }, { signalServer: signal }, { awaitClose: true }],
    }],
    expectFiles: [{ at: "server", path: "notebook.txt", matches: new RegExp(`^${STAMP} note\n$`) }],
  }), "listener closed, exit 0; every note saved before it stays (the file is only appended to)"),
);

// --- login_server.ts: welcome, a JSON request, a verdict ---

const LOGIN_WELCOME = "欢迎使用XX系统";
const LOGIN_FAIL = "账号或密码错误";
const LOGIN_USERS = { at: "server", path: "user", content: { fixture: "files/user" } } as const;
const LOGIN_SERVER: ServerRole = {
  peer: { program: "login_server.ts", args: ["--fail-delay", "0"] },
  mayChange: /^$/,
};
const ALICE = `{"username": "alice", "password": "362b44f2b38b3159826c187fcbc44943"}`;
const LOGIN_NEXT: ClientRole = {
  role: "next",
  raw: [{ recv: LOGIN_WELCOME }, { send: ALICE }, { recv: "登陆成功" }],
};

/** Requests that each get 账号或密码错误 at once; alice logs in after them. */
function loginRefusal(
  id: string,
  fault: string,
  requests: (string | Uint8Array)[],
  mutation: CaseMutation,
  why: string,
): ConformanceCase {
  return {
    id: `login-${id}`,
    title: `${fault}: ${LOGIN_FAIL} at once, one log line; the next login works`,
    files: [LOGIN_USERS],
    server: LOGIN_SERVER,
    clients: [
      ...requests.map((send, i): ClientRole => ({
        role: `bad-${i}`,
        raw: [{ recv: LOGIN_WELCOME }, { send }, { recv: LOGIN_FAIL }],
      })),
      LOGIN_NEXT,
    ],
    mutations: [mutation],
    reliability: { fault, outcome: `answered "${LOGIN_FAIL}" at once, ${why}; ${NEXT}` },
  };
}

loginLesson.cases.push(
  loginRefusal("invalid-json", "invalid JSON", ["{nope}", "nope"], {
    // The old way: wait for JSON that can never come.
    program: "login_server.ts",
    from: "if (end < 0) continue;",
    to: "if (end < 0 || end > 0) continue;",
    shows: "raw peer expected",
  }, `one log line "the request is not valid JSON"`),
  loginRefusal(
    "wrong-shape",
    "JSON of the wrong shape",
    ["null", "[1, 2]", `{"username": 5, "password": "x"}`],
    {
      program: "login_server.ts",
      from: "(info ?? {}) as",
      to: "info as",
      shows: "raw peer expected",
    },
    "one log line per attempt",
  ),
  loginRefusal("oversize", "oversize message (> 64 KiB)", [repeat("[", 64 * 1024)], {
    program: "login_server.ts",
    from: "const MAX_REQUEST = 64 * 1024;",
    to: "const MAX_REQUEST = 1024 * 1024;",
    shows: "raw peer expected",
  }, `one log line "no complete JSON within 65536 bytes"`),
  idleCase("login-idle", LOGIN_SERVER, [{ recv: LOGIN_WELCOME }], LOGIN_NEXT, {
    files: [LOGIN_USERS],
  }),
  crowdCase(
    "login-1000-connections",
    LOGIN_SERVER,
    [{ recv: LOGIN_WELCOME }],
    LOGIN_NEXT,
    "serveClient(conn, flags.users, failDelay, idleSeconds);",
    `all 1,000 welcomed and held; ${NEXT} while they stay open`,
    { files: [LOGIN_USERS] },
  ),
  ...signalCases("login", LOGIN_SERVER, "a login", (signal) => ({
    files: [LOGIN_USERS],
    clients: [{
      role: "raw",
      raw: [
        { recv: LOGIN_WELCOME },
        { send: `{"username": "ali` },
        { signalServer: signal },
        { awaitClose: true },
      ],
    }],
  }), "listener closed, exit 0 (it writes no files)"),
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
