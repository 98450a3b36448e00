#!/usr/bin/env -S deno run -A
/**
 * @title 3.2 使用struct解决数字转字节 — 4-byte length headers: the server
 * @seed 003_5d88270f3bd9af2f.txt, "3.2 使用struct解决数字转字节", 案例 service.py
 * @run deno run --allow-net=127.0.0.1 framed_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * Every message comes with a 4-byte header holding its length: `struct.pack('i', n)`, a signed
 * 32-bit integer in the machine's byte order (little-endian on x86 and ARM, which is what
 * Python writes there). The server reads exactly 4 bytes, then exactly that many bytes, prints
 * the message, and repeats until the client closes (`对方断开连接`). However the network splits
 * or joins the bytes, the messages come out the same; a message of any length works.
 *
 * Python → Deno: `struct.unpack('i', header)[0]` is
 * `new DataView(header.buffer).getInt32(0, true)`.
 *
 * Only `--allow-net` for the address it listens on is needed. Same bytes as the original. A
 * negative length, or one over `--max-message` (default 16 MiB), ends the connection with a
 * one-line message instead of a crash; so does a stream that ends inside a message. It serves
 * one client, as the seed does, then ends.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "framed_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const DEFAULT_MAX_MESSAGE = 16 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--max-message BYTES]

Reads messages with a 4-byte little-endian length header from one client and prints them.

Options:
  --host HOST            address to listen on (default ${DEFAULT_HOST})
  --port PORT            port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --max-message BYTES    the longest message accepted (default ${DEFAULT_MAX_MESSAGE})
  --help                 show this help`;

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

/** Reads exactly `n` bytes, however the network splits them; null if the peer closes first. */
async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array | null> {
  const data = new Uint8Array(n);
  for (let got = 0; got < n;) {
    const read = await conn.read(data.subarray(got));
    if (read === null) return null;
    got += read;
  }
  return data;
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

async function main(args: string[]): Promise<void> {
  let flags;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_PORT) },
        "max-message": { type: "string", default: String(DEFAULT_MAX_MESSAGE) },
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
  const maxMessage = Number(flags["max-message"]);
  if (!Number.isInteger(maxMessage) || maxMessage < 0) {
    usageError(`--max-message takes a number of bytes`);
  }
  const listener = listenOn(flags.host, port);
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  const conn = await listener.accept();
  listener.close();
  const decoder = new TextDecoder();
  while (true) {
    // Exactly 4 bytes of header; none at all means the client closed.
    const header = await readExactly(conn, 4);
    if (header === null) {
      console.log("对方断开连接");
      break;
    }
    const length = new DataView(header.buffer).getInt32(0, true);
    if (length < 0 || length > maxMessage) {
      throw new Error(`a message of ${length} bytes is not accepted (limit ${maxMessage})`);
    }
    // Then exactly that many bytes, in as many reads as it takes.
    const data = await readExactly(conn, length);
    if (data === null) throw new Error(`the client closed inside a ${length}-byte message`);
    console.log(decoder.decode(data));
  }
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
