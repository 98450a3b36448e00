#!/usr/bin/env -S deno run --allow-net
/**
 * @title 使用(IO多路复用)select实现多客户端连接 — select: many clients, one loop (the server)
 * @seed 000_84409504fdc3648b.txt, "使用(IO多路复用)select实现多客户端连接", the modified server ("看输出信息")
 * @run deno run --allow-net=127.0.0.1 select_echo_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * One listening socket plus one socket per client, all watched at once; every message is
 * answered with the message plus `好`. The seed keeps them in a list, `inputs`, and asks select
 * which can be read: the listener means a new client (accept it, add it to `inputs`), a client
 * means a message, or its departure (take it out of `inputs`).
 *
 * Python → Deno: there is no select loop to write: the accept loop and each client's read loop
 * are async functions that wait at the same time, and the runtime (epoll underneath) wakes
 * whichever has something to read. `inputs` is kept only to print what the seed prints.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "select_echo_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const REPLY_SUFFIX = "好";
const SHOWN_AT_MOST = 10;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
  }, USAGE).values;

  // sk1 = socket.socket(); sk1.bind(('127.0.0.1', 8001)); sk1.listen(5)
  const listener = listenOn(flags.host, Number(flags.port));

  // inputs = [sk1]: to begin with, only the listener is watched.
  inputs.push(listener);
  console.log("还没有用户连接inputs的内容：", showInputs());
  console.log(`正在监听的socket对象${inputs.length}`);

  // if sk1_or_conn == sk1: a new client. Accept it, watch it too, and serve it in a task of
  // its own, so the next client is accepted while this one talks.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(listener, Number(flags["max-connections"]), (tcpConn) => {
    const conn = withIdleTimeout(tcpConn, Number(flags["idle-timeout"]));
    inputs.push(conn);
    console.log("新客户端连接之后-inputs内容：", showInputs());
    console.log("sk1_or_conn内容：", describeListener(listener));
    console.log(`正在监听的socket对象${inputs.length}`);
    return serveClient(conn);
  });
}

/** The seed's `inputs`: the listener and every client connection, kept for printing. */
const inputs: (Deno.TcpListener | Conn)[] = [];

/** `inputs` as the seed prints it; past SHOWN_AT_MOST sockets, the first ones and a count. */
function showInputs(): string {
  const shown = inputs.slice(0, SHOWN_AT_MOST).map((socket) =>
    "accept" in socket ? describeListener(socket) : describeConn(socket)
  );
  if (inputs.length > SHOWN_AT_MOST) shown.push(`… ${inputs.length - SHOWN_AT_MOST} more`);
  return `[${shown.join(", ")}]`;
}

/** else: an old client's messages, answered in turn until it leaves; then out of `inputs`. */
async function serveClient(conn: Conn): Promise<void> {
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();
  // Room for any reply: a byte read comes back as at most 3 (U+FFFD for a byte that is not
  // UTF-8), and 好 adds 3.
  const reply = new Uint8Array(4 * buffer.length);
  try {
    while (true) {
      // data_bytes = sk1_or_conn.recv(1024); an empty read: the client has gone.
      const message = await recv(conn, buffer, decoder);
      if (message === null) break;
      // bytes(message + "好", encoding="utf-8"), encoded into a buffer kept for the connection.
      const { written } = encoder.encodeInto(message + REPLY_SUFFIX, reply);
      await writeAll(conn, reply.subarray(0, written));
    }
  } catch (error) {
    // except Exception: reset by the client, or let go by the idle timeout; a departure.
    if (error instanceof Deno.errors.TimedOut) console.error(`${NAME}: ${error.message}`);
  } finally {
    // inputs.remove(sk1_or_conn)
    inputs.splice(inputs.indexOf(conn), 1);
    console.log("客户端断开之后sk1_or_conn内容：", describeConn(conn));
    console.log(`正在监听的socket对象${inputs.length}`);
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

/** The readable Deno stand-in for Python's repr of a listening socket. */
function describeListener(listener: Deno.TcpListener): string {
  return `<Deno.TcpListener ${formatAddress(listener.addr)}>`;
}

/**
 * Differences from the seed (same bytes on the wire; behaviour fixed):
 * - The lines come when something happens, not once a second: `还没有用户连接inputs的内容：` at
 *   the start, `新客户端连接之后-inputs内容：` and `sk1_or_conn内容：` on a connection,
 *   `客户端断开之后sk1_or_conn内容：` on a departure, each followed by `正在监听的socket对象N`;
 *   the seed's `print(r_list)` has no counterpart. Sockets print as
 *   `<Deno.TcpListener 127.0.0.1:8001>` and `<Deno.TcpConn laddr=…, raddr=…>` in place of
 *   Python's `<socket.socket fd=…>`.
 * - A client that closes or resets its connection is removed and never disturbs the others
 *   (the first version crashes with ConnectionResetError; the second, on a clean close,
 *   answers `好` to the empty reads forever).
 * - A message is one read of at most 1024 bytes, as the seed's `recv(1024)`: a longer one is
 *   answered piece by piece, so a client's message never holds more than 1 KiB here.
 * - Bytes that are not valid UTF-8 come back as U+FFFD (�) plus `好` (Python's `decode()`
 *   raises and the server dies); a character split across reads waits for its other bytes.
 * - With more than 10 sockets, `inputs` prints the first 10 and `… N more`, so a thousand
 *   clients do not cost a million lines' worth of output.
 * - A client let go by `--idle-timeout` is a departure, like any other.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Answers every message of every client with message + ${REPLY_SUFFIX}, many clients at once.

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
