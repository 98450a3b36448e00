#!/usr/bin/env -S deno run -A
/**
 * @title 3.2 使用struct解决数字转字节 — 4-byte length headers: the server
 * @seed 003_5d88270f3bd9af2f.txt, "3.2 使用struct解决数字转字节", 案例 service.py
 * @run deno run --allow-net=127.0.0.1 framed_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * Every message comes with a 4-byte header holding its length: `struct.pack('i', n)`, a signed
 * 32-bit integer in the machine's byte order (little-endian on x86 and ARM, which is what
 * Python writes there). The server reads exactly 4 bytes, then exactly that many bytes, prints
 * the message, and repeats until the client closes (`对方断开连接`). However the network splits
 * or joins the bytes, the messages come out the same; a message of any length works.
 *
 * Python → Deno: `struct.unpack('i', header)[0]` is
 * `new DataView(header.buffer).getInt32(0, true)`.
 *
 * Only `--allow-net` for the address it listens on is needed. Same bytes as the original. It
 * serves one client, as the seed does, then ends: with status 0 when the client closes between
 * two messages, with status 1 and one line on stderr when the client breaks the protocol.
 * Differences from the seed, all in behaviour:
 * - A negative length, or one over `--max-message` (default 16 MiB), is refused before anything
 *   is allocated for it (a header can claim up to 2 GiB; `ff ff ff ff` reads as -1); so is a
 *   stream that ends inside a header or a message. The seed crashes or waits for the bytes.
 * - A message that is not valid UTF-8 is printed with U+FFFD (�) in place of the bad bytes
 *   (Python's `decode()` raises).
 * - `--idle-timeout SECONDS` (default 300, 0 = never): a client whose read has waited that
 *   long is let go with one line on stderr, and the server ends with status 1.
 * - Ctrl-C or SIGTERM, also mid-message, closes the listener and ends with status 0.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "framed_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_MAX_MESSAGE = 16 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--max-message BYTES]

Reads messages with a 4-byte little-endian length header from one client and prints them.

Options:
  --host HOST            address to listen on (default ${DEFAULT_HOST})
  --port PORT            port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --max-message BYTES    the longest message accepted (default ${DEFAULT_MAX_MESSAGE})
  --idle-timeout SECONDS
                         close a connection whose read or write has waited this long,
                         0 = never (default ${DEFAULT_IDLE_SECONDS})
  --help                 show this help`;

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
  try {
    await printMessages(conn, maxMessage);
  } catch (error) {
    // Only the idle timer closes the connection under a pending read, and it has said so.
    if (error instanceof Deno.errors.Interrupted || error instanceof Deno.errors.BadResource) {
      Deno.exit(1);
    }
    throw error;
  }
  conn.close();
}

/** Reads framed messages and prints each, until the client closes between two messages. */
async function printMessages(conn: Deno.Conn, maxMessage: number): Promise<void> {
  const decoder = new TextDecoder();
  while (true) {
    // Exactly 4 bytes of header; none at all means the client closed.
    const start = await readExactly(conn, 1);
    if (start === null) {
      console.log("对方断开连接");
      return;
    }
    const rest = await readExactly(conn, 3);
    if (rest === null) throw new Error("the client closed inside a 4-byte header");
    const header = Uint8Array.of(...start, ...rest);
    const length = new DataView(header.buffer).getInt32(0, true);
    // Refused before anything is allocated for it: a header can claim up to 2 GiB.
    if (length < 0 || length > maxMessage) {
      throw new Error(`a message of ${length} bytes is not accepted (limit ${maxMessage})`);
    }
    // Then exactly that many bytes, in as many reads as it takes.
    const data = await readExactly(conn, length);
    if (data === null) throw new Error(`the client closed inside a ${length}-byte message`);
    console.log(decoder.decode(data));
  }
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
