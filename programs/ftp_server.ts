#!/usr/bin/env -S deno run --allow-net --allow-read --allow-write
/**
 * @title FTP系统 — The FTP tool: the server (get, put, ls, resume)
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现FTP-上传功能(MD5)" and "使用socket实现FTP-下载功能(增加MD5验证功能)"
 * @run deno run --allow-net=127.0.0.1 --allow-read=./ftp_root --allow-write=./ftp_root ftp_server.ts
 *
 * The two FTP lessons grown into one tool you can trust with your files: one server for both
 * directions, on the lessons' own handshake (size → ack → data → MD5), serving `./ftp_root`
 * (created if missing; `--root DIR`) on 127.0.0.1:9999. Use it with `ftp_client.ts`. It teaches
 * framing on a stream: commands are lines, file data is exactly as many raw bytes as announced.
 *
 * Python → Deno: `hashlib.md5()` is `createHash("md5")` (`node:crypto`), or OpenSSL's where ffi
 * is allowed; `for line in f: conn.send(line)` is `file.read(buffer)` + `conn.write`, 1 MiB a time.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { isAbsolute, join, relative, sep as SEP } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "ftp_server.ts";
const HOST = "127.0.0.1";
const PORT = 9999;
const ROOT = "./ftp_root";
const WELCOME = "欢迎登陆FTP系统";
const ACK = "ready to recv file";
const REPLY_PREFIX = "file MD5(after send):";
const PARTIAL_FOLDER = ".ftp-partial";
const COMMANDS = "get NAME, put NAME SIZE, ls, quit";
const MAX_LINE = 8192;
const CHUNK_SIZE = 1 << 20;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    root: { type: "string", default: ROOT },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
  }, USAGE).values;

  // The served folder as a real path: every name a client sends is checked against it.
  let root: string;
  try {
    await Deno.mkdir(flags.root, { recursive: true });
    root = await Deno.realPath(flags.root);
  } catch (error) {
    throw new Error(`cannot serve ${flags.root}: ${(error as Error).message}`);
  }

  // socket() + bind() + listen(5) are one call in Deno. A signal stops the server at once:
  // partial uploads live under .ftp-partial, never under a final name, so nothing is undone.
  const listener = listenOn(flags.host, Number(flags.port));

  // while True: conn, addr = server.accept() — each client gets its own task, so a slow or
  // stalled one holds up nobody.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(
    listener,
    Number(flags["max-connections"]),
    (conn) => serveClient(withIdleTimeout(conn, Number(flags["idle-timeout"])), root),
  );
}

/**
 * The protocol: every control message is one line of UTF-8 ending in `\n`; file data is raw
 * bytes, exactly as many as announced, so message boundaries never depend on how TCP splits
 * or joins the bytes (粘包 cannot happen).
 *
 * ```
 * server → 欢迎登陆FTP系统
 * client → get NAME                 server → SIZE            (or: error: REASON)
 * client → ready to recv file OFFSET
 * server → <bytes OFFSET..SIZE of the file> MD5
 *
 * client → put NAME SIZE            server → OFFSET          (or: error: REASON)
 * client → <bytes OFFSET..SIZE of the file> MD5
 * server → file MD5(after send):MD5 (the file is saved only if the two MD5s agree)
 *
 * client → ls                       server → SIZE, then SIZE bytes of "BYTES<TAB>NAME" lines
 * client → quit                     (the server closes the connection)
 * ```
 *
 * OFFSET is where an interrupted transfer resumes: the bytes the receiving side already holds
 * (0 for a fresh one). The MD5 always covers the whole file, so a stale partial file is caught.
 */

