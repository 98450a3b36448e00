#!/usr/bin/env -S deno run -A
/**
 * @title IO多路复用 — select over three listening ports (the server)
 * @seed 000_84409504fdc3648b.txt, "IO多路复用", socket服务端代码
 * @run deno run --allow-net=127.0.0.1 select_multiport_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * Listens on three ports at once, 8001, 8002 and 8003 (`--port P` gives P, P+1, P+2; `--port 0`
 * gives three free ports); whoever connects to any of them gets `hello` and is hung up on.
 *
 * Python → Deno: `select.select(inputs, inputs, inputs, 1)` over the three listening sockets
 * returns `r_list`, the ones with a caller waiting, and the seed prints it every second, mostly
 * `[]`. Here each listener has its own accept loop and all three wait at once; when one has a
 * caller, this prints what `r_list` would hold then, `[<Deno.TcpListener 127.0.0.1:8002>]`.
 * The empty `[]` lines of the idle seconds have no counterpart: nothing runs while nobody calls.
 *
 * Only `--allow-net` for the address it listens on is needed. Same bytes as the original. It
 * announces each listener (`listening on tcp://HOST:PORT`, three lines) on stderr and stops
 * cleanly on Ctrl-C or SIGTERM (all three listeners closed, status 0). It reads nothing from
 * a caller, so no input can be bad; a caller that leaves before its `hello` is simply gone.
 * `--idle-timeout SECONDS` (default 300, 0 = never) bounds the one write, the greeting, as in
 * the other servers; a caller is hung up on at once anyway, idle or not.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "select_multiport_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_IDLE_SECONDS = 300;
const LISTENERS = 3;
const GREETING = "hello";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Listens on PORT, PORT+1 and PORT+2 (three free ports with --port 0); greets every caller
with "${GREETING}" and hangs up.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   the first of the three ports, 0 for any free ports (default ${DEFAULT_PORT})
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

/** One listener's loop: print it as the ready r_list, greet, hang up. */
async function acceptLoop(listener: Deno.TcpListener, idleSeconds: number): Promise<void> {
  for await (const conn of listener) {
    closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
    console.log(`[${describeListener(listener)}]`);
    // A caller that has already left makes this fail: it was greeted as far as it listened.
    await writeAll(conn, encoder.encode(GREETING)).catch(() => {});
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
  if (port > 65535 - (LISTENERS - 1)) usageError(`--port ${port} leaves no room for three ports`);
  const listeners = Array.from(
    { length: LISTENERS },
    (_, i) => listenOn(flags.host, port === 0 ? 0 : port + i),
  );
  onShutdown(() => {
    for (const listener of listeners) listener.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  for (const listener of listeners) {
    console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  }
  // inputs = [sk1, sk2, sk3]: all three wait at once.
  await Promise.all(listeners.map((listener) => acceptLoop(listener, idleSeconds)));
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
