#!/usr/bin/env -S deno run -A
/**
 * @title 样例程序的问题 — The kudingcha welcome server: a client
 * @seed 002_74a0ec6df0a817ca.txt, "4. 样例程序的问题" and its "其他" note (`print('Received', repr(data))`)
 * @run deno run --allow-net=127.0.0.1 welcome_client.ts [--host 127.0.0.1] [--port 12346]
 *
 * Connects, reads the greeting, prints it and hangs up, which is what lets the welcome server
 * finish. The seed shows only this client's two lines; Python's `repr(data)` gives
 * `Received b'welcome kudingcha Tea Garden'`, and this prints the text it holds,
 * `Received welcome kudingcha Tea Garden`.
 *
 * Only `--allow-net` for the server's address is needed.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "welcome_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 12346;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Prints the server's greeting and hangs up.

Options:
  --host HOST   server address (default ${DEFAULT_HOST})
  --port PORT   server port (default ${DEFAULT_PORT})
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
  const data = await readMessage(conn, new TextDecoder());
  console.log("Received", data ?? "");
  // Hanging up is the signal the server waits for.
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
