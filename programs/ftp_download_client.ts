#!/usr/bin/env -S deno run -A
/**
 * @title 使用socket实现FTP-下载功能(增加MD5验证功能) — FTP download with MD5: the client
 * @seed 000_84409504fdc3648b.txt, "使用socket实现FTP-下载功能(增加MD5验证功能)", socket客户端代码
 * @run deno run --allow-net=localhost --allow-read=. --allow-write=. ftp_download_client.ts
 *
 * Asks `>>:` for commands; `get NAME` downloads NAME and saves it as `NAME.new` in the current
 * folder, printing what the seed prints:
 *
 * ```
 * >>:get f.png
 * servr response: 1795
 * last receive: 771
 * file recv done 1795 1795
 * server file md5: 8538a2876ec718b52850d4abfa89b651
 * client file md5: 8538a2876ec718b52850d4abfa89b651
 * ```
 *
 * (`servr` is the seed's spelling.) `last receive` is the size of the final piece when the
 * file is read 1024 bytes at a time, as the seed reads it. End the input (Ctrl-D) to quit.
 *
 * It writes only `NAME.new` (and a temporary file beside it) in the current folder.
 *
 * Same bytes on the wire as the Python original. On screen, Python's reprs of bytes objects,
 * `servr response: b'1795'` and `server file md5: b'8538…'`, become the text they hold.
 * Differences in behaviour:
 * - An answer that is not a size (the server's error, e.g. `error: no such file: x.png`) is
 *   printed and the prompt comes back; the original dies on `int()`, or waits forever for a
 *   server that never answers.
 * - The data is read in large pieces, exactly as many bytes as announced, then exactly the 32
 *   bytes of MD5 (the original may take part of the MD5 as data when they arrive together).
 * - `NAME.new` appears only when the MD5s agree; it is written under a temporary name first,
 *   so a failed download leaves an older `NAME.new` untouched.
 * - Input other than `get NAME` gets a one-line hint instead of being ignored.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";

const NAME = "ftp_download_client.ts";
const DEFAULT_HOST = "localhost";
const DEFAULT_PORT = 9999;
const PROMPT = ">>:";
const ACK = "ready to recv file";
const SEED_PIECE = 1024;
const MD5_HEX_LENGTH = 32;
const CHUNK_SIZE = 1 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

FTP download client: type "get NAME" at the ${PROMPT} prompt to download NAME as NAME.new,
checked with MD5. End the input (Ctrl-D) to quit.

Options:
  --host HOST   server address (default ${DEFAULT_HOST})
  --port PORT   server port (default ${DEFAULT_PORT})
  --help        show this help`;

const encoder = new TextEncoder();

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

/**
 * One `recv(1024)`: the text of one read, or null when the peer has closed. A read that ends
 * inside a UTF-8 character is completed by the next one, so characters never arrive broken.
 */
async function readMessage(conn: Deno.Conn, decoder: TextDecoder): Promise<string | null> {
  const buffer = new Uint8Array(1024);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return null;
    const text = decoder.decode(buffer.subarray(0, n), { stream: true });
    if (text !== "") return text;
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

/** The lines of standard input, without their line endings. */
async function* stdinLines(): AsyncGenerator<string> {
  let pending = "";
  for await (const text of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    pending += text;
    let end = pending.indexOf("\n");
    while (end >= 0) {
      yield pending.slice(0, end).replace(/\r$/, "");
      pending = pending.slice(end + 1);
      end = pending.indexOf("\n");
    }
  }
  if (pending !== "") yield pending;
}

const lines = stdinLines();

/** Python's `input(prompt)`: the prompt without a newline, then one line; null at end of input. */
async function input(prompt: string): Promise<string | null> {
  await writeAll(Deno.stdout, encoder.encode(prompt));
  const next = await lines.next();
  return next.done ? null : next.value;
}
// --- the lesson ---

/**
 * Receives exactly `size` bytes into `path`, hashing them, and prints `last receive: N` where
 * the seed's 1024-byte reads would. Returns the MD5 hex.
 */
async function receiveFile(conn: Deno.Conn, size: number, path: string): Promise<string> {
  const hash = createHash("md5");
  const lastPiece = size - SEED_PIECE * Math.floor((size - 1) / SEED_PIECE);
  let announced = size === 0;
  const announce = (received: number) => {
    if (announced || received < size - lastPiece) return;
    console.log("last receive:", lastPiece);
    announced = true;
  };
  using file = await Deno.open(path, { write: true, createNew: true });
  const buffer = new Uint8Array(CHUNK_SIZE);
  let received = 0;
  while (received < size) {
    announce(received);
    const n = await conn.read(buffer.subarray(0, Math.min(buffer.length, size - received)));
    if (n === null) {
      throw new Error(`the server closed the connection after ${received} of ${size} bytes`);
    }
    const piece = buffer.subarray(0, n);
    hash.update(piece);
    await writeAll(file, piece);
    received += n;
  }
  announce(received);
  console.log("file recv done", received, size);
  return hash.digest("hex");
}

/** One `get NAME`: size, ack, data, MD5; saves NAME.new only if the MD5s agree. */
async function get(conn: Deno.Conn, command: string, decoder: TextDecoder): Promise<void> {
  await writeAll(conn, encoder.encode(command));
  const response = await readMessage(conn, decoder);
  if (response === null) throw new Error("the server closed the connection");
  console.log("servr response:", response);
  // Anything but a size is the server's error answer: nothing follows it.
  if (!/^\d{1,15}$/.test(response)) return;
  await writeAll(conn, encoder.encode(ACK));

  const size = Number(response);
  const target = `${command.split(/\s+/)[1]}.new`;
  const temporary = `${target}.part-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const md5 = await receiveFile(conn, size, temporary);
    const serverMd5 = await readExactly(conn, MD5_HEX_LENGTH);
    if (serverMd5 === null) throw new Error("the server closed the connection before its MD5");
    console.log("server file md5:", new TextDecoder().decode(serverMd5));
    console.log("client file md5:", md5);
    if (new TextDecoder().decode(serverMd5) !== md5) {
      console.log(`MD5 mismatch: ${target} not written`);
      return;
    }
    await Deno.rename(temporary, target);
  } finally {
    await Deno.remove(temporary).catch(() => {});
  }
}

async function main(args: string[]): Promise<void> {
  let flags;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_PORT) },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    usageError((error as Error).message);
  }
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const port = parsePort(flags.port);

  const conn = await connectTo(flags.host, port);
  const decoder = new TextDecoder();
  while (true) {
    const line = await input(PROMPT);
    if (line === null) {
      console.log();
      break;
    }
    const command = line.trim();
    if (command.length === 0) continue;
    if (!command.startsWith("get")) {
      console.log("usage: get NAME");
      continue;
    }
    await get(conn, command, decoder);
  }
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
