#!/usr/bin/env -S deno run -A
/**
 * @title 使用(IO多路复用)select实现多客户端连接 — select: many clients, one loop (the server)
 * @seed 000_84409504fdc3648b.txt, "使用(IO多路复用)select实现多客户端连接", the modified server ("看输出信息")
 * @run deno run --allow-net=127.0.0.1 select_echo_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * One listening socket plus one socket per client, all watched at once; every message is
 * answered with the message plus `好`. The seed keeps them in a list, `inputs`, and asks
 * `select.select(inputs, [], inputs, 1)` which of them can be read: the listener means a new
 * client (accept it, add it to `inputs`), a client means a message (or its departure).
 *
 * Python → Deno: there is no select loop to write. The accept loop and each client's read loop
 * are async functions that wait at the same time, and the runtime (epoll underneath) wakes
 * whichever has something to read. `inputs` is kept only to print what the seed prints, and
 * the lines come when something happens, not once a second: `还没有用户连接inputs的内容：` at
 * the start, `新客户端连接之后-inputs内容：` and `sk1_or_conn内容：` on a connection,
 * `客户端断开之后sk1_or_conn内容：` on a departure, each followed by `正在监听的socket对象N`.
 * Sockets print as `<Deno.TcpListener 127.0.0.1:8001>` and `<Deno.TcpConn laddr=…, raddr=…>`
 * in place of Python's `<socket.socket fd=…>`.
 *
 * Only `--allow-net` for the address it listens on is needed. Same bytes as the original.
 * Fixed: a client that closes or resets its connection is removed and never disturbs the
 * others (the first version crashes with ConnectionResetError; the second, on a clean close,
 * answers `好` to the empty reads forever). Also different, in behaviour:
 * - A message is one read of at most 1024 bytes, as the seed's `recv(1024)`: a longer one is
 *   answered piece by piece, so a client's message never holds more than 1 KiB here.
 * - Bytes that are not valid UTF-8 come back as U+FFFD (�) plus `好` (Python's `decode()`
 *   raises and the server dies); a character split across reads waits for its other bytes.
 * - With more than 10 sockets, `inputs` prints the first 10 and `… N more`, so a thousand
 *   clients do not cost a million lines' worth of output.
 * - `--idle-timeout SECONDS` (default 300, 0 = never): a client whose read or write has waited
 *   that long is let go with one line on stderr, as a departure.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "select_echo_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_IDLE_SECONDS = 300;
const REPLY_SUFFIX = "好";
const SHOWN_AT_MOST = 10;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Answers every message of every client with message + ${REPLY_SUFFIX}, many clients at once.

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

/** The readable Deno stand-in for Python's repr of a listening socket. */
function describeListener(listener: Deno.TcpListener): string {
  return `<Deno.TcpListener ${formatAddress(listener.addr)}>`;
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

/** The seed's `inputs`: the listener and every client connection, kept for printing. */
const inputs: (Deno.TcpListener | Deno.TcpConn)[] = [];

/** `inputs` as the seed prints it; past SHOWN_AT_MOST sockets, the first ones and a count. */
function showInputs(): string {
  const shown = inputs.slice(0, SHOWN_AT_MOST).map((s) =>
    "accept" in s ? describeListener(s) : describeConn(s as Deno.TcpConn)
  );
  if (inputs.length > SHOWN_AT_MOST) shown.push(`… ${inputs.length - SHOWN_AT_MOST} more`);
  return `[${shown.join(", ")}]`;
}

/** A client's messages, answered in turn, until it leaves; then it is taken out of `inputs`. */
async function serveClient(conn: Deno.TcpConn): Promise<void> {
  const decoder = new TextDecoder();
  try {
    while (true) {
      const message = await readMessage(conn, decoder);
      if (message === null) break;
      await writeAll(conn, encoder.encode(message + REPLY_SUFFIX));
    }
  } catch {
    // ConnectionResetError in the seed: the same departure, handled the same way.
  } finally {
    inputs.splice(inputs.indexOf(conn), 1);
    console.log("客户端断开之后sk1_or_conn内容：", describeConn(conn));
    console.log(`正在监听的socket对象${inputs.length}`);
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

  inputs.push(listener);
  console.log("还没有用户连接inputs的内容：", showInputs());
  console.log(`正在监听的socket对象${inputs.length}`);
  for await (const conn of listener) {
    closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
    inputs.push(conn);
    console.log("新客户端连接之后-inputs内容：", showInputs());
    console.log("sk1_or_conn内容：", describeListener(listener));
    console.log(`正在监听的socket对象${inputs.length}`);
    serveClient(conn);
  }
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
