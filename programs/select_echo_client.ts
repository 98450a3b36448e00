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

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "select_echo_client.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const PROMPT = "请输入要发送的内容>>>：";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // obj = socket.socket(); obj.connect(('127.0.0.1', 8001))
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });
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
    console.log(printable(reply));
  }
  conn.close();
}

/** One `recv(1024)`: one read's text (a split character waits for the next), null at the end. */
async function recv(conn: Pick<Deno.Conn, "read">, buffer: Uint8Array, decoder: TextDecoder) {
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return null;
    const text = decoder.decode(buffer.subarray(0, n), { stream: true });
    if (text !== "") return text;
  }
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
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
 * - What the server sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
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

/** `parseArgs` on the command line, with `--help`, and the shared flags' numbers checked. */
function readFlags<T extends FlagOptions>(options: T, usage: string, words = false) {
  const all = { ...options, help: { type: "boolean", short: "h" } } as const;
  const parsed = parseArgs({ args: Deno.args, options: all, allowPositionals: words });
  const values = parsed.values as Record<string, unknown>;
  if (values.help) {
    console.log(usage);
    Deno.exit(0);
  }
  for (const [flag, [isValid, what]] of Object.entries(NUMBER_FLAGS)) {
    const value = values[flag];
    if (typeof value === "string" && !isValid(value)) {
      throw new UsageError(`--${flag} takes ${what}, not ${JSON.stringify(value)}`);
    }
  }
  return parsed;
}

/** The numbers the shared flags take, and how a wrong one is told. */
const NUMBER_FLAGS: Record<string, [(text: string) => boolean, string]> = {
  port: [(text) => /^\d{1,5}$/.test(text) && Number(text) <= 65535, "a number from 0 to 65535"],
  // Under 1,000,000 s: a timer longer than 24.8 days would fire at once.
  "idle-timeout": [(text) => /^\d{1,6}(\.\d+)?$/.test(text), "seconds, 0 (never) to 999999"],
  "max-connections": [(text) => /^[1-9]\d{0,8}$/.test(text), "a whole number from 1"],
};

/** The option descriptions `parseArgs` takes. */
type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

/**
 * `text` as it may be shown on a terminal: control characters (C0, DEL, C1) and the bidi
 * controls appear as `\u{…}` escapes, so a peer's text cannot move the cursor, recolour the
 * screen or forge a line.
 */
function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`,
  );
}

/** Standard input a line at a time; as for Python's `input`, `\r\n` and `\r` end lines too. */
const lines = linesOf(Deno.stdin.readable);

/** Python's `input(prompt)`: the prompt without a newline, then one line; null at end of input. */
async function input(prompt: string): Promise<string | null> {
  await writeAll(Deno.stdout, encoder.encode(prompt));
  const next = await lines.next();
  return next.done ? null : next.value;
}

/** The lines of `stream` as Python's universal newlines read them; the last may lack an end. */
async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    // A "\r" last in the text may be the first half of a "\r\n": it waits for what follows.
    const found = text.split(/\r\n|\r(?!$)|\n/);
    text = found.pop()!;
    yield* found;
  }
  if (text !== "") yield text.replace(/\r$/, "");
}

if (import.meta.main) {
  // Exit when main is done, whatever still waits (standard input, timers).
  main().then(() => Deno.exit(0), (error) => {
    const usage = error instanceof UsageError || /^ERR_PARSE_ARGS/.test(error.code);
    // One line, always: parseArgs explains a value that starts with a dash in three.
    const message = (error as Error).message.replaceAll("\n", " ");
    console.error(`${NAME}: ${message}${usage ? " (see --help)" : ""}`);
    Deno.exit(usage ? 2 : 1);
  });
}
