#!/usr/bin/env -S deno run -A
/**
 * @title 5.2 IO复用完成客户端基础伪并发请求 — The server that makes one request slow
 * @seed 003_5d88270f3bd9af2f.txt, "5.2 IO复用完成客户端基础伪并发请求", service.py
 * @run deno run --allow-net=127.0.0.1 delay_server.ts [--host 127.0.0.1] [--port 8001] [--delay 5] [--blocking]
 *
 * Answers every message at once (`已收到普通信息：first`), except `sleep`, which it answers after
 * a delay (`已收到延时反馈信息:sleep`, 5 s by default, `--delay`). Use it with
 * `pseudo_concurrent_client.ts`, which sends four requests at once.
 *
 * The lesson's point, both ways:
 * - By default the delay is an `await` of a timer inside that one connection's async function:
 *   the other connections are answered meanwhile.
 * - `--blocking` reproduces the seed's server, whose `time.sleep(5)` inside its single select
 *   loop stops everything: here `Atomics.wait` blocks the whole thread for the delay, so no
 *   other connection is read or answered until it is over.
 *
 * Only `--allow-net` for the address it listens on is needed. Same bytes as the Python original
 * (note the seed's two colons: ASCII in `已收到延时反馈信息:`, full-width in `已收到普通信息：`).
 * Python prints the message and `收到普通信息 first`; this prints the same lines. It announces
 * `listening on tcp://HOST:PORT` on stderr and stops cleanly on Ctrl-C.
 *
 * Limits: `--idle-timeout SECONDS` (default 300, 0 = never) closes a connection whose read or write
 * has waited that long, with one line on stderr (`… idle for N s: closed`); the other clients go
 * on. Bytes that are not UTF-8 are read as U+FFFD and answered so. A message longer than 1024 bytes
 * is read one `recv(1024)` at a time and answered in pieces, one reply per read. Any message but
 * `sleep` is a normal one: there are no unknown commands.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "delay_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_DELAY_SECONDS = 5;
const SLOW = "sleep";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--delay SECONDS] [--blocking]

Answers every message at once, except "${SLOW}", answered after the delay.

Options:
  --host HOST         address to listen on (default ${DEFAULT_HOST})
  --port PORT         port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --idle-timeout SECONDS
                      close a connection whose read or write has waited this long, 0 = never
                      (default ${DEFAULT_IDLE_SECONDS})
  --delay SECONDS     how long "${SLOW}" takes (default ${DEFAULT_DELAY_SECONDS})
  --blocking          wait the way the seed does, stopping every connection meanwhile
  --help              show this help`;

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

/** Waits `seconds`: only this connection (an awaited timer), or everything (blocking). */
async function pause(seconds: number, blocking: boolean): Promise<void> {
  if (blocking) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
  else await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** One connection: answer each message, the slow one late. */
async function serveClient(
  conn: Deno.TcpConn,
  seconds: number,
  blocking: boolean,
  idleSeconds: number,
): Promise<void> {
  closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
  const decoder = new TextDecoder();
  try {
    while (true) {
      const data = await readMessage(conn, decoder);
      if (data === null) break;
      console.log(data);
      if (data === SLOW) {
        console.log("收到延时信息", data);
        await pause(seconds, blocking);
        await writeAll(conn, encoder.encode(`已收到延时反馈信息:${data}`));
      } else {
        console.log("收到普通信息", data);
        await writeAll(conn, encoder.encode(`已收到普通信息：${data}`));
      }
    }
  } catch {
    // Reset by the client: closed all the same.
  } finally {
    console.log("连接已被关闭");
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
        delay: { type: "string", default: String(DEFAULT_DELAY_SECONDS) },
        blocking: { type: "boolean", default: false },
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
  const seconds = Number(flags.delay);
  if (!(seconds >= 0)) {
    usageError(`--delay takes a number of seconds, not ${JSON.stringify(flags.delay)}`);
  }
  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  for await (const conn of listener) {
    console.log("有新的连接");
    serveClient(conn, seconds, flags.blocking, idleSeconds);
  }
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
