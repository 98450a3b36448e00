#!/usr/bin/env -S deno run --allow-net
/**
 * @title 案例1：马冬梅大爷模拟器 — The 马冬梅 simulator: the server
 * @seed 003_5d88270f3bd9af2f.txt, "案例1：马冬梅大爷模拟器", service.py
 * @run deno run --allow-net=127.0.0.1 madongmei_server.ts [--host 127.0.0.1] [--port 8001] [--seed N]
 *
 * The hard-of-hearing uncle from the film: greets with `你找谁呀！`, and answers every name
 * with one of its characters, chosen at random, heard as `什么`: `马冬梅` → `马什么梅`. It
 * teaches the receive loop that ends on an empty read: `对方断开连接`.
 *
 * Python → Deno: `conn.recv(1024)` is `conn.read(buffer)`, which returns null (Python: `b''`)
 * once the caller has closed; `random.randint` is `Math.random`, or a seeded one with `--seed`.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "madongmei_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const WELCOME = "你找谁呀！";
const MISHEARD = "什么";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
    seed: { type: "string" },
  }, USAGE).values;
  if (flags.seed !== undefined && !/^\d{1,10}$/.test(flags.seed)) {
    throw new UsageError(`--seed takes a whole number, not ${JSON.stringify(flags.seed)}`);
  }
  // --seed N: the uncle mishears the same way every run.
  const random = randomSource(flags.seed === undefined ? undefined : Number(flags.seed));

  // sock = socket(); sock.bind(('127.0.0.1', 8001)); sock.listen(5): one call in Deno.
  const listener = listenOn(flags.host, Number(flags.port));

  // while True: conn, addr = sock.accept() — each caller gets its own task, so the next
  // caller is greeted at once instead of waiting for this one to hang up.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(
    listener,
    Number(flags["max-connections"]),
    (conn) => serveCaller(withIdleTimeout(conn, Number(flags["idle-timeout"])), random),
  );
}

/** One caller: greet, then mishear every message until they hang up. */
async function serveCaller(conn: Conn, random: () => number): Promise<void> {
  console.log("用户已连接");
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();
  try {
    await writeAll(conn, encoder.encode(WELCOME));
    while (true) {
      // client_data = conn.recv(1024)
      const message = await recv(conn, buffer, decoder);
      // An empty read: the caller closed (Python: `if not client_data: break`).
      if (message === null) break;
      await writeAll(conn, encoder.encode(inquire(message, random)));
    }
  } catch (error) {
    // Reset by the caller is the same as hanging up; one let go by the idle timeout says so.
    if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    }
  } finally {
    console.log("对方断开连接");
    conn.close();
  }
}

/** The seed's Inquire(): one random character, and every copy of it, becomes 什么. */
function inquire(item: string, random: () => number): string {
  // len(item) and item[i] count code points in Python: so does Array.from.
  const characters = Array.from(item);
  const name = characters[Math.floor(random() * characters.length)];
  return item.replaceAll(name, MISHEARD);
}

/** A source of random numbers in [0, 1): seeded (mulberry32) when --seed is given. */
function randomSource(seed: number | undefined): () => number {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0;
  function mulberry32(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return mulberry32;
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
 * Differences from the seed (same bytes on the wire; behaviour fixed):
 * - `--seed N` makes the choices reproducible, with a small seeded generator (mulberry32), so
 *   the sequence differs from Python's `random`. Without it the choices are `Math.random`'s.
 * - As in the seed, every occurrence of the chosen character is replaced (Python's
 *   `str.replace`); characters are counted as Unicode code points, as Python counts them.
 * - Each caller is served in its own async task, so a second caller is greeted at once
 *   instead of waiting in the `listen(5)` queue; a caller that resets its connection counts
 *   as hanging up.
 * - Bytes that are not UTF-8 are read as U+FFFD, one character among the others to mishear
 *   (the seed's `decode('utf-8')` would raise). A read that ends inside a UTF-8 character
 *   waits for the rest of it.
 * - A message longer than 1024 bytes is read one `recv(1024)` at a time and answered in
 *   pieces, one reply per read.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE =
  `Usage: ${NAME} [--host HOST] [--port PORT] [--idle-timeout SECONDS] [--max-connections N] [--seed N]

Answers every message with one random character of it replaced by ${MISHEARD}.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long, 0 = never
                (default 300)
  --seed N      make the random choices reproducible (a whole number)
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
