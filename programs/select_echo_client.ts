#!/usr/bin/env -S deno run --allow-net
/**
 * @title 使用(IO多路复用)select实现多客户端连接 — select: many clients, one loop (a client)
 * @seed 000_84409504fdc3648b.txt, "使用(IO多路复用)select实现多客户端连接", socket客户端代码
 * @run deno run --allow-net=127.0.0.1 select_echo_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Asks `请输入要发送的内容>>>：`, sends the line, prints the answer; start several to see the
 * server answer them all. End the input (Ctrl-D) to leave. The client is the plain lockstep
 * kind: the select lesson is all on the server's side.
 *
 * Python → Deno: `socket()` + `connect()` is one `await Deno.connect()`; `input()` is the
 * `input` below, which reads standard input a line at a time.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "select_echo_client.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const PROMPT = "请输入要发送的内容>>>：";

async function main(): Promise<void> {
  const flags = readFlags(Deno.args, {
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // obj = socket.socket(); obj.connect(('127.0.0.1', 8001))
  const conn = await connectTo(flags.host, Number(flags.port));
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();

  while (true) {
    // inp = input("请输入要发送的内容>>>：")
    const line = await input(PROMPT);
    if (line === null) {
      // End of input: finish the prompt's line and leave.
      console.log();
      break;
    }
    // Nothing to send: an empty send would leave us waiting for an answer that never comes.
    if (line === "") continue;
    // obj.sendall(bytes(inp, encoding="utf-8")), then print what comes back.
    await writeAll(conn, encoder.encode(line));
    const reply = await recv(conn, buffer, decoder);
    if (reply === null) throw new ServerGone();
    console.log(reply);
  }
  conn.close();
}

/**
 * One `recv(1024)`: the text of one read, or null when the peer has closed. A read that ends
 * inside a UTF-8 character is completed by the next one, so characters never arrive broken;
 * bytes that are not UTF-8 read as U+FFFD.
 */
async function recv(
  conn: { read(buffer: Uint8Array): Promise<number | null> },
  buffer: Uint8Array,
  decoder: TextDecoder,
): Promise<string | null> {
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return null;
    const text = decoder.decode(buffer.subarray(0, n), { stream: true });
    if (text !== "") return text;
  }
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

/** Why the client stops: the server hung up in the middle of the conversation. */
class ServerGone extends Error {
  override message = "the server closed the connection";
}

/**
 * Differences from the seed (same bytes, same screen):
 * - An empty line is not sent (the original sends nothing and then waits forever for an
 *   answer).
 * - End of input (Ctrl-D) ends the client; the original has no way out but Ctrl-C, and dies
 *   with EOFError on a piped file.
 * - If the server hangs up, the client says so in one line and exits with status 1.
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Sends each line you type and prints the answer; end the input (Ctrl-D) to leave.

Options:
  --host HOST   server address (default ${HOST})
  --port PORT   server port (default ${PORT})
  --help        show this help`;

const encoder = new TextEncoder();

/** A command line the script cannot take: reported in one line, exit status 2. */
class UsageError extends Error {}

/**
 * `parseArgs` with `options`, up to `maxWords` plain words, and `--help` (prints `usage`, exits
 * 0). Checks `--port` (0 to 65535) and `--idle-timeout` (seconds); else throws a UsageError.
 */
function readFlags<T extends FlagOptions>(args: string[], options: T, usage: string, maxWords = 0) {
  let parsed;
  try {
    const all = { ...options, help: { type: "boolean", short: "h" } } as const;
    parsed = parseArgs({ args, options: all, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]);
  }
  const { help, port, "idle-timeout": idle } = parsed.values as Record<string, unknown>;
  if (help) {
    console.log(usage);
    Deno.exit(0);
  }
  if (typeof port === "string" && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) {
    throw new UsageError(`--port takes a number from 0 to 65535, not ${JSON.stringify(port)}`);
  }
  if (typeof idle === "string" && !/^\d+(\.\d+)?$/.test(idle)) {
    throw new UsageError(`--idle-timeout takes seconds (0 = never), not ${JSON.stringify(idle)}`);
  }
  if (parsed.positionals.length > maxWords) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[maxWords])}`);
  }
  return parsed;
}

/** The option descriptions `parseArgs` takes. */
type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

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

if (import.meta.main) {
  // Exit when main is done, whatever still waits (standard input, timers).
  main().then(() => Deno.exit(0), (error) => {
    const usage = error instanceof UsageError;
    console.error(`${NAME}: ${(error as Error).message}${usage ? " (see --help)" : ""}`);
    Deno.exit(usage ? 2 : 1);
  });
}
