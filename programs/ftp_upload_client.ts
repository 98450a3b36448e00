#!/usr/bin/env -S deno run --allow-net --allow-read
/**
 * @title 使用Socket实现FTP-上传功能(MD5) — FTP upload with MD5: the client
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现FTP-上传功能(MD5)", socket客户端代码
 * @run deno run --allow-net=127.0.0.1 --allow-read=. ftp_upload_client.ts [FILE]
 *
 * Uploads one file (default `f.png`, as in the seed): prints the server's welcome, sends the
 * size, waits for the ack, sends the file and its MD5, and prints the server's answer. Waiting
 * for the ack is the lesson: without it the size and the first bytes of the file would stick
 * together (粘包). The upload is verified when the server's MD5 equals ours.
 *
 * Python → Deno: `os.stat('f.png').st_size` is `(await Deno.stat(path)).size`; `hashlib.md5()`
 * is `createHash("md5")` from `node:crypto`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { createHash } from "node:crypto";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "ftp_upload_client.ts";
const HOST = "127.0.0.1";
const PORT = 9999;
const FILE = "f.png";
const WELCOME = "欢迎登陆FTP系统";
const SIZE_ACK = "已经接收到文件大小数据包，往下继续吧";
const REPLY_PREFIX = "file MD5(after send):";
const CHUNK_SIZE = 1 << 20;

async function main(): Promise<void> {
  const { values: flags, positionals } = readFlags(
    {
      host: { type: "string", default: HOST },
      port: { type: "string", default: String(PORT) },
    },
    USAGE,
    true,
  );
  if (positionals.length > 1) {
    throw new UsageError(`one FILE at most, not also ${JSON.stringify(positionals[1])}`);
  }
  const path = positionals[0] ?? FILE;

  // os.stat('f.png').st_size — checked before connecting, so a typo costs no connection.
  let size: number;
  try {
    size = (await Deno.stat(path)).size;
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }

  // socket() + connect() are one call in Deno. The server speaks first: print its welcome.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });
  console.log(printable(await expectText(conn, WELCOME, "its welcome")));

  // The size first, then wait for the ack, so size and data never stick together.
  await writeAll(conn, encoder.encode(String(size)));
  await expectText(conn, SIZE_ACK, "acknowledging the size");

  // The file, hashed as it goes, then its MD5 hex.
  const md5 = await sendFile(conn, path, size);
  console.log("file MD5(before send):", md5);
  await writeAll(conn, encoder.encode(md5));

  // The server's answer: its own MD5 of what it received.
  const reply = await expectText(conn, REPLY_PREFIX + md5, "answering with its MD5");
  console.log(printable(reply));
  conn.close();
  if (reply !== REPLY_PREFIX + md5) {
    throw new Error("the server's MD5 differs: upload not verified");
  }
}

/**
 * The seed's `for line in f: h.update(line); c1.sendall(line)`: sends exactly `size` bytes of
 * `path` (even if the file grows meanwhile), hashing them; returns the MD5 hex.
 */
async function sendFile(conn: Deno.Conn, path: string, size: number): Promise<string> {
  const hash = createHash("md5");
  using file = await Deno.open(path);
  const buffer = new Uint8Array(CHUNK_SIZE);
  let sent = 0;
  while (sent < size) {
    const n = await file.read(buffer.subarray(0, Math.min(buffer.length, size - sent)));
    if (n === null) throw new Error(`${path} shrank while it was being sent`);
    const piece = buffer.subarray(0, n);
    hash.update(piece);
    await writeAll(conn, piece);
    sent += n;
  }
  return hash.digest("hex");
}

/**
 * The seed's `recv(1024)` of a text whose length we know: exactly the byte length of `text`,
 * decoded, however the network splits it; fails saying what was awaited if the server leaves.
 */
async function expectText(conn: Deno.Conn, text: string, what: string): Promise<string> {
  try {
    const data = await readExactly(conn, encoder.encode(text).length);
    if (data !== null) return new TextDecoder().decode(data);
  } catch (error) {
    // Some of it came, not all: the server left all the same.
    if (!(error instanceof ShortRead)) throw error;
  }
  throw new Error(`the server closed the connection before ${what}`);
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/** The peer closed in the middle of a message: some of its bytes came, not all. */
class ShortRead extends Error {}

/** Exactly `n` bytes: null if the peer closed before the first, ShortRead if after some. */
async function readExactly(conn: Pick<Deno.Conn, "read">, n: number): Promise<Uint8Array | null> {
  const data = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const count = await conn.read(data.subarray(got));
    if (count === null && got === 0) return null;
    if (count === null) throw new ShortRead(`the peer closed after ${got} of ${n} bytes`);
    got += count;
  }
  return data;
}

/**
 * Differences from the seed (same bytes on the wire, the same lines on screen; behaviour
 * fixed). The seed's 运行 block shows the last line as the bare MD5; its own server code sends
 * (and its client prints) `file MD5(after send):` before it, which is what this prints.
 * - The file is checked before connecting, so a missing file is a one-line error rather than a
 *   traceback after the welcome.
 * - The welcome, the ack and the answer have fixed lengths, and each is read in full however
 *   the network splits it (the original takes whatever one `recv(1024)` returns).
 * - Exactly the size announced is sent, even if the file grows meanwhile; the exit status is 0
 *   only when the server's MD5 equals ours, 1 otherwise.
 * - It reads only the file it sends, hence `--allow-read=f.png` for the default.
 * - What the server sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, connecting (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [FILE]

FTP upload client: sends FILE (default ${FILE}) with its size and MD5, and checks
the MD5 the server computed. Exit status 0 only if they match.

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
