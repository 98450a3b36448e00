#!/usr/bin/env -S deno run --allow-net --allow-read --allow-write
/**
 * @title FTP系统 — The FTP tool: the client (get, put, ls, resume)
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现FTP-上传功能(MD5)" and "使用socket实现FTP-下载功能(增加MD5验证功能)"
 * @run deno run --allow-net=127.0.0.1 --allow-read=. --allow-write=. ftp_client.ts [put FILE | get NAME | ls]
 *
 * The client of `ftp_server.ts`. Interactive with the seed's `>>:` prompt, or one command for
 * scripts (`put LOCAL_PATH [REMOTE_NAME]`, `get NAME [--out PATH]`, `ls`), whose exit status is
 * 0 only when the transfer was verified. It teaches the client half of a framed protocol: a
 * command line, an answer line, then exactly as many bytes as announced, checked with MD5.
 *
 * Python → Deno: `hashlib.md5()` is `createHash("md5")` (`node:crypto`), or OpenSSL's where ffi
 * is allowed; `while received_size < file_total_size: client.recv(size)` is `receiveToFile`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { createHash } from "node:crypto";
import { basename } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "ftp_client.ts";
const HOST = "127.0.0.1";
const PORT = 9999;
const PROMPT = ">>:";
const WELCOME = "欢迎登陆FTP系统";
const ACK = "ready to recv file";
const REPLY_PREFIX = "file MD5(after send):";
const PARTIAL_SUFFIX = ".ftp-part";
const MAX_LINE = 8192;
const CHUNK_SIZE = 1 << 20;
const MAX_LISTING = 16 << 20;
/** How long the welcome and each answer may take by default: past a busy server's 30 s wait. */
const ANSWER_SECONDS = 60;

