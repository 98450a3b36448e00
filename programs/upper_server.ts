#!/usr/bin/env -S deno run -A
/**
 * @title 电话发送与接收 — Telephone: the server (Hello World → HELLO WORLD)
 * @seed 001_371bd9c9ea180cac.txt, "socket_server修改代码"
 * @run deno run --allow-net=127.0.0.1 upper_server.ts [--host localhost] [--port 6969]
 *
 * Waits for one call (`我要开始等待电话了`), picks up (`电话来了！`), reads what the caller says,
 * answers it in capitals and hangs up: the server takes exactly one call, as in the seed.
 *
 * The seed shows a mistake first: `server.recv(1024)` on the listening socket fails with
 * WinError 10057 ("socket is not connected"), because the listening socket only accepts calls;
 * the conversation happens on the connection `accept()` returns. The corrected code, which this
 * script follows, uses `conn.recv` and `conn.send`. In Deno the mistake cannot even be written:
 * a `Deno.TcpListener` has no `read` or `write`, only `accept`.
 *
 * Only `--allow-net` for the address it listens on is needed.
 *
 * Same bytes as the Python original. What differs on screen: Python prints the bytes object
 * `b'Hello World'`; this prints the text it holds, `recv: Hello World` (the client likewise
 * prints `recv: HELLO WORLD` for `recv: b'HELLO WORLD'`). Capitals are made as Python's
 * `bytes.upper()` makes them: ASCII letters only. The connection is shown as
 * `<Deno.TcpConn laddr=…, raddr=…> host:port` in place of Python's `<socket.socket fd=…>` repr.
 * It announces `listening on tcp://HOST:PORT` on stderr once it accepts.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "upper_server.ts";
const DEFAULT_HOST = "localhost";
const DEFAULT_PORT = 6969;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Telephone server: takes one call, answers what it hears in capitals, then exits.

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

/** The readable Deno stand-in for Python's `<socket.socket fd=…, laddr=…, raddr=…>`. */
function describeConn(conn: Deno.TcpConn): string {
  return `<Deno.TcpConn laddr=${formatAddress(conn.localAddr)}, raddr=${
    formatAddress(conn.remoteAddr)
  }>`;
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

// --- the lesson ---

/** Python's `bytes.upper()`: only the ASCII letters a–z become capitals. */
function asciiUpper(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
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
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  console.log("我要开始等待电话了");

  // accept() blocks until a call comes in; the call is the connection, not the listener.
  const conn = await listener.accept();
  console.log(describeConn(conn), formatAddress(conn.remoteAddr));
  console.log("电话来了！");

  // conn.recv(1024), not server.recv(1024): that was the seed's mistake.
  const data = await readMessage(conn, new TextDecoder()) ?? "";
  console.log("recv:", data);
  await writeAll(conn, encoder.encode(asciiUpper(data)));

  // One call only: hang up and stop listening (server.close()).
  conn.close();
  listener.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
