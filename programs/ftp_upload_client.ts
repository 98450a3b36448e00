#!/usr/bin/env -S deno run -A
/**
 * @title 使用Socket实现FTP-上传功能(MD5) — FTP upload with MD5: the client
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现FTP-上传功能(MD5)", socket客户端代码
 * @run deno run --allow-net=127.0.0.1 --allow-read=f.png ftp_upload_client.ts [FILE]
 *
 * Uploads one file (default `f.png`, as in the seed): prints the server's welcome, sends the
 * size, waits for the ack, sends the file and its MD5, and prints the server's answer. The
 * upload is verified when the server's MD5 equals ours; the exit status says whether it was.
 *
 * ```
 * 欢迎登陆FTP系统
 * file MD5(before send): 8538a2876ec718b52850d4abfa89b651
 * file MD5(after send):8538a2876ec718b52850d4abfa89b651
 * ```
 *
 * It reads only the file it sends, hence `--allow-read=f.png` for the default.
 *
 * Same bytes on the wire as the Python original, and the same lines on screen. The seed's 运行
 * block shows the last line as the bare MD5; its own server code sends (and its client prints)
 * `file MD5(after send):` before it, which is what this prints. Differences in behaviour:
 * - The file is checked before connecting, so a missing file is a one-line error rather than a
 *   traceback after the welcome.
 * - The welcome, the ack and the answer have fixed lengths, and each is read in full however
 *   the network splits it (the original takes whatever one `recv(1024)` returns).
 * - Exactly the size announced is sent, even if the file grows meanwhile; the exit status is 0
 *   only when the server's MD5 equals ours, 1 otherwise.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";

const NAME = "ftp_upload_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 9999;
const DEFAULT_FILE = "f.png";
const WELCOME = "欢迎登陆FTP系统";
const SIZE_ACK = "已经接收到文件大小数据包，往下继续吧";
const REPLY_PREFIX = "file MD5(after send):";
const CHUNK_SIZE = 1 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [FILE]

FTP upload client: sends FILE (default ${DEFAULT_FILE}) with its size and MD5, and checks
the MD5 the server computed. Exit status 0 only if they match.

Options:
  --host HOST   server address (default ${DEFAULT_HOST})
  --port PORT   server port (default ${DEFAULT_PORT})
  --help        show this help`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// --- small helpers (same name and shape in every script) ---

/** Prints a one-line usage error and exits with status 2. */
function usageError(message: string): never {
  console.error(`${NAME}: ${message} (see --help)`);
  Deno.exit(2);
}

/** Parses a port number from 0 to 65535, or exits with a usage error. */
function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    usageError(`--port takes a number from 0 to 65535, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(
  conn: { write(data: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  let written = 0;
  while (written < data.length) {
    written += await conn.write(data.subarray(written));
  }
}

/** Reads exactly `n` bytes, however the network splits them; null if the peer closes first. */
async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array | null> {
  const data = new Uint8Array(n);
  for (let got = 0; got < n;) {
    const read = await conn.read(data.subarray(got));
    if (read === null) return null;
    got += read;
  }
  return data;
}

/** Connects to host:port, or fails with a one-line reason. */
async function connectTo(hostname: string, port: number): Promise<Deno.TcpConn> {
  try {
    return await Deno.connect({ hostname, port });
  } catch (error) {
    throw new Error(`cannot connect to ${hostname}:${port}: ${(error as Error).message}`);
  }
}
// --- the lesson ---

/** Reads exactly the byte length of `text`, or fails saying what was awaited. */
async function expectText(conn: Deno.Conn, text: string, what: string): Promise<string> {
  const data = await readExactly(conn, encoder.encode(text).length);
  if (data === null) throw new Error(`the server closed the connection before ${what}`);
  return decoder.decode(data);
}

/** Sends exactly `size` bytes of `path`, hashing them; returns the MD5 hex. */
async function sendFile(conn: Deno.Conn, path: string, size: number): Promise<string> {
  const hash = createHash("md5");
  using file = await Deno.open(path);
  const buffer = new Uint8Array(CHUNK_SIZE);
  for (let sent = 0; sent < size;) {
    const n = await file.read(buffer.subarray(0, Math.min(buffer.length, size - sent)));
    if (n === null) throw new Error(`${path} shrank while it was being sent`);
    const piece = buffer.subarray(0, n);
    hash.update(piece);
    await writeAll(conn, piece);
    sent += n;
  }
  return hash.digest("hex");
}

async function main(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_PORT) },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    usageError((error as Error).message);
  }
  const flags = parsed.values;
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const port = parsePort(flags.port);
  if (parsed.positionals.length > 1) usageError("give one file to upload");
  const path = parsed.positionals[0] ?? DEFAULT_FILE;

  // os.stat('f.png').st_size — checked before connecting, so a typo costs no connection.
  let size: number;
  try {
    size = (await Deno.stat(path)).size;
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }

  const conn = await connectTo(flags.host, port);
  console.log(await expectText(conn, WELCOME, "its welcome"));

  // The size first, then wait for the ack, so size and data never stick together.
  await writeAll(conn, encoder.encode(String(size)));
  await expectText(conn, SIZE_ACK, "acknowledging the size");

  const md5 = await sendFile(conn, path, size);
  console.log("file MD5(before send):", md5);
  await writeAll(conn, encoder.encode(md5));

  const reply = await expectText(conn, REPLY_PREFIX + md5, "answering with its MD5");
  console.log(reply);
  conn.close();
  if (reply !== REPLY_PREFIX + md5) {
    throw new Error("the server's MD5 differs: upload not verified");
  }
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
