#!/usr/bin/env -S deno run -A
/**
 * @title 3.1 解决粘包问题的思路 — Length as text: the server
 * @seed 003_5d88270f3bd9af2f.txt, "3.1 解决粘包问题的思路", service.py
 * @run deno run --allow-net=127.0.0.1 sticky_len_server.ts [--host 127.0.0.1] [--port 8001] [--faithful]
 *
 * The first fix for 粘包: tell the receiver how long each message is. The client sends the
 * length as decimal text, then the message: `12kinght love 3aym`. This server reads the length,
 * then exactly that many bytes, and prints each message: `kinght love ` and `aym`.
 *
 * The seed's server takes the length with `recv(4)`: but `12` is two characters, so it gets
 * `12ki` and `int()` fails. `--faithful` reads it that way and reports the failure in one line
 * (exit status 1), to keep the lesson visible. The default reads the digits that lead the
 * stream as the length. That works for this client's messages, but the format itself is
 * ambiguous: a message that starts with a digit would be read as part of its length. This is
 * why the next lesson (`framed_*.ts`) sends the length in a fixed 4-byte header.
 *
 * Only `--allow-net` for the address it listens on is needed. Same bytes as the original. It
 * serves one client, reading its messages until it closes, then ends.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "sticky_len_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--faithful]

Reads "<length as text><message>" messages from one client and prints each message.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --faithful    read the length with the seed's recv(4), and show how it fails
  --help        show this help`;

const decoder = new TextDecoder();

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

/** The seed's way: four bytes, taken as the length. */
async function faithful(conn: Deno.Conn): Promise<void> {
  const header = await readExactly(conn, 4);
  if (header === null) return;
  const text = decoder.decode(header);
  if (!/^\d+$/.test(text)) {
    throw new Error(
      `粘包: recv(4) got ${
        JSON.stringify(text)
      }, not a length (Python's int() raises ValueError here)`,
    );
  }
  const data = await readExactly(conn, Number(text));
  if (data !== null) console.log(decoder.decode(data));
}

/** Reads the leading digits as the length; null at a clean end of the stream. */
async function readLength(conn: Deno.Conn, carry: Uint8Array[]): Promise<number | null> {
  let digits = "";
  const byte = new Uint8Array(1);
  while (true) {
    const n = carry.length ? (byte.set(carry.shift()!), 1) : await conn.read(byte);
    if (n === null) {
      if (digits === "") return null;
      throw new Error(`the stream ended after the length ${digits}`);
    }
    const c = String.fromCharCode(byte[0]);
    if (c >= "0" && c <= "9") digits += c;
    else {
      if (digits === "") throw new Error(`expected a length, got ${JSON.stringify(c)}`);
      // The first byte of the message: keep it for the message.
      carry.push(byte.slice());
      return Number(digits);
    }
  }
}

/** Reads `n` bytes, the carried byte first. */
async function readBody(conn: Deno.Conn, n: number, carry: Uint8Array[]): Promise<Uint8Array> {
  const first = carry.splice(0).reduce((all, b) => [...all, ...b], [] as number[]);
  const rest = await readExactly(conn, n - first.length);
  if (rest === null) throw new Error(`the stream ended inside a ${n}-byte message`);
  return Uint8Array.from([...first, ...rest]);
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
        faithful: { type: "boolean", default: false },
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
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  const conn = await listener.accept();
  listener.close();
  if (flags.faithful) return await faithful(conn);
  const carry: Uint8Array[] = [];
  for (
    let length = await readLength(conn, carry);
    length !== null;
    length = await readLength(conn, carry)
  ) {
    console.log(decoder.decode(await readBody(conn, length, carry)));
  }
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
