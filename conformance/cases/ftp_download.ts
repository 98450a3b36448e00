/**
 * 使用socket实现FTP-下载功能(增加MD5验证功能) — download with size, ack, data and MD5: the
 * seed's run, refusals, the seed's Python server and client, the bad-input rows (commands,
 * traversal, disconnects, idle, a crowd, signals, the runtime's own refusal), the command split
 * in two, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ServerRole } from "../harness/case.ts";
import type { Step } from "../harness/expect.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import { type CaseMutation, KEPT, NEXT } from "./_bad_input.ts";
import { splitting } from "./_chaos.ts";
import { seedPython, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { crowdCase, idleCase, limitCases, signalCases, withServerFolder } from "./_rows.ts";
import { splitMessageCase } from "./_split_message.ts";
import { vanishingAtEveryPoint } from "./_vanishing.ts";
import {
  escapedClientCase,
  escapedServerCase,
  hostileServer,
  INJECTED_SHOWN,
  unescapedLog,
} from "./_escaped.ts";

const F_PNG = { fixture: "files/f.png" }; // 1795 bytes, md5 8538a2876ec718b52850d4abfa89b651
const PROMPT = ">>:";
const get = (name: string): Step => ({ wait: PROMPT, type: `get ${name}` });

// --- Bad input (docs/RELIABILITY.md) ---

const HI_MD5 = "b1946ac92492d2347c6235b4d2611184";
const DL_SERVER: ServerRole = { peer: { program: "ftp_download_server.ts" } };
const DL_HI = { at: "server", path: "hi.txt", content: { text: "hello\n" } } as const;
/** A whole download of hi.txt. */
const DL_GET: RawStep[] = [
  { send: "get hi.txt" },
  { recv: "6" },
  { send: "ready to recv file" },
  { recv: `hello\n${HI_MD5}` },
];

/** A name that steers a terminal: ESC, a C1 CSI, a right-to-left override (no space: one word). */
const INJECTED_NAME = "hi\u001b[2J\u009b31m\u202eend";

/** A fake server that answers a get with 5 bytes of file and an "MD5" that clears the screen. */
const HOSTILE_MD5_SERVER = String.raw`
  const encoder = new TextEncoder();
  const listener = Deno.listen({ hostname: "{host}", port: 0 });
  console.error("listening on tcp://{host}:" + listener.addr.port);
  async function serve(conn) {
    const buffer = new Uint8Array(4096);
    // The size for the get, then the file and its MD5 for the ack.
    for (const reply of ["5", "hello[2J" + "0".repeat(28)]) {
      if ((await conn.read(buffer).catch(() => null)) === null) break;
      const data = encoder.encode(reply);
      for (let sent = 0; sent < data.length;) sent += await conn.write(data.subarray(sent));
    }
    while ((await conn.read(buffer).catch(() => null)) !== null) continue;
    conn.close();
  }
  for await (const conn of listener) serve(conn).catch(() => conn.close());`;

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

/** get f.png, as in the seed. */
const main: ConformanceCase = {
  id: "ftp_download",
  title: "get f.png: f.png.new arrives with the server's MD5",
  files: [{ at: "server", path: "f.png", content: F_PNG }],
  server: { peer: { program: "ftp_download_server.ts" } },
  clients: [{ peer: { program: "ftp_download_client.ts" }, dialogue: [get("f.png")] }],
  // "get f.png" + "ready to recv file"; "1795" + data + MD5.
  bytes: { c2s: 9 + 18, s2c: 4 + 1795 + 32 },
  expectFiles: [{ at: "client", path: "f.png.new", content: F_PNG }],
  mutations: [
    {
      program: "ftp_download_server.ts",
      from: `console.log("file md5",`,
      to: `console.log("md5",`,
      shows: "+md5 8538a2876ec718b52850d4abfa89b651",
    },
    {
      program: "ftp_download_client.ts",
      from: "await Deno.rename(temporary, target);",
      to: "",
      shows: "client: f.png.new is missing",
    },
  ],
};

