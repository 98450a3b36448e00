#!/usr/bin/env -S deno run -A
/**
 * @title send和sendall区别 — send vs sendall
 * @seed 000_84409504fdc3648b.txt, "send和sendall区别"
 * @run deno run --allow-net=127.0.0.1 send_vs_sendall.ts [--host 127.0.0.1] [--port 0]
 *
 * `send()` may send only part of what it is given and says how much; `sendall()` loops until
 * everything is sent. In Deno, `conn.write(data)` is `send()`: it resolves with the number of
 * bytes written, which can be fewer than `data.length`; a loop around it is `sendall()`.
 *
 * Shown for real: the script connects to itself (any free port by default) and, while the
 * receiving side is not reading yet, writes 64 MiB with one `conn.write`: the kernel's buffers
 * take only a few MiB, and the call says so. Then the receiver starts reading, and the
 * write-all loop sends the rest; the receiver counts every byte.
 *
 * Only `--allow-net` for the address it listens on is needed.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "send_vs_sendall.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 0;
const SIZE = 64 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Shows a partial conn.write() (send) and the write-all loop that fixes it (sendall),
over a connection to itself.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on (default ${DEFAULT_PORT}: any free port)
  --help        show this help`;

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

/** Listens on host:port, or fails with a one-line reason. */
function listenOn(hostname: string, port: number): Deno.TcpListener {
  try {
    return Deno.listen({ hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
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

/** Reads until the peer closes; returns how many bytes came. */
async function countUntilClosed(conn: Deno.Conn): Promise<number> {
  const buffer = new Uint8Array(1 << 20);
  let total = 0;
  for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) total += n;
  return total;
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
  const listener = listenOn(flags.host, port);
  const sender = await connectTo(listener.addr.hostname, listener.addr.port);
  const receiver = await listener.accept();
  const data = new Uint8Array(SIZE).fill(0x61);

  // send(): one call; nobody reads yet, so only what fits in the buffers goes.
  const sent = await sender.write(data);
  console.log(
    `send: one conn.write() of ${SIZE} bytes wrote ${
      sent < SIZE ? "only part of them" : "all of them"
    }`,
  );

  // sendall(): loop until the rest is written, while the receiver reads.
  const received = countUntilClosed(receiver);
  await writeAll(sender, data.subarray(sent));
  sender.close();
  console.log(`sendall: the write-all loop wrote the other ${sent < SIZE ? "part" : "0 bytes"}`);
  console.log(`the receiver got ${await received} bytes of ${SIZE}`);
  receiver.close();
  listener.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
