#!/usr/bin/env -S deno run -A
/**
 * @title 电话发送与接收 — Telephone: the client (Hello World → HELLO WORLD)
 * @seed 001_371bd9c9ea180cac.txt, "电话发送与接收(固定发一句，收一句)", socket_client代码
 * @run deno run --allow-net=localhost upper_client.ts [--host localhost] [--port 6969]
 *
 * Calls the server, says `Hello World`, prints the answer and hangs up: one sentence each way.
 *
 * Only `--allow-net` for the server's address is needed.
 *
 * Same bytes as the Python original. On screen, Python's `recv: b'HELLO WORLD'` (the repr of a
 * bytes object) becomes the text it holds: `recv: HELLO WORLD`.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "upper_client.ts";
const DEFAULT_HOST = "localhost";
const DEFAULT_PORT = 6969;
const MESSAGE = "Hello World";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Telephone client: sends "${MESSAGE}" and prints the server's answer.

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

  const conn = await connectTo(flags.host, port);
  await writeAll(conn, encoder.encode(MESSAGE));
  // One recv(1024); a server that hangs up without answering gives an empty reply, as in Python.
  const reply = await readMessage(conn, new TextDecoder()) ?? "";
  console.log("recv:", reply);
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