/** One client: the welcome, then commands until `quit` or a disconnect. */
async function serveClient(conn: Conn, root: string): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  // One buffered reader per connection: lines and the raw bytes between them.
  const session = new FramedConn(conn);
  // Python: print("new conn:", addr)
  console.log("new conn:", client);
  try {
    await session.writeLine(WELCOME);
    while (true) {
      const line = await session.readLine();
      if (line === null || line === "quit") break;
      const [command, ...rest] = line.split(" ");
      try {
        let done: string;
        // Bytes that are not UTF-8 arrive as U+FFFD: no name or command can be meant by them.
        if (line.includes("\uFFFD")) throw new Error("the command is not valid UTF-8");
        if (command === "get" && rest.length > 0) {
          done = await handleGet(session, root, rest.join(" "));
        } else if (command === "put" && rest.length > 1 && parseCount(rest.at(-1)!) !== null) {
          done = await handlePut(
            session,
            root,
            rest.slice(0, -1).join(" "),
            parseCount(rest.at(-1)!)!,
          );
        } else if (command === "put" && rest.length > 1) {
          throw new Error(
            `the size must be a whole number of bytes (at most 15 digits), not ${
              JSON.stringify(rest.at(-1)!.slice(0, 100))
            }`,
          );
        } else if (line === "ls") {
          done = await handleLs(session, root);
        } else {
          throw new Error(
            `unknown command ${JSON.stringify(line.slice(0, 100))}; commands: ${COMMANDS}`,
          );
        }
        console.log(`${client} ${done}`);
      } catch (error) {
        // An idle connection is closed already: there is no one left to answer.
        if (error instanceof Deno.errors.TimedOut) throw error;
        // A refusal is one line to the client; the conversation goes on.
        const message = (error as Error).message;
        console.log(`${client} ${command}: ${message}`);
        // Mid-stream, a line would be taken for data: the connection ends instead.
        if (error instanceof StreamBroken) break;
        await session.writeLine(`error: ${message}`);
      }
    }
  } catch (error) {
    // A dropped connection was already reported by the command it cut short.
    const dropped = error instanceof Deno.errors.BrokenPipe ||
      error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.Interrupted;
    if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    } else if (!dropped) {
      // An unreadable request (a line over MAX_LINE bytes) ends the connection, after one line.
      const message = (error as Error).message;
      console.log(`${client}: ${message}`);
      await session.writeLine(`error: ${message}`).catch(() => {});
    }
  } finally {
    // Python: print("客户端已经断开")
    console.log("客户端已经断开", client);
    conn.close();
  }
}

/** `get NAME`: size, the client's ack with its offset, the data from there, the MD5. */
async function handleGet(session: FramedConn, root: string, name: string): Promise<string> {
  const path = await resolveExisting(root, name);
  using file = await Deno.open(path);
  const before = await file.stat();
  const size = before.size;
  await session.writeLine(String(size));

  const ack = await session.readLine();
  const match = ack === null ? null : /^ready to recv file(?: (\d{1,15}))?$/.exec(ack);
  const offset = match ? Number(match[1] ?? 0) : NaN;
  if (!(offset <= size)) throw new Error(`expected "${ACK} OFFSET" with OFFSET ≤ ${size}`);

  const known = knownMd5s.get(path);
  let md5: string;
  try {
    if (known !== undefined && known.identity === fileIdentity(before)) {
      // Hashed before and unchanged since: send the bytes, then the MD5 we already know.
      await file.seek(offset, Deno.SeekMode.Start);
      await sendFromFile(file, session.conn, size - offset, null, () => {});
      md5 = known.md5;
    } else {
      // The MD5 covers the whole file, also the part the client already has.
      const hashingBegan = Date.now();
      const hash = createMd5();
      await hashPrefix(file, offset, hash);
      await sendFromFile(file, session.conn, size - offset, hash, () => {});
      md5 = hash.digest("hex");
      rememberMd5(path, before, await file.stat(), hashingBegan, md5);
    }
  } catch (error) {
    if (error instanceof Deno.errors.TimedOut) throw error;
    throw new StreamBroken((error as Error).message);
  }
  await session.writeLine(md5);
  return `get ${name}: ${byteCount(size - offset)} sent${offset ? ` (resumed at ${offset})` : ""}`;
}

