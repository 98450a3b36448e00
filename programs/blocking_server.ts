#!/usr/bin/env -S deno run -A
/**
 * @title 4 阻塞与非阻塞 — Blocking and non-blocking: the server
 * @seed 003_5d88270f3bd9af2f.txt, "4 阻塞与非阻塞", socket服务端（接收者）
 * @run deno run --allow-net=127.0.0.1 blocking_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * The seed's point: by default every socket call waits. `accept()` waits for a client,
 * `recv()` waits for data; the program stops there until something happens. This server takes
 * one client, prints what it sends (`ABCDEFGH`) and ends. `nonblocking_demo.ts` shows the other
 * way, `setblocking(False)`, in Deno terms.
 *
 * In Deno, `await listener.accept()` and `await conn.read()` are where this program waits:
 * only this program's flow stops; the runtime underneath never blocks (see the demo).
 *
 * Only `--allow-net` for the address it listens on is needed. Same bytes and screen as the
 * Python original. It reads until the client closes rather than one `recv(1024)`, so a
 * message split by the network is printed whole; it announces `listening on tcp://HOST:PORT`
 * on stderr.
 *
 * Limits and faults: `--idle-timeout SECONDS` (default 300, 0 = never) closes a connection whose
 * read or write has waited that long, with one line on stderr (`… idle for N s: closed`); a client
 * dropped that way, or by a reset, is not the one client: the server waits for the next. A message
 * longer than 64 KiB is refused the same way, with one line on stderr (`… sent more than 65536
 * bytes: refused`). Bytes that are not UTF-8 are printed as U+FFFD. A client that connects and
 * hangs up without a word is the one client: it prints an empty line, as the seed prints `b''`.
 * Ctrl-C or SIGTERM stops it cleanly (exit 0). While it serves its one client, everyone else waits
 * in the listen backlog, and is let go when it ends.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "blocking_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_IDLE_SECONDS = 300;
const MAX_MESSAGE = 64 * 1024;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Waits for one client, prints what it sends, and ends.

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

/**
 * Everything the client sends until it closes, as text (bytes that are not UTF-8 become
 * U+FFFD). Null if the connection broke first (a reset, or closed for idleness), or if the
 * client sent more than `limit` bytes: that is refused with one line on stderr.
 */
async function readToEnd(conn: Deno.Conn, limit: number, who: string): Promise<string | null> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024);
  let text = "";
  let total = 0;
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) return text + decoder.decode();
      total += n;
      if (total > limit) {
        console.error(`${NAME}: ${who} sent more than ${limit} bytes: refused`);
        return null;
      }
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
  } catch {
    return null;
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

  while (true) {
    // Waits (阻塞) until a client connects.
    const conn = await listener.accept();
    const who = formatAddress(conn.remoteAddr);
    closeWhenIdle(conn, idleSeconds, who);
    // Waits (阻塞) until the client has sent everything and closed.
    const data = await readToEnd(conn, MAX_MESSAGE, who);
    conn.close();
    // A broken, silent or oversize client is not the one client: wait for the next.
    if (data === null) continue;
    console.log(data);
    break;
  }
  listener.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
