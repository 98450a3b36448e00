#!/usr/bin/env -S deno run -A
/**
 * @title 使用socket实现简单的SSH工具 — A tiny SSH: the client
 * @seed 000_84409504fdc3648b.txt, "使用socket实现简单的SSH工具", socket客户端代码 and 方式2
 * @run deno run --allow-net=localhost ssh_client.ts [--host localhost] [--port 9999]
 *
 * Asks `>>：` for a command, sends it, reads the size of the result (`命令结果大小： N`),
 * acknowledges it (`准备好接受了，loser可以发了`, the seed's 方式2), reads exactly N bytes
 * (`cmd res receive done.... N`) and prints the result. End the input (Ctrl-D) to leave.
 *
 * With `--sleep-fix` (for a server started with `--sleep-fix`, the seed's 方式1) no ack is sent;
 * if the size and the output still arrive glued, the leading digits are taken as the size and
 * the rest as output, which breaks when the output itself starts with a digit: the reason the
 * ack is the fix. `--token SECRET` sends the server's secret first.
 *
 * Only `--allow-net` for the server's address is needed. Same bytes and screen as the Python
 * original; Python's `命令结果大小： b'7'` shows bytes, this shows the number.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "ssh_client.ts";
const DEFAULT_HOST = "localhost";
const DEFAULT_PORT = 9999;
const PROMPT = ">>：";
const ACK = "准备好接受了，loser可以发了";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--token SECRET] [--sleep-fix]

Sends each command you type and prints its output; end the input (Ctrl-D) to leave.

Options:
  --host HOST      server address (default ${DEFAULT_HOST})
  --port PORT      server port (default ${DEFAULT_PORT})
  --token SECRET   the server's secret, sent first
  --sleep-fix      for a server started with --sleep-fix: send no ack
  --help           show this help`;

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
        token: { type: "string" },
        "sleep-fix": { type: "boolean", default: false },
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
  const buffer = new Uint8Array(1024);
  const read = async () => {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("the server closed the connection");
    return buffer.slice(0, n);
  };
  if (flags.token !== undefined) {
    await writeAll(conn, encoder.encode(flags.token));
    const answer = decoder.decode(await read());
    if (answer !== "token ok") throw new Error(`the server refused the token (${answer})`);
  }
  while (true) {
    const line = await input(PROMPT);
    if (line === null) {
      console.log();
      break;
    }
    const command = line.trim();
    if (command.length === 0) continue;
    await writeAll(conn, encoder.encode(command));

    // The size, as decimal text. With the ack, nothing follows it until we answer.
    let first = await read();
    let digits = 0;
    while (digits < first.length && first[digits] >= 0x30 && first[digits] <= 0x39) digits++;
    while (digits === first.length) {
      // All digits so far: the size may go on in the next read.
      if (!flags["sleep-fix"]) break;
      const more = await read();
      first = Uint8Array.from([...first, ...more]);
      while (digits < first.length && first[digits] >= 0x30 && first[digits] <= 0x39) digits++;
    }
    if (digits === 0) {
      throw new Error(
        `expected the size of the result, got ${JSON.stringify(decoder.decode(first))}`,
      );
    }
    const size = Number(decoder.decode(first.subarray(0, digits)));
    console.log("命令结果大小：", size);
    if (!flags["sleep-fix"]) await writeAll(conn, encoder.encode(ACK));

    // Exactly `size` bytes, in as many reads as it takes (what came glued counts first).
    const glued = first.subarray(digits);
    const rest = await readExactly(conn, Math.max(0, size - glued.length));
    if (rest === null) throw new Error("the server closed the connection before the whole result");
    const result = Uint8Array.from([...glued, ...rest]);
    console.log("cmd res receive done....", result.length);
    console.log(decoder.decode(result));
  }
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
