#!/usr/bin/env -S deno run -A
/**
 * @title socketserver — many clients at once: a client
 * @seed 000_84409504fdc3648b.txt, "socketserver", socketserver客户端代码(支持多客户端连接)
 * @run deno run --allow-net=127.0.0.1 threaded_chat_client.ts [--host 127.0.0.1] [--port 9999]
 *
 * Loops: print what the server sent, ask `please input:`, send it; `q` ends. As in the seed it
 * gives the server 5 seconds to answer (`sk.settimeout(5)`; `--timeout` to change it). Start
 * several at once: each is answered without waiting for the others.
 *
 * Only `--allow-net` for the server's address is needed.
 *
 * Same bytes and screen as the Python original. Differences: when the server does not answer
 * in time, this says so in one line and exits with status 1 (Python dies with a
 * socket.timeout traceback); an empty line is not sent, the prompt comes again (sending
 * nothing would make the original wait out its timeout); end of input counts as `q`.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "threaded_chat_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 9999;
const DEFAULT_TIMEOUT_SECONDS = 5;
const PROMPT = "please input:";
const QUIT = "q";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--timeout SECONDS]

Chat client: prints the server's words, sends each line you type; q quits.

Options:
  --host HOST          server address (default ${DEFAULT_HOST})
  --port PORT          server port (default ${DEFAULT_PORT})
  --timeout SECONDS    how long to wait for the server (default ${DEFAULT_TIMEOUT_SECONDS})
  --help               show this help`;

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

/** readMessage with the seed's settimeout: fails if nothing comes within `seconds`. */
async function readWithin(conn: Deno.Conn, decoder: TextDecoder, seconds: number): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the server did not answer within ${seconds} s`)),
      seconds * 1000,
    );
  });
  try {
    const message = await Promise.race([readMessage(conn, decoder), late]);
    if (message === null) throw new Error("the server closed the connection");
    return message;
  } finally {
    clearTimeout(timer);
  }
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
        timeout: { type: "string", default: String(DEFAULT_TIMEOUT_SECONDS) },
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
  const seconds = Number(flags.timeout);
  if (!(seconds > 0)) {
    usageError(`--timeout takes a number of seconds, not ${JSON.stringify(flags.timeout)}`);
  }

  const conn = await connectTo(flags.host, port);
  const decoder = new TextDecoder();
  while (true) {
    console.log(await readWithin(conn, decoder, seconds));
    let line: string | null = "";
    while (line === "") line = await input(PROMPT);
    if (line === null) {
      console.log();
      line = QUIT;
    }
    await writeAll(conn, encoder.encode(line));
    if (line === QUIT) break;
  }
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
