#!/usr/bin/env -S deno run -A
/**
 * @title selectors — several connections at once: the server
 * @seed 002_74a0ec6df0a817ca.txt, "5. selectors" (the multi-connection program its notes are about)
 * @run deno run --allow-net=127.0.0.1 multiconn_server.ts [--host 127.0.0.1] [--port 65432]
 *
 * An echo server for many connections at once, in the spirit of the seed's `selectors` notes:
 * it prints `accepted connection from ADDR` for each connection, echoes everything back, and
 * `closing connection to ADDR` when the peer closes. Use it with `multiconn_client.ts`.
 *
 * Python → Deno: with selectors, the listening socket is registered for EVENT_READ with
 * `data=None` and each connection with a `SelectorKey` whose `data` holds its state;
 * `sel.select()` returns the ready keys and the loop dispatches on `key.data`. In Deno each
 * connection is an async function whose local variables are its state (the `data`), and the
 * runtime (epoll, DefaultSelector's choice on Linux) wakes whichever is ready. The
 * register/unregister calls have no counterpart: a connection's function ends when it closes.
 *
 * Only `--allow-net` for the address it listens on is needed. It announces
 * `listening on tcp://HOST:PORT` on stderr and stops cleanly on Ctrl-C.
 *
 * Limits: `--idle-timeout SECONDS` (default 300, 0 = never) closes a connection whose read or write
 * has waited that long, with one line on stderr (`… idle for N s: closed`); the other connections
 * go on. It echoes bytes, not text: anything, UTF-8 or not, comes back unchanged, read and echoed
 * 1024 bytes at a time (a longer message comes back whole, in pieces).
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "multiconn_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 65432;
const DEFAULT_IDLE_SECONDS = 300;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Echo server for many connections at once.

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

/** One connection (a registered key): echo what comes in until the peer closes. */
async function serviceConnection(conn: Deno.TcpConn, idleSeconds: number): Promise<void> {
  const peer = formatAddress(conn.remoteAddr);
  closeWhenIdle(conn, idleSeconds, peer);
  const buffer = new Uint8Array(1024);
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      await writeAll(conn, buffer.subarray(0, n));
    }
  } catch {
    // Reset by the peer: closed all the same.
  } finally {
    console.log("closing connection to", peer);
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
    console.log("accepted connection from", formatAddress(conn.remoteAddr));
    serviceConnection(conn, idleSeconds);
  }
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
