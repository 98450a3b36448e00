#!/usr/bin/env -S deno run -A
/**
 * @title 3.1 解决粘包问题的思路 — Length as text: the client
 * @seed 003_5d88270f3bd9af2f.txt, "3.1 解决粘包问题的思路", client.py
 * @run deno run --allow-net=127.0.0.1 sticky_len_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * For each of `kinght love ` and `aym`: sends its byte length as decimal text, then the
 * message itself, and closes: `12kinght love 3aym` on the wire.
 *
 * Only `--allow-net` for the server's address is needed. Same bytes as the Python original.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "sticky_len_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const TEXT = ["kinght love ", "aym"];

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Sends each message as its length in decimal text, then the message.

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
  const conn = await connectTo(flags.host, port);
  for (const item of TEXT) {
    const bytes = encoder.encode(item);
    // The length in bytes, as text: an int cannot be sent as bytes without a format.
    await writeAll(conn, encoder.encode(String(bytes.length)));
    await writeAll(conn, bytes);
  }
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
