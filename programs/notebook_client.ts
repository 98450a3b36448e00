#!/usr/bin/env -S deno run --allow-net
/**
 * @title 修改内网版notebook — The LAN notebook: the client
 * @seed 002_74a0ec6df0a817ca.txt, "6. 修改内网版notebook", 6.2 and 6.3
 * @run deno run --allow-net=127.0.0.1 notebook_client.ts [--host 127.0.0.1] [--port 65432]
 *
 * Asks `今日记录，请输入（输入quit退出程序）：`; each note is sent to the notebook server,
 * which saves it and echoes it back, and printed as `Data: YYYY/MM/DD HH:MM:SS note`. `quit`
 * ends the client without sending anything (6.2: the server learns of it from the closed
 * connection). As 6.3 teaches, the answer is decoded as UTF-8, so Chinese notes stay readable.
 *
 * Python → Deno: `data.decode('utf-8')` is a `TextDecoder`; `time.strftime('%Y/%m/%d
 * %H:%M:%S')` is the `timestamp` below.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "notebook_client.ts";
const HOST = "127.0.0.1";
const PORT = 65432;
const PROMPT = "今日记录，请输入（输入quit退出程序）：";
const QUIT = "quit";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // s.connect((HOST, PORT)): socket() + connect() are one call in Deno.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();

  while (true) {
    // data = input('今日记录，请输入（输入quit退出程序）：'); the end of input counts as quit.
    const data = await input(PROMPT);
    if (data === null) console.log();
    // 6.2: quit leaves at once, sending nothing; the server sees the connection close.
    if (data === null || data === QUIT) break;
    // An empty note is not sent: the server would wait for it forever.
    if (data === "") continue;
    // 6.3: s.sendall(data.encode('utf-8')), then data = s.recv(1024).
    await writeAll(conn, encoder.encode(data));
    const echoed = await recv(conn, buffer, decoder);
    if (echoed === null) throw new ServerGone();
    // print('Data:', time.strftime(...), data.decode('utf-8')): text, not repr(data).
    console.log("Data:", timestamp(), printable(echoed));
  }
  conn.close();
}

/** Python's `time.strftime('%Y/%m/%d %H:%M:%S')`, local time. */
function timestamp(date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}/${two(date.getMonth() + 1)}/${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
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
 * - The answer is printed as text (6.3); `repr(data)` would print `b'\xe6\x88\x91…'`.
 * - The seed's port is not stated; the default, 65432, is the one of the echo server the notes
 *   start from.
 * - An empty note is not sent (the server would wait for it forever), and the end of input
 *   counts as `quit`, where Python's `input()` would die with EOFError.
 * - If the server hangs up, the client says so in one line and exits with status 1.
 * - What the server sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Notebook client: each note you type is saved by the server and shown back with the time.
Type quit (or end the input) to leave.

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
