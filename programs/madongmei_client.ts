#!/usr/bin/env -S deno run -A
/**
 * @title 案例1：马冬梅大爷模拟器 — The 马冬梅 simulator: the client
 * @seed 003_5d88270f3bd9af2f.txt, "案例1：马冬梅大爷模拟器", client.py
 * @run deno run --allow-net=127.0.0.1 madongmei_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Prints the uncle's greeting, then asks `请输入(q/Q退出)：` and prints what he heard, until
 * you type q or Q (nothing is sent for it: closing the connection is the goodbye).
 *
 * Only `--allow-net` for the server's address is needed.
 *
 * Same bytes and screen as the Python original. Differences: an empty line is not sent (the
 * original sends nothing and then waits forever for an answer); end of input counts as q.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "madongmei_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const PROMPT = "请输入(q/Q退出)：";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Talks to the 马冬梅 uncle: type a name, see what he heard; q or Q quits.

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

/** The lines of standard input, without their line endings. */
async function* stdinLines(): AsyncGenerator<string> {
  let pending = "";
  for await (const text of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    pending += text;
    let end = pending.indexOf("\n");
    while (end >= 0) {
      yield pending.slice(0, end).replace(/\r$/, "");
      pending = pending.slice(end + 1);
      end = pending.indexOf("\n");
    }
  }
  if (pending !== "") yield pending;
}

const lines = stdinLines();

/** Python's `input(prompt)`: the prompt without a newline, then one line; null at end of input. */
async function input(prompt: string): Promise<string | null> {
  await writeAll(Deno.stdout, encoder.encode(prompt));
  const next = await lines.next();
  return next.done ? null : next.value;
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
  const decoder = new TextDecoder();
  const closed = () => new Error("the server closed the connection");

  // 2. After connecting, the server speaks first.
  const welcome = await readMessage(conn, decoder);
  if (welcome === null) throw closed();
  console.log(welcome);

  while (true) {
    const content = await input(PROMPT);
    if (content === null) console.log();
    if (content === null || content.toUpperCase() === "Q") break;
    if (content === "") continue;
    await writeAll(conn, encoder.encode(content));
    // 3. Wait for the answer.
    const reply = await readMessage(conn, decoder);
    if (reply === null) throw closed();
    console.log(reply);
  }
  // Closing sends the server its empty read.
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
