#!/usr/bin/env -S deno run --allow-net
/**
 * @title socketserver — many clients at once: a client
 * @seed 000_84409504fdc3648b.txt, "socketserver", socketserver客户端代码(支持多客户端连接)
 * @run deno run --allow-net=127.0.0.1 threaded_chat_client.ts [--host 127.0.0.1] [--port 9999]
 *
 * Loops: print what the server sent, ask `please input:`, send it; `q` ends. As in the seed it
 * gives the server 5 seconds to answer (`sk.settimeout(5)`; `--timeout` to change it). Start
 * several at once: each is answered without waiting for the others.
 *
 * Python → Deno: `sk.settimeout(5)` has no socket option in Deno: each `recv` races a timer
 * (`recvWithin` below); `input()` is the `input` below, one line of standard input.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "threaded_chat_client.ts";
const HOST = "127.0.0.1";
const PORT = 9999;
const TIMEOUT_SECONDS = 5;
const PROMPT = "please input:";
const QUIT = "q";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    timeout: { type: "string", default: String(TIMEOUT_SECONDS) },
  }, USAGE).values;
  const seconds = Number(flags.timeout);
  // Under 1,000,000 s, as --idle-timeout: a timer longer than 24.8 days would fire at once.
  const secondsShape = /^\d{1,6}(\.\d+)?$/;
  if (!secondsShape.test(flags.timeout) || seconds === 0) {
    throw new UsageError(
      `--timeout takes seconds, more than 0 and under 1000000, not ${
        JSON.stringify(flags.timeout)
      }`,
    );
  }

  // sk = socket.socket(); sk.connect(ip_port): one call in Deno.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();

  while (true) {
    // data_bytes = sk.recv(1024): the welcome first, then each answer, within the timeout.
    const message = await recvWithin(conn, buffer, decoder, seconds);
    if (message === null) throw new ServerGone();
    console.log(printable(message));
    // inp = input('please input:'); an empty line is not sent: the prompt comes again.
    let line = await input(PROMPT);
    while (line === "") line = await input(PROMPT);
    if (line === null) {
      // End of input: finish the prompt's line and quit as if q had been typed.
      console.log();
      line = QUIT;
    }
    await writeAll(conn, encoder.encode(line));
    // As in the seed, q is sent first: the server ends the conversation on it.
    if (line === QUIT) break;
  }
  conn.close();
}

/**
 * `recv` with the seed's `sk.settimeout(seconds)`: the text of one read, null when the server
 * has closed, or ServerTooSlow if nothing comes within `seconds`.
 */
async function recvWithin(
  conn: { read(buffer: Uint8Array): Promise<number | null> },
  buffer: Uint8Array,
  decoder: TextDecoder,
  seconds: number,
): Promise<string | null> {
  const late = Promise.withResolvers<never>();
  const timer = setTimeout(() => late.reject(new ServerTooSlow(seconds)), seconds * 1000);
  try {
    return await Promise.race([recv(conn, buffer, decoder), late.promise]);
  } finally {
    clearTimeout(timer);
  }
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

/** Why the client stops: the server did not answer in time (Python: `socket.timeout`). */
class ServerTooSlow extends Error {
  constructor(seconds: number) {
    super(`the server did not answer within ${seconds} s`);
  }
}

/** Why the client stops: the server hung up in the middle of the conversation. */
class ServerGone extends Error {
  override message = "the server closed the connection";
}

/**
 * Differences from the seed (same bytes, same screen; behaviour fixed):
 * - When the server does not answer in time, this says so in one line and exits with status 1
 *   (Python dies with a `socket.timeout` traceback).
 * - An empty line is not sent, the prompt comes again (sending nothing would make the
 *   original wait out its timeout).
 * - End of input (Ctrl-D, or the end of a piped file) counts as typing `q`.
 * - A read that ends inside a UTF-8 character waits for the rest of the character.
 * - What the server sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--timeout SECONDS]

Chat client: prints the server's words, sends each line you type; q quits.

Options:
  --host HOST          server address (default ${HOST})
  --port PORT          server port (default ${PORT})
  --timeout SECONDS    how long to wait for the server (default ${TIMEOUT_SECONDS})
  --help               show this help`;

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