/** The download lesson. */
export const ftpDownload: Lesson = {
  id: "ftp_download",
  title: "使用socket实现FTP-下载功能(增加MD5验证功能)",
  titleEn: "FTP download with MD5",
  seed: {
    file: "000_84409504fdc3648b.txt",
    section: "使用socket实现FTP-下载功能(增加MD5验证功能)",
  },
  transport: "tcp",
  host: "0.0.0.0",
  port: 9999,
  scripts: ["ftp_download_server.ts", "ftp_download_client.ts"],
  chaos: {
    mayBreak: splitting(
      "the command `get NAME`, the size and the ack are bare text read with one recv each",
    ),
  },
  // A case whose server may change files gets an empty server folder to start from.
  cases: withServerFolder([
    main,
    {
      id: "ftp_download-refusals",
      title: "missing files, .., absolute paths and outward links get an answer; get works after",
      files: [
        { at: "server", path: "served/f.png", content: F_PNG },
        { at: "server", path: "secret.txt", content: { text: "outside the served folder\n" } },
        { at: "server", path: "served/link.txt", symlinkTo: "../secret.txt" },
      ],
      server: { peer: { program: "ftp_download_server.ts", args: ["--root", "served"] } },
      clients: [{
        peer: { program: "ftp_download_client.ts" },
        dialogue: [
          get("missing.png"),
          get("../secret.txt"),
          get("/etc/passwd"),
          get("link.txt"),
          get("a b"),
          { wait: PROMPT, type: "put x" },
          get("f.png"),
        ],
      }],
      expectFiles: [
        { at: "client", path: "f.png.new", content: F_PNG },
        { at: "client", path: "missing.png.new", absent: true },
        { at: "client", path: "link.txt.new", absent: true },
      ],
      mutations: [{
        program: "ftp_download_server.ts",
        from: "if (!isInside(root, real)) {",
        to: "if (false) {",
        shows: `-servr response: error: refused "link.txt": it leads outside the served folder`,
      }],
      reliability: {
        fault: "traversal: ../x, /etc/passwd, symlink out",
        outcome: 'one-line answer "error: refused …" (a missing file: "error: no such file"); ' +
          "connection kept; get works after",
      },
    },
    {
      id: "ftp_download-python-server",
      title: "ftp_download_client.ts against the seed's Python server",
      files: [{ at: "server", path: "f.png", content: F_PNG }],
      server: {
        peer: seedPython("ftp_download_server.py"),
      },
      clients: [{
        peer: { program: "ftp_download_client.ts" },
        dialogue: [get("f.png")],
        golden: "ftp_download.client",
      }],
      bytes: { c2s: 9 + 18, s2c: 4 + 1795 + 32 },
      expectFiles: [{ at: "client", path: "f.png.new", content: F_PNG }],
      mutations: [{
        program: "ftp_download_client.ts",
        from: `const ACK = "ready to recv file";`,
        to: `const ACK = "ready";`,
        shows: "c2s 14, s2c 1831",
      }],
    },
    {
      id: "ftp_download-python-client",
      title:
        "the seed's Python client against ftp_download_server.ts (it ends on EOFError, as in Python)",
      files: [{ at: "server", path: "hello.txt", content: { text: "hello world\n" } }],
      server: { peer: { program: "ftp_download_server.ts" }, golden: false },
      clients: [{
        peer: seedPython("ftp_download_client.py"),
        dialogue: [get("hello.txt")],
        exitCode: 1,
        stderr: /EOFError/,
      }],
      bytes: { c2s: 13 + 18, s2c: 2 + 12 + 32 },
      expectFiles: [{ at: "client", path: "hello.txt.new", content: { text: "hello world\n" } }],
      mutations: [{
        program: "ftp_download_server.ts",
        from: "await writeAll(conn, encoder.encode(md5));",
        to: "await writeAll(conn, encoder.encode(md5.toUpperCase()));",
        shows: "+server file md5: b'6F5902AC",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
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
        from:
          "if (error instanceof Deno.errors.NotFound) throw new Error(`no such file: ${name}`);",
        to: "",
        shows: "raw peer expected",
      },
      `one-line answer "error: no such file: ��" (the bytes read as U+FFFD)`,
    ),
    {
      id: "ftp_download-max-downloads",
      title: "--max-downloads 2: two downloaders that stop reading hold both places; a third " +
        "get is answered error: busy at once, on a connection that goes on",
      files: [DL_HI, { at: "server", path: "big.bin", content: { generated: 32 << 20 } }],
      // The stalled two end as the case closes them (a broken pipe or a reset): no golden.
      server: {
        ...DL_SERVER,
        peer: { program: "ftp_download_server.ts", args: ["--max-downloads", "2"] },
        golden: false,
      },
      clients: [
        {
          role: "stalled",
          // More than the socket buffers on the way hold: the download cannot end by itself.
          raw: [
            { send: "get big.bin" },
            { recv: String(32 << 20) },
            { send: "ready to recv file" },
            { leaveOpen: true },
          ],
          copies: 2,
        },
        {
          role: "third",
          raw: [
            { send: "get hi.txt" },
            { recv: "error: busy: 2 downloads under way" },
            { send: "get nothing.txt" },
            { recv: "error: no such file: nothing.txt" },
          ],
        },
      ],
      mutations: [{
        program: "ftp_download_server.ts",
        from: "if (downloads >= maxDownloads) {",
        to: "if (false) {",
        shows: "raw peer expected",
      }],
      reliability: {
        fault: "downloaders that stop reading (each download holds a 1 MiB buffer)",
        outcome: 'at most --max-downloads (default 16) at once; one more is answered "error: ' +
          `busy: N downloads under way"; ${KEPT}`,
      },
    },
    {
      id: "ftp_download-no-path",
      title: "a name the system refuses (300 bytes): the answer gives the reason, never where " +
        "the server keeps its files; get works after on the same connection",
      files: [DL_HI],
      server: DL_SERVER,
      clients: [{
        role: "raw",
        raw: [
          { send: `get ${"a".repeat(300)}` },
          { recv: `error: cannot read ${"a".repeat(300)}: file name too long` },
          ...DL_GET,
        ],
      }],
      mutations: [{
        program: "ftp_download_server.ts",
        from: "encoder.encode(`error: ${withoutPaths((error as Error).message)}`)",
        to: "encoder.encode(`error: ${(error as Error).message}`)",
        shows: "File name too long",
      }],
      reliability: {
        fault: "a name the system refuses (too long)",
        outcome: `answered "error: cannot read …: file name too long", no path; ${KEPT}`,
      },
    },
    {
      id: "ftp_download-oversize",
      title: "a 3000-byte command: read in 1024-byte pieces, each answered; the server goes on",
      files: [DL_HI],
      server: { ...DL_SERVER, golden: false },
      clients: [
        {
          role: "oversize",
          raw: [{ send: `get ${"a".repeat(2996)}` }, { expect: /^error: / }, { vanish: true }],
        },
        { role: "next", raw: DL_GET },
      ],
      mutations: [{
        program: "ftp_download_server.ts",
        // A server that drops a client whose name is long.
        from: "console.log(printable(filename));",
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
        from: "if (data === null) {",
        to: "if (data === null) {\n        Deno.exit(1);",
        shows: "",
      }],
      reliability: {
        fault: "disconnect at every step",
        outcome: `connection let go (客户端已经断开); ${NEXT}`,
      },
    },
    idleCase("ftp_download-idle", DL_SERVER, [], { role: "next", raw: DL_GET }, {
      files: [DL_HI],
    }),
    crowdCase(
      "ftp_download-1000-connections",
      DL_SERVER,
      // A command each, answered; not a download each, which --max-downloads (16) would turn
      // away with error: busy (ftp_download-max-downloads).
      [{ send: "get nothing.txt" }, { recv: "error: no such file: nothing.txt" }],
      { role: "next", raw: DL_GET },
      `all 1,000 answered and held open; ${NEXT} while they stay open`,
      {
        files: [DL_HI],
      },
    ),
    ...limitCases("ftp_download", DL_SERVER, [], { role: "next", raw: DL_GET }, { files: [DL_HI] }),
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
          // The runtime's refusal, without the path it names (withoutPaths).
          { recv: "error: cannot read ../other/secret.txt: not allowed by --allow-read" },
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
        outcome: `one-line answer "error: cannot read …: not allowed by --allow-read"; ${KEPT}`,
      },
    },
    // --- A message split in two ---
    splitMessageCase(main, {
      id: "ftp_download-split-command",
      title: "get f.png split after get f: the server looks for f, then hears .png as a command",
      holdBack: { dir: "c2s", after: utf8("get f") },
      // The answer to .png may be read glued to the first: only the broken answer is pinned.
      server: { peer: { program: "ftp_download_server.ts" }, golden: false },
      clients: [{
        peer: { program: "ftp_download_client.ts" },
        dialogue: [{ wait: ">>:", type: "get f.png" }],
        golden: false,
        transcriptMatches: /servr response: error: no such file: f(error: usage: get NAME)?\n/,
      }],
      mutations: [{
        program: "ftp_download_server.ts",
        from: "no such file: ${name}",
        to: "not found: ${name}",
        shows: "does not match",
      }],
    }),
    escapedServerCase(
      "ftp_download-escaped",
      DL_SERVER,
      [{
        role: "raw",
        raw: [
          { send: `get ${INJECTED_NAME}` },
          { expect: /^error: refused / },
          ...DL_GET,
        ],
      }],
      unescapedLog("ftp_download_server.ts", "filename"),
      "-hi\\u{1b}[2J\\u{9b}31m\\u{202e}end",
      { files: [DL_HI] },
    ),
    escapedClientCase(
      "ftp_download-client-escaped",
      {},
      { peer: { program: "ftp_download_client.ts" }, dialogue: [get("x")] },
      {
        program: "ftp_download_client.ts",
        from: `console.log("servr response:", printable(response));`,
        to: `console.log("servr response:", response);`,
      },
      `-servr response: ${INJECTED_SHOWN}`,
    ),
    {
      id: "ftp_download-client-escaped-md5",
      title: "a server's MD5 holding ESC is printed escaped as \\u{…}; the file is not kept",
      // Plain JavaScript: `--ext=js` leaves no compiled copy under the case's temporary folder.
      server: {
        peer: { command: ["deno", "eval", "--ext=js", HOSTILE_MD5_SERVER] },
        golden: false,
      },
      clients: [{ peer: { program: "ftp_download_client.ts" }, dialogue: [get("x")] }],
      expectFiles: [{ at: "client", path: "x.new", absent: true }],
      mutations: [{
        program: "ftp_download_client.ts",
        from: `console.log("server file md5:", printable(serverMd5));`,
        to: `console.log("server file md5:", serverMd5);`,
        shows: `-server file md5: \\u{1b}[2J${"0".repeat(28)}`,
      }],
    },
    {
      id: "ftp_download-client-interrupted",
      title: "Ctrl-C in the middle of a download: the client removes its temporary file, says " +
        "so in one line and exits with status 130",
      // It announces 100 bytes, sends 10, then holds the connection open and says nothing.
      server: {
        peer: hostileServer({ replies: ["100", "0123456789"], answers: 2, holdsOn: true }),
        golden: false,
      },
      clients: [{
        peer: { program: "ftp_download_client.ts" },
        // "last receive" comes once the temporary file is open: the signal finds it there.
        dialogue: [get("x"), { wait: "last receive: 100\n", type: "^C", signal: "SIGINT" }],
        exitCode: 130,
        stderr: /^ftp_download_client\.ts: interrupted: x\.new not written$/,
      }],
      expectFiles: [
        { at: "client", path: ".", holdsNone: /\.part-/ },
        { at: "client", path: "x.new", absent: true },
      ],
      mutations: [{
        program: "ftp_download_client.ts",
        from: `Deno.addSignalListener(signal, interrupted);`,
        to: ``,
        shows: "holds x.new.part-",
      }],
    },
    overIpv6(main),
  ]),
};
