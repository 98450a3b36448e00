#!/usr/bin/env -S deno run --allow-net
/**
 * @title select 第二个参数(w_list) 读写分离 — select's w_list: reading and writing apart
 * @seed 000_84409504fdc3648b.txt, "socket中第二个参数(w_list)详解", the server with `message_dict`
 * @run deno run --allow-net=127.0.0.1 select_rw_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * Reading and answering apart: a message is read and put in its connection's queue (the seed's
 * `message_dict[conn]`), and the connection is listed in `outputs`, "who is owed an answer";
 * the answer, message plus `好`, is written later, when the connection can take it. Use it with
 * `select_echo_client.ts`.
 *
 * Python → Deno: the seed writes when `select(inputs, outputs, …)` reports a socket writable;
 * here each connection has a writer task that sends its answers in order while the reader
 * goes on reading, and `outputs` holds the connections with answers still queued.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "select_rw_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const REPLY_SUFFIX = "好";
const SHOWN_AT_MOST = 10;
const MAX_QUEUED = 64;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
  }, USAGE).values;

  // sk1 = socket.socket(); sk1.bind(('127.0.0.1', 8001)); sk1.listen(5)
  const listener = listenOn(flags.host, Number(flags.port));

  // conn, address = sk1_or_conn.accept(): each connection read and answered in tasks of its
  // own, so the next one is accepted meanwhile.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(listener, Number(flags["max-connections"]), (tcpConn) => {
    const conn = withIdleTimeout(tcpConn, Number(flags["idle-timeout"]));
    console.log("新客户端连接:", describeConn(conn));
    return serveClient(conn);
  });
}

/** The seed's `outputs`: connections owed an answer. */
const outputs = new Set<Conn>();

/** `outputs` as the seed prints it; past SHOWN_AT_MOST connections, the first ones and a count. */
function showOutputs(): string {
  const shown = [...outputs].slice(0, SHOWN_AT_MOST).map(describeConn);
  if (outputs.size > SHOWN_AT_MOST) shown.push(`… ${outputs.size - SHOWN_AT_MOST} more`);
  return `[${shown.join(", ")}]`;
}

/** Reads messages into a queue; a writer task answers them in order. */
async function serveClient(conn: Conn): Promise<void> {
  // message_dict[conn] = []: the messages not answered yet, oldest first.
  const queue: string[] = [];
  const newMessage = new Doorbell();
  const answered = new Doorbell();
  let reading = true;
  let writerDone = false;

  // for conn in w_list: conn.sendall(message + 好) — whenever the queue has something.
  async function answerInOrder(): Promise<unknown> {
    try {
      while (reading || queue.length > 0) {
        if (queue.length === 0) {
          await newMessage.wait();
          continue;
        }
        // The seed sends message_dict[conn][0] and never removes it; this takes it out.
        await writeAll(conn, encoder.encode(queue.shift()! + REPLY_SUFFIX));
        if (queue.length === 0) outputs.delete(conn);
        answered.ring();
      }
      return undefined;
    } catch (error) {
      // Reset by the client, or let go by the idle timeout: the reader stops too.
      return error;
    } finally {
      writerDone = true;
      answered.ring();
    }
  }
  const writer = answerInOrder();

  // The reading side: message_dict[sk1_or_conn].append(data_str); outputs.append(sk1_or_conn)
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();
  let readError: unknown;
  try {
    while (true) {
      const message = await recv(conn, buffer, decoder);
      if (message === null) break;
      queue.push(message);
      outputs.add(conn);
      console.log("outputs内容：", showOutputs());
      newMessage.ring();
      // A client that sends and never reads its answers: stop reading until it catches up.
      while (queue.length >= MAX_QUEUED && !writerDone) await answered.wait();
      if (writerDone) break;
    }
  } catch (error) {
    // Reset by the client, or let go by the idle timeout.
    readError = error;
  } finally {
    // What was read is still answered; then the connection goes.
    reading = false;
    newMessage.ring();
    const writeError = await writer;
    if (readError instanceof Deno.errors.TimedOut) console.error(`${NAME}: ${readError.message}`);
    else if (writeError instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${writeError.message}`);
    }
    outputs.delete(conn);
    console.log("客户端断开之后sk1_or_conn内容：", describeConn(conn));
    conn.close();
  }
}

/** One task waits (`await wait()`) until another rings: the reader and writer wake each other. */
class Doorbell {
  #rung = Promise.withResolvers<void>();

  /** Resolves at the next ring. */
  wait(): Promise<void> {
    return this.#rung.promise;
  }

  /** Wakes whoever waits now; a ring with nobody waiting is not kept. */
  ring(): void {
    this.#rung.resolve();
    this.#rung = Promise.withResolvers<void>();
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
 * - The seed answers `message_dict[conn][0]`, the first message, every time, and never
 *   removes it; this answers each message once, in order.
 * - Fewer lines: `新客户端连接:` on a connection, `outputs内容： [<Deno.TcpConn …>]` after each
 *   message and `客户端断开之后sk1_or_conn内容：` on a departure. The seed's `inputs` and its
 *   once-a-second lines (`正在监听的socket对象N`, `r_list`) have no counterpart, and sockets
 *   print as `<Deno.TcpConn laddr=…, raddr=…>` in place of Python's `<socket.socket fd=…>`.
 * - A message is one read of at most 1024 bytes, as the seed's `recv(1024)`; a connection
 *   queues at most 64 unanswered messages, then stops reading until its client takes the
 *   answers (the seed's `message_dict` grows without end for a client that never reads).
 * - Bytes that are not valid UTF-8 come back as U+FFFD (�) plus `好`.
 * - With more than 10 connections owed an answer, `outputs` prints the first 10 and
 *   `… N more`.
 * - A client let go by `--idle-timeout`, or one that resets, is a departure, like any other.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Queues each message and answers it (message + ${REPLY_SUFFIX}) from a writer of its own.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long,
                0 = never (default 300)
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
