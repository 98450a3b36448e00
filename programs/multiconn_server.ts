#!/usr/bin/env -S deno run --allow-net
/**
 * @title selectors — several connections at once: the server
 * @seed 002_74a0ec6df0a817ca.txt, "5. selectors" (the multi-connection program its notes are about)
 * @run deno run --allow-net=127.0.0.1 multiconn_server.ts [--host 127.0.0.1] [--port 65432]
 *
 * An echo server for many connections at once, in the spirit of the seed's `selectors` notes:
 * it prints `accepted connection from ADDR` for each connection, echoes everything back, and
 * `closing connection to ADDR` when the peer closes. Use it with `multiconn_client.ts`.
 *
 * Python → Deno: selectors keeps each connection's state in its `SelectorKey.data` and
 * `sel.select()` returns the ready keys; in Deno each connection is an async function whose
 * locals are its `data`, and the runtime (epoll, as DefaultSelector on Linux) wakes it.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "multiconn_server.ts";
const HOST = "127.0.0.1";
const PORT = 65432;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
  }, USAGE).values;

  // lsock.bind(); lsock.listen(); lsock.setblocking(False); sel.register(lsock, EVENT_READ,
  // data=None): in Deno, listening is one call and nothing needs registering.
  const listener = listenOn(flags.host, Number(flags.port));

  // A ready key with `data=None` is the listening socket: accept, and register the new
  // connection. Here the connection's own function starts; it ends when the peer closes,
  // which is the unregister.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(listener, Number(flags["max-connections"]), (conn) => {
    console.log("accepted connection from", formatAddress(conn.remoteAddr));
    return serviceConnection(withIdleTimeout(conn, Number(flags["idle-timeout"])));
  });
}

/** service_connection for one connection: echo what comes in until the peer closes. */
async function serviceConnection(conn: Conn): Promise<void> {
  const peer = formatAddress(conn.remoteAddr);
  // Allocated once per connection: each read fills it again.
  const buffer = new Uint8Array(1024);
  try {
    while (true) {
      // recv_data = sock.recv(1024): bytes, echoed as they came; null once the peer closed.
      const n = await conn.read(buffer);
      if (n === null) break;
      await writeAll(conn, buffer.subarray(0, n));
    }
  } catch (error) {
    // Reset by the peer: closed all the same. One let go by the idle timeout says so.
    if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    }
  } finally {
    console.log("closing connection to", peer);
    conn.close();
  }
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/**
 * Differences from the seed (its notes describe the selectors program; they do not list it):
 * - It echoes bytes, not text: anything, UTF-8 or not, comes back unchanged, read and echoed
 *   1024 bytes at a time (a longer message comes back whole, in pieces).
 * - A peer that resets its connection is closed as one that hangs up.
 * - The register/unregister calls have no counterpart: a connection's function ends when it
 *   closes.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE =
  `Usage: ${NAME} [--host HOST] [--port PORT] [--idle-timeout SECONDS] [--max-connections N]

Echo server for many connections at once.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long, 0 = never
                (default 300)
  --max-connections N
                callers served at once; one more is closed at once (default 10000)
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
