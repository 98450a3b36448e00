/**
 * The FTP tool (`ftp_server.ts` + `ftp_client.ts`): every size both ways with byte counts and
 * MD5s checked independently, the interactive session, the jail, interrupted and resumed
 * transfers in both directions, concurrency with a stalled client, the bad-input rows (sizes,
 * commands, disconnects, idle, a crowd, signals, the runtime's own refusals), the hardening of
 * issue #20 (stalled transfers and memory, trickling peers, unfinished uploads, the jail under
 * a swapped folder, error replies without paths, escaped names) and IPv6; then the server's
 * standard FTP port with curl, ftplib and lftp (`ftp_standard.ts`).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { ONE_AT_A_TIME } from "./_concurrent.ts";
import type {
  ConformanceCase,
  FileCheck,
  InputFile,
  Lesson,
  ProcessClient,
  ServerRole,
} from "../harness/case.ts";
import type { ByteCounts } from "../harness/chunk_log.ts";
import type { Step } from "../harness/expect.ts";
import type { FileContent } from "../harness/files.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import type { Mutation } from "../harness/standalone.ts";
import { type CaseMutation, KEPT, NEXT } from "./_bad_input.ts";
import { ftpStandard } from "./ftp_standard.ts";
import { diskFullAfterFirstMiB, noSignalHandler, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { idleCase, limitCases, withServerFolder } from "./_rows.ts";
import { vanishingTagged } from "./_vanishing.ts";
import { hostileServer, TERMINAL_INJECTION } from "./_escaped.ts";

const F_PNG: FileContent = { fixture: "files/f.png" }; // 1795 bytes
const F_PNG_MD5 = "8538a2876ec718b52850d4abfa89b651";
const WELCOME_LINE = utf8("欢迎登陆FTP系统\n");
const MD5_LINE = 33;
const QUIT_LINE = utf8("quit\n");
const PUT_REPLY_LINE = utf8(`file MD5(after send):${F_PNG_MD5}\n`);
const PROMPT = ">>:";
const MiB = 1 << 20;

/**
 * Where the server keeps an unfinished upload of `name` with `size` bytes: 16 hex digits of the
 * SHA-256 of the size and name, in its partials folder.
 */
function partialOf(name: string, size: number): string {
  const hash = createHash("sha256").update(`${size}\n${name}`).digest("hex").slice(0, 16);
  return `ftp_root/.ftp-partial/${hash}`;
}

/** Wire bytes of `ftp_client.ts put NAME` for a file of `size`, resuming at `offset`. */
function putBytes(name: string, size: number, offset = 0): ByteCounts {
  return {
    c2s: utf8(`put ${name} ${size}\n`) + (size - offset) + MD5_LINE + QUIT_LINE,
    s2c: WELCOME_LINE + utf8(`${offset}\n`) + PUT_REPLY_LINE,
  };
}

/** Wire bytes of `ftp_client.ts get NAME` for a file of `size`, resuming at `offset`. */
function getBytes(name: string, size: number, offset = 0): ByteCounts {
  return {
    c2s: utf8(`get ${name}\n`) + utf8(`ready to recv file ${offset}\n`) + QUIT_LINE,
    s2c: WELCOME_LINE + utf8(`${size}\n`) + (size - offset) + MD5_LINE,
  };
}

const client = (role: string, ...args: string[]): ProcessClient => ({
  role,
  peer: { program: "ftp_client.ts", args },
});

/** `get data.bin` that fails (exit 1) with stderr matching `stderr`; no golden of its own. */
const failedGet = (stderr: RegExp): ProcessClient => ({
  ...client("client", "get", "data.bin"),
  golden: false,
  exitCode: 1,
  stderr,
});

/** Upload `name` from one client, download it with another; check bytes and both copies. */
function roundTrip(id: string, title: string, name: string, content: FileContent, size: number) {
  const testCase: ConformanceCase = {
    id,
    title,
    files: [{ at: "uploader", path: name, content }],
    server: { peer: { program: "ftp_server.ts" }, golden: false },
    clients: [client("uploader", "put", name), client("downloader", "get", name)],
    connectionBytes: [putBytes(name, size), getBytes(name, size)],
    expectFiles: [
      { at: "server", path: `ftp_root/${name}`, content },
      { at: "downloader", path: name, content },
      { at: "downloader", path: `${name}.ftp-part`, absent: true },
    ],
    mutations: [{
      program: "ftp_client.ts",
      from: "await Deno.rename(partial, out);",
      to: "",
      shows: `downloader: ${name} is missing`,
    }],
  };
  if (size > 0) {
    // The server hashes what it received but stores one byte less: only an independent
    // check of the stored file can tell.
    testCase.mutations!.push({
      program: "ftp_server.ts",
      from: "writing = writeAll(file, piece);",
      to: "writing = writeAll(file, piece.subarray(1));",
      shows: `server: ftp_root/${name}: `,
    });
  }
  return testCase;
}

const typed = (line: string): Step => ({ wait: PROMPT, type: line });

/** The first MiB of an earlier upload of the 3 MiB data.bin, kept by the server to resume. */
const EARLIER_FIRST_MIB: InputFile = {
  at: "server",
  path: partialOf("data.bin", 3 * MiB),
  content: { generatedPrefix: [3 * MiB, MiB] },
};

/** Patches `ftp_server.ts` so that its disk "has" 1,000,000 bytes free. */
const MILLION_BYTES_FREE: Mutation = {
  program: "ftp_server.ts",
  from: "const { bavail, bsize } = statfsSync(folder);",
  to: "const { bavail, bsize } = { bavail: 1000, bsize: 1000 };",
};

/** `ftp_server.ts` allowed to ask for the disk's free space (`--allow-sys`, as `-A` grants). */
const ASKS_FOR_SPACE: ServerRole = {
  peer: { program: "ftp_server.ts", extraFlags: ["--allow-sys"] },
  golden: false,
};

/** `path` at `at` holds the first MiB of the generated 3 MiB file (a partial kept to resume). */
const firstMiBKept = (at: string, path: string): FileCheck => ({
  at,
  path,
  content: { generatedPrefix: [3 * MiB, MiB] },
  partial: true,
});

// --- Bad input (docs/RELIABILITY.md) ---

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
  mutation: CaseMutation,
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

/** What the interactive session types. */
const MAIN_DIALOGUE = [
  typed(`put "f.png" "备份 f.png"`),
  typed("ls"),
  typed("get 备份 f.png"),
  typed("quit"),
];

/** The interactive session: put under a Chinese name with a space, ls, get, quit. */
const main: ConformanceCase = {
  id: "ftp",
  title: "interactive: put under a Chinese name with a space, ls, get, quit",
  files: [{ at: "client", path: "f.png", content: F_PNG }],
  server: { peer: { program: "ftp_server.ts" } },
  clients: [{
    peer: { program: "ftp_client.ts" },
    dialogue: MAIN_DIALOGUE,
  }],
  bytes: {
    c2s: utf8("put 备份 f.png 1795\n") + 1795 + MD5_LINE + utf8("ls\n") +
      utf8("get 备份 f.png\n") + utf8("ready to recv file 0\n") + QUIT_LINE,
    s2c: WELCOME_LINE + utf8("0\n") + PUT_REPLY_LINE +
      utf8(`${utf8("1795\t备份 f.png\n")}\n`) + utf8("1795\t备份 f.png\n") +
      utf8("1795\n") + 1795 + MD5_LINE,
  },
  expectFiles: [
    { at: "server", path: "ftp_root/备份 f.png", content: F_PNG },
    { at: "client", path: "备份 f.png", content: F_PNG },
  ],
  mutations: [
    {
      program: "ftp_server.ts",
      from: `const WELCOME = "欢迎登陆FTP系统";`,
      to: `const WELCOME = "欢迎登录FTP系统";`,
      shows: `not an FTP server: it said "欢迎登录FTP系统"`,
    },
    {
      program: "ftp_client.ts",
      from: "printable(bytes).padStart(12)",
      to: "printable(bytes).padStart(10)",
      shows: "+      1795  备份 f.png",
    },
  ],
};

/**
 * The interactive session again, both sides allowed ffi: MD5 by OpenSSL through `Deno.dlopen`
 * instead of `node:crypto`, the same digests and the same terminals.
 */
const withOpenSsl: ConformanceCase = {
  ...main,
  id: "ftp-openssl-md5",
  title: "the interactive session with ffi allowed: OpenSSL's MD5, the same digests and terminals",
  server: { peer: { program: "ftp_server.ts", extraFlags: ["--allow-ffi"] }, golden: "ftp.server" },
  clients: [{
    peer: { program: "ftp_client.ts", extraFlags: ["--allow-ffi"] },
    dialogue: MAIN_DIALOGUE,
    golden: "ftp.client",
  }],
  mutations: ["ftp_server.ts", "ftp_client.ts"].map((program) => ({
    program,
    from: "openssl.EVP_DigestUpdate(context, data, BigInt(data.length));",
    to: "openssl.EVP_DigestUpdate(context, data, BigInt(data.length >> 1));",
    shows: "MD5 mismatch",
  })),
};

// --- Hardening (issue #20): memory, slow peers, the jail under races, what is shown ---

