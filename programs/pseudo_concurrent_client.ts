#!/usr/bin/env -S deno run -A
/**
 * @title 5.2 IO复用完成客户端基础伪并发请求 — Four requests in flight at once
 * @seed 003_5d88270f3bd9af2f.txt, "5.2 IO复用完成客户端基础伪并发请求", client.py
 * @run deno run --allow-net=127.0.0.1 pseudo_concurrent_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Opens four connections at once and sends `first`, `sleep`, `second` and `third`, one on
 * each, printing each as it goes; then prints each answer as it arrives and closes that
 * connection. With `delay_server.ts` the answers to first, second and third come at once and
 * the answer to sleep last; against `delay_server.ts --blocking` the ones sent after sleep
 * wait for it. The client ends when every answer is in (the seed's loops forever).
 *
 * Python → Deno: the seed makes each socket non-blocking, starts `connect()`, and uses
 * `select(recv_list, client_list, [], 0.01)`: a writable socket is connected and gets the next
 * message, a readable one has an answer. Here each connection is an async function (connect,
 * send, read the answer); `Promise.all` runs the four at once and waits for all of them.
 *
 * Only `--allow-net` for the server's address is needed. Same bytes as the original; Python
 * prints the answers as bytes (`b'\xe5\xb7\xb2…'`), this prints their text.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "pseudo_concurrent_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const MESSAGES = ["first", "sleep", "second", "third"];

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Sends ${MESSAGES.join(", ")} on four connections at once and prints the answers as they come.

Options:
  --host HOST   server address (default ${DEFAULT_HOST})
  --port PORT   server port (default ${DEFAULT_PORT})
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

/** Connects to host:port, or fails with a one-line reason. */
async function connectTo(hostname: string, port: number): Promise<Deno.TcpConn> {
  try {
    return await Deno.connect({ hostname, port });
  } catch (error) {
    throw new Error(`cannot connect to ${hostname}:${port}: ${(error as Error).message}`);
  }
}
// --- the lesson ---

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
  // Connect all four at once (the seed's non-blocking connect()).
  const conns = await Promise.all(MESSAGES.map(() => connectTo(flags.host, port)));
  // Each connection sends its message (printed first, as the seed prints it), in order.
  for (const [i, conn] of conns.entries()) {
    console.log(MESSAGES[i]);
    await writeAll(conn, encoder.encode(MESSAGES[i]));
  }
  // Answers are printed the moment they arrive; the client ends when all four are in.
  await Promise.all(conns.map(async (conn) => {
    const answer = await readMessage(conn, new TextDecoder());
    console.log(answer ?? "(the server closed the connection without an answer)");
    conn.close();
  }));
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
