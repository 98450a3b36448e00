#!/usr/bin/env -S deno run --allow-net
/**
 * @title IO多路复用 — select over three listening ports (the server)
 * @seed 000_84409504fdc3648b.txt, "IO多路复用", socket服务端代码
 * @run deno run --allow-net=127.0.0.1 select_multiport_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * Listens on three ports at once, 8001, 8002 and 8003 (`--port P` gives P, P+1, P+2; `--port 0`
 * three free ports); whoever connects to any of them gets `hello` and is hung up on. It teaches
 * what select is for: one program waiting on several sockets, served by whichever is ready.
 *
 * Python → Deno: `select.select(inputs, inputs, inputs, 1)` is gone: each listener has its own
 * accept loop, an async function, and the three wait at the same time; the runtime wakes the
 * one that has a caller.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "select_multiport_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const LISTENERS = 3;
const GREETING = "hello";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    "idle-timeout": { type: "string", default: "300" },
  }, USAGE).values;
  const firstPort = Number(flags.port);
  if (firstPort > 65535 - (LISTENERS - 1)) {
    throw new UsageError(`--port ${firstPort} leaves no room for three ports`);
  }

  // sk1, sk2, sk3: socket() + bind() + listen(5) three times, on 8001, 8002 and 8003.
  const listeners: Deno.TcpListener[] = [];
  for (let i = 0; i < LISTENERS; i++) {
    listeners.push(listenOn(flags.host, firstPort === 0 ? 0 : firstPort + i));
  }

  // inputs = [sk1, sk2, sk3]; while True: select.select(inputs, …) — here the three accept
  // loops run at once, and main waits for all of them (forever, until a signal).
  const idleSeconds = Number(flags["idle-timeout"]);
  await Promise.all(listeners.map((listener) => greetCallers(listener, idleSeconds)));
}

/** One listener's loop: print it as the seed prints `r_list`, greet the caller, hang up. */
async function greetCallers(listener: Deno.TcpListener, idleSeconds: number): Promise<void> {
  // for sk in r_list: conn, address = sk.accept()
  while (true) {
    const tcpConn = await acceptRetrying(listener);
    const conn = withIdleTimeout(tcpConn, idleSeconds);
    // print(r_list): the one listener that has a caller.
    console.log(`[${describeListener(listener)}]`);
    try {
      // conn.sendall(bytes('hello', encoding="utf-8"))
      await writeAll(conn, encoder.encode(GREETING));
    } catch (error) {
      // A caller that has already left was greeted as far as it listened.
      if (error instanceof Deno.errors.TimedOut) console.error(`${NAME}: ${error.message}`);
    }
    conn.close();
  }
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/** The readable Deno stand-in for Python's repr of a listening socket. */
function describeListener(listener: Deno.TcpListener): string {
  return `<Deno.TcpListener ${formatAddress(listener.addr)}>`;
}

/**
 * Differences from the seed (same bytes on the wire):
 * - The seed prints `r_list` every second, mostly `[]`, and a caller's listener as
 *   `[<socket.socket fd=272, …, laddr=('127.0.0.1', 8001)>]`. This prints only when a listener
 *   has a caller, as `[<Deno.TcpListener 127.0.0.1:8002>]`: nothing runs while nobody calls,
 *   so the empty `[]` lines of the idle seconds have no counterpart.
 * - It reads nothing from a caller, so no input can be bad; a caller that leaves before its
 *   `hello` is simply gone. `--idle-timeout` bounds the one write, the greeting; a caller is
 *   hung up on at once anyway.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Listens on PORT, PORT+1 and PORT+2 (three free ports with --port 0); greets every caller
with "${GREETING}" and hangs up.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   the first of the three ports, 0 for any free ports (default ${PORT})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long,
                0 = never (default 300)
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
