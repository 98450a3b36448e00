#!/usr/bin/env -S deno run --allow-net
/**
 * @title 电话发送与接收 — Telephone: the server (Hello World → HELLO WORLD)
 * @seed 001_371bd9c9ea180cac.txt, "socket_server修改代码"
 * @run deno run --allow-net=localhost upper_server.ts [--host localhost] [--port 6969]
 *
 * Waits for one call (`我要开始等待电话了`), picks up (`电话来了！`), hears the caller, answers
 * in capitals and hangs up: exactly one call, as in the seed. The seed's first try calls
 * `server.recv(1024)` on the listening socket and fails (WinError 10057): a listening socket
 * only accepts calls. In Deno that mistake cannot be written: a listener has no `read`.
 *
 * Python → Deno: `conn, addr = server.accept()` is `await acceptRetrying(listener)`; `data.upper()`
 * is `asciiUpper` below, since `toUpperCase()` would change more than ASCII letters.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "upper_server.ts";
const HOST = "localhost";
const PORT = 6969;
const WAITING = "我要开始等待电话了";
const RINGING = "电话来了！";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    "idle-timeout": { type: "string", default: "300" },
  }, USAGE).values;
  const idleSeconds = Number(flags["idle-timeout"]);

  // server = socket(); server.bind(('localhost', 6969)); server.listen(5): one call in Deno.
  const listener = listenOn(flags.host, Number(flags.port));
  console.log(WAITING);

  // accept() blocks until a call comes in; the call is the connection, not the listener.
  // One call only, unless the line drops before it is answered.
  while (true) {
    const conn = await acceptRetrying(listener);
    // Python: print(conn, addr)
    console.log(describeConn(conn), formatAddress(conn.remoteAddr));
    console.log(RINGING);
    if (await takeCall(conn, idleSeconds)) break;
  }

  // server.close(): stop listening.
  listener.close();
}

/**
 * One call: hear the caller (conn.recv(1024), not server.recv(1024): that was the seed's
 * mistake), answer in capitals, hang up. False if the line dropped before the answer went out
 * (a reset, or a caller silent past the idle timeout): that call does not count.
 */
async function takeCall(tcp: Deno.TcpConn, idleSeconds: number): Promise<boolean> {
  // The same connection, let go once no read or write has begun for `idleSeconds`.
  const conn = withIdleTimeout(tcp, idleSeconds);
  const buffer = new Uint8Array(1024);
  let answered = false;
  try {
    // data = conn.recv(1024); a caller that hangs up without a word said "".
    const data = await recv(conn, buffer, new TextDecoder()) ?? "";
    console.log("recv:", printable(data));
    // conn.send(data.upper())
    await writeAll(conn, encoder.encode(asciiUpper(data)));
    answered = true;
    await hangUp(tcp, conn, buffer);
  } catch (error) {
    // Reset by the caller, or let go by the idle timeout.
    if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    }
  } finally {
    conn.close();
  }
  return answered;
}

/** Python's `bytes.upper()`: only the ASCII letters a–z become capitals. */
function asciiUpper(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/**
 * Hangs up without losing the answer: ends our side of `tcp`, then reads and drops what the
 * peer still sends (through `conn`, so the idle timeout still counts) until it hangs up too.
 * Closing with unread bytes would reset the connection, and a reset can destroy the answer
 * before the peer has read it.
 */
async function hangUp(tcp: Deno.TcpConn, conn: Conn, buffer: Uint8Array): Promise<void> {
  await tcp.closeWrite();
  while (await conn.read(buffer) !== null) { /* dropped */ }
}

/** One `recv(1024)`: one read's text (a split character waits for the next), null at the end. */
async function recv(conn: Pick<Deno.Conn, "read">, buffer: Uint8Array, decoder: TextDecoder) {
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return null;
    const text = decoder.decode(buffer.subarray(0, n), { stream: true });
    if (text !== "") return text;
  }
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/** The readable Deno stand-in for Python's `<socket.socket fd=…, laddr=…, raddr=…>`. */
function describeConn(conn: Pick<Deno.TcpConn, "localAddr" | "remoteAddr">): string {
  return `<Deno.TcpConn laddr=${formatAddress(conn.localAddr)}, raddr=${
    formatAddress(conn.remoteAddr)
  }>`;
}

/**
 * Differences from the seed (same bytes on the wire; behaviour fixed):
 * - Python prints the bytes object `b'Hello World'`; this prints the text it holds,
 *   `recv: Hello World`. The connection is shown as `<Deno.TcpConn laddr=…, raddr=…>
 *   host:port` in place of Python's `<socket.socket fd=…>` repr; there is no fd to show.
 * - A call dropped before it is answered (silent past `--idle-timeout`, or reset) does not
 *   count, and the server waits for the next call.
 * - Bytes that are not UTF-8 are read as U+FFFD and answered as its UTF-8 (EF BF BD), where
 *   Python's `bytes.upper()` would echo the byte.
 * - The message is one `recv(1024)`: beyond its first 1024 bytes, whatever the caller sends is
 *   read and dropped until it hangs up, so the answer is never lost to a reset.
 * - What a client sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Telephone server: takes one call, answers what it hears in capitals, then exits.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long, 0 = never
                (default 300)
  --help        show this help`;

const encoder = new TextEncoder();

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
