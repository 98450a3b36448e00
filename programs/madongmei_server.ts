#!/usr/bin/env -S deno run -A
/**
 * @title 案例1：马冬梅大爷模拟器 — The 马冬梅 simulator: the server
 * @seed 003_5d88270f3bd9af2f.txt, "案例1：马冬梅大爷模拟器", service.py
 * @run deno run --allow-net=127.0.0.1 madongmei_server.ts [--host 127.0.0.1] [--port 8001] [--seed N]
 *
 * The hard-of-hearing uncle from the film: greets with `你找谁呀！`, and answers every name
 * with one of its characters, chosen at random, heard as `什么`: `马冬梅` → `马什么梅`. As in
 * the seed, every occurrence of that character is replaced (Python's `str.replace`). It
 * teaches the receive loop that ends on an empty read: `对方断开连接`.
 *
 * Only `--allow-net` for the address it listens on is needed.
 *
 * Same bytes as the Python original. Differences: `--seed N` makes the choices reproducible
 * (a small seeded generator, so the sequence differs from Python's `random`); characters are
 * counted as Unicode code points, as Python counts them; each caller is served in its own
 * async task; it announces `listening on tcp://HOST:PORT` on stderr and stops on Ctrl-C.
 *
 * Limits: `--idle-timeout SECONDS` (default 300, 0 = never) closes a connection whose read or write
 * has waited that long, with one line on stderr (`… idle for N s: closed`); the other callers go
 * on. Bytes that are not UTF-8 are read as U+FFFD, one character among the others. A message longer
 * than 1024 bytes is read one `recv(1024)` at a time and answered in pieces, one reply per read.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "madongmei_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_IDLE_SECONDS = 300;
const WELCOME = "你找谁呀！";
const MISHEARD = "什么";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--seed N]

Answers every message with one random character of it replaced by ${MISHEARD}.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --idle-timeout SECONDS
                close a connection whose read or write has waited this long, 0 = never
                (default ${DEFAULT_IDLE_SECONDS})
  --seed N      make the random choices reproducible (a whole number)
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

/** A source of random numbers in [0, 1): seeded (mulberry32) when --seed is given. */
function randomSource(seed: number | undefined): () => number {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed's Inquire(): one random character, and every copy of it, becomes 什么. */
function inquire(item: string, random: () => number): string {
  const characters = Array.from(item);
  const name = characters[Math.floor(random() * characters.length)];
  return item.replaceAll(name, MISHEARD);
}

/** One caller: greet, then mishear every message until they hang up. */
async function serveCaller(
  conn: Deno.TcpConn,
  random: () => number,
  idleSeconds: number,
): Promise<void> {
  closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
  console.log("用户已连接");
  const decoder = new TextDecoder();
  try {
    await writeAll(conn, encoder.encode(WELCOME));
    while (true) {
      const message = await readMessage(conn, decoder);
      // An empty read: the caller closed.
      if (message === null) break;
      await writeAll(conn, encoder.encode(inquire(message, random)));
    }
  } catch {
    // Reset by the caller: the same as hanging up.
  } finally {
    console.log("对方断开连接");
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
        seed: { type: "string" },
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
  if (flags.seed !== undefined && !/^\d{1,10}$/.test(flags.seed)) {
    usageError(`--seed takes a whole number, not ${JSON.stringify(flags.seed)}`);
  }
  const random = randomSource(flags.seed === undefined ? undefined : Number(flags.seed));

  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  for await (const conn of listener) serveCaller(conn, random, idleSeconds);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
