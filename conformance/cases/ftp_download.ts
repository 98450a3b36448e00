/**
 * 使用socket实现FTP-下载功能(增加MD5验证功能) — download with size, ack, data and MD5; refusals.
 *
 * @module
 */

import { seedPython } from "./_helpers.ts";
import type { Lesson } from "../harness/case.ts";
import type { Step } from "../harness/expect.ts";

const F_PNG = { fixture: "files/f.png" }; // 1795 bytes, md5 8538a2876ec718b52850d4abfa89b651
const PROMPT = ">>:";
const get = (name: string): Step => ({ wait: PROMPT, type: `get ${name}` });

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
  cases: [
    {
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
    },
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
  ],
};
