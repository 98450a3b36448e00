#!/usr/bin/env -S deno run --allow-net --allow-read
/**
 * @title 案例2：文件上传 — File upload with progress: the client
 * @seed 003_5d88270f3bd9af2f.txt, "案例2：文件上传", client.py
 * @run deno run --allow-net=127.0.0.1 --allow-read upload_progress_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Asks `请输入需要上传的文件:`, sends `NAME-SIZE` (the file's name and byte count), prints
 * `开始上传文件`, sends the file and closes. Nothing comes back: the server shows the progress.
 * The size goes first so the server knows when the upload is complete.
 *
 * Python → Deno: `os.stat(file_path).st_size` is `(await file.stat()).size`;
 * `file_object.read(1024)` is `file.read(buffer)`, which fills a buffer you own.
 *
 * @module
 */

import { basename } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "upload_progress_client.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const PROMPT = "请输入需要上传的文件:";
const STARTING = "开始上传文件";
const CHUNK_SIZE = 1 << 20;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // client.connect(('127.0.0.1', 8001)): socket() + connect() are one call in Deno.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });

  // file_path = input(...): opened before anything is sent, so a missing file sends nothing.
  const path = (await input(PROMPT) ?? "").trim();
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (error) {
    conn.close();
    throw new Error(`cannot read ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
  using _ = file;
  const size = (await file.stat()).size;

  // The header: file name and size, joined by "-".
  await writeAll(conn, encoder.encode(`${basename(path)}-${size}`));
  console.log(STARTING);

  // Then the file, a piece at a time: exactly the size announced.
  const buffer = new Uint8Array(CHUNK_SIZE);
  let sent = 0;
  while (sent < size) {
    const n = await file.read(buffer.subarray(0, Math.min(buffer.length, size - sent)));
    if (n === null) throw new Error(`${path} shrank while it was being sent`);
    await writeAll(conn, buffer.subarray(0, n));
    sent += n;
  }
  conn.close();
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/**
 * Differences from the seed (same bytes and screen; behaviour fixed):
 * - The file is checked before anything is sent, so a missing file is a one-line error (exit
 *   status 1) rather than a traceback after the connection is made.
 * - Exactly the size announced is sent, even if the file changes meanwhile; it reads 1 MiB at
 *   a time, not 1024 bytes.
 * - It reads the file it sends, hence `--allow-read`.
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Asks for a file and uploads it as "NAME-SIZE" followed by its bytes.

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
