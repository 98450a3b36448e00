#!/usr/bin/env -S deno run --allow-net
/**
 * @title 5.2 IO复用完成客户端基础伪并发请求 — The server that makes one request slow
 * @seed 003_5d88270f3bd9af2f.txt, "5.2 IO复用完成客户端基础伪并发请求", service.py
 * @run deno run --allow-net=127.0.0.1 delay_server.ts [--host 127.0.0.1] [--port 8001] [--delay 5] [--blocking]
 *
 * Answers every message at once (`已收到普通信息：first`), except `sleep`, which it answers after
 * a delay (`已收到延时反馈信息:sleep`, 5 s by default, `--delay`). Use it with
 * `pseudo_concurrent_client.ts`, which sends four requests at once. By default the delay is an
 * `await` inside that one connection's task: the others are answered meanwhile. `--blocking`
 * is the seed's `time.sleep(5)` inside its one select loop, which stops everything.
 *
 * Python → Deno: `time.sleep(5)` is `await` on a timer (only this task waits), or, with
 * `--blocking`, `Atomics.wait`, which blocks the whole thread as `time.sleep` does.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "delay_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const DELAY_SECONDS = 5;
const SLOW = "sleep";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
    delay: { type: "string", default: String(DELAY_SECONDS) },
    blocking: { type: "boolean", default: false },
  }, USAGE).values;
  const delaySeconds = Number(flags.delay);
  // Under 1,000,000 s, as --idle-timeout: a timer longer than 24.8 days would fire at once.
  if (!/^\d{1,6}(\.\d+)?$/.test(flags.delay)) {
    throw new UsageError(
      `--delay takes seconds, 0 to 999999, not ${JSON.stringify(flags.delay)}`,
    );
  }

  // server = socket.socket(); server.bind(('127.0.0.1', 8001)); server.listen(5)
  const listener = listenOn(flags.host, Number(flags.port));

  // if sock == server: conn, addr = sock.accept(); inputs.append(conn) — each connection is
  // served by a task of its own, so the next is accepted meanwhile.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(listener, Number(flags["max-connections"]), (conn) => {
    console.log("有新的连接");
    return serveClient(
      withIdleTimeout(conn, Number(flags["idle-timeout"])),
      delaySeconds,
      flags.blocking,
    );
  });
}

/** One connection: answer each message, the slow one late. */
async function serveClient(conn: Conn, delaySeconds: number, blocking: boolean): Promise<void> {
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();
  try {
    while (true) {
      // data = sock.recv(1024).decode('utf-8'); an empty read: the client has gone.
      const data = await recv(conn, buffer, decoder);
      if (data === null) break;
      console.log(printable(data));
      if (data === SLOW) {
        console.log("收到延时信息", data);
        await pause(delaySeconds, blocking);
        await writeAll(conn, encoder.encode(`已收到延时反馈信息:${data}`));
      } else {
        console.log("收到普通信息", printable(data));
        await writeAll(conn, encoder.encode(`已收到普通信息：${data}`));
      }
    }
  } catch (error) {
    // Reset by the client, or let go by the idle timeout: closed all the same.
    if (error instanceof Deno.errors.TimedOut) console.error(`${NAME}: ${error.message}`);
  } finally {
    console.log("连接已被关闭");
    conn.close();
  }
}

/** Waits `seconds`: only this connection (an awaited timer), or everything (blocking). */
async function pause(seconds: number, blocking: boolean): Promise<void> {
  if (blocking) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
  else await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
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

/**
 * Differences from the seed (same bytes on the wire; note the seed's two colons: ASCII in
 * `已收到延时反馈信息:`, full-width in `已收到普通信息：`):
 * - By default the delay holds up only the connection that asked for it; `--blocking` gives
 *   the seed's stall, where no other connection is read or answered until it is over.
 * - Python prints the message and `收到普通信息 first`; this prints the same lines.
 * - Bytes that are not UTF-8 are read as U+FFFD and answered so, where Python's `decode`
 *   raises. A message longer than 1024 bytes is read one `recv(1024)` at a time and answered
 *   in pieces, one reply per read. Any message but `sleep` is a normal one.
 * - A client that resets, or is let go by `--idle-timeout`, is closed as if it had hung up.
 * - What a client sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--delay SECONDS] [--blocking]

Answers every message at once, except "${SLOW}", answered after the delay.

Options:
  --host HOST         address to listen on (default ${HOST})
  --port PORT         port to listen on, 0 for any free port (default ${PORT})
  --idle-timeout SECONDS
                      close a connection when no read or write has begun this long, 0 = never
                      (default 300)
  --delay SECONDS     how long "${SLOW}" takes (default ${DELAY_SECONDS})
  --blocking          wait the way the seed does, stopping every connection meanwhile
  --max-connections N
                      callers served at once; one more is closed at once (default 10000)
  --help              show this help`;

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