/** `put NAME SIZE`: the offset to resume at, the data from there, the MD5, the verdict. */
async function handlePut(
  session: FramedConn,
  root: string,
  name: string,
  size: number,
): Promise<string> {
  // Refuse a bad name before any byte is sent; folders are made only once the file is verified.
  await resolveForWrite(root, name, false);
  // One partial file per name and size, so an interrupted upload can resume.
  const partialFolder = join(root, PARTIAL_FOLDER);
  const partial = join(partialFolder, `${encodeURIComponent(name)}.${size}`);
  if (uploading.has(partial)) throw new Error(`${name} is being uploaded by another client`);
  uploading.add(partial);
  try {
    await Deno.mkdir(partialFolder, { recursive: true });
    using file = await Deno.open(partial, { read: true, write: true, create: true });
    let offset = (await file.stat()).size;
    if (offset > size) {
      await file.truncate(0);
      offset = 0;
    }
    await session.writeLine(String(offset));

    const hash = createMd5();
    await hashPrefix(file, offset, hash);
    let received: number;
    try {
      received = offset + await receiveToFile(session, file, size - offset, hash, () => {});
    } catch (error) {
      if (!(error instanceof StoreFailed)) throw error;
      // Every byte was read and dropped; the client's MD5 line comes next. What was written
      // stays for resuming.
      await session.readLine();
      throw new Error(`cannot store ${name}: ${error.message}`);
    }
    const claimed = received === size ? await session.readLine() : null;
    if (claimed === null) {
      return `put ${name}: interrupted at ${received} of ${size} bytes; kept for resuming`;
    }
    const md5 = hash.digest("hex");
    if (claimed !== md5) {
      await Deno.remove(partial);
      await session.writeLine(REPLY_PREFIX + md5);
      return `put ${name}: MD5 mismatch (client ${claimed}, received ${md5}); not saved`;
    }
    // Verified: only now does the file appear under its name, and only then is the client
    // told: a file that could not be put in place is never reported as saved.
    try {
      await Deno.rename(partial, await resolveForWrite(root, name, true));
    } catch (error) {
      throw new Error(`cannot store ${name}: ${(error as Error).message}`);
    }
    await session.writeLine(REPLY_PREFIX + md5);
    return `put ${name}: ${byteCount(size)}${
      offset ? ` (resumed at ${offset})` : ""
    }, md5 ${md5}, saved`;
  } finally {
    uploading.delete(partial);
  }
}

/** `ls`: every file under the root (not the partial uploads), as "BYTES<TAB>NAME" lines. */
async function handleLs(session: FramedConn, root: string): Promise<string> {
  const lines: string[] = [];
  async function walk(folder: string, prefix: string): Promise<void> {
    for await (const entry of Deno.readDir(folder)) {
      if (prefix === "" && entry.name === PARTIAL_FOLDER) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory) await walk(path, `${prefix}${entry.name}/`);
      else if (entry.isFile) lines.push(`${(await Deno.stat(path)).size}\t${prefix}${entry.name}`);
    }
  }
  await walk(root, "");
  lines.sort((a, b) => a.slice(a.indexOf("\t")).localeCompare(b.slice(b.indexOf("\t"))));
  const listing = encoder.encode(lines.map((line) => `${line}\n`).join(""));
  await session.writeLine(String(listing.length));
  await writeAll(session.conn, listing);
  return `ls: ${lines.length} ${lines.length === 1 ? "file" : "files"}`;
}

