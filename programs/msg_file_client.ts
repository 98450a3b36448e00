#!/usr/bin/env -S deno run --allow-net --allow-read
/**
 * @title 3.3 案例：发送消息和文件上传 — Messages and files in one protocol: the client
 * @seed 003_5d88270f3bd9af2f.txt, "3.3 案例：发送消息和文件上传", client.py
 * @run deno run --allow-net=127.0.0.1 --allow-read msg_file_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * At the `>>>` prompt, `msg|你好呀` sends a message: the frame `{"msg_type": "msg"}`, then the
 * text's frame; `file|PATH` sends a file: `{"msg_type": "file", "file_name": "NAME"}`, then the
 * file as one frame, streamed from disk; `Q` sends the frame `close` and ends. Every frame is
 * a 4-byte length and then that many bytes, so the server always knows where each one ends.
 *
 * Python → Deno: `struct.pack('i', n)` is the `frameHeader(n)` below; `json.dumps` is the
 * `pythonJson` below, since `JSON.stringify` writes no spaces and keeps non-ASCII as it is.
 *
 * @module
 */

import { basename } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "msg_file_client.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const PROMPT = ">>>";
const QUIT = "Q";
const CLOSE = "close";
const FORMAT_ERROR = "格式输入错误";
const CHUNK_SIZE = 1 << 20;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // socket() + connect() are one call in Deno.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });

  while (true) {
    const content = await input(PROMPT);
    // End of input: finish the prompt's line and quit as if Q had been typed.
    if (content === null) console.log();
    if (content === null || content.toUpperCase() === QUIT) {
      // A frame that says goodbye: an empty read would not tell a close from a crash.
      await sendData(conn, CLOSE);
      break;
    }
    // msg|TEXT or file|PATH: exactly one bar.
    const parts = content.split("|");
    if (parts.length !== 2) {
      console.log(FORMAT_ERROR);
      continue;
    }
    const [messageType, info] = parts;
    if (messageType === "msg") {
      await sendData(conn, pythonJson({ msg_type: "msg" }));
      await sendData(conn, info);
    } else if (messageType === "file") {
      // Open it first: once the type frame is sent, the file frame must follow.
      let file: Deno.FsFile;
      try {
        file = await Deno.open(info);
      } catch (error) {
        console.log(`cannot read ${info}: ${(error as Error).message}`);
        continue;
      }
      using _ = file;
      const size = (await file.stat()).size;
      if (size > 0x7fffffff) {
        console.log(`${info} is over 2 GiB, more than a 4-byte signed length can say`);
        continue;
      }
      await sendData(conn, pythonJson({ msg_type: "file", file_name: basename(info) }));
      await sendFile(conn, file, size);
    } else {
      console.log(FORMAT_ERROR);
    }
  }
  conn.close();
}

/** send_data(): one text frame, printed as the seed prints it (`print(data, len(data))`). */
async function sendData(conn: Deno.Conn, content: string): Promise<void> {
  const data = encoder.encode(content);
  await writeAll(conn, frameHeader(data.length));
  await writeAll(conn, data);
  console.log(content, data.length);
}

/** send_file(): the file as one frame, streamed a piece at a time. */
async function sendFile(conn: Deno.Conn, file: Deno.FsFile, size: number): Promise<void> {
  await writeAll(conn, frameHeader(size));
  const buffer = new Uint8Array(CHUNK_SIZE);
  let sent = 0;
  while (sent < size) {
    const n = await file.read(buffer.subarray(0, Math.min(buffer.length, size - sent)));
    if (n === null) throw new Error("the file shrank while it was being sent");
    await writeAll(conn, buffer.subarray(0, n));
    sent += n;
  }
}

/** struct.pack('i', n): 4 bytes, signed 32-bit little-endian. */
function frameHeader(n: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, n, true);
  return bytes;
}

/** Python's json.dumps for a flat object of strings: `{"k": "v", …}`, ensure_ascii. */
function pythonJson(object: Record<string, string>): string {
  const quote = (text: string) =>
    JSON.stringify(text).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  return `{${Object.entries(object).map(([k, v]) => `${quote(k)}: ${quote(v)}`).join(", ")}}`;
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/**
 * Differences from the seed (same bytes on the wire; behaviour fixed):
 * - Python's `print(data, len(data))` shows `b'{"msg_type": "msg"}' 19`; this prints the text
 *   the bytes hold, `{"msg_type": "msg"} 19`.
 * - The JSON is written exactly as Python's `json.dumps` writes it (`": "` and `", "` between
 *   parts, non-ASCII characters as `\uXXXX`), so the bytes on the wire are the seed's.
 * - A missing file prints a one-line error and the prompt comes back (the original crashes
 *   after it has already sent the type frame); a file over 2 GiB, more than the 4-byte length
 *   can say, is refused the same way. End of input counts as `Q`.
 * - It reads the files it sends, hence `--allow-read`. It prints only what its user typed (the
 *   server sends nothing back), so nothing a peer sent reaches the terminal to be escaped.
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Sends messages (msg|TEXT) and files (file|PATH) in length-framed chunks; Q quits.

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