async function main(): Promise<void> {
  // Any number of words: a command with the wrong ones is refused by `run`, as when typed.
  const { values: flags, positionals: words } = readFlags(
    {
      host: { type: "string", default: HOST },
      port: { type: "string", default: String(PORT) },
      out: { type: "string" },
      timeout: { type: "string", default: String(ANSWER_SECONDS) },
    },
    USAGE,
    true,
  );
  // Under 1,000,000 s, as the servers' timeouts: a timer longer than 24.8 days fires at once.
  if (!/^\d{1,6}(\.\d+)?$/.test(flags.timeout) || Number(flags.timeout) === 0) {
    throw new UsageError(`--timeout takes seconds, more than 0 and under 1000000`);
  }
  answerSeconds = Number(flags.timeout);
  if (words.length > 0 && !["put", "get", "ls"].includes(words[0])) {
    throw new UsageError(`unknown command ${JSON.stringify(words[0])}: use put, get or ls`);
  }
  if (flags.out !== undefined && words[0] !== "get") throw new UsageError("--out goes with get");

  // client.connect(("127.0.0.1", 9999)): socket() + connect() are one call in Deno. Lines
  // and counted raw bytes go over it, so it is read through one buffered FramedConn.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });
  // A put is three writes (the command, the bytes, the MD5 line): with Nagle's algorithm on,
  // the last one waits for the server's delayed ACK, up to 40 ms.
  conn.setNoDelay(true);
  const session = new FramedConn(conn);
  // The server speaks first; anything but the welcome means it is not our server.
  const welcome = await lineWithin(session, answerSeconds);
  if (welcome !== WELCOME) {
    throw new Error(`not an FTP server: it said ${printable(JSON.stringify(welcome))}`);
  }

  // One command from the command line: its result, or one line on stderr and status 1.
  if (words.length > 0) {
    try {
      console.log(await run(session, words, flags.out));
    } finally {
      await session.writeLine("quit").catch(() => {});
      closeUnlessClosed(session.conn);
    }
    return;
  }

  // Interactive, as the seed's clients: print the welcome, then prompt.
  console.log(WELCOME);
  let failures = 0;
  while (true) {
    const line = await input(PROMPT);
    if (line === null) {
      // End of input: finish the prompt's line and quit as if quit had been typed.
      console.log();
      break;
    }
    const typed = line.trim();
    if (typed === "quit" || typed === "exit") break;
    if (typed === "") continue;
    if (typed === "help") {
      console.log("put LOCAL_PATH [REMOTE_NAME] | get NAME | ls | quit");
      continue;
    }
    // A failed command is one line; the session goes on, and the exit status will say so.
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
  const offset = countFrom(await answer(session), "an offset", size);

  // The MD5 covers the whole file, also the part the server already has.
  const hash = createMd5();
  await hashPrefix(file, offset, hash);
  const bar = progressBar(remote, size - offset, offset);
  await watched(session, `put ${remote}`, "; run the same put again to resume", (conn) => {
    return sendFromFile(file, conn, size - offset, hash, bar);
  });
  const md5 = hash.digest("hex");
  await session.writeLine(md5);

  const reply = await answer(session);
  if (reply !== REPLY_PREFIX + md5) {
    throw new CommandFailed(
      `put ${remote}: the server's MD5 differs (${printable(reply)}); not saved`,
    );
  }
  const resumed = offset ? ` (resumed at ${offset})` : "";
  return `put ${remote}: ${byteCount(size)}${resumed}, md5 ${md5}, verified`;
}

/** Downloads `remote` to `out`, resuming from `out.ftp-part` if an earlier try left one. */
async function get(session: FramedConn, remote: string, out: string): Promise<string> {
  await session.writeLine(`get ${remote}`);
  const size = countFrom(await answer(session), "a size");

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

  const hash = createMd5();
  await hashPrefix(file, offset, hash);
  const count = size - offset;
  const bar = progressBar(remote, count, offset);
  const kept = `; ${partial} is kept: run the same get again to resume`;
  let received: number;
  try {
    received = await watched(session, `get ${remote}`, kept, (conn) => {
      return receiveToFile(conn, file, count, hash, bar);
    });
  } catch (error) {
    if (!(error instanceof StoreFailed)) throw error;
    // Every byte was read and dropped; take the server's MD5 line so the session stays in step.
    await answer(session);
    throw new CommandFailed(`cannot write ${partial}: ${error.message}`);
  }
  if (received < count) {
    throw new Error(`the connection closed after ${offset + received} of ${size} bytes${kept}`);
  }
  const md5 = hash.digest("hex");
  const serverMd5 = await answer(session);
  if (serverMd5 !== md5) {
    await Deno.remove(partial);
    throw new CommandFailed(
      `get ${remote}: MD5 mismatch (server ${printable(serverMd5)}, received ${md5}); ` +
        `${out} not written`,
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
  // A listing is held whole: one larger than MAX_LISTING is not taken (nor its memory).
  const size = countFrom(await answer(session), "a size");
  if (size > MAX_LISTING) {
    throw new Error(
      `ls: the server announced ${byteCount(size)}, more than the ${MAX_LISTING >> 20} MiB ` +
        "a listing may have; not read",
    );
  }
  const listing = new Uint8Array(size);
  await watched(session, "ls", "", async (conn) => {
    let got = 0;
    while (got < size) {
      const n = await conn.read(listing.subarray(got));
      if (n === null) throw new Error("the server closed the connection");
      got += n;
    }
  });
  // "BYTES<TAB>NAME" lines, shown with the sizes right-aligned.
  const rows: string[] = [];
  for (const line of new TextDecoder().decode(listing).split("\n")) {
    if (line === "") continue;
    const tab = line.indexOf("\t");
    const bytes = line.slice(0, tab);
    const name = line.slice(tab + 1);
    // The server's text: shown with no control character left to steer the terminal.
    rows.push(`${printable(bytes).padStart(12)}  ${printable(name)}`);
  }
  return rows.length ? rows.join("\n") : "(no files)";
}

/** The server's answer line; `error: …` answers become a CommandFailed. */
async function answer(session: FramedConn): Promise<string> {
  const line = await lineWithin(session, answerSeconds);
  if (line === null) throw new Error("the server closed the connection");
  // The server's reason, shown with no control character left to steer the terminal.
  if (line.startsWith("error: ")) throw new CommandFailed(printable(line.slice(7)));
  return line;
}

/** How long the welcome and each answer may take (`--timeout`), set once from the flags. */
let answerSeconds = ANSWER_SECONDS;

/**
 * The server's next line, within `seconds`: a server that accepts and then says nothing would
 * otherwise keep the client waiting for ever. Late, the connection is closed and the wait
 * fails with one line.
 */
async function lineWithin(session: FramedConn, seconds: number): Promise<string | null> {
  let late = false;
  function giveUp(): void {
    late = true;
    session.conn.close();
  }
  const timer = setTimeout(giveUp, seconds * 1000);
  let line: string | null;
  try {
    line = await session.readLine();
  } catch (error) {
    // The wait that giveUp cut short fails with the closed connection's error.
    if (!late) throw error;
    line = null;
  } finally {
    clearTimeout(timer);
  }
  if (late) throw new Error(`the server did not answer within ${seconds} s`);
  return line;
}

/**
 * Runs `transfer`, which moves a transfer's bytes over the connection it is given: a
 * StallWatch, so that a server that stops sending (or reading) in the middle cannot hold the
 * client for ever. A stall fails in one line: `WHAT: nothing moved for N s` and `advice`.
 */
async function watched<T>(
  session: FramedConn,
  what: string,
  advice: string,
  transfer: (conn: StallWatch) => Promise<T>,
): Promise<T> {
  const watch = new StallWatch(session, answerSeconds);
  try {
    return await transfer(watch);
  } catch (error) {
    if (!watch.stalled) throw error;
    throw new Error(`${what}: nothing moved for ${answerSeconds} s${advice}`);
  } finally {
    watch.stop();
  }
}

/**
 * The session's connection while a transfer's bytes move, given up when none has moved for
 * `seconds`. Quiet quarters of `seconds` are counted, as the servers' idle timeout does; at the
 * fifth the connection is closed, the pending read or write fails, and `stalled` says why.
 */
class StallWatch {
  stalled = false;
  #quietQuarters = 0;
  #timer: ReturnType<typeof setInterval>;

  constructor(readonly session: FramedConn, seconds: number) {
    this.#timer = setInterval(() => this.#look(), seconds * 250);
  }

  /** The session's `read`; bytes that came are movement. */
  async read(into: Uint8Array): Promise<number | null> {
    const n = await this.session.read(into);
    this.#quietQuarters = 0;
    return n;
  }

  /** The connection's `write`; bytes that went are movement. */
  async write(data: Uint8Array): Promise<number> {
    const n = await this.session.conn.write(data);
    this.#quietQuarters = 0;
    return n;
  }

  #look(): void {
    this.#quietQuarters++;
    if (this.#quietQuarters < 5) return;
    this.stalled = true;
    clearInterval(this.#timer);
    this.session.conn.close();
  }

  /** The transfer is over: no more looks. */
  stop(): void {
    clearInterval(this.#timer);
  }
}

/** Closes `conn` unless a StallWatch has closed it already: closing twice throws. */
function closeUnlessClosed(conn: Pick<Deno.Conn, "close">): void {
  try {
    conn.close();
  } catch (error) {
    if (!(error instanceof Deno.errors.BadResource)) throw error;
  }
}

/** A size or offset from the server's `answer`, at most `most`; anything else ends the session. */
function countFrom(answer: string, what: string, most = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d{1,15}$/.test(answer) ? Number(answer) : NaN;
  if (!(value <= most)) {
    throw new Error(`the server answered ${printable(JSON.stringify(answer))}, not ${what}`);
  }
  return value;
}

/** A failure of one command: reported in one line, the session goes on. */
class CommandFailed extends Error {}

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

/** `1 byte`, `2 bytes`. */
function byteCount(n: number): string {
  return `${n} ${n === 1 ? "byte" : "bytes"}`;
}

/** Draws a progress bar on stderr when it is a terminal; otherwise does nothing. */
function progressBar(label: string, total: number, start: number): (done: number) => void {
  if (!Deno.stderr.isTerminal() || total === 0) return () => {};
  const began = performance.now();
  let drawn = 0;
  function draw(done: number): void {
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
  }
  return draw;
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/**
 * A connection that carries lines (commands, sizes, MD5s) and raw file data in between.
 * Bytes read past a line stay buffered and are handed to the next read, so nothing is lost
 * however the network groups them. With `lineSeconds` above 0, a line must arrive whole
 * within that many seconds of its first byte, else `onSlowLine` is called (it closes the
 * connection, which ends the wait): a peer cannot hold a line open by trickling it.
 */
class FramedConn {
  readonly conn: Pick<Deno.Conn, "read" | "write" | "close">;
  #buffer = new Uint8Array(MAX_LINE);
  #start = 0;
  #end = 0;
  #decoder = new TextDecoder();
  #lineSeconds: number;
  #onSlowLine: () => void;

  constructor(
    conn: Pick<Deno.Conn, "read" | "write" | "close">,
    lineSeconds = 0,
    onSlowLine = () => {},
  ) {
    this.conn = conn;
    this.#lineSeconds = lineSeconds;
    this.#onSlowLine = onSlowLine;
  }

  /** The next line without its `\n`; null if the peer closed between lines. */
  async readLine(): Promise<string | null> {
    // Set once part of the line is here and the rest must be waited for.
    let deadline: ReturnType<typeof setTimeout> | undefined;
    try {
      while (true) {
        const newline = this.#buffer.subarray(this.#start, this.#end).indexOf(0x0a);
        if (newline >= 0) {
          const line = this.#buffer.subarray(this.#start, this.#start + newline);
          this.#start += newline + 1;
          return this.#decoder.decode(line);
        }
        if (this.#end - this.#start === this.#buffer.length) throw new Error("line too long");
        // Move what is left to the front, then read more after it.
        this.#buffer.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
        if (this.#end > 0 && this.#lineSeconds > 0) {
          deadline ??= setTimeout(this.#onSlowLine, this.#lineSeconds * 1000);
        }
        const n = await this.conn.read(this.#buffer.subarray(this.#end));
        if (n === null) {
          if (this.#end > 0) throw new Error("the connection closed in the middle of a line");
          return null;
        }
        this.#end += n;
      }
    } finally {
      clearTimeout(deadline);
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
    await writeAll(this.conn, encoder.encode(`${line}\n`));
  }
}

/**
 * Spare 1 MiB buffers: transfers borrow and return them, so memory stays flat across
 * transfers. At most SPARE_BUFFERS are kept; the rest are let go, so that the memory a burst
 * of transfers took goes back once they are over.
 */
const spareBuffers: Uint8Array[] = [];
const SPARE_BUFFERS = 4;

/** A 1 MiB buffer from the spares, or a new one. */
function borrowBuffer(): Uint8Array {
  return spareBuffers.pop() ?? new Uint8Array(CHUNK_SIZE);
}

/**
 * Gives `buffers` back: kept as spares while there are fewer than SPARE_BUFFERS, the others
 * detached (`transfer(0)`), which frees their memory at once: left to the garbage collector,
 * it could stay taken for as long as an idle server runs no collection.
 */
function returnBuffers(buffers: Uint8Array[]): void {
  for (const buffer of buffers) {
    if (spareBuffers.length < SPARE_BUFFERS) spareBuffers.push(buffer);
    else (buffer.buffer as ArrayBuffer).transfer(0);
  }
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
  from: { read(into: Uint8Array): Promise<number | null> },
  file: Deno.FsFile,
  count: number,
  hash: Md5,
  progress: (done: number) => void,
): Promise<number> {
  const buffers = [borrowBuffer(), borrowBuffer()];
  let writing = Promise.resolve();
  // Set by a failed write (from a callback, hence the type spelled out).
  let writeError = null as Error | null;
  function noteWriteError(error: Error): void {
    writeError ??= error;
  }
  let received = 0;
  let turn = 0;
  try {
    while (received < count) {
      const buffer = buffers[turn % buffers.length];
      turn++;
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
    returnBuffers(buffers);
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
  to: { write(data: Uint8Array): Promise<number> },
  count: number,
  hash: Md5 | null,
  progress: (done: number) => void,
): Promise<void> {
  const buffers = [borrowBuffer(), borrowBuffer(), borrowBuffer()];
  let scheduled = 0;
  let turn = 0;
  // Starts reading the next piece into the next buffer; null when everything is scheduled.
  function readNext(): Promise<Uint8Array> | null {
    const due = Math.min(CHUNK_SIZE, count - scheduled);
    if (due === 0) return null;
    scheduled += due;
    const buffer = buffers[turn % buffers.length];
    turn++;
    return handledLater(readPiece(buffer, due));
  }
  // The next `due` bytes of the file, read into the start of `buffer`.
  async function readPiece(buffer: Uint8Array, due: number): Promise<Uint8Array> {
    let filled = 0;
    while (filled < due) {
      const n = await file.read(buffer.subarray(filled, due));
      if (n === null) throw new Error("the file shrank while it was being sent");
      filled += n;
    }
    return buffer.subarray(0, due);
  }
  let reading = readNext();
  let sending = Promise.resolve();
  let sent = 0;
  try {
    while (reading !== null) {
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
    returnBuffers(buffers);
  }
}

/** Feeds the first `count` bytes of `file` to `hash` (the part a resumed transfer skips). */
async function hashPrefix(file: Deno.FsFile, count: number, hash: Md5): Promise<void> {
  if (count === 0) return;
  const buffer = borrowBuffer();
  let done = 0;
  try {
    while (done < count) {
      const n = await file.read(buffer.subarray(0, Math.min(buffer.length, count - done)));
      if (n === null) throw new Error("the file is shorter than the part already transferred");
      hash.update(buffer.subarray(0, n));
      done += n;
    }
  } finally {
    returnBuffers([buffer]);
  }
}

/** What a transfer needs of an MD5: each piece in order, then the hex digest. */
type Md5 = { update(data: Uint8Array): unknown; digest(encoding: "hex"): string };

/**
 * `hashlib.md5()`: OpenSSL's MD5 (the one Python's hashlib calls) through `Deno.dlopen` when
 * the script may load libraries (`--allow-ffi`, or `-A`), else `node:crypto`'s, which is about
 * 20 % slower. The digest is the same either way.
 */
function createMd5(): Md5 {
  libcrypto ??= openLibcrypto();
  if (libcrypto === null) return createHash("md5");
  const openssl = libcrypto;
  const context = openssl.EVP_MD_CTX_new();
  openssl.EVP_DigestInit_ex(context, openssl.EVP_md5(), null);
  // A transfer cut short never asks for its digest: the context is freed with the object.
  const md5 = {
    update(data: Uint8Array) {
      openssl.EVP_DigestUpdate(context, data, BigInt(data.length));
    },
    digest() {
      const digest = new Uint8Array(16);
      openssl.EVP_DigestFinal_ex(context, digest, null);
      return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
    },
  };
  contexts.register(md5, context);
  return md5;
}

/** OpenSSL's digest calls, once loaded; null where ffi is not allowed or there is no libcrypto. */
let libcrypto: ReturnType<typeof openLibcrypto> | undefined;
const contexts = new FinalizationRegistry((context: Deno.PointerValue) => {
  libcrypto?.EVP_MD_CTX_free(context);
});

function openLibcrypto() {
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
  for (const path of ["libcrypto.so.3", "libcrypto.3.dylib", "libcrypto-3-x64.dll"]) {
    try {
      return Deno.dlopen(path, {
        EVP_MD_CTX_new: { parameters: [], result: "pointer" },
        EVP_MD_CTX_free: { parameters: ["pointer"], result: "void" },
        EVP_md5: { parameters: [], result: "pointer" },
        EVP_DigestInit_ex: { parameters: ["pointer", "pointer", "pointer"], result: "i32" },
        EVP_DigestUpdate: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
        EVP_DigestFinal_ex: { parameters: ["pointer", "buffer", "pointer"], result: "i32" },
      }).symbols;
    } catch {
      // Not this system's name for it, or not installed: try the next, then node:crypto.
    }
  }
  return null;
}

/**
 * Differences from the seed (the seed's two clients, one `get` and one upload, as one tool):
 *
 * ```
 * ftp_client.ts                                   # interactive: get NAME, put FILE, ls, quit
 * ftp_client.ts put LOCAL_PATH [REMOTE_NAME]      # upload
 * ftp_client.ts get NAME [--out PATH]             # download (default: NAME's last part, here)
 * ftp_client.ts ls                                # list the server's files
 * ```
 *
 * - Every write leaves at once (`setNoDelay`): a put's MD5 line no longer waits for the
 *   server's delayed ACK of the bytes before it.
 * - Every transfer is checked with MD5 over the whole file. A download is written to
 *   `PATH.ftp-part` and renamed to PATH only once verified; if it is interrupted, running the
 *   same `get` again resumes from the bytes already there, and running the same `put` again
 *   resumes from the bytes the server already holds. See `ftp_server.ts` for the protocol.
 * - On a terminal, a progress bar (bytes, %, MB/s, ETA) is drawn on stderr; when stderr is not
 *   a terminal nothing is drawn, so output stays exact for scripts and tests.
 * - What the server sends is shown through `printable`: the names `ls` lists, the reason of
 *   an `error:` line, an unexpected welcome. A control character (ESC, a newline, C1) or a
 *   bidi control appears as `\u{…}`, so a server, or a name someone uploaded, cannot steer the
 *   terminal, forge a line or reverse a name. A listing announced over 16 MiB is refused in
 *   one line (exit 1) instead of allocated; a size or offset that is not a number in range
 *   ends the session the same way.
 * - Should the local disk fail in the middle of a download (it is full), the rest is still
 *   read, and dropped, so that the session stays in step: one line `error: cannot write
 *   PATH.ftp-part: REASON`, the part already written kept for resuming, and the prompt comes
 *   back.
 * - Interactive names: `get 测试 文件.png` and `put 测试 文件.png` take the rest of the line as
 *   one name; to give both a local and a remote name, quote them: `put "a b.png" "c d.png"`.
 * - End of input (Ctrl-D, or the end of a piped file) counts as typing `quit`.
 * - It reads the files it uploads and writes the files it downloads, nothing else: run it with
 *   `--allow-read` and `--allow-write` for the folders you transfer from and to.
 * - The welcome and each answer must come within `--timeout` (default 60 s, past the 30 s a
 *   busy server makes a transfer wait), and a transfer's bytes may not stop for that long: a
 *   server that accepts and then says nothing, or stops in the middle of a transfer, ends the
 *   client with one line instead of holding it for ever (a get's partial file is kept).
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--timeout SECONDS] [COMMAND]

FTP client for ftp_server.ts. Without COMMAND it is interactive (prompt ${PROMPT}).

Commands:
  put LOCAL_PATH [REMOTE_NAME]   upload, checked with MD5; resumes an interrupted upload
  get NAME [--out PATH]          download, checked with MD5; resumes an interrupted download
  ls                             list the server's files
Interactive only: quit (or end the input), help.

Options:
  --host HOST   server address (default ${HOST})
  --port PORT   server port (default ${PORT})
  --out PATH    where get saves the file (default: the name's last part, in this folder)
  --timeout SECONDS
                how long the welcome, each answer, or a transfer with no byte moving
                may take (default ${ANSWER_SECONDS})
  --help        show this help

Exit status: 0 when every transfer was verified, 1 otherwise, 2 for a usage error.`;

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
