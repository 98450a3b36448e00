/**
 * 使用Socket实现FTP-上传功能(MD5) — upload with size, ack, data and MD5.
 *
 * @module
 */

import { seedPython } from "./_helpers.ts";
import type { Lesson } from "../harness/case.ts";

const F_PNG = { fixture: "files/f.png" }; // 1795 bytes, md5 8538a2876ec718b52850d4abfa89b651
const EVERY_BYTE = { fixture: "files/every_byte.bin" }; // 1024 bytes: 0..255 four times

/** Bytes the server sends in every upload: welcome 21, ack 54, reply 21 + 32. */
const SERVER_BYTES = 21 + 54 + 53;

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
  cases: [
    {
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
    },
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
  ],
};