const MiB64 = 64 << 20;
const BIG = { at: "server", path: "ftp_root/big.bin", content: { generated: MiB64 } } as const;
/**
 * 5,000 empty files at the end of a 14-folder path of 3.5 KB: an `ls` line each, 17.6 MB in
 * all, over the 16 MiB an `ls` may build.
 */
const LONG_PATHS = Array.from({ length: 5000 }, (_, index) => ({
  at: "server",
  path: `ftp_root/${
    Array.from({ length: 14 }, (_, level) => `${level}`.padEnd(250, "f")).join("/")
  }/${index}`,
  content: { text: "" },
} as const));
/** `get big.bin` and its ack in one write: a download the client never reads. */
const STALLED_GET: RawStep[] = [
  { recv: FTP_WELCOME },
  { send: "get big.bin\nready to recv file 0\n" },
  { recv: `${MiB64}\n` },
];
/** `ftp_server.ts` with these flags. */
const ftpServer = (...args: string[]): ServerRole => ({
  ...FTP_SERVER,
  peer: { program: "ftp_server.ts", args },
});
/** Why a folder in a folder others may write to is not gone through. */
const SWAPPABLE = (folder: string) =>
  `${folder} is in a folder others may write to, where it could be swapped for a link`;
/** The refusal of a name in the partials folder. */
const OWN_FOLDER = (name: string) =>
  `error: refused ${JSON.stringify(name)}: that folder is the server's own\n`;
/** A name of 60 Chinese characters: 180 bytes of UTF-8, 540 once percent-escaped. */
const LONG_CHINESE = "中文文件名".repeat(12);
/** Both ways under {@linkcode LONG_CHINESE}. */
const LONG_NAME_TRIP = roundTrip(
  "ftp-long-chinese-name",
  "a name of 60 Chinese characters (180 bytes of UTF-8), both ways",
  LONG_CHINESE,
  F_PNG,
  1795,
);
/** `put NAME SIZE`, the offset 0, `sent` bytes of the file, then the client is gone. */
const leftUnfinished = (name: string, size: number, sent: number): RawStep[] => [
  { recv: FTP_WELCOME },
  { send: `put ${name} ${size}\n` },
  { recv: "0\n" },
  { send: "x".repeat(sent) },
  { close: true },
];
/** `put NAME SIZE` answered with the offset `offset`, then the client is gone. */
const resumesAt = (name: string, size: number, offset: number): RawStep[] => [
  { recv: FTP_WELCOME },
  { send: `put ${name} ${size}\n` },
  { recv: `${offset}\n` },
  { close: true },
];

/**
 * A fake FTP server that sends what a hostile one could: names holding ESC, a C1 CSI and a
 * right-to-left override in `ls`, an error line that clears the screen, and then a listing of
 * 99,999,999,999,999 bytes (the client used to try to allocate it).
 */
const HOSTILE_SERVER = String.raw`
  const encoder = new TextEncoder();
  const listener = Deno.listen({ hostname: "{host}", port: 0 });
  console.error("listening on tcp://{host}:" + listener.addr.port);
  for await (const conn of listener) {
    (async () => {
      const send = async (text) => {
        const data = encoder.encode(text);
        for (let sent = 0; sent < data.length;) sent += await conn.write(data.subarray(sent));
      };
      await send("欢迎登陆FTP系统\n");
      const buffer = new Uint8Array(4096);
      let text = "";
      let listings = 0;
      while (true) {
        const n = await conn.read(buffer).catch(() => null);
        if (n === null) break;
        text += new TextDecoder().decode(buffer.subarray(0, n));
        for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n")) {
          const line = text.slice(0, end);
          text = text.slice(end + 1);
          if (line === "ls" && listings++ === 0) {
            const listing = "5\tred\x1b[31m.txt\n7\tb\x9b2Jc\u202etxt.exe\n";
            await send(encoder.encode(listing).length + "\n" + listing);
          } else if (line === "ls") {
            await send("99999999999999\n");
          } else if (line.startsWith("get ")) {
            await send("error: \x1b[2Jgone\n");
          }
        }
      }
      conn.close();
    })();
  }`;

/**
 * A server that stops reading in the middle of a put: it welcomes, answers a `put` line with
 * offset 0, then reads nothing more from that connection, so the client's bytes fill the
 * socket buffers and stop. A later connection that says `drain` makes it read the held ones to
 * their end and close them, so that the case's recording proxy can finish too.
 */
const STALLING_SERVER = String.raw`
  const encoder = new TextEncoder();
  const listener = Deno.listen({ hostname: "{host}", port: 0 });
  console.error("listening on tcp://{host}:" + listener.addr.port);
  const held = [];
  async function firstLine(conn) {
    const buffer = new Uint8Array(1);
    let line = "";
    while (!line.endsWith("\n")) {
      if ((await conn.read(buffer)) === null) return line;
      line += String.fromCharCode(buffer[0]);
    }
    return line;
  }
  async function drain(conn) {
    const buffer = new Uint8Array(1 << 16);
    while ((await conn.read(buffer).catch(() => null)) !== null) {}
    conn.close();
  }
  for await (const conn of listener) {
    (async () => {
      await conn.write(encoder.encode("欢迎登陆FTP系统\n"));
      if ((await firstLine(conn)).startsWith("put ")) {
        await conn.write(encoder.encode("0\n"));
        held.push(conn);
        return;
      }
      for (const stopped of held.splice(0)) drain(stopped);
      conn.close();
    })();
  }`;

/** What lets ftp_server.ts hold its root open: ffi, and /proc/self/fd, which needs all. */
const BENEATH_FLAGS = ["-A"];
/** A folder d, a secret outside, and a link out waiting to be swapped in for d. */
const RACE_FILES: InputFile[] = [
  { at: "server", path: "outside/secret.txt", content: { text: "outside the root\n" } },
  { at: "server", path: "ftp_root/d/secret.txt", content: { text: "inside\n" } },
  { at: "server", path: "ftp_root/dlink", symlinkTo: "../outside" },
];
/** d swapped for the link out just before the look at the file, as a racing attacker may. */
const SWAP_IN_BEFORE_LOOK: Mutation = {
  program: "ftp_server.ts",
  from: "const found = lstatOrNull(path);",
  to: `if (name === "d/secret.txt") {
    Deno.renameSync(join(root, "d"), join(root, "d.real"));
    Deno.renameSync(join(root, "dlink"), join(root, "d"));
  }
  const found = lstatOrNull(path);`,
};
/** The link swapped back for d right after the file is looked at again, before the folders. */
const SWAP_BACK_AFTER_LOOK: Mutation = {
  program: "ftp_server.ts",
  from: "const found = Deno.lstatSync(path);",
  to: `const found = Deno.lstatSync(path);
    if (Deno.lstatSync(join(root, "d")).isSymlink) {
      Deno.renameSync(join(root, "d"), join(root, "dlink"));
      Deno.renameSync(join(root, "d.real"), join(root, "d"));
    }`,
};
/** Refused before the look after, the swap stays: `ls` shows d's files under d.real. */
const RACE_LS: RawStep[] = [
  { send: "ls\n" },
  { recv: `${utf8("7\td.real/secret.txt\n")}\n7\td.real/secret.txt\n` },
];
/** The jail by descriptor taken out: only the checks by path are left, which this race beats. */
function noBeneath(shows: string): CaseMutation {
  return {
    program: "ftp_server.ts",
    from: "beneath = openBeneath(root);",
    to: "beneath = null;",
    shows,
  };
}

