#!/usr/bin/env -S deno run -A
/**
 * @title 5.1 TCP的服务端同时处理多个客户端 — One server, many clients (the server)
 * @seed 003_5d88270f3bd9af2f.txt, "5.1 TCP的服务端同时处理多个客户端", server.py
 * @run deno run --allow-net=127.0.0.1 multiplex_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * Prints what every client says, several clients at once: `有新的连接` when one connects,
 * `收到消息: …` for each message, `关闭连接` when one leaves. It never answers.
 *
 * Python → Deno: the seed makes the listening socket non-blocking, keeps `inputs` and polls
 * `select.select(inputs, [], [], 0.05)`; here the accept loop and one read loop per client are
 * async functions waiting at the same time, and the runtime wakes whichever is ready.
 *
 * Only `--allow-net` for the address it listens on is needed. Same bytes as the original; on
 * screen, Python's `收到消息: b'…'` shows the bytes object, this shows the text. A client that
 * resets its connection counts as leaving (the original crashes). It announces
 * `listening on tcp://HOST:PORT` on stderr and stops cleanly on Ctrl-C.
 *
 * Limits: `--idle-timeout SECONDS` (default 300, 0 = never) closes a connection whose read or write
 * has waited that long, with one line on stderr (`… idle for N s: closed`); the other clients go
 * on. Bytes that are not UTF-8 are printed as U+FFFD. A message longer than 1024 bytes is read one
 * `recv(1024)` at a time and printed in pieces, one line per read.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "multiplex_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_IDLE_SECONDS = 300;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Prints every message of every client (many at once).

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --idle-timeout SECONDS
                close a connection whose read or write has waited this long, 0 = never
                (default ${DEFAULT_IDLE_SECONDS})
  --help        show this help`;

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

/** One client's messages, printed until it leaves. */
async function serveClient(conn: Deno.TcpConn, idleSeconds: number): Promise<void> {
  closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
  const decoder = new TextDecoder();
  try {
    while (true) {
      const data = await readMessage(conn, decoder);
      if (data === null) break;
      console.log("收到消息:", data);
    }
  } catch {
    // Reset by the client: it has left all the same.
  } finally {
    console.log("关闭连接");
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
  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  for await (const conn of listener) {
    console.log("有新的连接");
    serveClient(conn, idleSeconds);
  }
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
