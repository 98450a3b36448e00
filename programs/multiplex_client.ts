#!/usr/bin/env -S deno run --allow-net
/**
 * @title 5.1 TCP的服务端同时处理多个客户端 — One server, many clients (a client)
 * @seed 003_5d88270f3bd9af2f.txt, "5.1 TCP的服务端同时处理多个客户端", client.py
 * @run deno run --allow-net=127.0.0.1 multiplex_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Sends each line typed at `>>>` to the server, which prints it; `q` or `Q` leaves. Start
 * several at once: the server takes them all. Nothing comes back. It teaches the sending half
 * alone: the client never waits for the server, so lines typed faster than the server reads
 * them may arrive glued together (粘包): TCP keeps no message boundaries.
 *
 * Python → Deno: `client.connect()` is one `await Deno.connect()`; `client.sendall()` is
 * `writeAll` below, a loop over `conn.write`, which may write only part.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "multiplex_client.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const PROMPT = ">>>";
const QUIT = "Q";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // client = socket.socket(); client.connect(('127.0.0.1', 8001)): one call in Deno.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });

  while (true) {
    const content = await input(PROMPT);
    if (content === null) {
      // End of input: finish the prompt's line and leave as if Q had been typed.
      console.log();
      break;
    }
    // if content.upper() == "Q": break — nothing is sent for it; closing says goodbye.
    if (content.toUpperCase() === QUIT) break;
    // An empty line is not sent: `sendall(b'')` puts nothing on the wire anyway.
    if (content === "") continue;
    await writeAll(conn, encoder.encode(content));
  }
  conn.close();
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/**
 * Differences from the seed (same bytes, same screen; behaviour fixed):
 * - An empty line is not sent, the prompt comes again.
 * - End of input (Ctrl-D, or the end of a piped file) counts as typing `q`, where Python's
 *   `input()` would die with EOFError.
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Sends each line you type to the server; q or Q leaves.

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
