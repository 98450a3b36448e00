#!/usr/bin/env -S deno run -A
/**
 * @title 3 粘包 — Sticky packets: the server
 * @seed 003_5d88270f3bd9af2f.txt, "3 粘包", service.py
 * @run deno run --allow-net=127.0.0.1 sticky_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * TCP carries a stream of bytes, not messages. The client sends `kinght love ` and then `aym`,
 * two sends; this server receives one client and prints what arrived: `kinght love aym`, one
 * piece. Nothing in the bytes says where the first message ended (粘包).
 *
 * To show it every time, not just when the timing happens to glue the two sends, the server
 * reads only once the client has finished sending (it reads to the end of the stream, where
 * the seed does one `recv(1024)`), so the client needs no sleep and the result never depends
 * on timing: however the network groups the bytes, the stream is `kinght love aym`.
 *
 * Only `--allow-net` for the address it listens on is needed. It serves one client and ends,
 * as the seed does; it announces `listening on tcp://HOST:PORT` on stderr. Differences from
 * the seed besides the reading to the end, all in behaviour:
 * - It reads at most `--max-message` bytes (default 16 MiB); a client that sends more is
 *   refused with one line on stderr, status 1.
 * - Bytes that are not valid UTF-8 are printed as U+FFFD (�) (Python's `decode()` raises).
 * - `--idle-timeout SECONDS` (default 300, 0 = never): a client whose read has waited that
 *   long is let go with one line on stderr, and the server ends with status 1.
 * - Ctrl-C or SIGTERM, also mid-message, closes the listener and ends with status 0.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "sticky_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_MAX_MESSAGE = 16 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--max-message BYTES]

Receives one client and prints everything it sent, as one piece.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --max-message BYTES
                the most it reads from the client (default ${DEFAULT_MAX_MESSAGE})
  --idle-timeout SECONDS
                close a connection whose read or write has waited this long,
                0 = never (default ${DEFAULT_IDLE_SECONDS})
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

async function main(args: string[]): Promise<void> {
  let flags;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_PORT) },
        "max-message": { type: "string", default: String(DEFAULT_MAX_MESSAGE) },
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
  const maxMessage = Number(flags["max-message"]);
  if (!Number.isInteger(maxMessage) || maxMessage < 0) {
    usageError(`--max-message takes a number of bytes`);
  }
  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    // The listener is closed already once the one client has been accepted.
    try {
      listener.close();
    } catch { /* closed */ }
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  const conn = await listener.accept();
  listener.close();
  closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
  // Everything the client sent, read after it finished: the two sends are one stream.
  let bytes;
  try {
    bytes = await readToEnd(conn, maxMessage);
  } catch (error) {
    // Only the idle timer closes the connection under a pending read, and it has said so.
    if (error instanceof Deno.errors.Interrupted || error instanceof Deno.errors.BadResource) {
      Deno.exit(1);
    }
    throw error;
  }
  const data = new TextDecoder().decode(bytes);
  console.log(data);
}

/** Reads until the client ends the stream; more than `limit` bytes is refused. */
async function readToEnd(conn: Deno.Conn, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  let got = 0;
  for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
    got += n;
    if (got > limit) throw new Error(`more than ${limit} bytes is not accepted`);
    chunks.push(buffer.slice(0, n));
  }
  const data = new Uint8Array(got);
  chunks.reduce((at, chunk) => (data.set(chunk, at), at + chunk.length), 0);
  return data;
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
