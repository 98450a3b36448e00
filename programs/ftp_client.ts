#!/usr/bin/env -S deno run -A
/**
 * @title FTP系统 — The FTP tool: the client (get, put, ls, resume)
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现FTP-上传功能(MD5)" and "使用socket实现FTP-下载功能(增加MD5验证功能)"
 * @run deno run --allow-net=127.0.0.1 --allow-read=. --allow-write=. ftp_client.ts [put FILE | get NAME | ls]
 *
 * The client of `ftp_server.ts`. Interactive with the seed's `>>:` prompt, or one command for
 * scripts, whose exit status is 0 only when the transfer was verified:
 *
 * ```
 * ftp_client.ts                                   # interactive: get NAME, put FILE, ls, quit
 * ftp_client.ts put LOCAL_PATH [REMOTE_NAME]      # upload
 * ftp_client.ts get NAME [--out PATH]             # download (default: NAME's last part, here)
 * ftp_client.ts ls                                # list the server's files
 * ```
 *
 * Every transfer is checked with MD5 over the whole file. A download is written to
 * `PATH.ftp-part` and renamed to PATH only once verified; if it is interrupted, running the
 * same `get` again resumes from the bytes already there, and running the same `put` again
 * resumes from the bytes the server already holds. On a terminal, a progress bar (bytes, %,
 * MB/s, ETA) is drawn on stderr; when stderr is not a terminal nothing is drawn, so output
 * stays exact for scripts and tests. See `ftp_server.ts` for the protocol.
 *
 * Should the local disk fail in the middle of a download (it is full), the rest is still read,
 * and dropped, so that the session stays in step: one line `error: cannot write
 * PATH.ftp-part: REASON`, the part already written kept for resuming, and the prompt comes back.
 *
 * Interactive names: `get 测试 文件.png` and `put 测试 文件.png` take the rest of the line as
 * one name; to give both a local and a remote name, quote them: `put "a b.png" "c d.png"`.
 *
 * It reads the files it uploads and writes the files it downloads, nothing else: run it with
 * `--allow-read` and `--allow-write` for the folders you transfer from and to.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { basename } from "node:path";
import { parseArgs } from "node:util";

const NAME = "ftp_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 9999;
const PROMPT = ">>:";
const WELCOME = "欢迎登陆FTP系统";
const ACK = "ready to recv file";
const REPLY_PREFIX = "file MD5(after send):";
const PARTIAL_SUFFIX = ".ftp-part";
const MAX_LINE = 8192;
const CHUNK_SIZE = 1 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [COMMAND]

FTP client for ftp_server.ts. Without COMMAND it is interactive (prompt ${PROMPT}).

Commands:
  put LOCAL_PATH [REMOTE_NAME]   upload, checked with MD5; resumes an interrupted upload
  get NAME [--out PATH]          download, checked with MD5; resumes an interrupted download
  ls                             list the server's files
Interactive only: quit (or end the input), help.

Options:
  --host HOST   server address (default ${DEFAULT_HOST})
  --port PORT   server port (default ${DEFAULT_PORT})
  --out PATH    where get saves the file (default: the name's last part, in this folder)
  --help        show this help

Exit status: 0 when every transfer was verified, 1 otherwise, 2 for a usage error.`;

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

/**
 * A connection that carries lines (commands, sizes, MD5s) and raw file data in between.
 * Bytes read past a line stay buffered and are handed to the next read, so nothing is lost
 * however the network groups them.
 */
class FramedConn {
  readonly conn: Deno.Conn;
  #buffer = new Uint8Array(MAX_LINE);
  #start = 0;
  #end = 0;

  constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  /** The next line without its `\n`; null if the peer closed between lines. */
  async readLine(): Promise<string | null> {
    while (true) {
      const newline = this.#buffer.subarray(this.#start, this.#end).indexOf(0x0a);
      if (newline >= 0) {
        const line = this.#buffer.subarray(this.#start, this.#start + newline);
        this.#start += newline + 1;
        return new TextDecoder().decode(line);
      }
      if (this.#end - this.#start === this.#buffer.length) throw new Error("line too long");
      // Move what is left to the front, then read more after it.
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
      const n = await this.conn.read(this.#buffer.subarray(this.#end));
      if (n === null) {
        if (this.#end > 0) throw new Error("the connection closed in the middle of a line");
        return null;
      }
      this.#end += n;
    }
  }

  /** Reads into `into`: buffered bytes first, else straight from the connection. */
  async read(into: Uint8Array): Promise<number | null> {
    if (this.#end > this.#start) {
      const n = Math.min(into.length, this.#end - this.#start);
      into.set(this.#buffer.subarray(this.#start, this.#start + n));
      this.#start += n;
      return n;
    }
    return await this.conn.read(into);
  }

  /** Sends one line; `\n` is added. */
  async writeLine(line: string): Promise<void> {
    await writeAll(this.conn, new TextEncoder().encode(`${line}\n`));
  }
}

/** Spare 1 MiB buffers: transfers borrow and return them, so memory stays flat across transfers. */
const spareBuffers: Uint8Array[] = [];

/** A 1 MiB buffer from the spares, or a new one. */
function borrowBuffer(): Uint8Array {
  return spareBuffers.pop() ?? new Uint8Array(CHUNK_SIZE);
}

/** A write to the local disk failed during a reception; the bytes still due were read and dropped. */
class StoreFailed extends Error {}

/**
 * Receives exactly `count` bytes into `file`, hashing them in order. Each 1 MiB buffer is
 * filled (several reads, none asking for more than is still due) before it is hashed and
 * handed to the disk; two buffers alternate, so the next one fills from the network while the
 * last one is written. Returns how many bytes came (less if the peer closed early). Should a
 * write fail (a full disk), the rest is still read, and dropped, so that the peer's next
 * message is read as one; then StoreFailed is thrown with the write's reason.
 */
async function receiveToFile(
  from: FramedConn,
  file: Deno.FsFile,
  count: number,
  hash: Hash,
  progress: (done: number) => void,
): Promise<number> {
  const buffers = [borrowBuffer(), borrowBuffer()];
  let writing = Promise.resolve();
  // Set by a failed write (from a callback, hence the type spelled out).
  let writeError = null as Error | null;
  const noteWriteError = (error: Error) => {
    writeError ??= error;
  };
  let received = 0;
  try {
    for (let turn = 0; received < count; turn ^= 1) {
      const buffer = buffers[turn];
      const due = Math.min(buffer.length, count - received);
      let filled = 0;
      while (filled < due) {
        const n = await from.read(buffer.subarray(filled, due));
        if (n === null) break;
        filled += n;
      }
      const piece = buffer.subarray(0, filled);
      hash.update(piece);
      // The other buffer's write must be done before that buffer is filled again.
      await writing;
      if (writeError === null) writing = writeAll(file, piece);
      // Noted at once: Deno ends the process on a rejection that nothing awaits yet.
      writing = writing.catch(noteWriteError);
      received += filled;
      progress(received);
      if (filled < due) break;
    }
    await writing;
  } finally {
    await writing;
    spareBuffers.push(...buffers);
  }
  if (writeError !== null && received === count) throw new StoreFailed(writeError.message);
  return received;
}

/**
 * Returns `promise`, marked as handled: it is awaited later, and Deno ends the process on a
 * rejection that nothing awaits yet. Awaiting it still throws.
 */
function handledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/**
 * Sends exactly `count` bytes of `file` from its current position, hashing them in order
 * (unless `hash` is null: the MD5 is already known). Three buffers rotate: while one piece is
 * hashed, the next is read from disk and the one before is still being sent.
 */
async function sendFromFile(
  file: Deno.FsFile,
  to: Deno.Conn,
  count: number,
  hash: Hash | null,
  progress: (done: number) => void,
): Promise<void> {
  const buffers = [borrowBuffer(), borrowBuffer(), borrowBuffer()];
  let scheduled = 0;
  let turn = 0;
  // Reads the next piece into the next buffer; null when everything is scheduled.
  const readNext = (): Promise<Uint8Array> | null => {
    const due = Math.min(CHUNK_SIZE, count - scheduled);
    if (due === 0) return null;
    scheduled += due;
    const buffer = buffers[turn++ % buffers.length];
    return handledLater((async () => {
      for (let filled = 0; filled < due;) {
        const n = await file.read(buffer.subarray(filled, due));
        if (n === null) throw new Error("the file shrank while it was being sent");
        filled += n;
      }
      return buffer.subarray(0, due);
    })());
  };
  let reading = readNext();
  let sending = Promise.resolve();
  try {
    for (let sent = 0; reading;) {
      const piece = await reading;
      // The buffer read into next was sent two pieces ago, and that send has been awaited.
      reading = readNext();
      hash?.update(piece);
      await sending;
      sending = handledLater(writeAll(to, piece));
      sent += piece.length;
      progress(sent);
    }
    await sending;
  } finally {
    await Promise.allSettled([reading, sending]);
    spareBuffers.push(...buffers);
  }
}

/** Feeds the first `count` bytes of `file` to `hash` (the part a resumed transfer skips). */
async function hashPrefix(file: Deno.FsFile, count: number, hash: Hash): Promise<void> {
  if (count === 0) return;
  const buffer = borrowBuffer();
  try {
    for (let done = 0; done < count;) {
      const n = await file.read(buffer.subarray(0, Math.min(buffer.length, count - done)));
      if (n === null) throw new Error("the file is shorter than the part already transferred");
      hash.update(buffer.subarray(0, n));
      done += n;
    }
  } finally {
    spareBuffers.push(buffer);
  }
}
// --- the client ---

/** `1 byte`, `2 bytes`. */
function byteCount(n: number): string {
  return `${n} ${n === 1 ? "byte" : "bytes"}`;
}

/** A failure of one command: reported in one line, the session goes on. */
class CommandFailed extends Error {}

/** Draws a progress bar on stderr when it is a terminal; otherwise does nothing. */
function progressBar(label: string, total: number, start: number): (done: number) => void {
  if (!Deno.stderr.isTerminal() || total === 0) return () => {};
  const began = performance.now();
  let drawn = 0;
  return (done) => {
    const now = performance.now();
    if (now - drawn < 100 && done < total) return;
    drawn = now;
    const fraction = (start + done) / (start + total);
    const speed = done / 1e6 / Math.max((now - began) / 1000, 1e-3);
    const eta = speed > 0 ? (total - done) / 1e6 / speed : 0;
    const bar = "#".repeat(Math.round(fraction * 30)).padEnd(30, ".");
    const line = `\r${label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
      `${((start + done) / 1e6).toFixed(1)}/${((start + total) / 1e6).toFixed(1)} MB ` +
      `${speed.toFixed(1)} MB/s ETA ${eta.toFixed(0)}s`;
    Deno.stderr.writeSync(encoder.encode(done < total ? line : "\r\x1b[K"));
  };
}

/** The server's answer line; `error: …` answers become a CommandFailed. */
async function answer(session: FramedConn): Promise<string> {
  const line = await session.readLine();
  if (line === null) throw new Error("the server closed the connection");
  if (line.startsWith("error: ")) throw new CommandFailed(line.slice("error: ".length));
  return line;
}

/** Uploads `local` as `remote`, resuming where the server's partial copy ends. */
async function put(session: FramedConn, local: string, remote: string): Promise<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(local);
  } catch (error) {
    throw new CommandFailed(`cannot read ${local}: ${(error as Error).message}`);
  }
  using _ = file;
  const size = (await file.stat()).size;
  await session.writeLine(`put ${remote} ${size}`);
  const offset = Number(await answer(session));

  // The MD5 covers the whole file, also the part the server already has.
  const hash = createHash("md5");
  await hashPrefix(file, offset, hash);
  await sendFromFile(
    file,
    session.conn,
    size - offset,
    hash,
    progressBar(remote, size - offset, offset),
  );
  const md5 = hash.digest("hex");
  await session.writeLine(md5);

  const reply = await answer(session);
  if (reply !== REPLY_PREFIX + md5) {
    throw new CommandFailed(`put ${remote}: the server's MD5 differs (${reply}); not saved`);
  }
  const resumed = offset ? ` (resumed at ${offset})` : "";
  return `put ${remote}: ${byteCount(size)}${resumed}, md5 ${md5}, verified`;
}

/** Downloads `remote` to `out`, resuming from `out.ftp-part` if an earlier try left one. */
async function get(session: FramedConn, remote: string, out: string): Promise<string> {
  await session.writeLine(`get ${remote}`);
  const size = Number(await answer(session));

  const partial = out + PARTIAL_SUFFIX;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(partial, { read: true, write: true, create: true });
  } catch (error) {
    await session.writeLine(`${ACK} 0`);
    throw new Error(`cannot write ${partial}: ${(error as Error).message}`);
  }
  using _ = file;
  let offset = (await file.stat()).size;
  if (offset > size) {
    await file.truncate(0);
    offset = 0;
  }
  await session.writeLine(`${ACK} ${offset}`);

  const hash = createHash("md5");
  await hashPrefix(file, offset, hash);
  const count = size - offset;
  let received: number;
  try {
    received = await receiveToFile(session, file, count, hash, progressBar(remote, count, offset));
  } catch (error) {
    if (!(error instanceof StoreFailed)) throw error;
    // Every byte was read and dropped; take the server's MD5 line so the session stays in step.
    await answer(session);
    throw new CommandFailed(`cannot write ${partial}: ${error.message}`);
  }
  if (received < count) {
    throw new Error(
      `the connection closed after ${offset + received} of ${size} bytes; ` +
        `${partial} is kept: run the same get again to resume`,
    );
  }
  const md5 = hash.digest("hex");
  const serverMd5 = await answer(session);
  if (serverMd5 !== md5) {
    await Deno.remove(partial);
    throw new CommandFailed(
      `get ${remote}: MD5 mismatch (server ${serverMd5}, received ${md5}); ${out} not written`,
    );
  }
  // Verified: only now does the file appear under its name.
  await Deno.rename(partial, out);
  const resumed = offset ? ` (resumed at ${offset})` : "";
  return `get ${remote} → ${out}: ${byteCount(size)}${resumed}, md5 ${md5}, verified`;
}

/** Lists the server's files. */
async function ls(session: FramedConn): Promise<string> {
  await session.writeLine("ls");
  const size = Number(await answer(session));
  const listing = new Uint8Array(size);
  for (let got = 0; got < size;) {
    const n = await session.read(listing.subarray(got));
    if (n === null) throw new Error("the server closed the connection");
    got += n;
  }
  const lines = new TextDecoder().decode(listing).split("\n").filter(Boolean).map((line) => {
    const [bytes, name] = [line.slice(0, line.indexOf("\t")), line.slice(line.indexOf("\t") + 1)];
    return `${bytes.padStart(12)}  ${name}`;
  });
  return lines.length ? lines.join("\n") : "(no files)";
}

/** Splits an interactive line: quoted words, or the rest of the line as one name. */
function parseCommand(line: string): string[] {
  const [command, ...more] = line.trim().split(/\s+/);
  const rest = line.trim().slice(command.length).trim();
  if (!rest.includes('"')) {
    return rest ? [command, ...(command === "ls" ? more : [rest])] : [command];
  }
  const words = [...rest.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
  return [command, ...words];
}

/** Runs one command; returns what to print. */
async function run(session: FramedConn, words: string[], out?: string): Promise<string> {
  const [command, ...args] = words;
  if (command === "put" && (args.length === 1 || args.length === 2)) {
    return await put(session, args[0], args[1] ?? basename(args[0]));
  }
  if (command === "get" && args.length === 1) {
    return await get(session, args[0], out ?? basename(args[0]));
  }
  if (command === "ls" && args.length === 0) return await ls(session);
  throw new CommandFailed(`unknown command; try: put LOCAL_PATH [REMOTE_NAME], get NAME, ls, quit`);
}

/** Connects and checks the welcome. */
async function open(host: string, port: number): Promise<FramedConn> {
  const session = new FramedConn(await connectTo(host, port));
  const welcome = await session.readLine();
  if (welcome !== WELCOME) throw new Error(`not an FTP server: it said ${JSON.stringify(welcome)}`);
  return session;
}

async function main(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_PORT) },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    usageError((error as Error).message);
  }
  const flags = parsed.values;
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const port = parsePort(flags.port);
  const words = parsed.positionals;
  if (words.length > 0 && !["put", "get", "ls"].includes(words[0])) {
    usageError(`unknown command ${JSON.stringify(words[0])}: use put, get or ls`);
  }
  if (flags.out !== undefined && words[0] !== "get") usageError("--out goes with get");

  const session = await open(flags.host, port);

  // One command from the command line: its result, or one line on stderr and status 1.
  if (words.length > 0) {
    try {
      console.log(await run(session, words, flags.out));
    } finally {
      await session.writeLine("quit").catch(() => {});
      session.conn.close();
    }
    return;
  }

  // Interactive, as the seed's clients: print the welcome, then prompt.
  console.log(WELCOME);
  let failures = 0;
  while (true) {
    const line = await input(PROMPT);
    if (line === null) console.log();
    if (line === null || ["quit", "exit"].includes(line.trim())) break;
    if (line.trim() === "") continue;
    if (line.trim() === "help") {
      console.log("put LOCAL_PATH [REMOTE_NAME] | get NAME | ls | quit");
      continue;
    }
    try {
      console.log(await run(session, parseCommand(line)));
    } catch (error) {
      if (!(error instanceof CommandFailed)) throw error;
      console.log(`error: ${error.message}`);
      failures++;
    }
  }
  await session.writeLine("quit").catch(() => {});
  session.conn.close();
  if (failures > 0) Deno.exit(1);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
