#!/usr/bin/env -S deno run -A
/**
 * @title 电话发送与接收 — Telephone: the server (Hello World → HELLO WORLD)
 * @seed 001_371bd9c9ea180cac.txt, "socket_server修改代码"
 * @run deno run --allow-net=127.0.0.1 upper_server.ts [--host localhost] [--port 6969]
 *
 * Waits for one call (`我要开始等待电话了`), picks up (`电话来了！`), reads what the caller says,
 * answers it in capitals and hangs up: the server takes exactly one call, as in the seed.
 *
 * The seed shows a mistake first: `server.recv(1024)` on the listening socket fails with
 * WinError 10057 ("socket is not connected"), because the listening socket only accepts calls;
 * the conversation happens on the connection `accept()` returns. The corrected code, which this
 * script follows, uses `conn.recv` and `conn.send`. In Deno the mistake cannot even be written:
 * a `Deno.TcpListener` has no `read` or `write`, only `accept`.
 *
 * Only `--allow-net` for the address it listens on is needed.
 *
 * Same bytes as the Python original. What differs on screen: Python prints the bytes object
 * `b'Hello World'`; this prints the text it holds, `recv: Hello World` (the client likewise
 * prints `recv: HELLO WORLD` for `recv: b'HELLO WORLD'`). Capitals are made as Python's
 * `bytes.upper()` makes them: ASCII letters only. The connection is shown as
 * `<Deno.TcpConn laddr=…, raddr=…> host:port` in place of Python's `<socket.socket fd=…>` repr.
 * It announces `listening on tcp://HOST:PORT` on stderr once it accepts.
 *
 * Limits and faults: `--idle-timeout SECONDS` (default 300, 0 = never) closes a connection whose
 * read or write has waited that long, with one line on stderr (`… idle for N s: closed`); a call
 * dropped before it is answered (silent that long, or reset) does not count, and the server waits
 * for the next call. Bytes that are not UTF-8 are read as U+FFFD and answered as its UTF-8 (EF BF
 * BD), where Python's `bytes.upper()` would echo the byte. The message is one `recv(1024)`: beyond
 * its first 1024 bytes, whatever the caller sends is read and dropped until it hangs up, so the
 * answer is never lost to a reset. Ctrl-C or SIGTERM stops it cleanly (exit 0) at any point.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "upper_server.ts";
const DEFAULT_HOST = "localhost";
const DEFAULT_PORT = 6969;
const DEFAULT_IDLE_SECONDS = 300;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Telephone server: takes one call, answers what it hears in capitals, then exits.

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

/** The readable Deno stand-in for Python's `<socket.socket fd=…, laddr=…, raddr=…>`. */
function describeConn(conn: Pick<Deno.TcpConn, "localAddr" | "remoteAddr">): string {
  return `<Deno.TcpConn laddr=${formatAddress(conn.localAddr)}, raddr=${
    formatAddress(conn.remoteAddr)
  }>`;
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

/** Python's `bytes.upper()`: only the ASCII letters a–z become capitals. */
function asciiUpper(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

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

/**
 * One call: hear the caller (conn.recv(1024), not server.recv(1024): that was the seed's
 * mistake), answer in capitals, hang up. False if the line dropped before the answer went out
 * (a reset, or a caller silent past the idle timeout): that call does not count.
 */
async function takeCall(conn: Deno.TcpConn, idleSeconds: number): Promise<boolean> {
  closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
  let answered = false;
  try {
    const data = await readMessage(conn, new TextDecoder()) ?? "";
    console.log("recv:", data);
    await writeAll(conn, encoder.encode(asciiUpper(data)));
    answered = true;
    await hangUp(conn);
  } catch {
    // Reset by the caller, or closed for idleness.
  } finally {
    conn.close();
  }
  return answered;
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
  console.log("我要开始等待电话了");

  // accept() blocks until a call comes in; the call is the connection, not the listener.
  // One call only, unless the line drops before it is answered.
  while (true) {
    const conn = await listener.accept();
    console.log(describeConn(conn), formatAddress(conn.remoteAddr));
    console.log("电话来了！");
    if (await takeCall(conn, idleSeconds)) break;
  }

  // Stop listening (server.close()).
  listener.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