/** A size or offset from the wire: a whole number of bytes, or null. */
function parseCount(text: string): number | null {
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

/** `1 byte`, `2 bytes`. */
function byteCount(n: number): string {
  return `${n} ${n === 1 ? "byte" : "bytes"}`;
}

/**
 * A failure after the data began to flow (a file that shrank or could not be read): the
 * client counts bytes, so an error line would be taken for data. The connection ends instead.
 */
class StreamBroken extends Error {}

/** Uploads in progress, by partial file: a second upload of the same file is refused. */
const uploading = new Set<string>();

/**
 * MD5s of whole files this server has hashed, by path, with the file's identity when it was
 * hashed (device, inode, size, modification and change times). A `get` of an unchanged file
 * then sends the bytes without hashing them again, which halves the CPU a download costs; the
 * client still hashes what it receives, so a wrong entry could only fail a download, never
 * pass a wrong file.
 */
const knownMd5s = new Map<string, { identity: string; md5: string }>();
const KNOWN_MD5_LIMIT = 10_000;
/**
 * A file written within this long before hashing began is not cached: a later write could get
 * the same modification time, since the kernel stamps times from a coarse clock. 100 ms covers
 * that clock on filesystems with sub-second times; 2 s covers those that store whole seconds.
 */
const SETTLE_MS = { fine: 100, coarse: 2_000 };

/** What must stay equal for a file's cached MD5 to hold. */
function fileIdentity(info: Deno.FileInfo): string | null {
  if (info.ctime === null || info.mtime === null) return null;
  return [info.dev, info.ino, info.size, info.mtime.getTime(), info.ctime.getTime()].join(":");
}

/**
 * Remembers `md5` for `path` if the file's identity did not change while it was hashed and
 * its last write was well before hashing began: any write after that moves its times.
 */
function rememberMd5(
  path: string,
  before: Deno.FileInfo,
  after: Deno.FileInfo,
  hashingBegan: number,
  md5: string,
): void {
  const identity = fileIdentity(before);
  if (identity === null || identity !== fileIdentity(after)) return;
  const written = before.mtime!.getTime();
  const settle = written % 1000 === 0 ? SETTLE_MS.coarse : SETTLE_MS.fine;
  if (hashingBegan - written < settle) return;
  if (knownMd5s.size >= KNOWN_MD5_LIMIT) knownMd5s.delete(knownMd5s.keys().next().value!);
  knownMd5s.set(path, { identity, md5 });
}

/** Why `name` cannot name a file inside the served folder, or null if its form is fine. */
function nameProblem(name: string): string | null {
  if (name === "") return "the name is empty";
  if ([...name].some((c) => c < " " || c === "\u007f")) return "it contains control characters";
  if (name.includes("\\")) return "it contains a backslash";
  if (isAbsolute(name) || /^[A-Za-z]:/.test(name)) return "it is an absolute path";
  const segments = name.split("/");
  if (segments.includes("..")) return "it contains ..";
  if (segments.some((segment) => segment === "" || segment === ".")) {
    return "it has an empty or . part";
  }
  return null;
}

/** True if `path` lies strictly inside the folder `root` (both real, absolute paths). */
function isInside(root: string, path: string): boolean {
  const rest = relative(root, path);
  return rest !== "" && rest !== ".." && !rest.startsWith(`..${SEP}`) && !isAbsolute(rest);
}

/**
 * The real path of the regular file `name` inside `root` (itself a real path). Links are
 * followed, and refused when they lead outside `root`; the error's message is for the client.
 */
async function resolveExisting(root: string, name: string): Promise<string> {
  const problem = nameProblem(name);
  if (problem) throw new Error(`refused ${JSON.stringify(name)}: ${problem}`);
  let real: string;
  try {
    real = await Deno.realPath(join(root, name));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(`no such file: ${name}`);
    throw new Error(`cannot read ${name}: ${(error as Error).message}`);
  }
  if (!isInside(root, real)) {
    throw new Error(`refused ${JSON.stringify(name)}: it leads outside the served folder`);
  }
  if (!(await Deno.stat(real)).isFile) throw new Error(`not a file: ${name}`);
  return real;
}

/**
 * The path where an upload of `name` will be placed inside `root` (a real path). Every folder
 * on the way that exists must really be inside `root` (links are followed and checked); with
 * `create`, missing folders are made, and only below a folder already checked. The target
 * itself may not be a link or a folder.
 */
async function resolveForWrite(root: string, name: string, create: boolean): Promise<string> {
  const refuse = (why: string) => new Error(`refused ${JSON.stringify(name)}: ${why}`);
  const problem = nameProblem(name);
  if (problem) throw refuse(problem);
  const segments = name.split("/");
  if (segments[0] === PARTIAL_FOLDER) throw refuse("that folder is the server's own");
  let folder = root;
  for (const segment of segments.slice(0, -1)) {
    const next = join(folder, segment);
    let real: string;
    try {
      real = await Deno.realPath(next);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      if (create) await Deno.mkdir(next);
      folder = next;
      continue;
    }
    if (!isInside(root, real)) throw refuse("it leads outside the served folder");
    if (!(await Deno.stat(real)).isDirectory) throw refuse(`${segment} is not a folder`);
    folder = real;
  }
  const target = join(folder, segments.at(-1)!);
  const existing = await Deno.lstat(target).catch(() => null);
  if (existing?.isSymlink) throw refuse("it is a link");
  if (existing?.isDirectory) throw refuse("it is a folder");
  return target;
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/**
 * A connection that carries lines (commands, sizes, MD5s) and raw file data in between.
 * Bytes read past a line stay buffered and are handed to the next read, so nothing is lost
 * however the network groups them.
 */
class FramedConn {
  readonly conn: Pick<Deno.Conn, "read" | "write" | "close">;
  #buffer = new Uint8Array(MAX_LINE);
  #start = 0;
  #end = 0;
  #decoder = new TextDecoder();

  constructor(conn: Pick<Deno.Conn, "read" | "write" | "close">) {
    this.conn = conn;
  }

  /** The next line without its `\n`; null if the peer closed between lines. */
  async readLine(): Promise<string | null> {
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
    await writeAll(this.conn, encoder.encode(`${line}\n`));
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
    spareBuffers.push(...buffers);
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
    spareBuffers.push(buffer);
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
 * Differences from the seed (the seed's handshake, made safe to trust with files):
 * - **One server, both directions**: `get`, `put` and `ls` on one connection, each message a
 *   line or an announced count of bytes (see the protocol after `main`), where the seed's
 *   server takes one upload per connection and its download server one `recv(1024)` per
 *   command.
 * - **Streams**: files are read and written 1 MiB at a time, memory stays flat for any size.
 * - **Verifies**: an upload is written under `.ftp-partial/` and moved to its name only when its
 *   size and MD5 match the client's; a failed or interrupted upload never appears under its
 *   name, and an older file of that name is untouched. The partial file is kept for resuming.
 * - **Jail**: names with `..`, absolute paths, backslashes, control characters (NUL among
 *   them), or links leading outside the root are refused with a one-line `error:`; nothing
 *   outside the root is read or written. The narrow `--allow-read`/`--allow-write` of the run
 *   line make the runtime enforce the same.
 * - **Fast repeats**: the MD5 of a file it has sent whole is remembered with the file's
 *   identity (inode, size, times); a later `get` of the unchanged file skips hashing it again.
 *   The client still hashes what it receives, so a stale entry could fail a download, never
 *   pass wrong bytes; any write to the file changes its identity.
 * - **Concurrency**: each connection has its own async task; a slow or stalled client never
 *   holds up another. Two uploads of the same name at once are refused, not interleaved.
 * - **Refusals**: a bad request (unknown command, a size that is not 0 to 15 digits, a name
 *   that is not valid UTF-8, a refused name) gets one `error: REASON` line and the
 *   connection goes on. A line over 8192 bytes cannot be followed: it gets `error: line too
 *   long` and the connection ends. A refusal by the runtime's permissions is answered the
 *   same way. Note that Deno checks `--allow-read` against the path as named, not where a
 *   link leads: a link inside the root pointing out is stopped only by the server's own
 *   check (the real path must lie inside the root), not by the runtime.
 * - **Failures mid-transfer**: should the disk fail during an upload (it is full), the rest of
 *   the upload is still read, and dropped, then `error: cannot store NAME: REASON` is the
 *   answer; the connection goes on and what was written stays for resuming. A verified upload
 *   is announced (`file MD5(after send):…`) only once it is under its name, so a client never
 *   reports as saved a file that could not be put in place. Should a file shrink or fail to
 *   read while it is being sent, the connection is closed: the client counts bytes, and would
 *   take an error line for data; it keeps what came and can resume.
 * - **Idle clients and signals** (as every server here, see the README): a connection idle
 *   past `--idle-timeout` is closed with one line on stderr, also in the middle of a transfer;
 *   on Ctrl-C or SIGTERM an upload cut short stays under `.ftp-partial/` (kept for resuming),
 *   never under its name. It logs one line per transfer on stdout.
 * - Python prints the client's address as `('127.0.0.1', 53320)`; this prints
 *   `127.0.0.1:53320`.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE =
  `Usage: ${NAME} [--host HOST] [--port PORT] [--root DIR] [--idle-timeout SECONDS] [--max-connections N]

FTP server for ftp_client.ts: get, put (both resumable, checked with MD5) and ls,
confined to DIR.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
  --root DIR    folder to serve, created if missing (default ${ROOT})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long, 0 = never
                (default 300)
  --max-connections N
                callers served at once; one more is closed at once (default 10000)
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
  "idle-timeout": [(text) => /^\d+(\.\d+)?$/.test(text), "seconds (0 = never)"],
  "max-connections": [(text) => /^[1-9]\d{0,8}$/.test(text), "a whole number from 1"],
};

/** The option descriptions `parseArgs` takes. */
type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

/** `host:port`, with IPv6 hosts in brackets. */
function formatAddress({ hostname, port }: Deno.NetAddr): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/** Listens on host:port and says so on stderr; Ctrl-C or SIGTERM runs `cleanUp` and exits 0. */
function listenOn(hostname: string, port: number, cleanUp = () => {}): Deno.TcpListener {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
  }
  for (const signal of ["SIGINT", Deno.build.os === "windows" ? "SIGBREAK" : "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      cleanUp();
      Deno.exit(0);
    });
  }
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  return listener;
}

/** A connection as the lesson uses it: what `withIdleTimeout` returns. */
type Conn = Pick<Deno.TcpConn, "localAddr" | "remoteAddr" | "read" | "write" | "close">;

/** `conn`, closed when no read or write begins for `seconds` (0 = never), failing with TimedOut. */
function withIdleTimeout(conn: Deno.TcpConn, seconds: number): Conn {
  if (seconds <= 0) return conn;
  // Quiet quarters of the timeout are counted: nothing is timed per read or write.
  const peer = formatAddress(conn.remoteAddr);
  let quietQuarters = 0;
  const check = setInterval(() => {
    quietQuarters++;
    if (quietQuarters < 5) return;
    clearInterval(check);
    conn.close();
  }, seconds * 250);
  function whyFailed(error: unknown): never {
    if (quietQuarters < 5) throw error;
    throw new Deno.errors.TimedOut(`${peer} idle for ${seconds} s: closed`);
  }
  return {
    localAddr: conn.localAddr,
    remoteAddr: conn.remoteAddr,
    // A read or write beginning is the activity that keeps the connection.
    read(buffer) {
      if (quietQuarters < 5) quietQuarters = 0;
      return conn.read(buffer).catch(whyFailed);
    },
    write(data) {
      if (quietQuarters < 5) quietQuarters = 0;
      return conn.write(data).catch(whyFailed);
    },
    close() {
      clearInterval(check);
      if (quietQuarters < 5) conn.close();
    },
  };
}

/**
 * The seed's `while True: conn, addr = s.accept()`, made to last: each caller goes to `serve`
 * (not awaited: the next caller is accepted while it talks), a caller past `maxConnections`
 * open ones is closed at once, and no failure of accept or of `serve` ends the loop.
 */
async function serveEach(
  listener: Deno.TcpListener,
  maxConnections: number,
  serve: (conn: Deno.TcpConn) => Promise<unknown>,
): Promise<void> {
  let open = 0;
  function closed(): void {
    open--;
  }
  while (true) {
    const conn = await acceptRetrying(listener);
    if (open >= maxConnections) {
      // Full: the caller sees its connection close; the ones already in are served.
      conn.close();
      continue;
    }
    open++;
    serve(conn).catch((error) => console.error(`${NAME}: ${(error as Error).message}`))
      .finally(closed);
  }
}

/**
 * `listener.accept()` that outlasts a shortage: when it fails for want of file descriptors
 * (EMFILE) or memory, it says so once and tries again every 0.1 s, keeping the listener.
 */
async function acceptRetrying(listener: Deno.TcpListener): Promise<Deno.TcpConn> {
  let failures = 0;
  while (true) {
    try {
      return await listener.accept();
    } catch (error) {
      // Closed by the server itself (it is stopping): there is nothing more to accept.
      if (error instanceof Deno.errors.BadResource) throw error;
      if (failures === 0) {
        console.error(`${NAME}: cannot accept (${(error as Error).message}): retrying`);
      }
      failures++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

if (import.meta.main) {
  // Exit when main is done, whatever still waits (standard input, timers).
  main().then(() => Deno.exit(0), (error) => {
    const usage = error instanceof UsageError || /^ERR_PARSE_ARGS/.test(error.code);
    console.error(`${NAME}: ${(error as Error).message}${usage ? " (see --help)" : ""}`);
    Deno.exit(usage ? 2 : 1);
  });
}
