#!/usr/bin/env -S deno run -A
/**
 * @title 4 阻塞与非阻塞 — Blocking and non-blocking: the client
 * @seed 003_5d88270f3bd9af2f.txt, "4 阻塞与非阻塞", socket客户端（发送者）
 * @run deno run --allow-net=127.0.0.1 blocking_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Connects (waits until the server accepts), sends `ABCDEFGH`, closes.
 *
 * Only `--allow-net` for the server's address is needed. Same bytes as the Python original.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "blocking_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const MESSAGE = "ABCDEFGH";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Sends "${MESSAGE}" and closes.

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
  // Waits (阻塞) until the connection is made.
  const conn = await connectTo(flags.host, port);
  await writeAll(conn, encoder.encode(MESSAGE));
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
