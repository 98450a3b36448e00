#!/usr/bin/env -S deno run -A
/**
 * @title 使用Socket实现聊天机器人 — Chat bot: the client
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现聊天机器人" (the same code is in 001_371bd9c9ea180cac.txt)
 * @run deno run --allow-net=127.0.0.1 chat_client.ts [--host 127.0.0.1] [--port 9999]
 *
 * Connects, prints the server's welcome, then asks `请输入要发送的内容>>>：` in a loop: each line
 * typed is sent and the reply printed; an empty line is skipped; `q` is sent and ends the
 * client without waiting for an answer. It teaches the client half of lockstep talk: one send,
 * one receive, strictly in turn, with bytes (UTF-8) on the wire and text on the screen.
 *
 * Only `--allow-net` for the server's address is needed.
 *
 * Same bytes and same screen as the Python original. Differences, all in behaviour:
 * - End of input (Ctrl-D, or the end of a piped file) counts as typing `q`, where Python's
 *   `input()` would die with EOFError and leave the server waiting.
 * - A reply read that ends inside a UTF-8 character waits for the rest of the character.
 * - If the server hangs up, the client says so in one line and exits with status 1.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "chat_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 9999;
const PROMPT = "请输入要发送的内容>>>：";
const QUIT = "q";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Chat bot client: prints the welcome, then sends each line you type and prints the reply.
Type q (or end the input) to quit; empty lines are skipped.

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
    for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
      yield pending.slice(0, end).replace(/\r$/, "");
      pending = pending.slice(end + 1);
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

  // The server speaks first: print its welcome.
  const welcome = await readMessage(conn, decoder);
  if (welcome === null) throw closed();
  console.log(welcome);

  while (true) {
    let line = await input(PROMPT);
    if (line === null) {
      // End of input: finish the prompt's line and quit as if q had been typed.
      console.log();
      line = QUIT;
    }
    if (line.length === 0) continue;
    await writeAll(conn, encoder.encode(line));
    // After q only the sending matters; the server ends the conversation without a reply.
    if (line === QUIT) break;
    const reply = await readMessage(conn, decoder);
    if (reply === null) throw closed();
    console.log(reply);
  }
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
