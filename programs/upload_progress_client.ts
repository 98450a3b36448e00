#!/usr/bin/env -S deno run -A
/**
 * @title 案例2：文件上传 — File upload with progress: the client
 * @seed 003_5d88270f3bd9af2f.txt, "案例2：文件上传", client.py
 * @run deno run --allow-net=127.0.0.1 --allow-read upload_progress_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Asks `请输入需要上传的文件:`, sends `NAME-SIZE` (the file's name and byte count), prints
 * `开始上传文件`, sends the file and closes. Nothing comes back: the server shows the progress.
 *
 * It reads the file it sends, hence `--allow-read`. Same bytes and screen as the Python
 * original. Differences: the file is checked before anything is sent, so a missing file is a
 * one-line error (exit status 1) rather than a traceback after the connection is made; exactly
 * the size announced is sent, even if the file changes meanwhile; it reads 1 MiB at a time.
 *
 * @module
 */

import { basename } from "node:path";
import { parseArgs } from "node:util";

const NAME = "upload_progress_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const PROMPT = "请输入需要上传的文件:";
const CHUNK_SIZE = 1 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Asks for a file and uploads it as "NAME-SIZE" followed by its bytes.

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
  console.log("开始上传文件");
  const buffer = new Uint8Array(CHUNK_SIZE);
  for (let sent = 0; sent < size;) {
    const n = await file.read(buffer.subarray(0, Math.min(buffer.length, size - sent)));
    if (n === null) throw new Error(`${path} shrank while it was being sent`);
    await writeAll(conn, buffer.subarray(0, n));
    sent += n;
  }
  conn.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
