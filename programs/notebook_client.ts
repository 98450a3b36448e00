#!/usr/bin/env -S deno run -A
/**
 * @title 修改内网版notebook — The LAN notebook: the client
 * @seed 002_74a0ec6df0a817ca.txt, "6. 修改内网版notebook", 6.2 and 6.3
 * @run deno run --allow-net=127.0.0.1 notebook_client.ts [--host 127.0.0.1] [--port 65432]
 *
 * Asks `今日记录，请输入（输入quit退出程序）：`; each note is sent to the notebook server,
 * which saves it and echoes it back, and printed as `Data: YYYY/MM/DD HH:MM:SS note`. `quit`
 * ends the client without sending anything (6.2: the server learns of it from the closed
 * connection).
 *
 * Only `--allow-net` for the server's address is needed.
 *
 * As in 6.3, the answer is decoded as UTF-8 and printed as text, so Chinese notes stay
 * readable (`repr(data)` would print `b'\xe6\x88\x91…'`). The seed's port is not stated; the
 * default, 65432, is the one of the echo server the notes start from. An empty note is not
 * sent (the server would wait for it forever), and end of input counts as `quit`.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "notebook_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 65432;
const PROMPT = "今日记录，请输入（输入quit退出程序）：";
const QUIT = "quit";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Notebook client: each note you type is saved by the server and shown back with the time.
Type quit (or end the input) to leave.

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

/** Python's `time.strftime('%Y/%m/%d %H:%M:%S')`, local time. */
function timestamp(date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}/${two(date.getMonth() + 1)}/${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
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
  const conn = await connectTo(flags.host, port);
  const decoder = new TextDecoder();
  while (true) {
    const data = await input(PROMPT);
    if (data === null) console.log();
    if (data === null || data === QUIT) break;
    if (data === "") continue;
    await writeAll(conn, encoder.encode(data));
    const echoed = await readMessage(conn, decoder);
    if (echoed === null) throw new Error("the server closed the connection");
    console.log("Data:", timestamp(), echoed);
  }
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
