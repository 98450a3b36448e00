#!/usr/bin/env -S deno run --allow-net
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
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "framed_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const MAX_MESSAGE = 16 << 20;
const CLOSED = "对方断开连接";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    "max-message": { type: "string", default: String(MAX_MESSAGE) },
    "idle-timeout": { type: "string", default: "300" },
  }, USAGE).values;
  const maxMessage = Number(flags["max-message"]);
  // Digits only: Number() would also take "", "0x10" and "1e3".
  if (!/^\d{1,15}$/.test(flags["max-message"])) {
    throw new UsageError("--max-message takes a whole number of bytes");
  }

  // socket() + bind() + listen(5) are one call in Deno.
  const listener = listenOn(flags.host, Number(flags.port));

  // conn, addr = sock.accept(): one client, as in the seed; nobody else is let in after it.
  const accepted = await acceptRetrying(listener);
  listener.close();
  const conn = withIdleTimeout(accepted, Number(flags["idle-timeout"]));

  // Its messages, until it closes between two of them. A client that breaks the protocol (or
  // is idle past --idle-timeout) ends the server with one line on stderr and status 1.
  await printMessages(conn, maxMessage);
  conn.close();
}

/** Reads framed messages and prints each, until the client closes between two messages. */
async function printMessages(conn: Conn, maxMessage: number): Promise<void> {
  const decoder = new TextDecoder();
  while (true) {
    // header = conn.recv(4), but exactly 4 bytes, however the network splits them.
    const header = await readHeader(conn);
    // if not header: the client closed between two messages, the one clean end.
    if (header === null) {
      console.log(CLOSED);
      return;
    }
    // data_lenth = struct.unpack('i', header)[0]: signed 32-bit, little-endian.
    const length = new DataView(header.buffer).getInt32(0, true);
    // Refused before anything is allocated for it: a header can claim up to 2 GiB.
    if (length < 0 || length > maxMessage) {
      throw new Error(`a message of ${length} bytes is not accepted (limit ${maxMessage})`);
    }
    // The seed's inner recv loop: exactly that many bytes, in as many reads as it takes.
    const data = await readBody(conn, length);
    console.log(printable(decoder.decode(data)));
  }
}

/** The 4-byte header, or null if the client closed before it: between two messages. */
async function readHeader(conn: Conn): Promise<Uint8Array | null> {
  try {
    return await readExactly(conn, 4);
  } catch (error) {
    if (error instanceof ShortRead) throw new Error("the client closed inside a 4-byte header");
    throw error;
  }
}

/** The `length` bytes of a message; the client closing before the last of them is an error. */
async function readBody(conn: Conn, length: number): Promise<Uint8Array> {
  try {
    const data = await readExactly(conn, length);
    if (data !== null) return data;
  } catch (error) {
    if (!(error instanceof ShortRead)) throw error;
  }
  throw new Error(`the client closed inside a ${length}-byte message`);
}

/** The peer closed in the middle of a message: some of its bytes came, not all. */
class ShortRead extends Error {}

/** Exactly `n` bytes: null if the peer closed before the first, ShortRead if after some. */
async function readExactly(conn: Pick<Deno.Conn, "read">, n: number): Promise<Uint8Array | null> {
  const data = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const count = await conn.read(data.subarray(got));
    if (count === null && got === 0) return null;
    if (count === null) throw new ShortRead(`the peer closed after ${got} of ${n} bytes`);
    got += count;
  }
  return data;
}

/**
 * Differences from the seed (same bytes on the wire; behaviour fixed):
 * - It serves one client, as the seed does, then ends: with status 0 when the client closes
 *   between two messages, with status 1 and one line on stderr when the client breaks the
 *   protocol or is idle past `--idle-timeout`.
 * - A negative length, or one over `--max-message` (default 16 MiB), is refused before anything
 *   is allocated for it (a header can claim up to 2 GiB; `ff ff ff ff` reads as -1); so is a
 *   stream that ends inside a header or a message. The seed crashes or waits for the bytes.
 * - A message that is not valid UTF-8 is printed with U+FFFD (�) in place of the bad bytes
 *   (Python's `decode()` raises).
 * - What a client sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--max-message BYTES]

Reads messages with a 4-byte little-endian length header from one client and prints them.

Options:
  --host HOST            address to listen on (default ${HOST})
  --port PORT            port to listen on, 0 for any free port (default ${PORT})
  --max-message BYTES    the longest message accepted (default ${MAX_MESSAGE})
  --idle-timeout SECONDS
                         close a connection when no read or write has begun this long,
                         0 = never (default 300)
  --help                 show this help`;

/** A command line the script cannot take: reported in one line, exit status 2. */
class UsageError extends Error {}

