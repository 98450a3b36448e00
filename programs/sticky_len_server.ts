#!/usr/bin/env -S deno run --allow-net
/**
 * @title 3.1 解决粘包问题的思路 — Length as text: the server
 * @seed 003_5d88270f3bd9af2f.txt, "3.1 解决粘包问题的思路", service.py
 * @run deno run --allow-net=127.0.0.1 sticky_len_server.ts [--host 127.0.0.1] [--port 8001] [--faithful]
 *
 * The first fix for 粘包: tell the receiver how long each message is. The client sends the
 * length as decimal text, then the message: `12kinght love 3aym`. This server reads the length,
 * then exactly that many bytes, and prints each message: `kinght love ` and `aym`. The seed
 * takes the length with `recv(4)` and gets `12ki`; `--faithful` shows that failure. A message
 * that starts with a digit would still be misread: hence the next lesson's fixed 4-byte header.
 *
 * Python → Deno: `conn.recv(n)` for exactly n bytes is the `readExactly(conn, n)` below, which
 * reads until it has them; `int(text)` is `Number(text)` once the text is checked to be digits.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "sticky_len_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const MAX_MESSAGE = 16 << 20;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    faithful: { type: "boolean", default: false },
    "max-message": { type: "string", default: String(MAX_MESSAGE) },
    "idle-timeout": { type: "string", default: "300" },
  }, USAGE).values;
  const maxMessage = Number(flags["max-message"]);
  // Digits only: Number() would also take "", "0x10" and "1e3".
  if (!/^\d{1,15}$/.test(flags["max-message"])) {
    throw new UsageError("--max-message takes a whole number of bytes");
  }

  // socket() + bind() + listen(1) are one call in Deno.
  const listener = listenOn(flags.host, Number(flags.port));

  // conn, addr = sock.accept(): one client, as in the seed; nobody else is let in after it.
  const accepted = await acceptRetrying(listener);
  listener.close();
  const conn = withIdleTimeout(accepted, Number(flags["idle-timeout"]));

  // Its messages, until it closes between two of them. A client that breaks the format (or is
  // idle past --idle-timeout) ends the server with one line on stderr and status 1.
  if (flags.faithful) await faithful(conn);
  else await printMessages(conn, maxMessage);
  conn.close();
}

/** The seed's way: `recv(4)`, four bytes taken as the length, then that many bytes. */
async function faithful(conn: Conn): Promise<void> {
  const decoder = new TextDecoder();
  try {
    const header = await readExactly(conn, 4);
    if (header === null) return;
    const text = decoder.decode(header);
    // int(client_len): `12ki` is not a number, which is the lesson.
    if (!/^\d+$/.test(text)) {
      throw new Error(
        `粘包: recv(4) got ${
          printable(JSON.stringify(text))
        }, not a length (Python's int() raises ValueError here)`,
      );
    }
    const data = await readExactly(conn, Number(text));
    if (data !== null) console.log(printable(decoder.decode(data)));
  } catch (error) {
    // A client that stops inside the four bytes or the message leaves nothing to print.
    if (!(error instanceof ShortRead)) throw error;
  }
}

/** The default: each message's leading digits are its length; prints every message. */
async function printMessages(conn: Conn, maxMessage: number): Promise<void> {
  const decoder = new TextDecoder();
  const stream = new LookAhead(conn);
  while (true) {
    const length = await readLength(stream, maxMessage);
    if (length === null) return;
    console.log(printable(decoder.decode(await readBody(stream, length))));
  }
}

/**
 * One client's stream, read a byte at a time where a length is read. The byte that ends a
 * length is already the first byte of the message (or, after a length of 0, of the next
 * length), so it is `carried` to whoever reads next.
 */
class LookAhead {
  carried: number | null = null;
  readonly #byte = new Uint8Array(1);
  constructor(readonly conn: Conn) {}

  /** The next byte, the carried one first; null at the end of the stream. */
  async nextByte(): Promise<number | null> {
    if (this.carried !== null) {
      const byte = this.carried;
      this.carried = null;
      return byte;
    }
    const n = await this.conn.read(this.#byte);
    return n === null ? null : this.#byte[0];
  }
}

/**
 * Reads the leading digits as the length; null at a clean end of the stream. A length over
 * `maxMessage`, or with more digits than it (leading zeros), is refused as soon as its digits
 * pass it, before any more is read.
 */
async function readLength(stream: LookAhead, maxMessage: number): Promise<number | null> {
  let digits = "";
  while (true) {
    const byte = await stream.nextByte();
    if (byte === null) {
      if (digits === "") return null;
      // A last message may be empty: nothing is missing after a length of 0.
      if (Number(digits) === 0) return 0;
      throw new Error(`the stream ended after the length ${digits}`);
    }
    const c = String.fromCharCode(byte);
    if (c >= "0" && c <= "9") digits += c;
    else {
      if (digits === "") {
        const shown = byte < 0x80
          ? printable(JSON.stringify(c))
          : `the byte 0x${byte.toString(16)}`;
        throw new Error(`expected a length, got ${shown}`);
      }
      // The first byte of the message: keep it for the message.
      stream.carried = byte;
      return Number(digits);
    }
    if (Number(digits) > maxMessage) {
      throw new Error(`a length of ${digits} or more bytes is not accepted (limit ${maxMessage})`);
    }
    // Leading zeros keep the number low, so their count is bounded on its own.
    if (digits.length > String(maxMessage).length) {
      throw new Error(`a length of more than ${String(maxMessage).length} digits is not accepted`);
    }
  }
}

/** Reads `n` bytes, the carried byte first (an empty message leaves it for the next length). */
async function readBody(stream: LookAhead, n: number): Promise<Uint8Array> {
  const data = new Uint8Array(n);
  if (n === 0) return data;
  let got = 0;
  if (stream.carried !== null) {
    data[0] = stream.carried;
    stream.carried = null;
    got = 1;
  }
  try {
    const rest = await readExactly(stream.conn, n - got);
    if (rest !== null) {
      data.set(rest, got);
      return data;
    }
  } catch (error) {
    if (!(error instanceof ShortRead)) throw error;
  }
  throw new Error(`the stream ended inside a ${n}-byte message`);
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
 * - The seed's server takes the length with `recv(4)`: but `12` is two characters, so it gets
 *   `12ki` and `int()` fails. `--faithful` reads it that way and reports the failure in one
 *   line (exit status 1). The default reads the digits that lead the stream as the length.
 *   That works for this client's messages, but the format itself is ambiguous: a message that
 *   starts with a digit would be read as part of its length.
 * - It serves one client, reading its messages until it closes, then ends: with status 0 when
 *   the stream ends between two messages, with status 1 and one line on stderr when the client
 *   breaks the format or is idle past `--idle-timeout`.
 * - A length that does not start with a digit (`-3`, `x`, nothing) is refused, and so is one
 *   over `--max-message` (default 16 MiB), as soon as its digits pass the limit and before
 *   anything is allocated (`9223372036854775808…` never gets further than `92233720`). A
 *   stream that ends after a length or inside a message is refused too.
 * - A length of 0 is an empty message (an empty line).
 * - A message that is not valid UTF-8 is printed with U+FFFD (�) in place of the bad bytes.
 * - What a client sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--faithful] [--max-message BYTES]

Reads "<length as text><message>" messages from one client and prints each message.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
  --faithful    read the length with the seed's recv(4), and show how it fails
  --max-message BYTES
                the longest message accepted (default ${MAX_MESSAGE})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long, 0 = never
                (default 300)
  --help        show this help`;

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
