#!/usr/bin/env -S deno run --allow-net --allow-read --allow-write
/**
 * @title 使用socket实现FTP-下载功能(增加MD5验证功能) — FTP download with MD5: the client
 * @seed 000_84409504fdc3648b.txt, "使用socket实现FTP-下载功能(增加MD5验证功能)", socket客户端代码
 * @run deno run --allow-net=localhost --allow-read=. --allow-write=. ftp_download_client.ts
 *
 * Asks `>>:` for commands; `get NAME` downloads NAME and saves it as `NAME.new` in the current
 * folder. It teaches the receiving half of a sized transfer: read the size, acknowledge it so
 * it never sticks to the data, count the bytes to know where the file ends, then compare the
 * server's MD5 with our own. End the input (Ctrl-D) to quit.
 *
 * Python → Deno: `client.recv(size)` is `conn.read(buffer.subarray(0, size))`, which returns
 * how many bytes came; `hashlib.md5()` is `createHash("md5")` from `node:crypto`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { createHash } from "node:crypto";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "ftp_download_client.ts";
const HOST = "localhost";
const PORT = 9999;
const PROMPT = ">>:";
const ACK = "ready to recv file";
const SEED_PIECE = 1024;
const MD5_HEX_LENGTH = 32;
const CHUNK_SIZE = 1 << 20;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // socket() + connect() are one call in Deno.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();

  // while True: cmd = input(">>:").strip(), until the input ends.
  while (true) {
    const line = await input(PROMPT);
    if (line === null) {
      // End of input: finish the prompt's line and leave.
      console.log();
      break;
    }
    const command = line.trim();
    if (command.length === 0) continue;
    if (!command.startsWith("get")) {
      console.log("usage: get NAME");
      continue;
    }
    await get(conn, command, buffer, decoder);
  }
  conn.close();
}

/**
 * One `get NAME`: size, ack, data, MD5; saves NAME.new only if the MD5s agree. It prints what
 * the seed prints (`servr` is the seed's spelling):
 *
 * ```
 * >>:get f.png
 * servr response: 1795
 * last receive: 771
 * file recv done 1795 1795
 * server file md5: 8538a2876ec718b52850d4abfa89b651
 * client file md5: 8538a2876ec718b52850d4abfa89b651
 * ```
 */
async function get(
  conn: Deno.Conn,
  command: string,
  buffer: Uint8Array,
  decoder: TextDecoder,
): Promise<void> {
  // client.send(cmd.encode()); server_response = client.recv(1024)
  await writeAll(conn, encoder.encode(command));
  const response = await recv(conn, buffer, decoder);
  if (response === null) throw new Error("the server closed the connection");
  console.log("servr response:", printable(response));
  // Anything but a size is the server's error answer: nothing follows it.
  if (!/^\d{1,15}$/.test(response)) return;
  // client.send(b"ready to recv file"): only now does the server send the data.
  await writeAll(conn, encoder.encode(ACK));

  // f = open(filename + ".new", "wb"), under a temporary name until the MD5s agree.
  const size = Number(response);
  const target = `${command.split(/\s+/)[1]}.new`;
  const temporary = `${target}.part-${crypto.randomUUID().slice(0, 8)}`;
  // Ctrl-C (or SIGTERM) in the middle: the temporary file goes too, and the status says why.
  function interrupted(): void {
    try {
      Deno.removeSync(temporary);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    console.error(`${NAME}: interrupted: ${target} not written`);
    Deno.exit(130);
  }
  for (const signal of STOP_SIGNALS) Deno.addSignalListener(signal, interrupted);
  try {
    const md5 = await receiveFile(conn, size, temporary);
    const serverMd5 = await readMd5(conn);
    console.log("server file md5:", printable(serverMd5));
    console.log("client file md5:", md5);
    if (serverMd5 !== md5) {
      console.log(`MD5 mismatch: ${target} not written`);
      return;
    }
    await Deno.rename(temporary, target);
  } finally {
    for (const signal of STOP_SIGNALS) Deno.removeSignalListener(signal, interrupted);
    await Deno.remove(temporary).catch(() => {});
  }
}

/**
 * The seed's `while received_size < file_total_size: data = client.recv(size)`: exactly
 * `size` bytes into `path`, hashed as they come, in large reads. It prints `last receive: N`
 * where the seed would: N is the size of the final piece when the file is read 1024 bytes at
 * a time, printed before that piece is read. Returns the MD5 hex.
 */
async function receiveFile(conn: Deno.Conn, size: number, path: string): Promise<string> {
  const hash = createHash("md5");
  const lastPiece = size - SEED_PIECE * Math.floor((size - 1) / SEED_PIECE);
  const lastPieceStart = size - lastPiece;
  let announced = false;
  using file = await Deno.open(path, { write: true, createNew: true });
  const buffer = new Uint8Array(CHUNK_SIZE);
  let received = 0;
  while (received < size) {
    if (!announced && received >= lastPieceStart) {
      console.log("last receive:", lastPiece);
      announced = true;
    }
    const n = await conn.read(buffer.subarray(0, Math.min(buffer.length, size - received)));
    if (n === null) {
      throw new Error(`the server closed the connection after ${received} of ${size} bytes`);
    }
    const piece = buffer.subarray(0, n);
    hash.update(piece);
    await writeAll(file, piece);
    received += n;
  }
  // A large read may have brought the last piece with the ones before it.
  if (!announced && size > 0) console.log("last receive:", lastPiece);
  console.log("file recv done", received, size);
  return hash.digest("hex");
}

/** The server's MD5 (`client.recv(1024)` in the seed): exactly its 32 hex digits. */
async function readMd5(conn: Deno.Conn): Promise<string> {
  try {
    const data = await readExactly(conn, MD5_HEX_LENGTH);
    if (data !== null) return new TextDecoder().decode(data);
  } catch (error) {
    // Some of it came, not all: the server left all the same.
    if (!(error instanceof ShortRead)) throw error;
  }
  throw new Error("the server closed the connection before its MD5");
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
 * Differences from the seed (same bytes on the wire; behaviour fixed). On screen, Python's
 * reprs of bytes objects, `servr response: b'1795'` and `server file md5: b'8538…'`, become the
 * text they hold.
 * - An answer that is not a size (the server's error, e.g. `error: no such file: x.png`) is
 *   printed and the prompt comes back; the original dies on `int()`, or waits forever for a
 *   server that never answers.
 * - The data is read in large pieces, exactly as many bytes as announced, then exactly the 32
 *   bytes of MD5 (the original may take part of the MD5 as data when they arrive together).
 * - `NAME.new` appears only when the MD5s agree; it is written under a temporary name first,
 *   so a failed download leaves an older `NAME.new` untouched. It writes nothing else, hence
 *   `--allow-write=.` for the current folder. Ctrl-C (or SIGTERM) in the middle of a download
 *   removes the temporary file too: one line on stderr, exit status 130.
 * - Input other than `get NAME` gets a one-line hint instead of being ignored.
 * - What the server sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

FTP download client: type "get NAME" at the ${PROMPT} prompt to download NAME as NAME.new,
checked with MD5. End the input (Ctrl-D) to quit.

Options:
  --host HOST   server address (default ${HOST})
  --port PORT   server port (default ${PORT})
  --help        show this help`;

const encoder = new TextEncoder();

/** The signals that stop a program: Ctrl-C, and SIGTERM (Windows has SIGBREAK instead). */
const STOP_SIGNALS = ["SIGINT", Deno.build.os === "windows" ? "SIGBREAK" : "SIGTERM"] as const;

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
