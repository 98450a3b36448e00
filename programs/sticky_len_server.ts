#!/usr/bin/env -S deno run -A
/**
 * @title 3.1 解决粘包问题的思路 — Length as text: the server
 * @seed 003_5d88270f3bd9af2f.txt, "3.1 解决粘包问题的思路", service.py
 * @run deno run --allow-net=127.0.0.1 sticky_len_server.ts [--host 127.0.0.1] [--port 8001] [--faithful]
 *
 * The first fix for 粘包: tell the receiver how long each message is. The client sends the
 * length as decimal text, then the message: `12kinght love 3aym`. This server reads the length,
 * then exactly that many bytes, and prints each message: `kinght love ` and `aym`.
 *
 * The seed's server takes the length with `recv(4)`: but `12` is two characters, so it gets
 * `12ki` and `int()` fails. `--faithful` reads it that way and reports the failure in one line
 * (exit status 1), to keep the lesson visible. The default reads the digits that lead the
 * stream as the length. That works for this client's messages, but the format itself is
 * ambiguous: a message that starts with a digit would be read as part of its length. This is
 * why the next lesson (`framed_*.ts`) sends the length in a fixed 4-byte header.
 *
 * Only `--allow-net` for the address it listens on is needed. Same bytes as the original. It
 * serves one client, reading its messages until it closes, then ends: with status 0 when the
 * stream ends between two messages, with status 1 and one line on stderr when the client
 * breaks the format. Differences from the seed besides the length, all in behaviour:
 * - A length that does not start with a digit (`-3`, `x`, nothing) is refused, and so is one
 *   over `--max-message` (default 16 MiB), as soon as its digits pass the limit and before
 *   anything is allocated (`9223372036854775808…` never gets further than `92233720`). A
 *   stream that ends after a length or inside a message is refused too.
 * - A length of 0 is an empty message (an empty line).
 * - A message that is not valid UTF-8 is printed with U+FFFD (�) in place of the bad bytes.
 * - `--idle-timeout SECONDS` (default 300, 0 = never): a client whose read has waited that
 *   long is let go with one line on stderr, and the server ends with status 1.
 * - Ctrl-C or SIGTERM, also mid-message, closes the listener and ends with status 0.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "sticky_len_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_MAX_MESSAGE = 16 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--faithful] [--max-message BYTES]

Reads "<length as text><message>" messages from one client and prints each message.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --faithful    read the length with the seed's recv(4), and show how it fails
  --max-message BYTES
                the longest message accepted (default ${DEFAULT_MAX_MESSAGE})
  --idle-timeout SECONDS
                close a connection whose read or write has waited this long,
                0 = never (default ${DEFAULT_IDLE_SECONDS})
  --help        show this help`;

const decoder = new TextDecoder();

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

/** The seed's way: four bytes, taken as the length. */
async function faithful(conn: Deno.Conn): Promise<void> {
  const header = await readExactly(conn, 4);
  if (header === null) return;
  const text = decoder.decode(header);
  if (!/^\d+$/.test(text)) {
    throw new Error(
      `粘包: recv(4) got ${
        JSON.stringify(text)
      }, not a length (Python's int() raises ValueError here)`,
    );
  }
  const data = await readExactly(conn, Number(text));
  if (data !== null) console.log(decoder.decode(data));
}

/**
 * Reads the leading digits as the length; null at a clean end of the stream. A length over
 * `maxMessage` is refused as soon as its digits pass it, before any more is read.
 */
async function readLength(
  conn: Deno.Conn,
  carry: Uint8Array[],
  maxMessage: number,
): Promise<number | null> {
  let digits = "";
  const byte = new Uint8Array(1);
  while (true) {
    const n = carry.length ? (byte.set(carry.shift()!), 1) : await conn.read(byte);
    if (n === null) {
      if (digits === "") return null;
      // A last message may be empty: nothing is missing after a length of 0.
      if (Number(digits) === 0) return 0;
      throw new Error(`the stream ended after the length ${digits}`);
    }
    const c = String.fromCharCode(byte[0]);
    if (c >= "0" && c <= "9") digits += c;
    else {
      if (digits === "") {
        const shown = byte[0] < 0x80 ? JSON.stringify(c) : `the byte 0x${byte[0].toString(16)}`;
        throw new Error(`expected a length, got ${shown}`);
      }
      // The first byte of the message: keep it for the message.
      carry.push(byte.slice());
      return Number(digits);
    }
    if (Number(digits) > maxMessage) {
      throw new Error(`a length of ${digits} or more bytes is not accepted (limit ${maxMessage})`);
    }
  }
}

/** Reads `n` bytes, the carried byte first (an empty message leaves it for the next length). */
async function readBody(conn: Deno.Conn, n: number, carry: Uint8Array[]): Promise<Uint8Array> {
  if (n === 0) return new Uint8Array();
  const first = carry.splice(0).reduce((all, b) => [...all, ...b], [] as number[]);
  const rest = await readExactly(conn, n - first.length);
  if (rest === null) throw new Error(`the stream ended inside a ${n}-byte message`);
  return Uint8Array.from([...first, ...rest]);
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
        faithful: { type: "boolean", default: false },
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
    if (flags.faithful) return await faithful(conn);
    const carry: Uint8Array[] = [];
    for (
      let length = await readLength(conn, carry, maxMessage);
      length !== null;
      length = await readLength(conn, carry, maxMessage)
    ) {
      console.log(decoder.decode(await readBody(conn, length, carry)));
    }
  } catch (error) {
    // Only the idle timer closes the connection under a pending read, and it has said so.
    if (error instanceof Deno.errors.Interrupted || error instanceof Deno.errors.BadResource) {
      Deno.exit(1);
    }
    throw error;
  }
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