/** `parseArgs` on the command line, with `--help`, and the shared flags' numbers checked. */
function readFlags<T extends FlagOptions>(options: T, usage: string, words = false) {
  const all = { ...options, help: { type: "boolean", short: "h" } } as const;
  const parsed = parseArgs({ args: Deno.args, options: all, allowPositionals: words });
  const values = parsed.values as Record<string, unknown>;
  if (values.help) {
    console.log(usage);
    Deno.exit(0);
  }
  for (const [flag, [isValid, what]] of Object.entries(NUMBER_FLAGS)) {
    const value = values[flag];
    if (typeof value === "string" && !isValid(value)) {
      throw new UsageError(`--${flag} takes ${what}, not ${JSON.stringify(value)}`);
    }
  }
  return parsed;
}

/** The numbers the shared flags take, and how a wrong one is told. */
const NUMBER_FLAGS: Record<string, [(text: string) => boolean, string]> = {
  port: [(text) => /^\d{1,5}$/.test(text) && Number(text) <= 65535, "a number from 0 to 65535"],
  // Under 1,000,000 s: a timer longer than 24.8 days would fire at once.
  "idle-timeout": [(text) => /^\d{1,6}(\.\d+)?$/.test(text), "seconds, 0 (never) to 999999"],
  "max-connections": [(text) => /^[1-9]\d{0,8}$/.test(text), "a whole number from 1"],
};

/** The option descriptions `parseArgs` takes. */
type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

/**
 * `text` as it may be shown on a terminal: control characters (C0, DEL, C1) and the bidi
 * controls appear as `\u{…}` escapes, so a peer's text cannot move the cursor, recolour the
 * screen or forge a line.
 */
function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`,
  );
}

/** `host:port`, with IPv6 hosts in brackets. */
function formatAddress({ hostname, port }: Deno.NetAddr): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/** Listens on host:port and says so on stderr; Ctrl-C or SIGTERM runs `cleanUp` and exits 0. */
function listenOn(hostname: string, port: number, cleanUp = () => {}): Deno.TcpListener {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
  }
  for (const signal of ["SIGINT", Deno.build.os === "windows" ? "SIGBREAK" : "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      cleanUp();
      Deno.exit(0);
    });
  }
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  return listener;
}

/** A connection as the lesson uses it: what `withIdleTimeout` returns. */
type Conn = Pick<Deno.TcpConn, "localAddr" | "remoteAddr" | "read" | "write" | "close">;

/** `conn`, closed when no read or write begins for `seconds` (0 = never), failing with TimedOut. */
function withIdleTimeout(conn: Deno.TcpConn, seconds: number): Conn {
  if (seconds <= 0) return conn;
  // Quiet quarters of the timeout are counted: nothing is timed per read or write.
  const peer = formatAddress(conn.remoteAddr);
  let quietQuarters = 0;
  const check = setInterval(() => {
    quietQuarters++;
    if (quietQuarters < 5) return;
    clearInterval(check);
    conn.close();
  }, seconds * 250);
  function whyFailed(error: unknown): never {
    if (quietQuarters < 5) throw error;
    throw new Deno.errors.TimedOut(`${peer} idle for ${seconds} s: closed`);
  }
  return {
    localAddr: conn.localAddr,
    remoteAddr: conn.remoteAddr,
    // A read or write beginning is the activity that keeps the connection.
    read(buffer) {
      if (quietQuarters < 5) quietQuarters = 0;
      return conn.read(buffer).catch(whyFailed);
    },
    write(data) {
      if (quietQuarters < 5) quietQuarters = 0;
      return conn.write(data).catch(whyFailed);
    },
    close() {
      clearInterval(check);
      if (quietQuarters < 5) conn.close();
    },
  };
}

/**
 * `listener.accept()` that outlasts a shortage: when it fails for want of file descriptors
 * (EMFILE) or memory, it says so once and tries again every 0.1 s, keeping the listener.
 */
async function acceptRetrying(listener: Deno.TcpListener): Promise<Deno.TcpConn> {
  let failures = 0;
  while (true) {
    try {
      return await listener.accept();
    } catch (error) {
      // Closed by the server itself (it is stopping): there is nothing more to accept.
      if (error instanceof Deno.errors.BadResource) throw error;
      if (failures === 0) {
        console.error(`${NAME}: cannot accept (${(error as Error).message}): retrying`);
      }
      failures++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

if (import.meta.main) {
  // Exit when main is done, whatever still waits (standard input, timers).
  main().then(() => Deno.exit(0), (error) => {
    const usage = error instanceof UsageError || /^ERR_PARSE_ARGS/.test(error.code);
    // One line, always: parseArgs explains a value that starts with a dash in three.
    const message = (error as Error).message.replaceAll("\n", " ");
    console.error(`${NAME}: ${message}${usage ? " (see --help)" : ""}`);
    Deno.exit(usage ? 2 : 1);
  });
}
