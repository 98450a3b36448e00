#!/usr/bin/env -S deno run --allow-net
/**
 * @title 使用Socket实现聊天机器人 — Chat bot: the server
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现聊天机器人" (the same code is in 001_371bd9c9ea180cac.txt)
 * @run deno run --allow-net=127.0.0.1 chat_server.ts [--host 127.0.0.1] [--port 9999]
 *
 * The first conversation of the tutorial: the server greets each caller with `欢迎致电babyshen`,
 * then answers every message with the same text plus `好` (我 → 我好), until the caller sends
 * `q`. It teaches the shape of every TCP server: listen, accept a connection, then read and
 * write on that connection (not on the listening socket) in lockstep with the client.
 *
 * Python → Deno: `socket()` + `bind()` + `listen()` is one `Deno.listen()`; `conn.recv(1024)` is
 * `conn.read(buffer)`, which fills a buffer you own and returns the count (null at the end).
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "chat_server.ts";
const HOST = "127.0.0.1";
const PORT = 9999;
const WELCOME = "欢迎致电babyshen";
const REPLY_SUFFIX = "好";
const QUIT = "q";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
  }, USAGE).values;

  // socket() + bind() + listen(5) are one call in Deno.
  const listener = listenOn(flags.host, Number(flags.port));

  // The seed prints these around a commented-out accept(): accept() is where a server waits.
  console.log("before");
  console.log("after");

  // while True: conn, address = s1.accept() — each caller gets its own task, so a second
  // caller is answered at once instead of waiting for the first to hang up.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(
    listener,
    Number(flags["max-connections"]),
    (conn) => serveCaller(withIdleTimeout(conn, Number(flags["idle-timeout"]))),
  );
}

/** One caller: welcome, then message → message + 好 until `q` or a disconnect. */
async function serveCaller(conn: Conn): Promise<void> {
  const address = formatAddress(conn.remoteAddr);
  // Python: print("conn_address内容：", conn, address)
  console.log("conn_address内容：", describeConn(conn), address);
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();
  // Room for any reply: a byte read comes back as at most 3 (U+FFFD for a byte that is not
  // UTF-8), and 好 adds 3.
  const reply = new Uint8Array(4 * buffer.length);
  try {
    await writeAll(conn, encoder.encode(WELCOME));
    while (true) {
      const message = await recv(conn, buffer, decoder);
      // An empty read means the caller hung up without saying q.
      if (message === null) {
        console.log("客户端已经断开");
        break;
      }
      if (message === QUIT) break;
      // bytes(message + "好", encoding="utf-8"), encoded into a buffer kept for the connection.
      const { written } = encoder.encodeInto(message + REPLY_SUFFIX, reply);
      await writeAll(conn, reply.subarray(0, written));
    }
  } catch (error) {
    // Reset by the peer, or let go by the idle timeout: either way the caller is gone.
    if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    }
    console.log("客户端已经断开");
  } finally {
    // Python: print(conn, address), printed before the connection closes.
    console.log(describeConn(conn), address);
    conn.close();
  }
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
 * - Each connection is served in its own async task, so a second caller is answered at once
 *   instead of waiting in the `listen(5)` queue.
 * - A caller that disconnects without `q` ends only its own conversation: the server prints
 *   `客户端已经断开` and goes on (the original loops on the empty `recv` and then crashes).
 * - A read that ends inside a multi-byte UTF-8 character waits for the rest of it, so `我` is
 *   never answered in pieces. A message over 1024 bytes is read the seed's way, one
 *   `recv(1024)` at a time, and answered in pieces: one reply per read.
 * - Python prints the connection as `<socket.socket fd=308, family=AddressFamily.AF_INET, …,
 *   laddr=('127.0.0.1', 9999), raddr=('127.0.0.1', 59365)> ('127.0.0.1', 59365)`. Deno has no
 *   such repr, so this prints the same facts as `<Deno.TcpConn laddr=127.0.0.1:9999,
 *   raddr=127.0.0.1:59365> 127.0.0.1:59365`; there is no fd to show.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE =
  `Usage: ${NAME} [--host HOST] [--port PORT] [--idle-timeout SECONDS] [--max-connections N]

Chat bot server: greets with ${WELCOME}, answers every message with message + ${REPLY_SUFFIX}.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long, 0 = never
                (default 300)
  --max-connections N
                callers served at once; one more is closed at once (default 10000)
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
 * The seed's `while True: conn, addr = s.accept()`, made to last: each caller goes to `serve`
 * (not awaited: the next caller is accepted while it talks), a caller past `maxConnections`
 * open ones is closed at once, and no failure of accept or of `serve` ends the loop.
 */
async function serveEach(
  listener: Deno.TcpListener,
  maxConnections: number,
  serve: (conn: Deno.TcpConn) => Promise<unknown>,
): Promise<void> {
  let open = 0;
  function closed(): void {
    open--;
  }
  while (true) {
    const conn = await acceptRetrying(listener);
    if (open >= maxConnections) {
      // Full: the caller sees its connection close; the ones already in are served.
      conn.close();
      continue;
    }
    open++;
    serve(conn).catch((error) => console.error(`${NAME}: ${(error as Error).message}`))
      .finally(closed);
  }
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