const hardening: ConformanceCase[] = [
  {
    id: "ftp-stalled-gets",
    title: "50 clients get a 64 MiB file and read none of it, then close: a normal client " +
      "is served (at most --max-transfers send at once)",
    files: [BIG],
    // A waiter for a slot gives up after --command-timeout: 5 s, not 30, so that the mutant
    // (slots never given back) shows within the case's time.
    server: { ...ftpServer("--command-timeout", "5"), golden: false },
    clients: [
      { role: "stalled", raw: [...STALLED_GET, { close: true }], copies: 50 },
      client("downloader", "get", "big.bin"),
    ],
    expectFiles: [{ at: "downloader", path: "big.bin", content: { generated: MiB64 } }],
    mutations: [{
      // A transfer cut short never gives its slot back: after 16, the rest wait in vain.
      program: "ftp_server.ts",
      from: "transfers.give();",
      to: "// (the slot is kept)",
      shows: `raw peer expected "67108864\\n", got "error: bu"`,
    }],
    reliability: {
      fault: "50 downloads of a 64 MiB file that read nothing, then close",
      outcome: "at most --max-transfers (16) send at once, each with 3 MiB of buffers; the " +
        `others wait their turn; at most 4 spare buffers kept afterwards; ${NEXT}`,
      threat: "stalled downloads that pin the server's memory",
    },
  },
  {
    id: "ftp-max-transfers",
    title: "--max-transfers 2: two stalled downloads hold both slots; a third get, and an ls, " +
      "each wait --command-timeout, are answered busy, and the session goes on",
    files: [BIG],
    server: {
      ...ftpServer("--max-transfers", "2", "--command-timeout", "1", "--min-rate", "0"),
      golden: false,
    },
    clients: [
      { role: "stalled", raw: [...STALLED_GET, { leaveOpen: true }], copies: 2 },
      {
        role: "third",
        raw: [
          { recv: FTP_WELCOME },
          { send: "get big.bin\n" },
          { recv: "error: busy: 2 transfers in progress; try again later\n" },
          // A listing is held whole while it is sent: it waits for a slot too.
          { send: "ls\n" },
          { recv: "error: busy: 2 transfers in progress; try again later\n" },
        ],
      },
    ],
    mutations: [{
      // No cap: every get sends at once, each with its buffers.
      program: "ftp_server.ts",
      from: "if (this.#free > 0) {",
      to: "if (this.#free > -1000) {",
      shows: `raw peer expected "error: busy`,
    }, {
      // An ls takes no slot: its listing is built and held however many transfers run.
      program: "ftp_server.ts",
      from: "const listingSlot = await transfers.take(limits.commandTimeout);",
      to: "const listingSlot = true;",
      shows: `raw peer expected "error: busy`,
    }],
    reliability: {
      fault: "more transfers than --max-transfers",
      outcome: 'one more waits for a free slot, at most --command-timeout, then "error: busy …"; ' +
        KEPT,
      threat: "stalled downloads that pin the server's memory",
    },
  },
  {
    id: "ftp-trickled-line",
    title: "part of a command line, then nothing: cut after --command-timeout with one line, " +
      "even with no idle timeout; next served",
    files: [HI],
    server: {
      ...ftpServer("--idle-timeout", "0", "--command-timeout", "1"),
      stderr: /^ftp_server\.ts: 127\.0\.0\.1:\d+ sent part of a line for 1 s: closed$/,
    },
    clients: [
      {
        role: "trickler",
        raw: [{ recv: FTP_WELCOME }, { send: "get hi.tx" }, { awaitClose: true }],
      },
      { role: "next", raw: [{ recv: FTP_WELCOME }, ...FTP_LS] },
    ],
    expectFiles: [HI],
    mutations: [{
      // No deadline on a line: only the idle timeout (here none) could end it.
      program: "ftp_server.ts",
      from: "deadline ??= setTimeout(this.#onSlowLine, this.#lineSeconds * 1000);",
      to: "deadline ??= undefined;",
      shows: "the server never closed the connection",
    }],
    reliability: {
      fault: "a command line trickled in (part sent, then silence; idle timeout off)",
      outcome: "cut --command-timeout (default 30 s) after its first byte, one line on stderr; " +
        NEXT,
      threat: "a peer that trickles bytes to keep a connection past the idle timeout",
    },
  },
  {
    id: "ftp-trickled-put",
    title: "an upload that moves under --min-rate: cut with one line, nothing saved; next served",
    files: [HI],
    server: {
      ...ftpServer("--idle-timeout", "0", "--command-timeout", "1", "--min-rate", "100000"),
      stderr:
        /^ftp_server\.ts: 127\.0\.0\.1:\d+ moved \d+ bytes? in 1 s, under --min-rate 100000: closed$/,
    },
    clients: [
      {
        role: "trickler",
        raw: [
          { recv: FTP_WELCOME },
          { send: "put slow.bin 1000000\n" },
          { recv: "0\n" },
          { send: "x".repeat(1000) },
          { awaitClose: true },
        ],
      },
      { role: "next", raw: [{ recv: FTP_WELCOME }, ...FTP_LS] },
    ],
    expectFiles: [HI, { at: "server", path: "ftp_root/slow.bin", absent: true }],
    mutations: [{
      // No minimum rate: the upload waits for its bytes as long as they come.
      program: "ftp_server.ts",
      from: "if (moved < minRate * seconds) {",
      to: "if (moved < 0) {",
      shows: "the server never closed the connection",
    }],
    reliability: {
      fault: "an upload trickled (under --min-rate; idle timeout off)",
      outcome: "cut at the next look (every --command-timeout), one line on stderr; the part " +
        `kept for resuming, nothing under its name; ${NEXT}`,
      threat: "a peer that trickles bytes to keep a connection past the idle timeout",
    },
  },
  {
    id: "ftp-partials-unreachable",
    title: "the partials folder cannot be reached, however cased or through a link: one line " +
      "each, the session goes on",
    files: [
      HI,
      { at: "server", path: "ftp_root/.ftp-partial/x", content: { text: "someone's upload\n" } },
      { at: "server", path: "ftp_root/p", symlinkTo: ".ftp-partial" },
    ],
    server: FTP_SERVER,
    clients: [{
      role: "raw",
      raw: [
        { recv: FTP_WELCOME },
        { send: "get .ftp-partial/x\n" },
        { recv: OWN_FOLDER(".ftp-partial/x") },
        { send: "get .FTP-PARTIAL/x\n" },
        { recv: OWN_FOLDER(".FTP-PARTIAL/x") },
        { send: "get p/x\n" },
        { recv: OWN_FOLDER("p/x") },
        { send: "put .Ftp-Partial/y 5\n" },
        { recv: OWN_FOLDER(".Ftp-Partial/y") },
        { send: "put p/y 5\n" },
        { recv: OWN_FOLDER("p/y") },
        ...FTP_LS,
      ],
    }],
    expectFiles: [
      HI,
      { at: "server", path: "ftp_root/.ftp-partial/x", content: { text: "someone's upload\n" } },
      { at: "server", path: "ftp_root/.ftp-partial/y", absent: true },
    ],
    mutations: [{
      // The folder's name compared as it is: another case reaches it on a case-insensitive disk.
      program: "ftp_server.ts",
      from: `return segment.toLowerCase().replace(/[. ]+$/, "") === PARTIAL_FOLDER;`,
      to: "return segment === PARTIAL_FOLDER;",
      shows: `raw peer expected "error: refused \\".FTP-PARTIAL/x\\"`,
    }],
    reliability: {
      fault: "get or put in .ftp-partial/ (any case, or through a link into it)",
      outcome: `one-line refusal "error: refused …: that folder is the server's own"; ${KEPT}`,
      threat: "reading or overwriting another client's unfinished upload",
    },
  },
  {
    id: "ftp-error-no-path",
    title: "a system error is answered by its kind, never with the server's path",
    files: [HI],
    server: FTP_SERVER,
    clients: [{
      role: "raw",
      raw: [
        { recv: FTP_WELCOME },
        { send: "get hi.txt/x\n" },
        { recv: "error: cannot read hi.txt/x: not a directory\n" },
        ...FTP_LS,
      ],
    }],
    expectFiles: [HI],
    mutations: [{
      program: "ftp_server.ts",
      from: "function withoutPaths(message: string): string {",
      to: "function withoutPaths(message: string): string {\n  if (message) return message;",
      shows: `got "error: cannot read hi.txt/x: Not a directory`,
    }],
    reliability: {
      fault: "a name the system refuses (a file used as a folder)",
      outcome:
        `one-line refusal with the error's kind ("not a directory"), no server path; ${KEPT}`,
      threat: "error replies that show where the server keeps its files",
    },
  },
  {
    id: "ftp-ls-escaped",
    title: "ls of names holding ESC and a newline: each shown as \\u{…}, no line forged",
    files: [
      { at: "server", path: "ftp_root/red\u001b[31m.txt", content: { text: "x\n" } },
      { at: "server", path: "ftp_root/two\nlines.txt", content: { text: "y\n" } },
    ],
    server: FTP_SERVER,
    clients: [{ peer: { program: "ftp_client.ts" }, dialogue: [typed("ls"), typed("quit")] }],
    mutations: [
      {
        // The server lists names as they are: the newline splits one entry in two.
        program: "ftp_server.ts",
        from: 'const shown = printable([...parts, name].join("/"));',
        to: 'const shown = [...parts, name].join("/");',
        shows: "+           2  two",
      },
    ],
    reliability: {
      fault: "file names holding ESC or a newline",
      outcome: "listed with each shown as `\\u{…}`: no colours, no forged line",
      threat: TERMINAL_INJECTION,
    },
  },
  {
    id: "ftp-ls-too-big",
    title: "ls of a tree whose listing would pass 16 MiB (the most ftp_client.ts takes): " +
      "refused in one line before it is built whole; the session goes on",
    files: LONG_PATHS,
    server: { ...FTP_SERVER, golden: false },
    clients: [{
      role: "lister",
      raw: [
        { recv: FTP_WELCOME },
        { send: "ls\n" },
        { recv: "error: the listing passes 16 MiB, more than ftp_client.ts takes\n" },
        { send: "get nothing\n" },
        { recv: "error: no such file: nothing\n" },
      ],
    }],
    mutations: [{
      // No bound: the whole listing is built and sent, and the client refuses it.
      program: "ftp_server.ts",
      from: "if (characters > MAX_LISTING) {",
      to: "if (characters < 0) {",
      shows: 'raw peer expected "error: the listing passes 16 MiB',
    }],
    reliability: {
      fault: "a served tree whose listing would pass 16 MiB",
      outcome: "`ls` refused in one line once the listing passes 16 MiB, before more is held; " +
        "the session goes on",
      threat: "a listing that takes the server's memory",
    },
  },
  {
    id: "ftp-silent-server",
    title: "a server that accepts and then says nothing: the client gives up after --timeout " +
      "in one line, exit status 1, instead of waiting for ever",
    // It answers what it reads, but the client waits for the welcome and sends nothing.
    server: { peer: hostileServer({}), golden: false },
    clients: [{
      peer: { program: "ftp_client.ts", args: ["--timeout", "0.5", "ls"] },
      golden: false,
      exitCode: 1,
      stderr: /^ftp_client\.ts: the server did not answer within 0\.5 s$/,
    }],
    mutations: [{
      program: "ftp_client.ts",
      from: "const timer = setTimeout(giveUp, seconds * 1000);",
      to: "const timer = undefined;",
      shows: "did not exit",
    }],
  },
  {
    id: "ftp-stalled-get",
    title: "a server that stops sending in the middle of a get: the client gives up once " +
      "nothing has come for --timeout, in one line, and keeps the partial file for resuming",
    // It announces 100 bytes, sends 10, then holds the connection open and says nothing.
    server: {
      peer: hostileServer({
        greeting: FTP_WELCOME,
        replies: ["100\n", "0123456789"],
        answers: 2,
        holdsOn: true,
      }),
      golden: false,
    },
    clients: [{
      peer: { program: "ftp_client.ts", args: ["--timeout", "2", "get", "x"] },
      golden: false,
      exitCode: 1,
      stderr:
        /^ftp_client\.ts: get x: nothing moved for 2 s; x\.ftp-part is kept: run the same get again to resume$/,
    }],
    expectFiles: [
      { at: "client", path: "x.ftp-part", matches: /^(0123456789)?$/ },
      { at: "client", path: "x", absent: true },
    ],
    mutations: [{
      program: "ftp_client.ts",
      from: "this.#timer = setInterval(() => this.#look(), seconds * 250);",
      to: "this.#timer = setInterval(() => {}, seconds * 250);",
      shows: "did not exit",
    }],
  },
  {
    id: "ftp-stalled-ls",
    title: "a server that stops in the middle of a listing: the client gives up once nothing " +
      "has come for --timeout, in one line",
    // It announces a 100-byte listing, sends 10 bytes of it, then holds the connection, silent.
    server: {
      peer: hostileServer({
        greeting: FTP_WELCOME,
        replies: ["100\n0123456789"],
        answers: 1,
        holdsOn: true,
      }),
      golden: false,
    },
    clients: [{
      peer: { program: "ftp_client.ts", args: ["--timeout", "2", "ls"] },
      golden: false,
      exitCode: 1,
      stderr: /^ftp_client\.ts: ls: nothing moved for 2 s$/,
    }],
    mutations: [{
      program: "ftp_client.ts",
      from: "this.#timer = setInterval(() => this.#look(), seconds * 250);",
      to: "this.#timer = setInterval(() => {}, seconds * 250);",
      shows: "did not exit",
    }],
  },
  {
    id: "ftp-stalled-put",
    title: "a server that stops reading in the middle of a put: the client gives up once " +
      "nothing has moved for --timeout, in one line",
    files: [{ at: "client", path: "big.bin", content: { generated: MiB64 } }],
    server: {
      peer: { command: ["deno", "eval", "--ext=js", STALLING_SERVER] },
      golden: false,
    },
    clients: [
      {
        peer: { program: "ftp_client.ts", args: ["--timeout", "2", "put", "big.bin"] },
        golden: false,
        exitCode: 1,
        stderr:
          /^ftp_client\.ts: put big\.bin: nothing moved for 2 s; run the same put again to resume$/,
      },
      // Then the stopped server reads what the proxy still holds for it, and lets go.
      { role: "release", raw: [{ recv: FTP_WELCOME }, { send: "drain\n" }, { awaitClose: true }] },
    ],
    mutations: [{
      program: "ftp_client.ts",
      from: "this.#timer = setInterval(() => this.#look(), seconds * 250);",
      to: "this.#timer = setInterval(() => {}, seconds * 250);",
      shows: "did not exit",
    }],
  },
  {
    id: "ftp-hostile-server",
    title: "a hostile server: its names and error lines shown escaped, and a listing of " +
      "99,999,999,999,999 bytes refused in one line instead of allocated",
    // Plain JavaScript: `--ext=js` leaves no compiled copy under the case's temporary folder.
    server: { peer: { command: ["deno", "eval", "--ext=js", HOSTILE_SERVER] }, golden: false },
    clients: [{
      peer: { program: "ftp_client.ts" },
      dialogue: [typed("ls"), typed("get x"), typed("ls")],
      exitCode: 1,
      stderr:
        /^ftp_client\.ts: ls: the server announced 99999999999999 bytes, more than the 16 MiB a listing may have; not read$/,
    }],
    mutations: [
      {
        program: "ftp_client.ts",
        from: "rows.push(`${printable(bytes).padStart(12)}  ${printable(name)}`);",
        to: "rows.push(`${printable(bytes).padStart(12)}  ${name}`);",
        shows: "+           5  red\u001b[31m.txt",
      },
      {
        program: "ftp_client.ts",
        from: `if (line.startsWith("error: ")) throw new CommandFailed(printable(line.slice(7)));`,
        to: `if (line.startsWith("error: ")) throw new CommandFailed(line.slice(7));`,
        shows: "+error: \u001b[2Jgone",
      },
      {
        program: "ftp_client.ts",
        from: "if (size > MAX_LISTING) {",
        to: "if (size < 0) {",
        shows: "client wrote to stderr",
      },
    ],
  },
  {
    id: "ftp-controls-in-new-name",
    title: "a new name holding a bidi override or a C1 control is refused in one line; nothing " +
      "saved, the session goes on",
    files: [HI],
    server: FTP_SERVER,
    clients: [{
      role: "raw",
      raw: [
        { recv: FTP_WELCOME },
        { send: "put invoice\u202efdp.exe 5\n" },
        {
          recv: 'error: refused "invoice\\u{202e}fdp.exe": it contains control or bidi ' +
            "characters\n",
        },
        { send: "put a\u009b2Jb.txt 5\n" },
        { recv: 'error: refused "a\\u{9b}2Jb.txt": it contains control or bidi characters\n' },
        ...FTP_LS,
      ],
    }],
    expectFiles: [HI],
    mutations: [{
      program: "ftp_server.ts",
      from: "if (printable(name) !== name) {",
      to: "if (printable(name) === name + name) {",
      shows: `raw peer expected "error: refused \\"invoice`,
    }],
    reliability: {
      fault: "a new name holding a bidi override (U+202E) or a C1 control (U+009B)",
      outcome:
        `one-line refusal "error: refused …: it contains control or bidi characters"; ${KEPT}`,
      threat: TERMINAL_INJECTION,
    },
  },
  {
    ...LONG_NAME_TRIP,
    mutations: [...LONG_NAME_TRIP.mutations!, {
      // The old temporary name, the final one percent-escaped: 540 bytes, over NAME_MAX.
      program: "ftp_server.ts",
      from: 'return createHash("sha256").update(`${size}\\n${name}`).digest("hex").slice(0, 16);',
      to: "return `${encodeURIComponent(name)}.${size}`;",
      shows: "file name too long",
    }],
  },
  {
    id: "ftp-put-while-stalled",
    title: "an upload stalled after one byte does not block another of the same name and size",
    files: [{ at: "client", path: "f.png", content: F_PNG }],
    server: { ...FTP_SERVER, golden: false },
    clients: [
      {
        role: "stalled",
        raw: [
          { recv: FTP_WELCOME },
          { send: "put f.png 1795\n" },
          { recv: "0\n" },
          { send: "x" },
          { leaveOpen: true },
        ],
      },
      client("client", "put", "f.png"),
    ],
    expectFiles: [{ at: "server", path: "ftp_root/f.png", content: F_PNG }],
    mutations: [{
      // The old rule: one upload of a name and size at a time, the second refused.
      program: "ftp_server.ts",
      from: "const own = uploading.has(shared);",
      to:
        "if (uploading.has(shared)) throw new Error(`${name} is being uploaded by another client`);\n" +
        "  const own = false;",
      shows: "f.png is being uploaded by another client",
    }],
    reliability: {
      fault: "an upload stalled, and another of the same name and size",
      outcome: "the second gets a partial file of its own and is saved",
      threat: "a stalled upload that blocks others of the same file",
    },
  },
  {
    id: "ftp-partials-expire",
    title: "an unfinished upload untouched for a day is removed: the same put starts at 0",
    files: [HI],
    server: FTP_SERVER,
    clients: [
      { role: "first", raw: leftUnfinished("a.bin", 800, 600) },
      {
        // Two days pass for the partial file (its modification time is set back).
        role: "clock",
        peer: { command: ["sh", "-c", "touch -t 202001010000 ../server/ftp_root/.ftp-partial/*"] },
        startsAfterServerShows: "interrupted at 600 of 800 bytes",
        golden: false,
      },
      { role: "again", raw: resumesAt("a.bin", 800, 0) },
    ],
    expectFiles: [HI],
    mutations: [{
      program: "ftp_server.ts",
      from: "const fresh = Date.now() - partial.time < PARTIAL_MAX_AGE_MS;",
      to: "const fresh = true;",
      shows: `raw peer expected "0\\n", got "60"`,
    }],
    reliability: {
      fault: "unfinished uploads left behind",
      outcome: "removed once untouched for a day (swept at start, hourly and before each put)",
      threat: "abandoned uploads that fill the disk",
    },
  },
  {
    id: "ftp-partials-quota",
    title: "--partial-quota 1000: two unfinished uploads of 600 and 700 bytes; the older goes, " +
      "the newer is resumed",
    files: [HI],
    server: ftpServer("--partial-quota", "1000"),
    clients: [
      { role: "first", raw: leftUnfinished("a.bin", 800, 600) },
      {
        role: "second",
        raw: leftUnfinished("b.bin", 900, 700),
        startsAfterServerShows: "interrupted at 600 of 800 bytes",
      },
      {
        role: "again-a",
        raw: resumesAt("a.bin", 800, 0),
        startsAfterServerShows: "interrupted at 700 of 900 bytes",
      },
      {
        role: "again-b",
        raw: resumesAt("b.bin", 900, 700),
        startsAfterServerShows: "interrupted at 0 of 800 bytes",
      },
    ],
    expectFiles: [HI],
    mutations: [{
      program: "ftp_server.ts",
      from: "if (fresh && bytes + partial.size <= quota && files < MAX_PARTIALS) {",
      to: "if (fresh) {",
      shows: `raw peer expected "0\\n", got "60"`,
    }],
    reliability: {
      fault: "unfinished uploads beyond --partial-quota",
      outcome: "the newest that fit in the quota (and 1,000 files) are kept, the rest removed",
      threat: "abandoned uploads that fill the disk",
    },
  },
  {
    id: "ftp-jail-swap-get",
    title: "a folder swapped for a link out between the check and the open (patched in): the " +
      "get is refused, nothing outside read",
    files: [
      { at: "server", path: "outside/secret.txt", content: { text: "outside the root\n" } },
      { at: "server", path: "ftp_root/d/secret.txt", content: { text: "inside\n" } },
      { at: "server", path: "ftp_root/dlink", symlinkTo: "../outside" },
    ],
    // The attacker's best moment, made certain: d becomes a link out just before the open.
    patches: [{
      program: "ftp_server.ts",
      from: "file = await Deno.open(path, options);",
      to: `if (name === "d/secret.txt") {
    Deno.renameSync(join(root, "d"), join(root, "d.real"));
    Deno.renameSync(join(root, "dlink"), join(root, "d"));
  }
  file = await Deno.open(path, options);`,
    }],
    // The runtime may read outside/ too, as with the shebang's unscoped --allow-read: then it
    // opens through the link (with the run line's --allow-read=./ftp_root it resolves the path
    // first and refuses this swap, but it races inside that resolution too).
    server: { ...FTP_SERVER, peer: { program: "ftp_server.ts", extraFlags: ["--allow-read=."] } },
    clients: [{
      role: "raw",
      raw: [
        { recv: FTP_WELCOME },
        { send: "get d/secret.txt\n" },
        { recv: 'error: refused "d/secret.txt": it changed while it was opened\n' },
        { send: "ls\n" },
        { recv: `${utf8("7\td.real/secret.txt\n")}\n7\td.real/secret.txt\n` },
      ],
    }],
    expectFiles: [
      { at: "server", path: "outside/secret.txt", content: { text: "outside the root\n" } },
    ],
    mutations: [{
      // Only the look before the open: the link swapped in after it is followed out.
      program: "ftp_server.ts",
      from: "if (!opened.isFile || !same || !stillThere(root, folders, before, path, opened)) {",
      to: "if (!opened.isFile) {",
      shows: `raw peer expected "error: refused \\"d/secret.txt\\"`,
    }],
    reliability: {
      fault: "a folder swapped for a link out between the check and the open (patched in)",
      outcome: "the file opened is looked at again, with the folders on its way: refused in " +
        "one line; nothing outside read",
      threat: "a local user swapping a folder for a link while the server opens a file in it",
    },
  },
  {
    id: "ftp-jail-shared-folder",
    title: "a served folder others may write to: its subfolders, which could be swapped for " +
      "links, are not gone through, nor uploads; its own files are still served",
    files: [
      { at: "server", path: "ftp_root/d/x.txt", content: { text: "inside\n" } },
      { at: "server", path: "ftp_root/top.txt", content: { text: "top\n" } },
    ],
    server: FTP_SERVER,
    clients: [
      { role: "chmod", peer: { command: ["chmod", "777", "../server/ftp_root"] }, golden: false },
      {
        role: "raw",
        raw: [
          { recv: FTP_WELCOME },
          { send: "get d/x.txt\n" },
          { recv: `error: refused "d/x.txt": ${SWAPPABLE("d")}\n` },
          { send: "put d/y.txt 5\n" },
          { recv: `error: refused "d/y.txt": ${SWAPPABLE(".ftp-partial")}\n` },
          { send: "get top.txt\n" },
          { recv: "4\n" },
          { send: "ready to recv file 0\n" },
          { recv: `top\n${createHash("md5").update("top\n").digest("hex")}\n` },
          { send: "ls\n" },
          { recv: `${utf8("4\ttop.txt\n")}\n4\ttop.txt\n` },
        ],
      },
    ],
    expectFiles: [{ at: "server", path: "ftp_root/d/y.txt", absent: true }],
    mutations: [{
      program: "ftp_server.ts",
      from: "if (!steady(parent, info)) {",
      to: "if (!steady(parent, info) && false) {",
      shows: `raw peer expected "error: refused \\"d/x.txt\\"`,
    }],
    reliability: {
      fault: "a served folder that others may write to (chmod 777)",
      outcome: "its subfolders and uploads refused in one line each (a folder there could be " +
        `swapped for a link to outside); its own files served; ${KEPT}`,
      threat: "a local user swapping a folder for a link while the server opens a file in it",
    },
  },
  {
    id: "ftp-jail-swap-put",
    title: "a folder swapped for a link out just before a verified upload is renamed in " +
      "(patched in): moved back, refused, nothing written outside",
    files: [
      { at: "server", path: "outside", folder: true },
      { at: "server", path: "ftp_root/d", folder: true },
      { at: "server", path: "ftp_root/dlink", symlinkTo: "../outside" },
      { at: "client", path: "f.png", content: F_PNG },
    ],
    patches: [{
      program: "ftp_server.ts",
      from: "Deno.renameSync(partial, target);",
      to: `if (name === "d/x.png") {
    Deno.renameSync(join(root, "d"), join(root, "d.real"));
    Deno.renameSync(join(root, "dlink"), join(root, "d"));
  }
  Deno.renameSync(partial, target);`,
    }],
    server: FTP_SERVER,
    clients: [{
      ...client("client", "put", "f.png", "d/x.png"),
      golden: false,
      exitCode: 1,
      stderr:
        /^ftp_client\.ts: cannot store d\/x\.png: refused "d\/x\.png": a folder on its way changed as it was saved$/,
    }],
    expectFiles: [
      { at: "server", path: "outside/x.png", absent: true },
      { at: "server", path: "ftp_root/d.real/x.png", absent: true },
      { at: "server", path: partialOf("d/x.png", 1795), content: F_PNG, partial: true },
    ],
    mutations: [{
      program: "ftp_server.ts",
      from: "if (stillThere(root, folders, before, target, moved)) return;",
      to: "return;",
      shows: "outside/x.png",
    }],
    reliability: {
      fault: "a folder swapped for a link out just before an upload is renamed in (patched in)",
      outcome: "the renamed file is looked at again: moved back to .ftp-partial/, refused in " +
        "one line; nothing written outside",
      threat: "a local user swapping a folder for a link while the server opens a file in it",
    },
  },
  {
    id: "ftp-jail-race-get",
    title: "with -A, a folder swapped for a link out before the look and back before the look " +
      "after (patched in, the race the checks by path lose): the open beneath the root refuses",
    files: RACE_FILES,
    patches: [SWAP_IN_BEFORE_LOOK, SWAP_BACK_AFTER_LOOK],
    server: { ...FTP_SERVER, peer: { program: "ftp_server.ts", flags: BENEATH_FLAGS } },
    clients: [{
      role: "raw",
      raw: [
        { recv: FTP_WELCOME },
        { send: "get d/secret.txt\n" },
        { recv: 'error: refused "d/secret.txt": a link is on its way\n' },
        ...RACE_LS,
      ],
    }],
    expectFiles: [
      { at: "server", path: "outside/secret.txt", content: { text: "outside the root\n" } },
    ],
    mutations: [noBeneath('raw peer expected "error: refused \\"d/secret.txt\\"')],
    reliability: {
      fault: "a folder swapped for a link out and back around every look by path (patched in)",
      outcome: "opened with openat2 beneath the root, through no link: refused in one line; " +
        "nothing outside read",
      threat: "the server's own user swapping a folder for a link while the server opens a file",
    },
  },
  {
    id: "ftp-jail-race-put",
    title: "with -A, a folder swapped for a link out just before a verified upload is renamed " +
      "in and back before the look after (patched in): the rename beneath the root refuses",
    files: [...RACE_FILES, { at: "client", path: "f.png", content: F_PNG }],
    patches: [
      {
        program: "ftp_server.ts",
        from: "// Renamed beneath the root by descriptor where it can, by path where not.",
        to: `if (name === "d/x.png") {
    Deno.renameSync(join(root, "d"), join(root, "d.real"));
    Deno.renameSync(join(root, "dlink"), join(root, "d"));
  }`,
      },
      SWAP_BACK_AFTER_LOOK,
    ],
    server: { ...FTP_SERVER, peer: { program: "ftp_server.ts", flags: BENEATH_FLAGS } },
    clients: [{
      ...client("client", "put", "f.png", "d/x.png"),
      golden: false,
      exitCode: 1,
      stderr: /^ftp_client\.ts: cannot store d\/x\.png: refused "d\/x\.png": a link is on its way$/,
    }],
    expectFiles: [
      { at: "server", path: "outside/x.png", absent: true },
      { at: "server", path: "ftp_root/d/x.png", absent: true },
      { at: "server", path: partialOf("d/x.png", 1795), content: F_PNG, partial: true },
    ],
    mutations: [noBeneath("outside/x.png")],
    reliability: {
      fault: "a folder swapped for a link out before an upload is renamed in, and back before " +
        "the look after (patched in)",
      outcome: "renamed with renameat beneath the root, through no link: refused in one line, " +
        "kept in .ftp-partial/; nothing written outside",
      threat: "the server's own user swapping a folder for a link while the server opens a file",
    },
  },
];

