#!/usr/bin/env -S deno run -A
/**
 * @title socketserver — many clients at once: the server
 * @seed 000_84409504fdc3648b.txt, "socketserver", socketserver服务端代码
 * @run deno run --allow-net=127.0.0.1 threaded_chat_server.ts [--host 127.0.0.1] [--port 9999]
 *
 * The chat bot served to many clients at once: greet with `欢迎致电10086`, answer every message
 * with the message plus `好`, end a conversation on `q`.
 *
 * Python's socketserver: a `BaseRequestHandler` subclass whose `handle()` runs once per
 * connection, and `ThreadingTCPServer` which runs each `handle()` in a thread of its own, so
 * callers do not wait for each other. Deno: an async function per connection, started by the
 * accept loop without awaiting it (`for await (const conn of listener) handle(conn)`); one
 * thread, many connections, each waiting on its own reads.
 *
 * Only `--allow-net` for the address it listens on is needed.
 *
 * Same bytes as the Python original. On screen, `print(self.request, self.client_address,
 * self.server)` becomes `<Deno.TcpConn laddr=…, raddr=…> 127.0.0.1:55702
 * <Deno.TcpListener 127.0.0.1:9999>`. A client that disconnects without `q` ends its
 * conversation (the original answers `好` to the empty reads until the send fails). It
 * announces `listening on tcp://HOST:PORT` on stderr and stops cleanly on Ctrl-C.
 *
 * Limits: `--idle-timeout SECONDS` (default 300, 0 = never) closes a connection whose read or write
 * has waited that long, with one line on stderr (`… idle for N s: closed`); the other clients go
 * on. Bytes that are not UTF-8 are read as U+FFFD and answered so. A message longer than 1024 bytes
 * is read one `recv(1024)` at a time and answered in pieces, one reply per read.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "threaded_chat_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 9999;
const DEFAULT_IDLE_SECONDS = 300;
const WELCOME = "欢迎致电10086";
const REPLY_SUFFIX = "好";
const QUIT = "q";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Chat server for many clients at once: greets with ${WELCOME}, answers message + ${REPLY_SUFFIX}.

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

/** BaseRequestHandler.handle(): one connection, from welcome to q. */
async function handle(
  conn: Deno.TcpConn,
  server: Deno.TcpListener,
  idleSeconds: number,
): Promise<void> {
  closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
  // print(self.request, self.client_address, self.server)
  console.log(
    describeConn(conn),
    formatAddress(conn.remoteAddr),
    `<Deno.TcpListener ${formatAddress(server.addr)}>`,
  );
  const decoder = new TextDecoder();
  try {
    await writeAll(conn, encoder.encode(WELCOME));
    while (true) {
      const message = await readMessage(conn, decoder);
      if (message === null || message === QUIT) break;
      await writeAll(conn, encoder.encode(message + REPLY_SUFFIX));
    }
  } catch {
    // Reset by the client: its conversation is over, the others go on.
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
  const server = listenOn(flags.host, port);
  onShutdown(() => {
    server.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(server.addr)}`);
  // serve_forever(): each connection gets its own handle(), not awaited here.
  for await (const conn of server) handle(conn, server, idleSeconds);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
