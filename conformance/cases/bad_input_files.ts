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

import type { ClientRole, ConformanceCase, Lesson, ServerRole } from "../harness/case.ts";
import type { Mask } from "../harness/mask.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { vanishingAtEveryPoint } from "./_helpers.ts";
import { ftp } from "./ftp.ts";

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
      // One client at a time: the crowd's first holds everyone else.
      program: "ftp_server.ts",
      from: "for await (const conn of listener) serveClient(conn, root, idleSeconds);",
      to: "for await (const conn of listener) await serveClient(conn, root, idleSeconds);",
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
