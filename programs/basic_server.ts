#!/usr/bin/env -S deno run -A
/**
 * @title 网络编程入门 — Getting started: the server
 * @seed 003_5d88270f3bd9af2f.txt, "1 网络编程入门", service.py
 * @run deno run --allow-net=127.0.0.1 basic_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * The smallest useful server: listen on 127.0.0.1:8001; for each client, read one message,
 * print it, answer `Hello World`, close the connection, and wait for the next client. It
 * teaches the six steps the seed numbers: listen, accept (blocks), recv (blocks), send, close,
 * and (never reached) stop listening.
 *
 * Only `--allow-net` for the address it listens on is needed.
 *
 * Same bytes and same screen as the Python original. Differences, in behaviour only: each
 * client is served in its own async task, so one client that connects and says nothing does not
 * keep the others waiting (the original is stuck in that client's `recv`); it announces
 * `listening on tcp://HOST:PORT` on stderr once it accepts, and stops cleanly on Ctrl-C.
 *
 * Limits: `--idle-timeout SECONDS` (default 300, 0 = never) closes a connection whose read or write
 * has waited that long, with one line on stderr (`… idle for N s: closed`); the other clients go
 * on. Bytes that are not UTF-8 are printed as U+FFFD. The message is one `recv(1024)`: beyond its
 * first 1024 bytes, whatever the client sends is read and dropped until it hangs up, so the answer
 * is never lost to a reset (closing with unread bytes).
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "basic_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_IDLE_SECONDS = 300;
const REPLY = "Hello World";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Prints each client's message and answers "${REPLY}".

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

/**
 * Hangs up without losing the answer: ends our side, then reads and drops whatever the client
 * still sends until it hangs up too. Closing with unread bytes would reset the connection,
 * and a reset can destroy the answer before the client has read it.
 */
async function hangUp(conn: Deno.Conn): Promise<void> {
  await conn.closeWrite();
  const sink = new Uint8Array(1024);
  while (await conn.read(sink) !== null) { /* dropped */ }
}

/** Steps 3 to 5: receive one message, print it, answer, close. */
async function serveClient(conn: Deno.TcpConn, idleSeconds: number): Promise<void> {
  closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
  try {
    const message = await readMessage(conn, new TextDecoder());
    // A client that connects and closes without a word has nothing to print or answer.
    if (message === null) return;
    console.log(message);
    await writeAll(conn, encoder.encode(REPLY));
    // Step 5, close: what the client sends beyond its one message is dropped.
    await hangUp(conn);
  } catch {
    // The client reset the connection (or went idle); the next one is still served.
  } finally {
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

  // Step 1: listen on the IP and port.
  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);

  // Step 2, forever: wait for a client, then serve it.
  for await (const conn of listener) serveClient(conn, idleSeconds);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
