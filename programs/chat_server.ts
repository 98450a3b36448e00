#!/usr/bin/env -S deno run -A
/**
 * @title 使用Socket实现聊天机器人 — Chat bot: the server
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现聊天机器人" (the same code is in 001_371bd9c9ea180cac.txt)
 * @run deno run --allow-net=127.0.0.1 chat_server.ts [--host 127.0.0.1] [--port 9999]
 *
 * The first conversation of the tutorial: the server greets each caller with `欢迎致电babyshen`,
 * then answers every message with the same text plus `好` (我 → 我好), until the caller sends
 * `q`. It teaches the shape of every TCP server: listen, accept a connection, then read and
 * write on that connection (not on the listening socket) in lockstep with the client.
 *
 * Only `--allow-net` for the address it listens on is needed: it reads and writes no files.
 *
 * Same bytes as the Python original (raw UTF-8, no framing). Differences, all in behaviour:
 * - Each connection is served in its own async task, so a second caller is answered at once
 *   instead of waiting in the `listen(5)` queue; the wire bytes of each conversation are the same.
 * - A caller that disconnects without `q` ends only its own conversation: the server prints
 *   `客户端已经断开` and goes on (the original loops on the empty `recv` and then crashes).
 * - A read that ends inside a multi-byte UTF-8 character waits for the rest of it, so `我` is
 *   never answered in pieces.
 * - Python prints the connection as `<socket.socket fd=308, family=AddressFamily.AF_INET, …,
 *   laddr=('127.0.0.1', 9999), raddr=('127.0.0.1', 59365)> ('127.0.0.1', 59365)`. Deno has no
 *   such repr, so this prints the same facts as `<Deno.TcpConn laddr=127.0.0.1:9999,
 *   raddr=127.0.0.1:59365> 127.0.0.1:59365`; there is no fd to show.
 * - It announces `listening on tcp://HOST:PORT` on stderr once it accepts, and stops cleanly
 *   (exit 0) on Ctrl-C or SIGTERM.
 * - `--idle-timeout SECONDS` (default 300, 0 = never): a connection whose read or write has
 *   waited that long is closed, with one line on stderr (`… idle for N s: closed`); the other
 *   callers go on.
 * - Bytes that are not UTF-8 are read as U+FFFD (TextDecoder's replacement character) and
 *   answered so: `a\xffb` → `a�b好`. A message longer than 1024 bytes is read the seed's way,
 *   one `recv(1024)` at a time, and answered in pieces: one reply per read.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "chat_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 9999;
const WELCOME = "欢迎致电babyshen";
const REPLY_SUFFIX = "好";
const QUIT = "q";
const DEFAULT_IDLE_SECONDS = 300;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Chat bot server: greets with ${WELCOME}, answers every message with message + ${REPLY_SUFFIX}.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on, 0 for any free port (default ${DEFAULT_PORT})
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

/** The readable Deno stand-in for Python's `<socket.socket fd=…, laddr=…, raddr=…>`. */
function describeConn(conn: Deno.TcpConn): string {
  return `<Deno.TcpConn laddr=${formatAddress(conn.localAddr)}, raddr=${
    formatAddress(conn.remoteAddr)
  }>`;
}

/** Writes every byte: `conn.write` may write only part, like Python's `send`. */
async function writeAll(
  writer: { write(p: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  for (let written = 0; written < data.length;) {
    written += await writer.write(data.subarray(written));
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

/** One caller: welcome, then message → message + 好 until `q` or a disconnect. */
async function serveCaller(conn: Deno.TcpConn, idleSeconds: number): Promise<void> {
  const address = formatAddress(conn.remoteAddr);
  closeWhenIdle(conn, idleSeconds, address);
  // Python: print("conn_address内容：", conn, address)
  console.log("conn_address内容：", describeConn(conn), address);
  const decoder = new TextDecoder();
  try {
    await writeAll(conn, encoder.encode(WELCOME));
    while (true) {
      const message = await readMessage(conn, decoder);
      // An empty read means the caller hung up without saying q.
      if (message === null) {
        console.log("客户端已经断开");
        break;
      }
      if (message === QUIT) break;
      await writeAll(conn, encoder.encode(message + REPLY_SUFFIX));
    }
  } catch {
    // Reset by the peer in the middle of a read or write: same as hanging up.
    console.log("客户端已经断开");
  } finally {
    // Python: print(conn, address), printed before the connection closes.
    console.log(describeConn(conn), address);
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

  // socket() + bind() + listen(5) are one call in Deno.
  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);

  // The seed prints these around a commented-out accept(): accept() is where a server waits.
  console.log("before");
  console.log("after");

  // while True: conn, address = s1.accept() — each caller gets its own task.
  for await (const conn of listener) serveCaller(conn, idleSeconds);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
