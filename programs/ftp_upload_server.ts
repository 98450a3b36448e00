#!/usr/bin/env -S deno run -A
/**
 * @title 使用Socket实现FTP-上传功能(MD5) — FTP upload with MD5: the server
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现FTP-上传功能(MD5)", socket服务端代码
 * @run deno run --allow-net=127.0.0.1 --allow-read=. --allow-write=. ftp_upload_server.ts [--out new.png]
 *
 * Receives one file per connection and checks it with MD5, on the tutorial's handshake:
 *
 * ```
 * server → 欢迎登陆FTP系统
 * client → 1795                                   (the size, ASCII decimal)
 * server → 已经接收到文件大小数据包，往下继续吧      (the ack: now send the data)
 * client → <1795 bytes of file> 8538a2876ec718b52850d4abfa89b651   (data, then its MD5 hex)
 * server → file MD5(after send):8538a2876ec718b52850d4abfa89b651
 * ```
 *
 * The ack is the lesson's answer to 粘包 (sticky packets): the client waits for it, so the size
 * never arrives glued to the first bytes of the file. The server prints the size twice, as the
 * seed does (`print(size)` and `print(total_size)`), and writes the file as `new.png`.
 *
 * It reads and writes only the output file (and a temporary file beside it), hence the narrow
 * `--allow-read=. --allow-write=.` for the default `--out new.png`.
 *
 * Same bytes on the wire as the Python original. Differences, all in behaviour:
 * - The original reads the data with `recv(1024)` until it has the size, then `recv(1024)` for
 *   the MD5; when the MD5 arrives glued to the last data chunk, it reads the MD5 as data and
 *   then waits forever for an MD5 that already came. This reads exactly `size` bytes, then
 *   exactly 32.
 * - The file is written to a temporary name and renamed to `new.png` only when its MD5 equals
 *   the client's; on a mismatch or a disconnect nothing is left under `new.png` (an older
 *   `new.png` is untouched) and the server says why in one line.
 * - Each connection is served in its own async task, so a stalled client never holds up others;
 *   a size that is not 1 to 15 digits (non-numeric, negative, 2^63, empty, not UTF-8) ends
 *   that connection with a one-line message, not a crash. The seed prints the size before
 *   checking it; this prints it only once it is a number.
 * - `--idle-timeout SECONDS` (default 300, 0 = never): a connection whose read or write has
 *   waited that long is closed, with one line on stderr; the other connections go on.

 * - It announces `listening on tcp://HOST:PORT` on stderr, and on Ctrl-C or SIGTERM removes any
 *   half-written temporary file and exits with status 0.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";

const NAME = "ftp_upload_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_PORT = 9999;
const DEFAULT_OUT = "new.png";
const WELCOME = "欢迎登陆FTP系统";
const SIZE_ACK = "已经接收到文件大小数据包，往下继续吧";
const REPLY_PREFIX = "file MD5(after send):";
const MD5_HEX_LENGTH = 32;
const CHUNK_SIZE = 1 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--out FILE]

FTP upload server: receives one file per connection (size, ack, data, MD5) and saves it
as FILE once its MD5 matches the client's.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --out FILE    where to save the received file (default ${DEFAULT_OUT})
  --idle-timeout SECONDS
                close a connection whose read or write has waited this long, 0 = never
                (default ${DEFAULT_IDLE_SECONDS})
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

/** Parses `--idle-timeout`: a non-negative number of seconds, or exits with a usage error. */
function parseSeconds(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) {
    usageError(`--idle-timeout takes a number of seconds (0 = never), not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** `host:port`, with IPv6 hosts in brackets. */
function formatAddress(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
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

/**
 * Closes `conn` once one of its reads or writes has waited `seconds` without completing (0 =
 * never), after telling stderr: a client that stalls or goes silent cannot hold its
 * connection forever. The pending read or write then fails, which ends that conversation as a
 * disconnect would; other connections are not affected. One check every quarter of the
 * timeout costs less than a timer per read: a stalled connection goes within 1 to 1.25 times
 * `seconds`. Closing it twice is harmless.
 */
function closeWhenIdle(conn: Deno.Conn, seconds: number, who: string): void {
  if (seconds <= 0) return;
  let pending = 0;
  let since = Date.now();
  let closed = false;
  const check = setInterval(() => {
    if (pending === 0 || Date.now() - since < seconds * 1000) return;
    console.error(`${NAME}: ${who} idle for ${seconds} s: closed`);
    conn.close();
  }, seconds * 250);
  Deno.unrefTimer(check);
  const watch = <T>(io: Promise<T>): Promise<T> => {
    if (pending++ === 0) since = Date.now();
    return io.finally(() => {
      pending--;
      since = Date.now();
    });
  };
  const read = conn.read.bind(conn);
  const write = conn.write.bind(conn);
  const close = conn.close.bind(conn);
  conn.read = (buffer) => watch(read(buffer));
  conn.write = (data) => watch(write(data));
  conn.close = () => {
    if (closed) return;
    closed = true;
    clearInterval(check);
    close();
  };
}

/** Listens on host:port, or fails with a one-line reason. */
function listenOn(hostname: string, port: number): Deno.TcpListener {
  try {
    return Deno.listen({ hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
  }
}

/** Runs `stop` on Ctrl-C (and SIGTERM where the platform has it). */
function onShutdown(stop: () => void): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
}
// --- the lesson ---

/** Temporary files being written, removed if the server is stopped mid-transfer. */
const unfinished = new Set<string>();

/**
 * Receives exactly `size` bytes into `path`, hashing as they arrive; returns the MD5, or null
 * if the client left first.
 */
async function receiveFile(conn: Deno.Conn, size: number, path: string): Promise<string | null> {
  const hash = createHash("md5");
  using file = await Deno.open(path, { write: true });
  const buffer = new Uint8Array(CHUNK_SIZE);
  for (let received = 0; received < size;) {
    // Never ask for more than the file's remaining bytes: what follows is the MD5.
    const n = await conn.read(buffer.subarray(0, Math.min(buffer.length, size - received)));
    if (n === null) return null;
    const piece = buffer.subarray(0, n);
    hash.update(piece);
    await writeAll(file, piece);
    received += n;
  }
  return hash.digest("hex");
}

/** One upload: welcome, size, ack, data, MD5, reply; the file is kept only if the MD5s agree. */
async function serveUpload(conn: Deno.TcpConn, out: string, idleSeconds: number): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  closeWhenIdle(conn, idleSeconds, client);
  const temporary = `${out}.part-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await writeAll(conn, encoder.encode(WELCOME));

    // First the size, alone: the client waits for our ack before sending anything else.
    const size = await readMessage(conn, new TextDecoder());
    if (size === null) {
      console.log(`${client} left before sending a size; ${out} not written`);
      return;
    }
    // Checked before it is printed: a bad size is refused in one line, whatever it holds.
    if (!/^\d{1,15}$/.test(size)) {
      console.log(
        `${client}: the size must be a whole number of bytes (at most 15 digits), not ${
          JSON.stringify(size.slice(0, 100))
        }; ${out} not written`,
      );
      return;
    }
    console.log(size);
    const totalSize = Number(size);
    console.log(totalSize);
    // The temporary file exists before the ack: a stop from then on finds it and removes it.
    unfinished.add(temporary);
    await Deno.writeFile(temporary, new Uint8Array(), { createNew: true });
    await writeAll(conn, encoder.encode(SIZE_ACK));

    // Then exactly totalSize bytes of file, then exactly 32 bytes of MD5.
    const received = await receiveFile(conn, totalSize, temporary);
    const claimed = received === null ? null : await readExactly(conn, MD5_HEX_LENGTH);
    if (received === null || claimed === null) {
      console.log(`${client} left before the upload was complete; ${out} not written`);
      return;
    }
    await writeAll(conn, encoder.encode(REPLY_PREFIX + received));

    // Keep the file only when both sides computed the same MD5.
    const theirs = new TextDecoder().decode(claimed);
    if (theirs !== received) {
      console.log(`MD5 mismatch: client ${theirs}, received ${received}; ${out} not written`);
      return;
    }
    await Deno.rename(temporary, out);
    unfinished.delete(temporary);
  } catch (error) {
    // An idle connection was also reported by closeWhenIdle.
    const why = error instanceof Deno.errors.Interrupted
      ? "closed while idle"
      : (error as Error).message;
    console.log(`${client}: ${why}; ${out} not written`);
  } finally {
    if (unfinished.delete(temporary)) await Deno.remove(temporary).catch(() => {});
    conn.close();
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
        out: { type: "string", default: DEFAULT_OUT },
        "idle-timeout": { type: "string", default: String(DEFAULT_IDLE_SECONDS) },
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
  const idleSeconds = parseSeconds(flags["idle-timeout"]);

  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    for (const path of unfinished) {
      try {
        Deno.removeSync(path);
      } catch { /* already gone */ }
    }
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);

  for await (const conn of listener) serveUpload(conn, flags.out, idleSeconds);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
