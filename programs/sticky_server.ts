#!/usr/bin/env -S deno run --allow-net
/**
 * @title 3 粘包 — Sticky packets: the server
 * @seed 003_5d88270f3bd9af2f.txt, "3 粘包", service.py
 * @run deno run --allow-net=127.0.0.1 sticky_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * TCP carries a stream of bytes, not messages. The client sends `kinght love ` and then `aym`,
 * two sends; this server receives one client and prints what arrived: `kinght love aym`, one
 * piece. Nothing in the bytes says where the first message ended (粘包). It reads to the end of
 * the stream, so the result never depends on how the network groups the bytes.
 *
 * Python → Deno: `conn.recv(1024)` is `conn.read(buffer)`, which fills a buffer you own and
 * returns the count (null at the end); `data.decode('utf-8')` is `new TextDecoder().decode()`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "sticky_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const MAX_MESSAGE = 16 << 20;

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

  // socket() + bind() + listen(1) are one call in Deno.
  const listener = listenOn(flags.host, Number(flags.port));

  // conn, addr = sock.accept(): one client, as in the seed; nobody else is let in after it.
  const accepted = await acceptRetrying(listener);
  listener.close();
  const conn = withIdleTimeout(accepted, Number(flags["idle-timeout"]));

  // client_data = conn.recv(1024), but everything the client sent, read after it finished:
  // the two sends are one stream. (A client idle past --idle-timeout ends the server with
  // TimedOut: one line on stderr, status 1.)
  const bytes = await readToEnd(conn, maxMessage);
  const data = new TextDecoder().decode(bytes);
  console.log(printable(data));
  conn.close();
}

/** Reads until the client ends the stream; more than `limit` bytes is refused. */
async function readToEnd(conn: Conn, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  let got = 0;
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    got += n;
    if (got > limit) throw new Error(`more than ${limit} bytes is not accepted`);
    chunks.push(buffer.slice(0, n));
  }
  // b"".join(chunks): one array, each piece copied once.
  const data = new Uint8Array(got);
  let at = 0;
  for (const chunk of chunks) {
    data.set(chunk, at);
    at += chunk.length;
  }
  return data;
}

/**
 * Differences from the seed (same bytes on the wire; behaviour fixed):
 * - The seed does one `recv(1024)` and shows 粘包 only when the timing glues the two sends;
 *   this reads to the end of the stream, so the client needs no sleep and the result is
 *   `kinght love aym` however the network groups the bytes.
 * - It reads at most `--max-message` bytes (default 16 MiB); a client that sends more is
 *   refused with one line on stderr, status 1.
 * - Bytes that are not valid UTF-8 are printed as U+FFFD (�) (Python's `decode()` raises).
 * - It serves one client and ends, as the seed does; a client idle past `--idle-timeout` ends
 *   it with one line on stderr and status 1.
 * - What a client sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--max-message BYTES]

Receives one client and prints everything it sent, as one piece.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
  --max-message BYTES
                the most it reads from the client (default ${MAX_MESSAGE})
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
