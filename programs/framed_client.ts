#!/usr/bin/env -S deno run -A
/**
 * @title 3.2 使用struct解决数字转字节 — 4-byte length headers: the client
 * @seed 003_5d88270f3bd9af2f.txt, "3.2 使用struct解决数字转字节", 案例 client.py
 * @run deno run --allow-net=127.0.0.1 framed_client.ts [--host 127.0.0.1] [--port 8001] [MESSAGE …]
 *
 * Sends each message with a 4-byte header holding its byte length, `struct.pack('i', n)`
 * (signed 32-bit little-endian), then closes. Without arguments it sends the seed's two,
 * `xin正在学习` and `应该没有`; give others to send those instead.
 *
 * Python → Deno: `struct.pack('i', n)` is a 4-byte array written with
 * `new DataView(header.buffer).setInt32(0, n, true)`.
 *
 * Only `--allow-net` for the server's address is needed. Same bytes as the Python original.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "framed_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const SEED_MESSAGES = ["xin正在学习", "应该没有"];

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [MESSAGE ...]

Sends each MESSAGE (default: ${SEED_MESSAGES.join(", ")}) after a 4-byte length header.

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

/** struct.pack('i', n): 4 bytes, signed, little-endian. */
function header(n: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, n, true);
  return bytes;
}

async function main(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_PORT) },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    usageError((error as Error).message);
  }
  const flags = parsed.values;
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const port = parsePort(flags.port);
  const messages = parsed.positionals.length ? parsed.positionals : SEED_MESSAGES;

  const conn = await connectTo(flags.host, port);
  for (const message of messages) {
    const data = encoder.encode(message);
    await writeAll(conn, header(data.length));
    await writeAll(conn, data);
  }
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
