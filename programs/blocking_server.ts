#!/usr/bin/env -S deno run --allow-net
/**
 * @title 4 阻塞与非阻塞 — Blocking and non-blocking: the server
 * @seed 003_5d88270f3bd9af2f.txt, "4 阻塞与非阻塞", socket服务端（接收者）
 * @run deno run --allow-net=127.0.0.1 blocking_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * The seed's point: by default every socket call waits. `accept()` waits for a client,
 * `recv()` waits for data; the program stops there until something happens. This server takes
 * one client, prints what it sends (`ABCDEFGH`) and ends. `nonblocking_demo.ts` shows the other
 * way, `setblocking(False)`, in Deno terms.
 *
 * Python → Deno: `sock.accept()` and `conn.recv()` are `await acceptRetrying(listener)` and
 * `await conn.read()`: only this program's flow stops there; the runtime never blocks.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "blocking_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const MAX_MESSAGE = 64 * 1024;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    "idle-timeout": { type: "string", default: "300" },
  }, USAGE).values;

  // sock = socket.socket(); sock.bind(('127.0.0.1', 8001)); sock.listen(5)
  const listener = listenOn(flags.host, Number(flags.port));

  while (true) {
    // conn, addr = sock.accept(): waits (阻塞) until a client connects.
    const tcpConn = await acceptRetrying(listener);
    const conn = withIdleTimeout(tcpConn, Number(flags["idle-timeout"]));
    // client_data = conn.recv(1024): waits (阻塞) until the client has sent everything.
    const data = await readToEnd(conn, MAX_MESSAGE);
    conn.close();
    // A broken, silent or oversize client is not the one client: wait for the next.
    if (data === null) continue;
    // print(client_data.decode('utf-8'))
    console.log(printable(data));
    break;
  }
  // sock.close()
  listener.close();
}

/**
 * Everything the client sends until it closes, as text (bytes that are not UTF-8 become
 * U+FFFD). Null if the connection broke first (a reset, or closed for idleness), or if the
 * client sent more than `limit` bytes: that is refused with one line on stderr.
 */
async function readToEnd(conn: Conn, limit: number): Promise<string | null> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024);
  let text = "";
  let total = 0;
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) return text + decoder.decode();
      total += n;
      if (total > limit) {
        const who = formatAddress(conn.remoteAddr);
        console.error(`${NAME}: ${who} sent more than ${limit} bytes: refused`);
        return null;
      }
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
  } catch (error) {
    if (error instanceof Deno.errors.TimedOut) console.error(`${NAME}: ${error.message}`);
    return null;
  }
}

/**
 * Differences from the seed (same bytes and screen):
 * - It reads until the client closes rather than one `recv(1024)`, so a message split by the
 *   network is printed whole. A message longer than 64 KiB is refused with one line on stderr
 *   (`… sent more than 65536 bytes: refused`), and the server waits for the next client.
 * - A client dropped by `--idle-timeout` or by a reset is not the one client either: the
 *   server waits for the next.
 * - Bytes that are not UTF-8 are printed as U+FFFD, where Python's `decode` raises. A client
 *   that connects and hangs up without a word is the one client: it prints an empty line, as
 *   the seed prints the empty string of `b''`.
 * - While it serves its one client, everyone else waits in the listen backlog, and is let go
 *   when it ends.
 * - What a client sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Waits for one client, prints what it sends, and ends.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long, 0 = never
                (default 300)
  --help        show this help`;

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
