#!/usr/bin/env -S deno run -A
/**
 * @title 3.3 案例：发送消息和文件上传 — Messages and files in one protocol: the client
 * @seed 003_5d88270f3bd9af2f.txt, "3.3 案例：发送消息和文件上传", client.py
 * @run deno run --allow-net=127.0.0.1 --allow-read msg_file_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * At the `>>>` prompt:
 * - `msg|你好呀` sends a message: the frame `{"msg_type": "msg"}`, then the text's frame;
 * - `file|PATH` sends a file: `{"msg_type": "file", "file_name": "NAME"}`, then the file as
 *   one frame, streamed from disk;
 * - `Q` sends the frame `close` and ends; anything else prints `格式输入错误`.
 *
 * As in the seed, every text frame sent is also printed with its length: Python's
 * `print(data, len(data))` shows `b'{"msg_type": "msg"} 19'`; this prints the text it holds,
 * `{"msg_type": "msg"} 19`.
 *
 * The JSON is written exactly as Python's `json.dumps` writes it (`": "` and `", "` between
 * parts, non-ASCII characters as `\uXXXX`), so the bytes on the wire are the seed's. It reads
 * the files it sends, hence `--allow-read`. A missing file prints a one-line error and the
 * prompt comes back (the original crashes after it has already sent the type frame); end of
 * input counts as `Q`.
 *
 * @module
 */

import { basename } from "node:path";
import { parseArgs } from "node:util";

const NAME = "msg_file_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const PROMPT = ">>>";
const CHUNK_SIZE = 1 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Sends messages (msg|TEXT) and files (file|PATH) in length-framed chunks; Q quits.

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

/** struct.pack('i', n): 4 bytes, signed 32-bit little-endian. */
function frameHeader(n: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, n, true);
  return bytes;
}
// --- the lesson ---

/** Python's json.dumps for a flat object of strings: `{"k": "v", …}`, ensure_ascii. */
function pythonJson(object: Record<string, string>): string {
  const quote = (text: string) =>
    JSON.stringify(text).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  return `{${Object.entries(object).map(([k, v]) => `${quote(k)}: ${quote(v)}`).join(", ")}}`;
}

/** send_data(): one text frame, printed as the seed prints it. */
async function sendData(conn: Deno.Conn, content: string): Promise<void> {
  const data = encoder.encode(content);
  await writeAll(conn, frameHeader(data.length));
  await writeAll(conn, data);
  console.log(content, data.length);
}

/** send_file(): the file as one frame, streamed. */
async function sendFile(conn: Deno.Conn, file: Deno.FsFile, size: number): Promise<void> {
  await writeAll(conn, frameHeader(size));
  const buffer = new Uint8Array(CHUNK_SIZE);
  for (let sent = 0; sent < size;) {
    const n = await file.read(buffer.subarray(0, Math.min(buffer.length, size - sent)));
    if (n === null) throw new Error("the file shrank while it was being sent");
    await writeAll(conn, buffer.subarray(0, n));
    sent += n;
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
  while (true) {
    const content = await input(PROMPT);
    if (content === null) console.log();
    if (content === null || content.toUpperCase() === "Q") {
      // A frame that says goodbye: an empty read would not tell a close from a crash.
      await sendData(conn, "close");
      break;
    }
    const parts = content.split("|");
    if (parts.length !== 2) {
      console.log("格式输入错误");
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
      console.log("格式输入错误");
    }
  }
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
