#!/usr/bin/env -S deno run -A
/**
 * @title select 第二个参数(w_list) 读写分离 — select's w_list: reading and writing apart
 * @seed 000_84409504fdc3648b.txt, "socket中第二个参数(w_list)详解", the server with `message_dict`
 * @run deno run --allow-net=127.0.0.1 select_rw_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * Reading and answering apart: a message is read and put in its connection's queue, and the
 * connection is listed in `outputs` (the seed's w_list, "who is owed an answer"); the answer,
 * message plus `好`, is written later, when the connection can take it. Use it with
 * `select_echo_client.ts`.
 *
 * Python → Deno: the seed keeps `message_dict[conn]` (a list per connection) and `outputs`,
 * and writes when `select` reports the socket writable. Here each connection has a queue and
 * a writer task that sends its answers in order, one per message, while the reader goes on
 * reading; `outputs` holds the connections with answers still queued, printed as the seed
 * prints it after each message: `outputs内容： [<Deno.TcpConn …>]`.
 *
 * Only `--allow-net` for the address it listens on is needed. Same bytes as the original.
 * Fixed: the original answers `message_dict[conn][0]`, the first message, every time, and
 * never removes it; this answers each message once, in order. Also different, in behaviour:
 * - A message is one read of at most 1024 bytes, as the seed's `recv(1024)`; a connection
 *   queues at most 64 unanswered messages, then stops reading until its client takes the
 *   answers (the seed's `message_dict` grows without end for a client that never reads).
 * - Bytes that are not valid UTF-8 come back as U+FFFD (�) plus `好`.
 * - With more than 10 connections owed an answer, `outputs` prints the first 10 and
 *   `… N more`.
 * - `--idle-timeout SECONDS` (default 300, 0 = never): a client whose read or write has waited
 *   that long is let go with one line on stderr, as a departure.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "select_rw_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_IDLE_SECONDS = 300;
const REPLY_SUFFIX = "好";
const SHOWN_AT_MOST = 10;
const MAX_QUEUED = 64;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Queues each message and answers it (message + ${REPLY_SUFFIX}) from a writer of its own.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --idle-timeout SECONDS
                close a connection whose read or write has waited this long,
                0 = never (default ${DEFAULT_IDLE_SECONDS})
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

/** The seed's `outputs`: connections owed an answer. */
const outputs = new Set<Deno.TcpConn>();

/** `outputs` as the seed prints it; past SHOWN_AT_MOST connections, the first ones and a count. */
function showOutputs(): string {
  const shown = [...outputs].slice(0, SHOWN_AT_MOST).map(describeConn);
  if (outputs.size > SHOWN_AT_MOST) shown.push(`… ${outputs.size - SHOWN_AT_MOST} more`);
  return `[${shown.join(", ")}]`;
}

/** Reads messages into a queue; a writer task answers them in order. */
async function serveClient(conn: Deno.TcpConn): Promise<void> {
  const queue: string[] = [];
  let reading = true;
  let wake = () => {};
  let writerDone = false;
  let drained = () => {};
  // The writing side: whenever the queue has something, answer it.
  const writer = (async () => {
    while (reading || queue.length > 0) {
      if (queue.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      await writeAll(conn, encoder.encode(queue.shift()! + REPLY_SUFFIX));
      if (queue.length === 0) outputs.delete(conn);
      drained();
    }
  })().finally(() => {
    writerDone = true;
    drained();
  });
  // The reading side: message_dict[conn].append(data); outputs.append(conn).
  const decoder = new TextDecoder();
  try {
    while (true) {
      const message = await readMessage(conn, decoder);
      if (message === null) break;
      queue.push(message);
      outputs.add(conn);
      console.log("outputs内容：", showOutputs());
      wake();
      // A client that sends and never reads its answers: stop reading until it catches up.
      while (queue.length >= MAX_QUEUED && !writerDone) {
        await new Promise<void>((resolve) => (drained = resolve));
      }
      if (writerDone) break;
    }
  } catch {
    // Reset by the client.
  } finally {
    reading = false;
    wake();
    await writer.catch(() => {});
    outputs.delete(conn);
    console.log("客户端断开之后sk1_or_conn内容：", describeConn(conn));
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
  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  for await (const conn of listener) {
    closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
    console.log("新客户端连接:", describeConn(conn));
    serveClient(conn);
  }
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
