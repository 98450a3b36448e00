#!/usr/bin/env -S deno run -A
/**
 * @title 2.1 TCP代码示例 — TCP example: the server (hello → hello world)
 * @seed 003_5d88270f3bd9af2f.txt, "2.1 TCP代码示例", 服务端
 * @run deno run --allow-net=127.0.0.1 tcp_hello_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * TCP in six numbered steps: listen; wait for someone to connect (blocks); wait for their
 * message (blocks); print it; answer `hello world`; close the connection, then wait for the
 * next one. TCP needs this connection first, unlike UDP (see `udp_server.ts`).
 *
 * Only `--allow-net` for the address it listens on is needed.
 *
 * Same bytes as the Python original. On screen, Python's `print(client_data)` shows the bytes
 * object `b'hello'`; this prints the text it holds, `hello`. Each connection is served in its
 * own async task, so a client that connects and says nothing holds up nobody; the server
 * announces `listening on tcp://HOST:PORT` on stderr and stops cleanly on Ctrl-C.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "tcp_hello_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const REPLY = "hello world";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Prints each client's message and answers "${REPLY}".

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on, 0 for any free port (default ${DEFAULT_PORT})
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

/** `host:port`, with IPv6 hosts in brackets. */
function formatAddress(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** Writes every byte: `conn.write` may write only part, like Python's `send`. */
async function writeAll(
  writer: { write(p: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  for (let written = 0; written < data.length;) {
    written += await writer.write(data.subarray(written));
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

/** Steps 3 to 5: wait for the message, print it, answer, close. */
async function serveClient(conn: Deno.TcpConn): Promise<void> {
  try {
    const message = await readMessage(conn, new TextDecoder());
    if (message === null) return;
    console.log(message);
    await writeAll(conn, encoder.encode(REPLY));
  } catch {
    // Reset by the client; the next one is still served.
  } finally {
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
  // 1. Listen on this machine's IP and port.
  const listener = listenOn(flags.host, port);
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });

  // 2. Wait for someone to connect, forever.
  for await (const conn of listener) serveClient(conn);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