/** The FTP tool. */
export const ftp: Lesson = {
  id: "ftp",
  title: "FTP系统 (上传 + 下载, MD5)",
  titleEn: "The FTP tool: get, put, ls, resume",
  seed: {
    file: "000_84409504fdc3648b.txt",
    section: "使用Socket实现FTP-上传功能(MD5) + 使用socket实现FTP-下载功能(增加MD5验证功能)",
  },
  transport: "tcp",
  host: "127.0.0.1",
  port: 9999,
  scripts: ["ftp_server.ts", "ftp_client.ts"],
  drawnToo: [{
    id: "ftp-standard",
    note: "It is the same server on its `--ftp-port`, speaking standard FTP to curl: the " +
      "recording proxy stands on the control connection only; the listing and the file cross " +
      "data connections that curl opens straight to the port each `229` reply names.",
  }],
  chaos: {
    oneReadMutations: [{
      program: "ftp_server.ts",
      // A line reader that hands out what one read brought when it holds no newline.
      from: "this.#end += n;",
      to: `this.#end += n;
      if (this.#buffer.subarray(this.#start, this.#end).indexOf(0x0a) < 0) {
        const line = this.#buffer.subarray(this.#start, this.#end);
        this.#start = this.#end;
        return new TextDecoder().decode(line);
      }`,
    }],
  },
  // A case whose server may change files gets an empty server folder to start from.
  cases: withServerFolder([
    main,
    withOpenSsl,
    roundTrip("ftp-0B", "an empty file, both ways", "empty.bin", { bytes: [] }, 0),
    roundTrip("ftp-1B", "a 1-byte file, both ways", "one.bin", { bytes: [42] }, 1),
    roundTrip("ftp-1023B", "1023 bytes, both ways", "g1023.bin", { generated: 1023 }, 1023),
    roundTrip("ftp-1024B", "1024 bytes, both ways", "g1024.bin", { generated: 1024 }, 1024),
    roundTrip("ftp-1025B", "1025 bytes, both ways", "g1025.bin", { generated: 1025 }, 1025),
    roundTrip("ftp-every-byte", "every byte value, both ways", "every_byte.bin", {
      fixture: "files/every_byte.bin",
    }, 1024),
    roundTrip(
      "ftp-chinese-name",
      "a name with Chinese characters and a space, both ways",
      "测试 文件.png",
      F_PNG,
      1795,
    ),
    roundTrip("ftp-64MiB", "64 MiB made at test time, both ways", "big.bin", {
      generated: 64 << 20,
    }, 64 << 20),
    {
      id: "ftp-get-cached",
      title: "a repeated get skips re-hashing an unchanged file, and a changed file is hashed anew",
      files: [{ at: "server", path: "ftp_root/data.bin", content: { generated: 1024 } }],
      server: { peer: { program: "ftp_server.ts" }, golden: false },
      clients: [
        // The first two downloads leave the file's MD5 in the server's cache.
        client("first", "get", "data.bin"),
        client("second", "get", "data.bin"),
        // Same size, other bytes, same inode: only the file's change time tells.
        {
          role: "editor",
          peer: {
            command: ["cp", "{fixtures}/files/every_byte.bin", "../server/ftp_root/data.bin"],
          },
          golden: false,
        },
        client("third", "get", "data.bin"),
      ],
      expectFiles: [
        { at: "first", path: "data.bin", content: { generated: 1024 } },
        { at: "second", path: "data.bin", content: { generated: 1024 } },
        { at: "third", path: "data.bin", content: { fixture: "files/every_byte.bin" } },
      ],
      mutations: [{
        program: "ftp_server.ts",
        from: "known.identity === fileIdentity(before)",
        to: "known.identity !== null",
        shows: "MD5 mismatch (server ae87aaa8b0597ce11798e59f27aaa954",
      }],
    },
    {
      id: "ftp-jail",
      title: "names that leave the root are refused; nothing outside is read or written",
      files: [
        { at: "server", path: "secret.txt", content: { text: "outside the root\n" } },
        { at: "server", path: "outside", folder: true },
        { at: "server", path: "ftp_root/f.png", content: F_PNG },
        { at: "server", path: "ftp_root/link.txt", symlinkTo: "../secret.txt" },
        { at: "server", path: "ftp_root/outdir", symlinkTo: "../outside" },
        { at: "client", path: "f.png", content: F_PNG },
      ],
      server: { peer: { program: "ftp_server.ts" }, mayChange: /^ftp_root(\/|$)/ },
      clients: [{
        peer: { program: "ftp_client.ts" },
        dialogue: [
          typed("get ../secret.txt"),
          typed("get /etc/passwd"),
          typed("get a/../../b"),
          typed("get ..\\secret.txt"),
          typed("get a\u0000b"),
          typed("get link.txt"),
          typed(`put "f.png" "link.txt"`),
          typed(`put "f.png" "outdir/x.png"`),
          typed(`put "f.png" "../x.png"`),
          typed(`put "f.png" ".ftp-partial/x"`),
          typed("get nope.png"),
          typed("get f.png"),
          typed("quit"),
        ],
        exitCode: 1,
      }],
      expectFiles: [
        { at: "server", path: "secret.txt", content: { text: "outside the root\n" } },
        { at: "server", path: "outside/x.png", absent: true },
        { at: "server", path: "x.png", absent: true },
        { at: "client", path: "secret.txt", absent: true },
        { at: "client", path: "link.txt", absent: true },
        { at: "client", path: "nope.png", absent: true },
        { at: "client", path: "nope.png.ftp-part", absent: true },
        { at: "client", path: "f.png", content: F_PNG },
      ],
      mutations: [
        {
          program: "ftp_server.ts",
          from: `if (!isInside(root, real)) {`,
          to: `if (false) {`,
          shows: `-error: refused "link.txt": it leads outside the served folder`,
        },
        {
          program: "ftp_server.ts",
          from: `if (!isInside(root, real)) throw refuse("it leads outside the served folder");`,
          to: "",
          // With the check gone, the runtime's --allow-read=./ftp_root still refuses the folder.
          shows: `+error: not allowed by --allow-read`,
        },
      ],
      reliability: {
        fault: "traversal: ../x, /etc/passwd, a/../../b, ..\\x, NUL, symlink out",
        outcome: 'one-line refusal "error: refused …" for each, get and put; connection kept; ' +
          "nothing outside the root read or written",
      },
    },
    {
      id: "ftp-get-interrupted",
      title: "a download cut off halfway leaves the older file untouched and the partial kept",
      files: [
        { at: "server", path: "ftp_root/data.bin", content: { generated: 100_000 } },
        { at: "client", path: "data.bin", content: { text: "older\n" } },
      ],
      server: { peer: { program: "ftp_server.ts" } },
      clients: [failedGet(/closed after 50000 of 100000 bytes; data\.bin\.ftp-part is kept/)],
      cut: { conn: 0, dir: "s2c", after: WELCOME_LINE + utf8("100000\n") + 50_000 },
      connectionBytes: [{
        c2s: utf8("get data.bin\n") + utf8("ready to recv file 0\n"),
        s2c: WELCOME_LINE + utf8("100000\n") + 50_000,
      }],
      expectFiles: [
        { at: "client", path: "data.bin", content: { text: "older\n" } },
        {
          at: "client",
          path: "data.bin.ftp-part",
          content: { generatedPrefix: [100_000, 50_000] },
          partial: true,
        },
      ],
      mutations: [{
        program: "ftp_client.ts",
        from: "if (received < count) {",
        to: "if (false) {",
        shows: "client wrote to stderr, expected",
      }],
    },
    {
      id: "ftp-get-resumed",
      title: "running the same get again resumes where the cut left off",
      files: [{ at: "server", path: "ftp_root/data.bin", content: { generated: 100_000 } }],
      server: { peer: { program: "ftp_server.ts" } },
      clients: [
        failedGet(/is kept/),
        client("client", "get", "data.bin"),
      ],
      cut: { conn: 0, dir: "s2c", after: WELCOME_LINE + utf8("100000\n") + 50_000 },
      connectionBytes: [
        {
          c2s: utf8("get data.bin\n") + utf8("ready to recv file 0\n"),
          s2c: WELCOME_LINE + utf8("100000\n") + 50_000,
        },
        getBytes("data.bin", 100_000, 50_000),
      ],
      expectFiles: [
        { at: "client", path: "data.bin", content: { generated: 100_000 } },
        { at: "client", path: "data.bin.ftp-part", absent: true },
      ],
      mutations: [{
        // The client's MD5 leaves out the part it already had (in get, the one used here).
        program: "ftp_client.ts",
        from: "await hashPrefix(file, offset, hash);",
        to: "",
        shows: "MD5 mismatch",
      }],
    },
    {
      id: "ftp-put-interrupted",
      title: "an upload cut off halfway leaves the older file untouched and the partial kept",
      files: [
        { at: "client", path: "data.bin", content: { generated: 100_000 } },
        { at: "server", path: "ftp_root/data.bin", content: { text: "older\n" } },
      ],
      server: { peer: { program: "ftp_server.ts" } },
      clients: [{
        ...client("client", "put", "data.bin"),
        golden: false,
        exitCode: 1,
        stderr: /^ftp_client\.ts: .+$/,
      }],
      cut: { conn: 0, dir: "c2s", after: utf8("put data.bin 100000\n") + 40_000 },
      expectFiles: [
        { at: "server", path: "ftp_root/data.bin", content: { text: "older\n" } },
        {
          at: "server",
          path: partialOf("data.bin", 100_000),
          content: { generatedPrefix: [100_000, 40_000] },
          partial: true,
        },
      ],
      mutations: [{
        program: "ftp_server.ts",
        from: "if (claimed === null) {",
        to: "if (claimed === null) {\n      await Deno.rename(partial, join(root, name));",
        shows: "server: ftp_root/data.bin: 40000 bytes",
      }],
    },
    {
      id: "ftp-put-resumed",
      title: "running the same put again resumes from what the server holds",
      files: [
        { at: "client", path: "data.bin", content: { generated: 100_000 } },
        { at: "server", path: "ftp_root/data.bin", content: { text: "older\n" } },
      ],
      server: { peer: { program: "ftp_server.ts" } },
      clients: [
        {
          ...client("client", "put", "data.bin"),
          golden: false,
          exitCode: 1,
          stderr: /^ftp_client\.ts: /,
        },
        client("client", "put", "data.bin"),
      ],
      cut: { conn: 0, dir: "c2s", after: utf8("put data.bin 100000\n") + 40_000 },
      connectionBytes: [
        { c2s: utf8("put data.bin 100000\n") + 40_000, s2c: WELCOME_LINE + utf8("0\n") },
        putBytes("data.bin", 100_000, 40_000),
      ],
      expectFiles: [
        { at: "server", path: "ftp_root/data.bin", content: { generated: 100_000 } },
        { at: "server", path: partialOf("data.bin", 100_000), absent: true },
      ],
      mutations: [{
        // The server's MD5 leaves out the part it already had (in put, the one used here).
        program: "ftp_server.ts",
        from: "await hashPrefix(file, offset, hash);",
        to: "",
        shows: "the server's MD5 differs",
      }],
    },
    {
      id: "ftp-put-disk-fails",
      title:
        "a disk that fails mid-upload: the rest is read and dropped, one error line, the session goes on",
      files: [
        { at: "client", path: "data.bin", content: { generated: 3 * MiB } },
        { at: "server", path: "ftp_root/data.bin", content: { text: "older\n" } },
      ],
      // The server's disk "fills up" after the first MiB of any upload.
      patches: [diskFullAfterFirstMiB("ftp_server.ts")],
      server: { peer: { program: "ftp_server.ts" } },
      clients: [{
        peer: { program: "ftp_client.ts" },
        dialogue: [typed("put data.bin"), typed("ls"), typed("quit")],
        exitCode: 1,
      }],
      bytes: {
        c2s: utf8("put data.bin 3145728\n") + 3 * MiB + MD5_LINE + utf8("ls\n") + QUIT_LINE,
        s2c: WELCOME_LINE + utf8("0\n") +
          utf8("error: cannot store data.bin: no space left on device\n") +
          utf8("11\n") + utf8("6\tdata.bin\n"),
      },
      // What was written goes: kept for resuming, it would hold the space that ran out.
      expectFiles: [
        { at: "server", path: "ftp_root/data.bin", content: { text: "older\n" } },
        { at: "server", path: partialOf("data.bin", 3 * MiB), absent: true },
      ],
      mutations: [{
        program: "ftp_server.ts",
        // The refusal thrown before the client's MD5 line is read: the session gets out of step.
        from: "if (!(error instanceof StoreFailed)) throw error;",
        to: "if (!(error instanceof StoreFailed)) throw error;\n" +
          "      throw new Error(`cannot store ${name}: ${error.message}`);",
        shows: "unknown command",
      }, {
        // The partial kept, as for an interrupted upload: a full disk stays full.
        program: "ftp_server.ts",
        from: "dropPartial = offset === 0;",
        to: "dropPartial = false;",
        shows: "should not exist",
      }],
      reliability: {
        fault: "disk fails mid-upload (patched: ENOSPC after 1 MiB)",
        outcome: 'rest of the upload read and dropped; "error: cannot store …"; older file ' +
          "untouched, what this upload wrote removed (on a full disk it would keep the space); " +
          "connection kept",
      },
    },
    {
      id: "ftp-put-disk-fails-resume",
      title: "a disk that fails in the middle of a resumed upload: what this upload wrote is " +
        "taken back, what the earlier one left is kept for resuming",
      files: [
        { at: "client", path: "data.bin", content: { generated: 3 * MiB } },
        EARLIER_FIRST_MIB,
      ],
      // The server's disk "fills up" after the first MiB of this upload.
      patches: [diskFullAfterFirstMiB("ftp_server.ts")],
      server: { peer: { program: "ftp_server.ts" }, golden: false },
      clients: [{
        peer: { program: "ftp_client.ts", args: ["put", "data.bin"] },
        golden: false,
        exitCode: 1,
        stderr: /^ftp_client\.ts: cannot store data\.bin: no space left on device$/,
      }],
      expectFiles: [firstMiBKept("server", partialOf("data.bin", 3 * MiB))],
      mutations: [{
        // What this upload wrote kept too: the space that ran out stays taken.
        program: "ftp_server.ts",
        from: "await file.truncate(offset);",
        to: "",
        shows: "2097152 bytes, md5",
      }],
    },
    {
      id: "ftp-put-no-space",
      title: "an upload larger than the disk's free space, with --allow-sys to ask: refused " +
        "before its bytes come, nothing kept; a small one is saved",
      files: [
        { at: "client", path: "data.bin", content: { generated: 3 * MiB } },
        { at: "client", path: "hi.txt", content: { text: "hello\n" } },
      ],
      // The disk "has" 1,000,000 bytes free.
      patches: [MILLION_BYTES_FREE],
      server: ASKS_FOR_SPACE,
      clients: [{
        peer: { program: "ftp_client.ts" },
        dialogue: [typed("put data.bin"), typed("put hi.txt"), typed("quit")],
        exitCode: 1,
      }],
      // Not a byte of data.bin crosses.
      bytes: {
        c2s: utf8("put data.bin 3145728\nput hi.txt 6\n") + 6 + MD5_LINE + QUIT_LINE,
        s2c: WELCOME_LINE +
          utf8("error: not enough space for data.bin: 3145728 bytes to come, 1000000 free\n") +
          utf8("0\n") + utf8(`file MD5(after send):${HI_MD5}\n`),
      },
      expectFiles: [
        { at: "server", path: "ftp_root/data.bin", absent: true },
        { at: "server", path: "ftp_root/.ftp-partial", holdsNone: /./ },
        { at: "server", path: "ftp_root/hi.txt", content: { text: "hello\n" } },
      ],
      mutations: [{
        // No look at the free space: the upload is read whole, then fails as the disk fills.
        program: "ftp_server.ts",
        from: "if (free !== null && size - offset > free) {",
        to: "if (false) {",
        shows: "ftp_root/data.bin should not exist",
      }, {
        // The partial file opened for it kept, empty, as if for resuming.
        program: "ftp_server.ts",
        from: "dropPartial = offset === 0;",
        to: "dropPartial = false;",
        shows: "ftp_root/.ftp-partial holds",
      }],
      reliability: {
        fault: "an upload larger than the disk's free space (patched: 1,000,000 bytes free)",
        outcome: 'refused before its bytes come, "error: not enough space …" (with --allow-sys, ' +
          "as -A grants); nothing kept; connection kept",
      },
    },
    {
      id: "ftp-put-no-space-resume",
      title: "resuming an upload whose rest the disk cannot hold: refused before its bytes " +
        "come, and the part already there kept for when there is room",
      files: [
        { at: "client", path: "data.bin", content: { generated: 3 * MiB } },
        EARLIER_FIRST_MIB,
      ],
      // The disk "has" 1,000,000 bytes free: the 2 MiB still to come do not fit.
      patches: [MILLION_BYTES_FREE],
      server: ASKS_FOR_SPACE,
      clients: [{
        peer: { program: "ftp_client.ts", args: ["put", "data.bin"] },
        golden: false,
        exitCode: 1,
        stderr:
          /^ftp_client\.ts: not enough space for data\.bin: 2097152 bytes to come, 1000000 free$/,
      }],
      expectFiles: [firstMiBKept("server", partialOf("data.bin", 3 * MiB))],
      mutations: [{
        // Every partial of a refused upload removed: what was already there is lost.
        program: "ftp_server.ts",
        from: "dropPartial = offset === 0;",
        to: "dropPartial = true;",
        shows: "is missing",
      }],
    },
    {
      id: "ftp-get-disk-fails",
      title: "the client's disk fails mid-download: one error line, the session goes on",
      files: [{ at: "server", path: "ftp_root/data.bin", content: { generated: 3 * MiB } }],
      // The client's disk "fills up" after the first MiB of any download.
      patches: [diskFullAfterFirstMiB("ftp_client.ts")],
      server: { peer: { program: "ftp_server.ts" }, golden: false },
      clients: [{
        peer: { program: "ftp_client.ts" },
        dialogue: [typed("get data.bin"), typed("ls"), typed("quit")],
        exitCode: 1,
      }],
      expectFiles: [
        { at: "client", path: "data.bin", absent: true },
        firstMiBKept("client", "data.bin.ftp-part"),
      ],
      mutations: [{
        program: "ftp_client.ts",
        // The failure thrown before the server's MD5 line is read: the session gets out of step.
        from: "if (!(error instanceof StoreFailed)) throw error;",
        to: "if (!(error instanceof StoreFailed)) throw error;\n" +
          "    throw new CommandFailed(`cannot write ${partial}: ${error.message}`);",
        // Out of step, the client reads the server's MD5 line as the listing's size.
        shows: "ftp_client.ts: the server answered",
      }],
    },
    {
      id: "ftp-get-file-shrinks",
      title: "a file that shrinks while it is sent: the server closes, the client keeps what came",
      files: [{ at: "server", path: "ftp_root/data.bin", content: { generated: 3 * MiB } }],
      // The served file "ends" after its first MiB, as if truncated while it was being sent.
      patches: [{
        program: "ftp_server.ts",
        from: "const n = await file.read(buffer.subarray(filled, due));",
        to:
          "const n = scheduled > CHUNK_SIZE ? null : await file.read(buffer.subarray(filled, due));",
      }],
      server: { peer: { program: "ftp_server.ts" } },
      clients: [failedGet(/closed after 1048576 of 3145728 bytes; data\.bin\.ftp-part is kept/)],
      expectFiles: [
        { at: "client", path: "data.bin", absent: true },
        firstMiBKept("client", "data.bin.ftp-part"),
      ],
      mutations: [{
        program: "ftp_server.ts",
        from: "if (error instanceof StreamBroken) break;",
        to: "",
        shows: "client did not exit",
      }],
      reliability: {
        fault: "file shrinks while it is sent (patched: read ends after 1 MiB)",
        outcome: "connection closed after the bytes that exist, logged in one line; the client " +
          "keeps them and resumes later; never an error line inside the data",
      },
    },
    {
      id: "ftp-put-cannot-save",
      title:
        "a verified upload that cannot be moved into place is reported as failed, not verified",
      files: [{ at: "client", path: "f.png", content: F_PNG }],
      patches: [{
        program: "ftp_server.ts",
        from: "Deno.renameSync(partial, target);",
        to: 'throw new Error("Read-only file system (os error 30)");',
      }],
      server: { peer: { program: "ftp_server.ts" } },
      clients: [{
        ...client("client", "put", "f.png"),
        golden: false,
        exitCode: 1,
        stderr: /^ftp_client\.ts: cannot store f\.png: read-only file system$/,
      }],
      bytes: {
        c2s: putBytes("f.png", 1795).c2s,
        s2c: WELCOME_LINE + utf8("0\n") +
          utf8("error: cannot store f.png: read-only file system\n"),
      },
      expectFiles: [{ at: "server", path: "ftp_root/f.png", absent: true }],
      mutations: [{
        program: "ftp_server.ts",
        from: "throw new Error(`cannot store ${name}: ${(error as Error).message}`);",
        to: "",
        shows: "client exited with 0, expected 1",
      }],
      reliability: {
        fault: "verified upload cannot be saved (patched: rename fails)",
        outcome: 'one-line "error: cannot store …" instead of the MD5 reply: the client never ' +
          "reports a file as saved that is not",
      },
    },
    {
      id: "ftp-concurrent",
      title: "a stalled client holds nobody up; an upload and a download run at once",
      files: [
        { at: "uploader", path: "big.bin", content: { generated: 5 << 20 } },
        { at: "server", path: "ftp_root/f.png", content: F_PNG },
      ],
      server: { peer: { program: "ftp_server.ts" }, golden: false },
      clients: [
        {
          role: "stalled",
          raw: [
            { recv: "欢迎登陆FTP系统\n" },
            { send: "put stall.bin 1000000\n" },
            { recv: "0\n" },
            { leaveOpen: true },
          ],
        },
        [client("uploader", "put", "big.bin"), client("downloader", "get", "f.png")],
      ],
      bytes: {
        c2s: utf8("put stall.bin 1000000\n") + putBytes("big.bin", 5 << 20).c2s +
          getBytes("f.png", 1795).c2s,
        s2c: WELCOME_LINE + utf8("0\n") + putBytes("big.bin", 5 << 20).s2c +
          getBytes("f.png", 1795).s2c,
      },
      expectFiles: [
        { at: "server", path: "ftp_root/big.bin", content: { generated: 5 << 20 } },
        { at: "server", path: "ftp_root/stall.bin", absent: true },
        { at: "downloader", path: "f.png", content: F_PNG },
      ],
      mutations: [{
        program: "ftp_server.ts",
        ...ONE_AT_A_TIME,
        // The stalled client holds the accept loop: both others hang, whichever is noticed first.
        shows: "did not exit within",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
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
      title:
        "a command line over 8192 bytes: error: line too long, the connection ends; next served",
      files: [HI],
      server: FTP_SERVER,
      clients: [
        {
          role: "oversize",
          raw: [
            { recv: FTP_WELCOME },
            // Exactly the buffer: the server has read all of it when it refuses.
            { send: "x".repeat(8192) },
            { recv: "error: line too long\n" },
            { awaitClose: true },
          ],
        },
        { role: "next", raw: [{ recv: FTP_WELCOME }, ...FTP_LS] },
      ],
      expectFiles: [HI],
      mutations: [{
        program: "ftp_server.ts",
        from: "await framed.writeLine(`error: ${message}`).catch(() => {});",
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
    }, {
      files: [HI],
    }),
    {
      id: "ftp-1000-connections",
      title: "1,000 clients connected at once, each welcomed; one more is served in full",
      crowd: true,
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
        from: "if (open >= maxConnections) {",
        to: "if (open >= 500) {",
        shows: "raw peer expected",
      }],
      reliability: {
        fault: "1,000 concurrent connections",
        outcome: `all 1,000 welcomed and held; ${NEXT} while they stay open`,
      },
    },
    ...limitCases("ftp", FTP_SERVER, [{ recv: FTP_WELCOME }], {
      role: "next",
      raw: [{ recv: FTP_WELCOME }, ...FTP_LS],
    }, { files: [HI] }),
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
          { send: "x".repeat(1000) },
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
      title:
        "with the jail check taken out, --allow-read/--allow-write still refuse; one line each",
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
          { recv: "error: cannot read ../secret.txt: not allowed by --allow-read\n" },
          { send: "put ../x.txt 5\n" },
          { recv: "error: not allowed by --allow-read\n" },
          // realPath names the link's target; looking at that target is what the runtime refuses.
          { send: "get link.txt\n" },
          { recv: "error: not allowed by --allow-read\n" },
          ...FTP_LS,
        ],
      }],
      expectFiles: [
        HI,
        { at: "server", path: "secret.txt", content: { text: "outside the root\n" } },
        { at: "server", path: "x.txt", absent: true },
      ],
      mutations: [{
        // A runtime refusal that ends the conversation instead of being answered.
        program: "ftp_server.ts",
        from: "// A refusal is one line to the client; the conversation goes on.",
        to: "if (error instanceof Deno.errors.NotCapable) throw error;",
        shows: "raw peer expected",
      }],
      reliability: {
        fault: "permission refused by the runtime",
        outcome: `one-line refusal "error: … not allowed by --allow-read" (also for a link out, ` +
          `since the server looks at the link's real path), naming no server path; ${KEPT}`,
      },
    },
    ...hardening,
    overIpv6(main),
    // The same server's standard FTP port (issue #21): curl, ftplib, lftp, and what it refuses.
    ...ftpStandard,
  ]),
};
