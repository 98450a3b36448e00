#!/usr/bin/env -S deno run -A
/**
 * @title 样例程序的问题 — The kudingcha welcome server
 * @seed 002_74a0ec6df0a817ca.txt, "4. 样例程序的问题", the first "正确可运行程序"
 * @run deno run --allow-net=127.0.0.1 welcome_server.ts [--host 127.0.0.1] [--port 12346]
 *
 * The notes' journey ends in a server that greets the caller with
 * `welcome kudingcha Tea Garden` and stops once the caller hangs up. On the way the author
 * found out why: without waiting for the client (`if not c.recv(1024): break`), the server
 * loops forever; waiting right after `accept`, before sending, means the greeting is never
 * sent, since both sides wait. So: accept, print the address, greet, then wait. An empty read
 * means the caller closed: the server ends. Anything else the caller says ends only that
 * conversation, and the server waits for the next caller, as in the seed.
 *
 * Only `--allow-net` for the address it listens on is needed.
 *
 * Same bytes as the Python original. Python prints `Address: ('127.0.0.1', 53320)`; this
 * prints `Address: 127.0.0.1:53320`. It announces `listening on tcp://HOST:PORT` on stderr,
 * and Ctrl-C stops it cleanly (exit 0).
 *
 * Limits and faults: `--idle-timeout SECONDS` (default 300, 0 = never) closes a connection whose
 * read or write has waited that long, with one line on stderr (`… idle for N s: closed`); that
 * conversation is over, not the server, and so after a reset. Only a caller that hangs up (an empty
 * read) ends the server. What a caller says is one `recv(1024)`; its content does not matter (not
 * UTF-8, longer than 1024 bytes: the conversation simply ends). Callers are served one after
 * another, as in the seed: the others wait in the listen backlog.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "welcome_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 12346;
const DEFAULT_IDLE_SECONDS = 300;
const WELCOME = "welcome kudingcha Tea Garden";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Greets each caller with "${WELCOME}"; ends when a caller hangs up.

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
    const conn = await listener.accept();
    console.log("Address:", formatAddress(conn.remoteAddr));
    closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
    let heard: string | null | undefined;
    try {
      // Greet first: waiting for the caller before this would leave both sides waiting.
      await writeAll(conn, encoder.encode(WELCOME));
      heard = await readMessage(conn, new TextDecoder());
    } catch {
      // Reset by the caller, or closed for idleness: this conversation is over, not the server.
    }
    conn.close();
    // `if not c.recv(1024): break` — an empty read means the caller hung up: we are done.
    if (heard === null) break;
  }
  listener.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
