/**
 * The FTP tool (`ftp_server.ts` + `ftp_client.ts`): every size both ways with byte counts and
 * MD5s checked independently, the interactive session, the jail, interrupted and resumed
 * transfers in both directions, concurrency with a stalled client, the bad-input rows (sizes,
 * commands, disconnects, idle, a crowd, signals, the runtime's own refusals) and IPv6.
 *
 * @module
 */

import { ONE_AT_A_TIME } from "./_concurrent.ts";
import type {
  ConformanceCase,
  FileCheck,
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
import { noSignalHandler, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { idleCase, limitCases, withServerFolder } from "./_rows.ts";
import { vanishingTagged } from "./_vanishing.ts";

const F_PNG: FileContent = { fixture: "files/f.png" }; // 1795 bytes
const F_PNG_MD5 = "8538a2876ec718b52850d4abfa89b651";
const WELCOME_LINE = utf8("欢迎登陆FTP系统\n");
const MD5_LINE = 33;
const QUIT_LINE = utf8("quit\n");
const PUT_REPLY_LINE = utf8(`file MD5(after send):${F_PNG_MD5}\n`);
const PROMPT = ">>:";
const MiB = 1 << 20;

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

/** Patches `program`'s receiving loop so that its disk "fills up" after the first MiB. */
const diskFullAfterFirstMiB = (program: string): Mutation => ({
  program,
  from: "writing = writeAll(file, piece);",
  to: "writing = received > 0\n" +
    '        ? Promise.reject(new Error("No space left on device (os error 28)"))\n' +
    "        : writeAll(file, piece);",
});

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
      from: "bytes.padStart(12)",
      to: "bytes.padStart(10)",
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
          shows: `+error: Requires read access to`,
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
          path: "ftp_root/.ftp-partial/data.bin.100000",
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
        { at: "server", path: "ftp_root/.ftp-partial/data.bin.100000", absent: true },
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
          utf8("error: cannot store data.bin: No space left on device (os error 28)\n") +
          utf8("11\n") + utf8("6\tdata.bin\n"),
      },
      expectFiles: [
        { at: "server", path: "ftp_root/data.bin", content: { text: "older\n" } },
        firstMiBKept("server", "ftp_root/.ftp-partial/data.bin.3145728"),
      ],
      mutations: [{
        program: "ftp_server.ts",
        // The refusal thrown before the client's MD5 line is read: the session gets out of step.
        from: "if (!(error instanceof StoreFailed)) throw error;",
        to: "if (!(error instanceof StoreFailed)) throw error;\n" +
          "      throw new Error(`cannot store ${name}: ${error.message}`);",
        shows: "unknown command",
      }],
      reliability: {
        fault: "disk fails mid-upload (patched: ENOSPC after 1 MiB)",
        outcome: 'rest of the upload read and dropped; "error: cannot store …"; older file ' +
          "untouched, what was written kept for resuming; connection kept",
      },
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
        shows: "3145728  data.bin",
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
        from: "await Deno.rename(partial, await resolveForWrite(root, name, true));",
        to: 'throw new Error("Read-only file system (os error 30)");',
      }],
      server: { peer: { program: "ftp_server.ts" } },
      clients: [{
        ...client("client", "put", "f.png"),
        golden: false,
        exitCode: 1,
        stderr: /^ftp_client\.ts: cannot store f\.png: Read-only file system \(os error 30\)$/,
      }],
      bytes: {
        c2s: putBytes("f.png", 1795).c2s,
        s2c: WELCOME_LINE + utf8("0\n") +
          utf8("error: cannot store f.png: Read-only file system (os error 30)\n"),
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
    overIpv6(main),
  ]),
};
