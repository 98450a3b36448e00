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
 * Two ports, two protocols: `--port` (9999) speaks the lessons' own, for `ftp_client.ts`;
 * `--ftp-port PORT` (off unless given) adds standard FTP (RFC 959, passive mode) on the same
 * folder, jail and limits, for curl, lftp, Python's ftplib or a file manager, anonymous unless
 * `--user NAME:PASSWORD`. With `ftp_server.ts --ftp-port 2121` running, from another terminal:
 *   curl ftp://127.0.0.1:2121/   (list)    curl -T f.png ftp://127.0.0.1:2121/   (put)
 *   lftp -e 'mirror; bye' -p 2121 127.0.0.1   (copy the whole folder here)
 *
 * Python → Deno: `hashlib.md5()` is `createHash("md5")` (`node:crypto`), or OpenSSL's where ffi
 * is allowed; `for line in f: conn.send(line)` is `file.read(buffer)` + `conn.write`, 1 MiB a time.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { createHash, timingSafeEqual } from "node:crypto";
import { statfsSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, sep as SEP } from "node:path";
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
/** The longest `ls` listing built, in characters: ftp_client.ts takes at most 16 MiB. */
const MAX_LISTING = 16 << 20;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    root: { type: "string", default: ROOT },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
    "max-transfers": { type: "string", default: "16" },
    "command-timeout": { type: "string", default: "30" },
    "min-rate": { type: "string", default: "1024" },
    "partial-quota": { type: "string", default: String(1 << 30) },
    "ftp-port": { type: "string" },
    user: { type: "string" },
  }, USAGE).values;
  const limits = readLimits(flags);
  const ftp = readFtpOptions(flags);

  // The served folder as a real path: every name a client sends is checked against it.
  let root: string;
  try {
    await Deno.mkdir(flags.root, { recursive: true });
    root = await Deno.realPath(flags.root);
  } catch (error) {
    throw new Error(`cannot serve ${flags.root}: ${(error as Error).message}`);
  }
  // Who the server runs as: a folder someone else could change is not gone through.
  serverUid = ownUid(root);
  // Where Linux and the permissions allow, the root is also held open (see beneath).
  beneath = openBeneath(root);
  // Unfinished uploads nobody came back for go now, and every hour (see sweepPartials).
  await sweepPartials(root, limits.partialQuota);
  setInterval(() => sweepPartials(root, limits.partialQuota).catch(() => {}), 3600_000);

  // socket() + bind() + listen(5) are one call in Deno. A signal stops the server at once:
  // partial uploads live under .ftp-partial, never under a final name, so nothing is undone.
  const listener = listenOn(flags.host, Number(flags.port));
  // --ftp-port: standard FTP on a port of its own, announced after the tutorial's.
  const ftpListener = ftp === null ? null : listenFtp(flags.host, ftp.port);

  // while True: conn, addr = server.accept() — each client gets its own task, so a slow or
  // stalled one holds up nobody.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  const served: Served = { root, limits, transfers: new Slots(limits.maxTransfers) };
  // Standard FTP clients are served the same way, on the same folder, slots and limits.
  const standard: Promise<void>[] = [];
  if (ftp !== null && ftpListener !== null) {
    const serveFtp = (conn: Deno.TcpConn) => serveFtpClient(conn, served, ftp);
    standard.push(serveEach(ftpListener, Number(flags["max-connections"]), serveFtp));
  }
  await Promise.all([
    serveEach(
      listener,
      Number(flags["max-connections"]),
      (conn) => {
        // A reply is often two writes (a size line, then the listing or the file's MD5): with
        // Nagle's algorithm on, the second waits for the client's delayed ACK, up to 40 ms.
        conn.setNoDelay(true);
        return serveClient(withIdleTimeout(conn, Number(flags["idle-timeout"])), served);
      },
    ),
    ...standard,
  ]);
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
 * When --max-transfers transfers are under way, a get, put or ls waits for one to end, at most
 * --command-timeout seconds, then is answered `error: busy: …`.
 */

/** What every connection shares: the served folder, the limits, the transfer slots. */
interface Served {
  root: string;
  limits: Limits;
  transfers: Slots;
}

/** One connection as the commands see it. */
interface Session {
  framed: FramedConn;
  watch: Watch;
  served: Served;
}

/** One client: the welcome, then commands until `quit` or a disconnect. */
async function serveClient(conn: Conn, served: Served): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  // Cuts the connection when a peer is too slow on purpose (see Watch).
  const watch = new Watch(conn, served.limits);
  // One buffered reader per connection: lines and the raw bytes between them. A line must
  // arrive whole within --command-timeout of its first byte: a trickle cannot hold it open.
  const seconds = served.limits.commandTimeout;
  const framed = new FramedConn(
    watch.counted,
    seconds,
    () => watch.cut(`sent part of a line for ${seconds} s`),
  );
  const session: Session = { framed, watch, served };
  // Python: print("new conn:", addr)
  console.log("new conn:", client);
  try {
    await framed.writeLine(WELCOME);
    while (true) {
      const line = await framed.readLine();
      if (line === null || line === "quit") break;
      const [command, ...rest] = line.split(" ");
      try {
        let done: string;
        // Bytes that are not UTF-8 arrive as U+FFFD: no name or command can be meant by them.
        if (line.includes("\uFFFD")) throw new Error("the command is not valid UTF-8");
        if (command === "get" && rest.length > 0) {
          done = await handleGet(session, rest.join(" "));
        } else if (command === "put" && rest.length > 1 && parseCount(rest.at(-1)!) !== null) {
          done = await handlePut(session, rest.slice(0, -1).join(" "), parseCount(rest.at(-1)!)!);
        } else if (command === "put" && rest.length > 1) {
          throw new Error(
            `the size must be a whole number of bytes (at most 15 digits), not ${
              JSON.stringify(rest.at(-1)!.slice(0, 100))
            }`,
          );
        } else if (line === "ls") {
          done = await handleLs(session);
        } else {
          throw new Error(
            `unknown command ${JSON.stringify(line.slice(0, 100))}; commands: ${COMMANDS}`,
          );
        }
        // Names are the client's text: printed with no control character left in them.
        console.log(printable(`${client} ${done}`));
      } catch (error) {
        // An idle or cut connection is closed already: there is no one left to answer.
        if (error instanceof Deno.errors.TimedOut || watch.reason !== null) throw error;
        // A refusal is one line to the client; the conversation goes on.
        const message = printable(withoutPaths((error as Error).message));
        console.log(`${client} ${printable(command)}: ${message}`);
        // Mid-stream, a line would be taken for data: the connection ends instead.
        if (error instanceof StreamBroken) break;
        await framed.writeLine(`error: ${message}`);
      }
    }
  } catch (error) {
    // A dropped connection was already reported by the command it cut short.
    const dropped = isDropped(error);
    if (watch.reason !== null) {
      console.error(`${NAME}: ${client} ${watch.reason}: closed`);
    } else if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    } else if (!dropped) {
      // An unreadable request (a line over MAX_LINE bytes) ends the connection, after one line.
      const message = printable(withoutPaths((error as Error).message));
      console.log(`${client}: ${message}`);
      await framed.writeLine(`error: ${message}`).catch(() => {});
    }
  } finally {
    // Python: print("客户端已经断开")
    console.log("客户端已经断开", client);
    watch.close();
  }
}

/** `get NAME`: size, the client's ack with its offset, the data from there, the MD5. */
async function handleGet({ framed, watch, served }: Session, name: string): Promise<string> {
  const { root, limits, transfers } = served;
  if (isPartialFolder(name.split("/")[0])) throw ownFolder(name);
  // Links inside the root are followed; one that leads out, or into the partials, is refused.
  const real = await resolveExisting(root, name);
  const parts = relative(root, real).split(SEP);
  if (isPartialFolder(parts[0])) throw ownFolder(name);
  if (!await transfers.take(limits.commandTimeout)) throw busy(transfers);
  try {
    using file = await openVerified(root, parts, { read: true }, name);
    const before = await file.stat();
    const size = before.size;
    await framed.writeLine(String(size));

    const ack = await framed.readLine();
    const match = ack === null ? null : /^ready to recv file(?: (\d{1,15}))?$/.exec(ack);
    const offset = match ? Number(match[1] ?? 0) : NaN;
    if (!(offset <= size)) throw new Error(`expected "${ACK} OFFSET" with OFFSET ≤ ${size}`);

    const known = knownMd5s.get(real);
    let md5: string;
    // While the data is sent (watch.pace), it must move at least --min-rate bytes a second.
    try {
      if (known !== undefined && known.identity === fileIdentity(before)) {
        // Hashed before and unchanged since: send the bytes, then the MD5 we already know.
        await file.seek(offset, Deno.SeekMode.Start);
        using _ = watch.pace();
        await sendFromFile(file, framed.conn, size - offset, null, () => {});
        md5 = known.md5;
      } else {
        // The MD5 covers the whole file, also the part the client already has.
        const hashingBegan = Date.now();
        const hash = createMd5();
        await hashPrefix(file, offset, hash);
        using _ = watch.pace();
        await sendFromFile(file, framed.conn, size - offset, hash, () => {});
        md5 = hash.digest("hex");
        rememberMd5(real, before, await file.stat(), hashingBegan, md5);
      }
    } catch (error) {
      if (error instanceof Deno.errors.TimedOut) throw error;
      throw new StreamBroken((error as Error).message);
    }
    await framed.writeLine(md5);
    return `get ${name}: ${byteCount(size - offset)} sent${
      offset ? ` (resumed at ${offset})` : ""
    }`;
  } finally {
    transfers.give();
  }
}

/** `put NAME SIZE`: the offset to resume at, the data from there, the MD5, the verdict. */
async function handlePut(session: Session, name: string, size: number): Promise<string> {
  const { framed, watch, served: { root, limits, transfers } } = session;
  // Refuse a bad name before any byte is sent; folders are made only once the file is verified.
  if (printable(name) !== name) {
    throw new Error(`refused ${JSON.stringify(name)}: it contains control or bidi characters`);
  }
  await resolveForWrite(root, name, false);
  // Unfinished uploads untouched for a day go before a new one begins.
  await sweepPartials(root, limits.partialQuota);
  if (!await transfers.take(limits.commandTimeout)) throw busy(transfers);
  // One partial file per name and size, so an interrupted upload can resume. While another
  // client is sending the same one, this upload gets a partial file of its own.
  const shared = partialName(name, size);
  const own = uploading.has(shared);
  const partialFile = own ? `${shared}-${crypto.randomUUID().slice(0, 8)}` : shared;
  const partial = join(root, PARTIAL_FOLDER, partialFile);
  uploading.add(partialFile);
  let kept = true;
  let dropPartial = false;
  try {
    await Deno.mkdir(join(root, PARTIAL_FOLDER), { recursive: true, mode: 0o700 });
    const options = { read: true, write: true, create: true };
    using file = await openVerified(root, [PARTIAL_FOLDER, partialFile], options, name);
    let offset = (await file.stat()).size;
    if (offset > size) {
      await file.truncate(0);
      offset = 0;
    }
    // An upload the disk cannot hold is refused before its bytes come, not once it is full.
    const free = spaceFree(join(root, PARTIAL_FOLDER));
    if (free !== null && size - offset > free) {
      // Nothing was written: a partial with bytes in it stays, for resuming once there is room.
      dropPartial = offset === 0;
      throw new Error(
        `not enough space for ${name}: ${byteCount(size - offset)} to come, ${free} free`,
      );
    }
    await framed.writeLine(String(offset));

    const hash = createMd5();
    await hashPrefix(file, offset, hash);
    let received: number;
    {
      // From here the data must keep moving: at least --min-rate bytes a second.
      using _ = watch.pace();
      try {
        received = offset + await receiveToFile(framed, file, size - offset, hash, () => {});
      } catch (error) {
        if (!(error instanceof StoreFailed)) throw error;
        // Every byte was read and dropped; the client's MD5 line comes next. What this upload
        // wrote goes, giving back the space that ran out; what an earlier one left stays.
        await file.truncate(offset);
        dropPartial = offset === 0;
        await framed.readLine();
        throw new Error(`cannot store ${name}: ${error.message}`);
      }
    }
    const claimed = received === size ? await framed.readLine() : null;
    if (claimed === null) {
      return `put ${name}: interrupted at ${received} of ${size} bytes; kept for resuming`;
    }
    const md5 = hash.digest("hex");
    if (claimed !== md5) {
      await removeFile(root, partial);
      kept = false;
      await framed.writeLine(REPLY_PREFIX + md5);
      return `put ${name}: MD5 mismatch (client ${claimed}, received ${md5}); not saved`;
    }
    // Verified: only now does the file appear under its name, and only then is the client
    // told: a file that could not be put in place is never reported as saved.
    try {
      moveVerified(root, partial, await resolveForWrite(root, name, true), file, name);
      kept = false;
    } catch (error) {
      throw new Error(`cannot store ${name}: ${(error as Error).message}`);
    }
    await framed.writeLine(REPLY_PREFIX + md5);
    return `put ${name}: ${byteCount(size)}${
      offset ? ` (resumed at ${offset})` : ""
    }, md5 ${md5}, saved`;
  } finally {
    uploading.delete(partialFile);
    transfers.give();
    // A partial file of its own cannot be found again: it goes. So does an empty one left by
    // a disk that was full: kept, a full disk refused every upload until it expired. A shared
    // one stays for resuming, within the quota.
    if (kept && (own || dropPartial)) await removeFile(root, partial).catch(() => {});
    else if (kept) await sweepPartials(root, limits.partialQuota);
  }
}

/** `ls`: every file under the root (not the partial uploads), as "BYTES<TAB>NAME" lines. */
async function handleLs({ framed, watch, served }: Session): Promise<string> {
  const { root, limits, transfers } = served;
  // A listing is held whole while it is sent: like a file, it waits for a transfer slot.
  const listingSlot = await transfers.take(limits.commandTimeout);
  if (!listingSlot) throw busy(transfers);
  try {
    const files = await filesUnder(root);
    const listing = encoder.encode(files.map((file) => file.line).join(""));
    await framed.writeLine(String(listing.length));
    // A listing is a transfer too: it must keep moving.
    using _ = watch.pace();
    await writeAll(framed.conn, listing);
    return `ls: ${files.length} ${files.length === 1 ? "file" : "files"}`;
  } finally {
    transfers.give();
  }
}

/**
 * The `ls` line of every file under `root` (not the partial uploads), sorted by name; an
 * error once they pass MAX_LISTING characters.
 */
async function filesUnder(root: string): Promise<{ line: string; name: string }[]> {
  const files: { line: string; name: string }[] = [];
  let characters = 0;
  // Each folder is read whole, between two looks at the folders on its way: one swapped for
  // a link in the meantime would have listed what the link leads to. A folder that others
  // could swap for a link is left out.
  async function walk(parts: string[]): Promise<void> {
    let before: string;
    try {
      before = folderIds(root, parts, "ls");
    } catch {
      return;
    }
    // Read beneath the root by descriptor where it can, by path where not.
    using held = beneath?.folder(parts.join("/"));
    // Only what the listing needs is kept of each entry: with a whole Deno.FileInfo kept for
    // each of 100,000 files, one ls left the server at 390 MiB, not 160.
    const entries = await readEntries(held?.path ?? join(root, ...parts), (name, info) => ({
      name,
      size: info.size,
      isFile: info.isFile,
      isDirectory: info.isDirectory,
    }));
    if (folderIds(root, parts, "ls") !== before) {
      throw new Error(`the folder ${parts.join("/")} changed while it was listed`);
    }
    for (const { name, size, isFile, isDirectory } of entries) {
      if (parts.length === 0 && isPartialFolder(name)) continue;
      if (isDirectory) await walk([...parts, name]);
      if (!isFile) continue;
      // A name is shown printable: a newline in it would forge a line of the listing.
      const shown = printable([...parts, name].join("/"));
      const line = `${size}\t${shown}\n`;
      characters += line.length;
      // The client would refuse it: it is not built further.
      if (characters > MAX_LISTING) {
        throw new Error(
          `the listing passes ${MAX_LISTING >> 20} MiB, more than ftp_client.ts takes`,
        );
      }
      files.push({ line, name: shown });
    }
  }
  await walk([]);
  return files.sort((a, b) => byName.compare(a.name, b.name));
}

/** The order of an `ls` listing: `localeCompare`'s, from one collator made once. */
const byName = new Intl.Collator();

/**
 * The files and folders in `folder` (links and the rest left out), each with its `lstat` as
 * `keep` keeps it. Entry by entry, each an await: a folder of 100,000 files read at once held
 * every other connection for 0.7 s.
 */
async function readEntries<T>(
  folder: string,
  keep: (name: string, info: Deno.FileInfo) => T,
): Promise<T[]> {
  const entries: T[] = [];
  for await (const entry of Deno.readDir(folder)) {
    if (!entry.isFile && !entry.isDirectory) continue;
    entries.push(keep(entry.name, Deno.lstatSync(join(folder, entry.name))));
  }
  return entries;
}

/**
 * Bytes the server may still write on the disk holding `folder`; null where it may not ask
 * (the narrow run line grants no `--allow-sys`): then only a write that fails tells.
 */
function spaceFree(folder: string): number | null {
  if (Deno.permissions.querySync({ name: "sys" }).state !== "granted") return null;
  const { bavail, bsize } = statfsSync(folder);
  return bavail * bsize;
}

/** True if `error` says the peer is gone (reset, broken pipe, interrupted). */
function isDropped(error: unknown): boolean {
  return error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.Interrupted;
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
 * on the way that exists must really be inside `root` (links are followed and checked), and
 * not the partials folder; with `create`, missing folders are made, and only below a folder
 * already checked. The target itself may not be a link or a folder.
 */
async function resolveForWrite(root: string, name: string, create: boolean): Promise<string> {
  const refuse = (why: string) => new Error(`refused ${JSON.stringify(name)}: ${why}`);
  const problem = nameProblem(name);
  if (problem) throw refuse(problem);
  const segments = name.split("/");
  if (isPartialFolder(segments[0])) throw refuse("that folder is the server's own");
  let folder = root;
  for (const segment of segments.slice(0, -1)) {
    const next = join(folder, segment);
    let real: string;
    try {
      real = await Deno.realPath(next);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      if (create && beneath !== null) beneath.mkdir(relative(root, next), name);
      else if (create) await Deno.mkdir(next);
      folder = next;
      continue;
    }
    if (!isInside(root, real)) throw refuse("it leads outside the served folder");
    if (isPartialFolder(relative(root, real).split(SEP)[0])) {
      throw refuse("that folder is the server's own");
    }
    if (!(await Deno.stat(real)).isDirectory) throw refuse(`${segment} is not a folder`);
    folder = real;
  }
  const target = join(folder, segments.at(-1)!);
  const existing = await Deno.lstat(target).catch(() => null);
  if (existing?.isSymlink) throw refuse("it is a link");
  if (existing?.isDirectory) throw refuse("it is a folder");
  return target;
}

/**
 * True if `segment` names the partials folder: compared as a case-insensitive filesystem
 * (macOS, Windows) would, so `.FTP-Partial` cannot reach the partial uploads there.
 */
function isPartialFolder(segment: string): boolean {
  return segment.toLowerCase().replace(/[. ]+$/, "") === PARTIAL_FOLDER;
}

/** The refusal of a name in the partials folder, which no command may reach. */
function ownFolder(name: string): Error {
  return new Error(`refused ${JSON.stringify(name)}: that folder is the server's own`);
}

/**
 * The device and inode of each folder from `root` down through `folders` ("dev:ino/…"),
 * looked at without following links. A link (or a file) on the way is refused, as `name`,
 * and so is a folder that someone else could swap for a link (see `steady`).
 */
function folderIds(root: string, folders: string[], name: string): string {
  let path = root;
  let parent = Deno.lstatSync(root);
  const ids: string[] = [];
  for (const folder of folders) {
    path = join(path, folder);
    const info = Deno.lstatSync(path);
    if (!info.isDirectory) {
      const what = info.isSymlink ? "a link" : "not a folder";
      throw new Error(`refused ${JSON.stringify(name)}: ${folder} is ${what}`);
    }
    if (!steady(parent, info)) {
      throw new Error(
        `refused ${JSON.stringify(name)}: ${folder} is in a folder others may write to, ` +
          "where it could be swapped for a link",
      );
    }
    ids.push(`${info.dev}:${info.ino}`);
    parent = info;
  }
  return ids.join("/");
}

/**
 * The server's own user, found at start from a file it makes (null where files have no
 * owners): with the superuser, the only one trusted to change the folders it goes through.
 */
let serverUid: number | null = null;

/** The owner of a file made in `root`: who the server runs as (else the folder's owner). */
function ownUid(root: string): number | null {
  try {
    const probe = Deno.makeTempFileSync({ dir: root, prefix: ".ftp-uid-" });
    const { uid } = Deno.lstatSync(probe);
    Deno.removeSync(probe);
    return uid;
  } catch {
    return Deno.statSync(root).uid;
  }
}

/**
 * True if no one but the server's user (or the superuser) can swap the folder `entry` inside
 * the folder `parent` for a link: `parent` is theirs and not writable by group or others, or
 * it is sticky (as /tmp is) and `entry` is theirs. Deno opens and renames by path and follows
 * a link met on the way, so only folders no one else can change lead nowhere else.
 */
function steady(parent: Deno.FileInfo, entry: Deno.FileInfo): boolean {
  if (serverUid === null || parent.mode === null || parent.uid === null) return true;
  const trusted = (uid: number | null) => uid === serverUid || uid === 0;
  if (!trusted(parent.uid)) return false;
  return (parent.mode & 0o022) === 0 || ((parent.mode & 0o1000) !== 0 && trusted(entry.uid));
}

/** True if `a` and `b` describe the same file (device and inode). */
function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Opens the regular file `root/parts…` so that no link can lead it out, not even one swapped
 * in while it is opened (Deno opens by path, and follows a link met on the way): the folders
 * on the way must be ones no one else can change (`folderIds`), the file opened must be the
 * one found at its path just before (device and inode), and still be there after, on the
 * same folders (`stillThere`). Anything else is refused, the file closed.
 */
async function openVerified(
  root: string,
  parts: string[],
  options: Deno.OpenOptions,
  name: string,
): Promise<Deno.FsFile> {
  const folders = parts.slice(0, -1);
  const path = join(root, ...parts);
  const before = folderIds(root, folders, name);
  const found = lstatOrNull(path);
  if (found?.isSymlink) throw new Error(`refused ${JSON.stringify(name)}: it is a link`);
  // Where it can, the kernel opens it beneath the root through no link at all (see beneath).
  let file: Deno.FsFile;
  if (beneath === null) {
    file = await Deno.open(path, options);
  } else {
    file = await beneath.open(parts.join("/"), options, name);
  }
  try {
    const opened = file.statSync();
    // The file found before the open, in folders no one else can change, is the one opened.
    const same = found === null || sameFile(opened, found);
    if (!opened.isFile || !same || !stillThere(root, folders, before, path, opened)) {
      throw new Error(`refused ${JSON.stringify(name)}: it changed while it was opened`);
    }
    return file;
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * True if the folders from `root` through `folders` are still the ones `ids` names, none a
 * link, and `path` holds the file `info` describes (device and inode): the folders are looked
 * at again after the file, so a link swapped in and out around the look is seen too.
 */
function stillThere(
  root: string,
  folders: string[],
  ids: string,
  path: string,
  info: Deno.FileInfo,
): boolean {
  try {
    const found = Deno.lstatSync(path);
    return folderIds(root, folders, path) === ids && sameFile(found, info) &&
      folderIds(root, folders, path) === ids;
  } catch {
    return false;
  }
}

/** `Deno.lstatSync(path)`, or null if nothing is there. */
function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Renames the verified upload `file` from `partial` to `target` (in a real folder inside
 * `root`), looking at the folders on the way just before and, as `stillThere` does, after.
 * Should a folder have been swapped for a link in between (the rename follows it, out of the
 * root), the file is moved back the same way, or failing that emptied through its open
 * handle, and the upload is refused.
 */
function moveVerified(
  root: string,
  partial: string,
  target: string,
  file: Deno.FsFile,
  name: string,
): void {
  const folders = relative(root, dirname(target)).split(SEP).filter(Boolean);
  const before = folderIds(root, folders, name);
  // Renamed beneath the root by descriptor where it can, by path where not.
  if (beneath === null) {
    Deno.renameSync(partial, target);
  } else {
    beneath.rename(relative(root, partial), relative(root, target), name);
  }
  const moved = file.statSync();
  if (stillThere(root, folders, before, target, moved)) return;
  try {
    if (beneath === null) Deno.renameSync(target, partial);
    else beneath.rename(relative(root, target), relative(root, partial), name);
  } catch {
    // Gone further still: emptied below.
  }
  const back = lstatOrNull(partial);
  if (back === null || !sameFile(back, moved)) file.truncateSync(0);
  throw new Error(`refused ${JSON.stringify(name)}: a folder on its way changed as it was saved`);
}

/**
 * The served folder held open, where Linux and the script's permissions allow (`-A`: Deno
 * opens /proc/self/fd paths only then): every open, new folder, rename and
 * removal then names its file relative to that open folder through `openat2` with
 * RESOLVE_BENEATH and RESOLVE_NO_SYMLINKS, so the kernel refuses a link met anywhere on the
 * way, even one swapped in a moment before. The checks by path above still run first; this
 * closes the race they can only narrow. Null elsewhere (the run line's narrow flags).
 */
let beneath: Beneath | null = null;

/** Flags of open(2) and openat2(2) on Linux (the same on x86-64 and arm64). */
const O_RDWR = 0o2;
const O_CREAT = 0o100;
const O_DIRECTORY = 0o200000;
const O_CLOEXEC = 0o2000000;
const O_PATH = 0o10000000;
const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_NO_SYMLINKS = 0x04;
const RESOLVE_BENEATH = 0x08;
/** openat2's number, one for every Linux architecture. */
const SYS_OPENAT2 = 437n;

/** What an errno from the calls below means, worded as the server's other refusals are. */
const ERRNO_MEANING: Record<number, string> = {
  2: "no such file or folder",
  13: "permission denied",
  17: "it exists already",
  18: "it leads outside the served folder",
  20: "not a folder",
  21: "it is a folder",
  28: "no space left on the disk",
  40: "a link is on its way",
};

/** Names beneath the served folder, opened, made, renamed and removed by descriptor. */
class Beneath {
  constructor(private libc: Libc, private rootFd: number) {}

  /** The file `relative` (to the root) as Deno opens it with `options` (`create` included). */
  async open(relative: string, options: Deno.OpenOptions, name: string): Promise<Deno.FsFile> {
    const flags = options.create ? O_RDWR | O_CREAT : O_PATH;
    const fd = this.#openat2(relative, flags, name);
    try {
      // The descriptor's own entry in /proc reopens that very file, not a path looked up again.
      return await Deno.open(`/proc/self/fd/${fd}`, { read: options.read, write: options.write });
    } finally {
      this.libc.close(fd);
    }
  }

  /** Makes the folder `relative`, in a parent reached without links. */
  mkdir(relative: string, name: string): void {
    this.#inParent(relative, name, (parent, last) => this.libc.mkdirat(parent, last, 0o777));
  }

  /** Renames `from` to `to` (both relative to the root), each in a parent reached without links. */
  rename(from: string, to: string, name: string): void {
    const fromParent = this.#openat2(dirname(from), O_PATH | O_DIRECTORY, name);
    try {
      const toParent = this.#openat2(dirname(to), O_PATH | O_DIRECTORY, name);
      try {
        const [fromName, toName] = [cString(basename(from)), cString(basename(to))];
        if (this.libc.renameat(fromParent, fromName, toParent, toName) < 0) {
          throw this.#failure(name);
        }
      } finally {
        this.libc.close(toParent);
      }
    } finally {
      this.libc.close(fromParent);
    }
  }

  /** Removes the file `relative`, in a parent reached without links. */
  remove(relative: string): void {
    this.#inParent(relative, relative, (parent, last) => this.libc.unlinkat(parent, last, 0));
  }

  /** The folder `relative`, held open: its path in /proc reads that folder whatever happens. */
  folder(relative: string): { path: string } & Disposable {
    const fd = this.#openat2(relative === "" ? "." : relative, O_PATH | O_DIRECTORY, relative);
    const libc = this.libc;
    function close(): void {
      libc.close(fd);
    }
    return { path: `/proc/self/fd/${fd}`, [Symbol.dispose]: close };
  }

  /** `call` with the open parent folder of `relative` and its last part; a failure thrown. */
  #inParent(
    relative: string,
    name: string,
    call: (parent: number, last: Uint8Array) => number,
  ): void {
    const parent = this.#openat2(dirname(relative), O_PATH | O_DIRECTORY, name);
    try {
      if (call(parent, cString(basename(relative))) < 0) throw this.#failure(name);
    } finally {
      this.libc.close(parent);
    }
  }

  /** openat2(root, relative, flags) resolving beneath the root, through no link: the fd. */
  #openat2(relative: string, flags: number, name: string): number {
    const how = new BigUint64Array([
      BigInt(flags | O_CLOEXEC),
      BigInt(flags & O_CREAT ? 0o666 : 0),
      BigInt(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS),
    ]);
    const path = cString(relative);
    const fd = Number(this.libc.syscall(SYS_OPENAT2, BigInt(this.rootFd), path, how, 24n));
    if (fd < 0) throw this.#failure(name);
    return fd;
  }

  /** The refusal of `name` by the call that just failed, from errno. */
  #failure(name: string): Error {
    const errno = new Deno.UnsafePointerView(this.libc.__errno_location()!).getInt32();
    const meaning = ERRNO_MEANING[errno] ?? `system error ${errno}`;
    if (errno === 2) return new Deno.errors.NotFound(meaning);
    return new Error(`refused ${JSON.stringify(name)}: ${meaning}`);
  }
}

/** `text` as C wants it: UTF-8 ending in a NUL byte. */
function cString(text: string): Uint8Array {
  return encoder.encode(`${text}\0`);
}

/** The libc calls the descriptor jail makes. */
type Libc = NonNullable<ReturnType<typeof openLibc>>;

/** libc, loaded where the jail by descriptor can work (see `beneath`); else null. */
function openLibc() {
  if (Deno.build.os !== "linux") return null;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
  try {
    return Deno.dlopen("libc.so.6", {
      syscall: { parameters: ["i64", "i64", "buffer", "buffer", "usize"], result: "i64" },
      openat: { parameters: ["i32", "buffer", "i32", "u32"], result: "i32" },
      mkdirat: { parameters: ["i32", "buffer", "u32"], result: "i32" },
      renameat: { parameters: ["i32", "buffer", "i32", "buffer"], result: "i32" },
      unlinkat: { parameters: ["i32", "buffer", "i32"], result: "i32" },
      close: { parameters: ["i32"], result: "i32" },
      __errno_location: { parameters: [], result: "pointer" },
    }).symbols;
  } catch {
    // Not glibc (musl names it otherwise): the checks by path stand alone.
    return null;
  }
}

/** The jail by descriptor on the real folder `root`, or null where it cannot work. */
function openBeneath(root: string): Beneath | null {
  const libc = openLibc();
  if (libc === null) return null;
  const fd = libc.openat(-100, cString(root), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return null;
  // openat2 came with Linux 5.6, and Deno opens /proc/self/fd paths only with -A: without
  // either, the checks by path stand alone.
  const probe = new Beneath(libc, fd);
  try {
    using folder = probe.folder("");
    Deno.statSync(folder.path);
  } catch {
    libc.close(fd);
    return null;
  }
  return probe;
}

/** Removes the file at `path` inside `root`: beneath it by descriptor where it can. */
async function removeFile(root: string, path: string): Promise<void> {
  if (beneath === null) await Deno.remove(path);
  else beneath.remove(relative(root, path));
}

/** Unfinished uploads being sent, by partial file name: the sweep leaves them alone. */
const uploading = new Set<string>();
/** The names partial files have: what the sweep may remove, and nothing else. */
const PARTIAL_NAME = /^[0-9a-f]{16}(-[0-9a-f]{8})?$/;
/** Partial files untouched this long are removed (an upload not resumed within a day). */
const PARTIAL_MAX_AGE_MS = 24 * 3600_000;
/** At most this many partial files are kept, however small. */
const MAX_PARTIALS = 1000;

/**
 * The partial file of an upload of `name` with `size` bytes: 16 hex digits of a SHA-256, so
 * that every name the filesystem takes as a final name fits, however long its UTF-8 (an
 * escaped name, as before, could be three times too long).
 */
function partialName(name: string, size: number): string {
  return createHash("sha256").update(`${size}\n${name}`).digest("hex").slice(0, 16);
}

/**
 * Removes the unfinished uploads nobody is sending that were untouched for a day, then keeps
 * the newest that fit in `quota` bytes and MAX_PARTIALS files, and removes the rest. Only
 * files named as partials are touched, and only in the real partials folder (not a link).
 */
async function sweepPartials(root: string, quota: number): Promise<void> {
  const folder = join(root, PARTIAL_FOLDER);
  const found: { name: string; size: number; time: number }[] = [];
  try {
    const before = folderIds(root, [PARTIAL_FOLDER], PARTIAL_FOLDER);
    for (const entry of Deno.readDirSync(folder)) {
      if (!entry.isFile || !PARTIAL_NAME.test(entry.name) || uploading.has(entry.name)) continue;
      const info = lstatOrNull(join(folder, entry.name));
      if (info?.isFile) {
        found.push({ name: entry.name, size: info.size, time: info.mtime?.getTime() ?? 0 });
      }
    }
    if (folderIds(root, [PARTIAL_FOLDER], PARTIAL_FOLDER) !== before) return;
  } catch {
    // No partials folder yet, or not a real one: nothing to sweep.
    return;
  }
  found.sort((a, b) => b.time - a.time);
  let bytes = 0;
  let files = 0;
  for (const partial of found) {
    const fresh = Date.now() - partial.time < PARTIAL_MAX_AGE_MS;
    if (fresh && bytes + partial.size <= quota && files < MAX_PARTIALS) {
      bytes += partial.size;
      files++;
    } else {
      await removeFile(root, join(folder, partial.name)).catch(() => {});
    }
  }
}

/**
 * `message` as a client may read it: the system's wording without the path it names
 * (`Not a directory (os error 20): realpath '/srv/…/x'` becomes `not a directory`), and a
 * refusal by the runtime's permissions without the path it was asked for. Where the server
 * keeps its files is none of a client's business.
 */
function withoutPaths(message: string): string {
  return message
    .replace(
      /([A-Z][^:()]*) \(os error \d+\)(: .*)?/s,
      (_, what: string) => what[0].toLowerCase() + what.slice(1),
    )
    .replace(
      /Requires (\w+) access to ".*?", run again with the (--allow-\w+) flag/s,
      (_, _what: string, flag: string) => `not allowed by ${flag}`,
    );
}

/** The limits every connection is held to (see USAGE). */
interface Limits {
  maxTransfers: number;
  commandTimeout: number;
  minRate: number;
  partialQuota: number;
}

/** The limits from the flags: a value that is not a number of the right kind is a usage error. */
function readLimits(flags: Record<string, unknown>): Limits {
  const read = (flag: string, pattern: RegExp, what: string) => {
    const text = String(flags[flag]);
    if (!pattern.test(text)) {
      throw new UsageError(`--${flag} takes ${what}, not ${JSON.stringify(text)}`);
    }
    return Number(text);
  };
  return {
    maxTransfers: read("max-transfers", /^[1-9]\d{0,5}$/, "a whole number from 1"),
    commandTimeout: read("command-timeout", /^\d{1,6}(\.\d+)?$/, "seconds (0 = never)"),
    minRate: read("min-rate", /^\d{1,12}$/, "bytes a second (0 = no minimum)"),
    partialQuota: read("partial-quota", /^\d{1,15}$/, "a number of bytes"),
  };
}

/** The refusal of a transfer that found no free slot in time. */
function busy(transfers: Slots): Error {
  const count = `${transfers.size} ${transfers.size === 1 ? "transfer" : "transfers"}`;
  return new Error(`busy: ${count} in progress; try again later`);
}

/** One who waits for a transfer slot. */
type Waiter = { resolve: (got: boolean) => void; timer?: ReturnType<typeof setTimeout> };

/**
 * Transfer slots: at most `size` transfers at once, each holding up to three 1 MiB buffers,
 * so that a crowd of stalled downloads cannot take the server's memory. One more waits for a
 * slot to come free, in turn.
 */
class Slots {
  readonly size: number;
  #free: number;
  #waiting: Waiter[] = [];

  constructor(size: number) {
    this.size = size;
    this.#free = size;
  }

  /** Takes a slot, waiting at most `seconds` (0 = as long as it takes); false if none came. */
  take(seconds: number): Promise<boolean> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(true);
    }
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const waiter: Waiter = { resolve };
    if (seconds > 0) {
      waiter.timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        resolve(false);
      }, seconds * 1000);
    }
    this.#waiting.push(waiter);
    return promise;
  }

  /** Gives a slot back: to the one who waited longest, else to the free ones. */
  give(): void {
    const next = this.#waiting.shift();
    if (next === undefined) {
      this.#free++;
      return;
    }
    clearTimeout(next.timer);
    next.resolve(true);
  }
}

/**
 * Guards one connection against a peer that is slow on purpose, which the idle timeout cannot
 * catch (a byte now and then is activity): `cut` closes the connection, so that the read or
 * write waiting on it fails, and keeps the reason; `pace` watches a transfer's rate, counted
 * on `counted`, the connection as the session reads and writes it.
 */
class Watch {
  /** Why the connection was cut, once it was. */
  reason: string | null = null;
  readonly counted: Pick<Deno.Conn, "read" | "write" | "close">;
  #conn: Conn;
  #limits: Limits;
  #closed = false;
  #moved = 0;

  constructor(conn: Conn, limits: Limits) {
    this.#conn = conn;
    this.#limits = limits;
    this.counted = {
      read: async (into) => {
        const n = await conn.read(into);
        this.#moved += n ?? 0;
        return n;
      },
      write: async (data) => {
        const n = await conn.write(data);
        this.#moved += n;
        return n;
      },
      close: () => this.close(),
    };
  }

  /** Closes the connection, once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn.close();
  }

  /** Cuts the connection for `reason` (the first one given is kept). */
  cut(reason: string): void {
    this.reason ??= reason;
    this.close();
  }

  /**
   * Watches a transfer until disposed: every --command-timeout seconds, the connection must
   * have moved --min-rate bytes a second since the last look, else it is cut.
   */
  pace(): Disposable {
    const { commandTimeout: seconds, minRate } = this.#limits;
    if (seconds === 0 || minRate === 0) return { [Symbol.dispose]() {} };
    let last = this.#moved;
    const look = setInterval(() => {
      const moved = this.#moved - last;
      last = this.#moved;
      if (moved < minRate * seconds) {
        this.cut(`moved ${byteCount(moved)} in ${seconds} s, under --min-rate ${minRate}`);
      }
    }, seconds * 1000);
    return { [Symbol.dispose]: () => clearInterval(look) };
  }
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
 * Differences from the seed (the seed's handshake, made safe to trust with files):
 * - **One server, both directions**: `get`, `put` and `ls` on one connection, each message a
 *   line or an announced count of bytes (see the protocol after `main`), where the seed's
 *   server takes one upload per connection and its download server one `recv(1024)` per
 *   command.
 * - **Streams**: files are read and written 1 MiB at a time, memory stays flat for any size.
 * - **Bounded memory**: at most `--max-transfers` (16) transfers at once, each with up to three
 *   1 MiB buffers; one more waits its turn, at most `--command-timeout` seconds, then gets
 *   `error: busy: …`. At most four spare buffers are kept, so a burst's memory goes back. A
 *   listing (`ls`, LIST) is held whole while it is sent, so it is a transfer too; an `ls` of
 *   more than 16 MiB, which the client would refuse, is refused before it is built.
 * - **Big folders**: a folder is read entry by entry, so the other connections are served
 *   meanwhile (an `ls` of 100,000 files held every connection for 0.7 s when read at once),
 *   keeping only what its listing shows; MLST, and LIST of one file, look up that name alone.
 * - **Verifies**: an upload is written under `.ftp-partial/` and moved to its name only when its
 *   size and MD5 match the client's; a failed or interrupted upload never appears under its
 *   name, and an older file of that name is untouched. The partial file is kept for resuming,
 *   under a 16-hex-digit hash of the name and size (any name the filesystem takes fits), for a
 *   day at most and within `--partial-quota` (1 GiB, 1,000 files; the newest are kept). A
 *   write that fails (a full disk) takes back what that upload wrote: kept, a full disk stayed
 *   full and every later upload failed; what an earlier upload left stays. Allowed
 *   to ask (`--allow-sys`, as `-A` grants), the server refuses an upload larger than the
 *   disk's free space before its bytes come. No command reaches that folder, however cased.
 * - **Jail**: names with `..`, absolute paths, backslashes, control characters (NUL among
 *   them), or links leading outside the root are refused with a one-line `error:`; a new name
 *   may not hold C1 or bidi controls either (`invoice\u{202e}fdp.exe` would show as
 *   `invoiceexe.pdf`). Deno opens and renames by path and follows a link met on the way, so a
 *   folder swapped for a link between a check and the open could lead out. So the server goes
 *   only through folders no one else can change (its own or the superuser's, not writable by
 *   group or others, unless sticky like /tmp), the file opened must be the one found there
 *   just before (device and inode), and opens and renames are looked at again afterwards (a
 *   file renamed out is moved back, or emptied). In a folder others may write to, subfolders
 *   and uploads are refused; its own files are still served. Run with `-A` on Linux, it also
 *   holds the root open and opens, renames, makes and removes every name beneath it with
 *   `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` through FFI (see `beneath`): the kernel
 *   refuses a link anywhere on the way, so not even the server's own user can win the race
 *   (a 30 s swap loop: nothing read or written outside; by path alone a few got through).
 * - **Fast repeats**: the MD5 of a file it has sent whole is remembered with the file's
 *   identity (inode, size, times); a later `get` of the unchanged file skips hashing it again.
 *   The client still hashes what it receives, so a stale entry could fail a download, never
 *   pass wrong bytes; any write to the file changes its identity.
 * - **No Nagle wait**: each connection sends every write at once (`setNoDelay`): an `ls`
 *   reply is two writes, and the second waited for the client's delayed ACK (48 ms an `ls`
 *   before, 0.3 ms after; `deno task bench ls`).
 * - **Concurrency**: each connection has its own async task; a slow or stalled client never
 *   holds up another. Two uploads of the same name and size at once get a partial file each,
 *   never interleaved: a stalled one does not block the other (the second's partial file, which
 *   no later put could find, is not kept if it is cut short).
 * - **Refusals**: a bad request (unknown command, a size that is not 0 to 15 digits, a name
 *   that is not valid UTF-8, a refused name) gets one `error: REASON` line and the
 *   connection goes on. A line over 8192 bytes cannot be followed: it gets `error: line too
 *   long` and the connection ends. A refusal by the runtime's permissions is answered the
 *   same way. A reason never names a server path: the system's messages are cut to their
 *   kind (`not a directory`), the runtime's to the flag (`not allowed by --allow-read`).
 * - **Slow on purpose**: a command line (or an ack or MD5 line) must arrive whole within
 *   `--command-timeout` (30) seconds of its first byte, and a transfer must move `--min-rate`
 *   (1024) bytes a second over each such span; else the connection is cut with one line on
 *   stderr. A trickle of single bytes keeps the idle timeout from firing, not these.
 * - **Printable**: what a client sent (names, commands) is logged through `printable`, and
 *   `ls` lists names that way: a control character (a newline among them) or a bidi control
 *   shows as `\u{…}`, so no name can steer the terminal or forge a line.
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
 * - **Standard FTP** (`--ftp-port`, not in the seed): the same folder, jail, slots and limits
 *   for clients people already have. Passive mode only: PORT and EPRT get 502, so the server
 *   never connects out (no FTP bounce), and a passive port takes its connection only from the
 *   control connection's address (another is closed and logged). An upload is written under
 *   `.ftp-partial/` and renamed to its name only once the client closed the data connection
 *   (FTP's end of file) with the control connection still there; one cut short (ABOR, a reset,
 *   the client gone, a limit) is kept, and `REST N` + `STOR` resumes it (the 426 reply names
 *   N). `..` stops at the root, as in a chroot; files are followed through links inside the
 *   root (as `get` follows them), folders never (CWD, LIST refuse a link); listings leave out
 *   links and the partials folder. TYPE A sends a file as it is, so sizes and MD5s hold;
 *   XMD5 and HASH answer the MD5 (remembered as for `get`). `--user` is compared in constant
 *   time, each failure from an address answered after a pause that doubles. ABOR stops a
 *   transfer (ftplib's too: it sends the `\n` as urgent data, which the kernel keeps out of
 *   the stream); a transfer keeps its control connection from going idle, and its data
 *   connection has the idle timeout and `--min-rate` of its own. Not offered (502): APPE,
 *   DELE, MKD, RMD, RNFR/RNTO, SITE, STAT, TLS. Replies and listings show names printable.
 * - Python prints the client's address as `('127.0.0.1', 53320)`; this prints
 *   `127.0.0.1:53320`.
 */

// ─── Standard FTP (--ftp-port): RFC 959 for curl, lftp, Python's ftplib, file managers ───

/**
 * The same folder for the FTP clients people already have: RFC 959 with what they use today
 * (FEAT and OPTS of RFC 2389, EPSV of RFC 2428, SIZE, MDTM, REST and MLSD of RFC 3659, UTF-8
 * names of RFC 2640), on its own port. Replies are lines `CODE TEXT\r\n`; file data and
 * listings go over a second connection, which the client opens to a port the server names
 * (passive mode), one per transfer; its end (a close) is the end of the file.
 *
 * ```
 * server → 220 欢迎登陆FTP系统
 * client → USER anonymous     server → 331 …   (any name and password, unless --user)
 * client → PASS x             server → 230 …
 * client → EPSV               server → 229 Entering Extended Passive Mode (|||PORT|)
 *                             (the client connects to PORT: the data connection)
 * client → RETR NAME          server → 150 …, the file on the data connection, then 226 …
 * client → QUIT               server → 221 …
 * ```
 *
 * It goes through the tutorial protocol's jail, transfer slots, buffers, partial uploads and
 * limits; what differs is said in "Differences from the seed".
 */

/** The commands `FEAT` announces beyond RFC 959, one per line. */
const FTP_FEATURES = [
  "EPSV",
  "PASV",
  "MDTM",
  "SIZE",
  "REST STREAM",
  "MLST type*;size*;modify*;perm*;",
  "UTF8",
  "HASH MD5*",
];
/** Every command served (for `HELP`). */
const FTP_COMMANDS = "USER PASS SYST FEAT OPTS PWD CWD CDUP TYPE MODE STRU PASV EPSV REST " +
  "RETR STOR LIST NLST MLSD MLST SIZE MDTM XMD5 HASH ABOR NOOP ALLO HELP QUIT";
/** Commands of RFC 959 and its extensions this server does not offer: 502, not 500. */
const FTP_NOT_OFFERED = new Set(
  "ACCT SMNT REIN STOU APPE RNFR RNTO DELE RMD XRMD MKD XMKD SITE STAT AUTH PBSZ PROT CCC ADAT LANG"
    .split(" "),
);
/** What may be said before logging in. */
const FTP_BEFORE_LOGIN = new Set(["USER", "PASS", "QUIT", "FEAT", "SYST", "OPTS", "NOOP", "HELP"]);
/** An FTP upload has no announced size: its partial file is the one of "size" -1. */
const FTP_UPLOAD_SIZE = -1;
/** An upload's data ends when the client closes the data connection, not at a count. */
const UNTIL_CLOSED = Number.MAX_SAFE_INTEGER;
/** A hash that hashes nothing: an FTP upload is hashed when a client asks (XMD5, HASH). */
const NO_MD5: Md5 = { update: () => null, digest: () => "" };
/** What a write of nothing sends: nothing (see FtpSession.keepAwake). */
const NOTHING = new Uint8Array(0);
const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");

/** How the FTP port runs: its port, the login it asks for (null: anyone), the idle timeout. */
interface FtpOptions {
  port: number;
  login: { user: string; password: string } | null;
  idleSeconds: number;
}

/**
 * The FTP port's options from the flags (null without `--ftp-port`): a value of the wrong form
 * is a usage error.
 */
function readFtpOptions(flags: Record<string, unknown>): FtpOptions | null {
  const port = flags["ftp-port"];
  const user = flags.user;
  if (port === undefined) {
    if (user !== undefined) throw new UsageError("--user is for the FTP port: give --ftp-port too");
    return null;
  }
  if (typeof port !== "string" || !/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw new UsageError(`--ftp-port takes a number from 0 to 65535, not ${JSON.stringify(port)}`);
  }
  let login: FtpOptions["login"] = null;
  if (user !== undefined) {
    // NAME:PASSWORD, the name without a colon, neither empty nor holding a control character.
    const text = String(user);
    const match = /^([^:]+):(.+)$/s.exec(text);
    if (match === null || printable(text) !== text) {
      throw new UsageError("--user takes NAME:PASSWORD (neither empty, no control characters)");
    }
    login = { user: match[1], password: match[2] };
  }
  return { port: Number(port), login, idleSeconds: Number(flags["idle-timeout"]) };
}

/** Listens for standard FTP on host:port and says so on stderr, as listenOn does for its port. */
function listenFtp(hostname: string, port: number): Deno.TcpListener {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
  }
  console.error(`listening on ftp://${formatAddress(listener.addr)}`);
  return listener;
}

/** A refusal with its FTP reply code, e.g. 550 for a file that cannot be had. */
class FtpRefusal extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** How a transfer on the data connection ended. */
type TransferEnd =
  /** Every byte moved (`count` of them). */
  | { ended: "done"; count: number }
  /** The client sent ABOR: the data connection was closed. */
  | { ended: "aborted" }
  /** The client closed the control connection: the data connection was closed. */
  | { ended: "left" }
  /** The data connection failed or was cut (`reason`). */
  | { ended: "failed"; reason: string };

/** One FTP control connection and what its client has set so far. */
class FtpSession {
  readonly client: string;
  readonly conn: Conn;
  readonly watch: Watch;
  readonly framed: FramedConn;
  readonly served: Served;
  readonly options: FtpOptions;
  /** The name USER gave, and whether PASS let it in. */
  user: string | null = null;
  loggedIn = false;
  /** The current folder, as its parts below the root ([] is the root, "/"). */
  cwd: string[] = [];
  /** Where the next RETR or STOR begins (REST), for the command right after it only. */
  rest = 0;
  /** The passive port PASV or EPSV opened, waiting for a transfer. */
  passive: PassivePort | null = null;
  /** A control line already being read (during a transfer), not yet answered. */
  #pending: Promise<string | null> | null = null;

  constructor(conn: Conn, served: Served, options: FtpOptions) {
    this.conn = conn;
    this.client = formatAddress(conn.remoteAddr);
    this.served = served;
    this.options = options;
    // A peer slow on purpose is cut (see Watch); a line must arrive whole in --command-timeout.
    this.watch = new Watch(conn, served.limits);
    const seconds = served.limits.commandTimeout;
    const watch = this.watch;
    function slowLine(): void {
      watch.cut(`sent part of a line for ${seconds} s`);
    }
    this.framed = new FramedConn(mendingUrgentAbor(this.watch.counted), seconds, slowLine);
  }

  /** The next control line (without CR LF); null once the client closed between lines. */
  nextLine(): Promise<string | null> {
    const line = this.peekLine();
    this.#pending = null;
    return line;
  }

  /** The next control line, left to be taken by `nextLine` (read once, however often asked). */
  peekLine(): Promise<string | null> {
    this.#pending ??= handledLater(this.framed.readLine());
    return this.#pending;
  }

  /** One reply line; the text shown printable, so no name can forge a line. */
  async reply(code: number, text: string): Promise<void> {
    await writeAll(this.framed.conn, encoder.encode(`${code} ${printable(text)}\r\n`));
  }

  /** A reply of several lines: `CODE-first`, ` line`…, `CODE last`. */
  async replyLines(code: number, first: string, lines: string[], last: string): Promise<void> {
    const body = lines.map((line) => ` ${printable(line)}\r\n`).join("");
    const text = `${code}-${printable(first)}\r\n${body}${code} ${printable(last)}\r\n`;
    await writeAll(this.framed.conn, encoder.encode(text));
  }

  /** One line on the server's terminal about this client. */
  log(what: string): void {
    console.log(printable(`ftp ${this.client} ${what}`));
  }

  /** The parts below the root of the path `arg` names from the current folder. */
  pathOf(arg: string): string[] {
    // "/…" starts at the root, anything else at the current folder.
    const parts = arg.startsWith("/") ? [] : [...this.cwd];
    for (const segment of arg.split("/")) {
      if (segment === "" || segment === ".") continue;
      // ".." goes up, but never above the root: the root is "/" to the client, as in a chroot.
      if (segment === "..") parts.pop();
      else parts.push(segment);
    }
    return parts;
  }

  /** The passive port for the transfer now asked for, taken (one transfer each); 425 if none. */
  takePassive(): PassivePort {
    const passive = this.passive;
    this.passive = null;
    if (passive === null) throw new FtpRefusal(425, "use PASV or EPSV first");
    return passive;
  }

  /**
   * While not disposed, the control connection counts as busy: during a transfer (or a long
   * hash) nothing crosses it, and it must not be closed as idle meanwhile. A write of nothing
   * every quarter of the idle timeout is the activity; it sends no byte.
   */
  keepAwake(): Disposable {
    const seconds = this.options.idleSeconds;
    if (seconds <= 0) return { [Symbol.dispose]() {} };
    const conn = this.conn;
    function touch(): void {
      conn.write(NOTHING).catch(() => {});
    }
    const timer = setInterval(touch, seconds * 250);
    return { [Symbol.dispose]: () => clearInterval(timer) };
  }

  /**
   * Takes the data connection from `passive` and runs `work` on it, while the control
   * connection is still read: ABOR, or the client leaving, closes the data connection, which
   * ends the work. Another command sent meanwhile waits its turn. The data connection has the
   * same idle timeout and --min-rate as the control one, and is closed at the end (which, for
   * a download, tells the client the file is whole).
   */
  async transfer(
    passive: PassivePort,
    work: (data: Pick<Deno.Conn, "read" | "write">) => Promise<number | void>,
  ): Promise<TransferEnd> {
    const { limits } = this.served;
    using _awake = this.keepAwake();
    const tcp = await passive.connection(limits.commandTimeout);
    if (tcp === null) {
      throw new FtpRefusal(425, `no data connection came within ${limits.commandTimeout} s`);
    }
    const data = new Watch(withIdleTimeout(tcp, this.options.idleSeconds), limits);
    // What the control connection says during the transfer: ABOR, or a close, stop it.
    let stopped: "aborted" | "left" | null = null;
    function heard(line: string | null): void {
      if (line === null) stopped = "left";
      else if (ftpVerb(line).verb === "ABOR") stopped = "aborted";
      if (stopped !== null) data.close();
    }
    function lost(): void {
      stopped = "left";
      data.close();
    }
    this.peekLine().then(heard, lost);
    let end: TransferEnd;
    try {
      using _pace = data.pace();
      const count = await work(data.counted);
      end = { ended: "done", count: count ?? 0 };
    } catch (error) {
      const reason = data.reason ?? withoutPaths((error as Error).message);
      end = { ended: "failed", reason };
    } finally {
      data.close();
    }
    // A close of the control connection that came with the data's end (a client killed in the
    // middle of an upload closes both) gets one turn of the event loop to be seen.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (stopped === "aborted") {
      // The ABOR is answered here (426, then 226), not read again as a command.
      this.#pending = null;
      return { ended: "aborted" };
    }
    if (stopped === "left") return { ended: "left" };
    return end;
  }

  /** Closes what the session holds: its passive port and the control connection. */
  close(): void {
    this.passive?.close();
    this.watch.close();
  }
}

/** `ABOR\r`: a line ending so, with its `\n` kept out of the stream (see mendingUrgentAbor). */
const URGENT_ABOR = new TextEncoder().encode("ABOR\r");

/**
 * The control connection as its lines are read, mending one quirk: Python's ftplib sends
 * `ABOR\r\n` as urgent data, and the kernel keeps the urgent byte (the last, `\n`) out of
 * the stream, so the line would never end. When what has come ends in a line `ABOR\r`, the
 * `\n` is put back; should a `\n` come after all, next, it is dropped.
 */
function mendingUrgentAbor(
  conn: Pick<Deno.Conn, "read" | "write" | "close">,
): Pick<Deno.Conn, "read" | "write" | "close"> {
  // The last bytes handed out (across reads), and whether a `\n` was put in after them.
  const recent: number[] = [];
  let mended = false;
  async function read(into: Uint8Array): Promise<number | null> {
    let n = await conn.read(into);
    if (n === null || n === 0) return n;
    if (mended && into[0] === 0x0a) {
      into.copyWithin(0, 1, n);
      n--;
    }
    mended = false;
    recent.push(...into.subarray(Math.max(0, n - URGENT_ABOR.length - 1), n));
    recent.splice(0, Math.max(0, recent.length - URGENT_ABOR.length - 1));
    // `ABOR\r` at the start of a line (after `\n`, Telnet's bytes, or nothing), just now.
    const tail = recent.slice(-URGENT_ABOR.length);
    const before = recent.length > URGENT_ABOR.length ? recent[0] : 0x0a;
    const abor = tail.length === URGENT_ABOR.length &&
      tail.every((byte, i) => byte === URGENT_ABOR[i]) && (before === 0x0a || before >= 0x80);
    if (!abor || n === 0 || n === into.length) return n;
    into[n] = 0x0a;
    recent.push(0x0a);
    mended = true;
    return n + 1;
  }
  return { read, write: (data) => conn.write(data), close: () => conn.close() };
}

/** The verb of a command line (upper case) and its argument, without CR and Telnet bytes. */
function ftpVerb(line: string): { verb: string; arg: string } {
  // Telnet's interrupt bytes some clients send before ABOR are not UTF-8: they arrive as
  // U+FFFD, and go.
  const text = line.replace(/\r$/, "").replace(/^\uFFFD+/, "");
  const space = text.indexOf(" ");
  if (space < 0) return { verb: text.toUpperCase(), arg: "" };
  return { verb: text.slice(0, space).toUpperCase(), arg: text.slice(space + 1) };
}

/**
 * A passive data port (PASV, EPSV): a listener on the control connection's own address that
 * takes one connection, the first from the client's address; one from anywhere else is closed
 * and logged (else anyone could race the client to its file).
 */
class PassivePort {
  readonly port: number;
  #listener: Deno.TcpListener;
  #accepted: Promise<Deno.TcpConn | null>;
  #taken = false;

  constructor(hostname: string, peer: string, onRefused: (from: string) => void) {
    this.#listener = Deno.listen({ hostname, port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#accepted = handledLater(this.#acceptFrom(peer, onRefused));
  }

  /** The first connection from `peer`; null once the port is closed. */
  async #acceptFrom(peer: string, onRefused: (from: string) => void): Promise<Deno.TcpConn | null> {
    while (true) {
      let conn: Deno.TcpConn;
      try {
        conn = await acceptRetrying(this.#listener);
      } catch {
        return null;
      }
      if (conn.remoteAddr.hostname === peer) {
        this.#listener.close();
        return conn;
      }
      onRefused(conn.remoteAddr.hostname);
      conn.close();
    }
  }

  /** The data connection, waited for at most `seconds` (0 = as long as it takes); null if none. */
  async connection(seconds: number): Promise<Deno.TcpConn | null> {
    const { promise: timeUp, resolve } = Promise.withResolvers<null>();
    const timer = seconds > 0 ? setTimeout(resolve, seconds * 1000, null) : undefined;
    try {
      const conn = await Promise.race([this.#accepted, timeUp]);
      this.#taken = conn !== null;
      return conn;
    } finally {
      clearTimeout(timer);
      this.close();
    }
  }

  /** Closes the port, and a data connection it accepted that no transfer took. */
  close(): void {
    try {
      this.#listener.close();
    } catch {
      // Closed already: it accepted its connection.
    }
    if (this.#taken) return;
    this.#accepted.then(closeQuietly);
  }
}

/** Closes `conn` if there is one, whether or not it was closed before. */
function closeQuietly(conn: { close(): void } | null): void {
  try {
    conn?.close();
  } catch {
    // Closed before.
  }
}

/** One standard FTP client: the greeting, then commands until QUIT or a disconnect. */
async function serveFtpClient(
  tcp: Deno.TcpConn,
  served: Served,
  options: FtpOptions,
): Promise<void> {
  const session = new FtpSession(withIdleTimeout(tcp, options.idleSeconds), served, options);
  const { client, watch } = session;
  console.log("ftp new conn:", client);
  try {
    await session.reply(220, WELCOME);
    while (true) {
      const line = await session.nextLine();
      if (line === null) break;
      const more = await answer(session, line);
      if (!more) break;
    }
  } catch (error) {
    // A dropped connection has no one left to tell.
    const dropped = isDropped(error);
    if (watch.reason !== null) {
      console.error(`${NAME}: ${client} ${watch.reason}: closed`);
    } else if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    } else if (!dropped) {
      // A line over MAX_LINE bytes cannot be followed: one 421 line, and the connection ends.
      const message = withoutPaths((error as Error).message);
      session.log(`closed: ${message}`);
      await session.reply(421, message).catch(() => {});
    }
  } finally {
    console.log("ftp 客户端已经断开", client);
    session.close();
  }
}

/** Answers one command line; false once the conversation is over (QUIT). */
async function answer(session: FtpSession, line: string): Promise<boolean> {
  const { verb, arg } = ftpVerb(line);
  // REST holds for the command right after it only.
  const rest = session.rest;
  session.rest = 0;
  try {
    // Bytes that are not UTF-8 arrive as U+FFFD: no name can be meant by them.
    if (arg.includes("\uFFFD")) throw new FtpRefusal(501, "the command is not valid UTF-8");
    if (!session.loggedIn && !FTP_BEFORE_LOGIN.has(verb)) {
      throw new FtpRefusal(530, "log in with USER and PASS first");
    }
    return await dispatch(session, verb, arg, rest);
  } catch (error) {
    // A broken or cut control connection has no one left to answer.
    const gone = error instanceof Deno.errors.TimedOut || error instanceof Deno.errors.BrokenPipe ||
      error instanceof Deno.errors.ConnectionReset || session.watch.reason !== null;
    if (gone) throw error;
    // Anything else is one reply, and the conversation goes on: 550 unless said otherwise
    // (the jail's refusals, a file that cannot be read), never a path of the server's.
    const code = error instanceof FtpRefusal ? error.code : 550;
    const message = withoutPaths((error as Error).message);
    session.log(`${verb.slice(0, 100)}: ${code} ${message}`);
    await session.reply(code, message);
    return true;
  }
}

/** The commands, each answered in one or a few lines (transfers: see their handlers). */
async function dispatch(
  session: FtpSession,
  verb: string,
  arg: string,
  rest: number,
): Promise<boolean> {
  const { root } = session.served;
  // Commands that need a name refuse without one.
  const needsName = ["RETR", "STOR", "SIZE", "MDTM", "XMD5", "HASH", "CWD", "XCWD"];
  if (arg === "" && needsName.includes(verb)) throw new FtpRefusal(501, `${verb} needs a name`);
  switch (verb) {
    case "USER":
      return await ftpUser(session, arg);
    case "PASS":
      return await ftpPass(session, arg);
    case "QUIT":
      await session.reply(221, "再见 (goodbye)");
      return false;
    case "SYST":
      await session.reply(215, "UNIX Type: L8");
      return true;
    case "FEAT":
      await session.replyLines(211, "Features:", FTP_FEATURES, "End");
      return true;
    case "HELP":
      await session.replyLines(214, "Commands:", [FTP_COMMANDS], "End");
      return true;
    case "OPTS":
      return await ftpOpts(session, arg);
    case "NOOP":
      await session.reply(200, "OK");
      return true;
    case "ALLO":
      await session.reply(202, "no need to reserve space");
      return true;
    case "PWD":
    case "XPWD": {
      // A quote in a folder's name is doubled (RFC 959).
      const path = `/${session.cwd.join("/")}`.replaceAll('"', '""');
      await session.reply(257, `"${path}" is the current folder`);
      return true;
    }
    case "CWD":
    case "XCWD":
    case "CDUP":
    case "XCUP": {
      const parts = session.pathOf(verb.endsWith("UP") ? ".." : arg);
      const name = parts.join("/");
      checkFolder(root, parts, name);
      session.cwd = parts;
      await session.reply(250, `now in /${name}`);
      return true;
    }
    case "TYPE":
      return await ftpType(session, arg.toUpperCase());
    case "MODE":
    case "STRU": {
      // Only stream mode and file structure, which is what every client uses.
      const only = verb === "MODE" ? "S" : "F";
      if (arg.toUpperCase() !== only) throw new FtpRefusal(504, `only ${verb} ${only}`);
      await session.reply(200, `${verb} ${only}`);
      return true;
    }
    case "PASV":
    case "EPSV":
      return await ftpPassive(session, verb, arg);
    case "PORT":
    case "EPRT":
      // The server never connects out: a data connection goes only where it listens.
      throw new FtpRefusal(502, "active mode is not offered: use PASV or EPSV");
    case "REST": {
      const offset = parseCount(arg);
      if (offset === null) throw new FtpRefusal(501, "REST takes a number of bytes");
      session.rest = offset;
      await session.reply(350, `restarting at ${offset}: send RETR or STOR`);
      return true;
    }
    case "SIZE": {
      const name = session.pathOf(arg).join("/");
      using file = (await openExisting(root, name)).file;
      await session.reply(213, String((await file.stat()).size));
      return true;
    }
    case "MDTM": {
      const name = session.pathOf(arg).join("/");
      using file = (await openExisting(root, name)).file;
      await session.reply(213, factTime((await file.stat()).mtime));
      return true;
    }
    case "XMD5":
    case "HASH": {
      const name = session.pathOf(arg).join("/");
      const { md5, size } = await md5OfFile(session, name);
      if (verb === "XMD5") await session.reply(250, md5);
      else await session.reply(213, `MD5 0-${size} ${md5} ${name}`);
      return true;
    }
    case "RETR":
      await ftpRetrieve(session, session.pathOf(arg).join("/"), rest);
      return true;
    case "STOR":
      await ftpStore(session, session.pathOf(arg).join("/"), rest);
      return true;
    case "LIST":
    case "NLST":
    case "MLSD":
      await ftpList(session, verb, arg);
      return true;
    case "MLST":
      return await ftpMlst(session, arg);
    case "ABOR":
      // No transfer is under way (one under way hears ABOR itself): nothing to stop.
      session.passive?.close();
      session.passive = null;
      await session.reply(226, "no transfer to abort");
      return true;
  }
  if (verb === "") throw new FtpRefusal(500, "empty command");
  if (FTP_NOT_OFFERED.has(verb)) throw new FtpRefusal(502, `${verb} is not offered here`);
  throw new FtpRefusal(500, `unknown command ${verb.slice(0, 100)}`);
}

/** USER: the name to log in as; the password comes next. */
async function ftpUser(session: FtpSession, name: string): Promise<boolean> {
  if (name === "") throw new FtpRefusal(501, "USER needs a name");
  session.user = name;
  session.loggedIn = false;
  // The same answer for every name: which ones exist is not told.
  const anyone = session.options.login === null;
  await session.reply(331, anyone ? "anonymous: any password will do" : "password, please");
  return true;
}

/** PASS: logs in (anyone, without --user), after a pause that grows with each failure. */
async function ftpPass(session: FtpSession, password: string): Promise<boolean> {
  const { user, options } = session;
  if (user === null) throw new FtpRefusal(503, "USER first");
  session.user = null;
  if (options.login !== null) {
    const right = await judgeLogin(session.conn.remoteAddr.hostname, user, password, options.login);
    if (!right) throw new FtpRefusal(530, "login incorrect");
  }
  session.loggedIn = true;
  session.log(`logged in as ${user}`);
  await session.reply(230, `logged in as ${user}`);
  return true;
}

/** Failed logins in a row, by client address (the oldest forgotten past LOGIN_MEMORY). */
const loginFailures = new Map<string, number>();
/** The login being judged for each address: one address's guesses are judged one at a time. */
const loginTurns = new Map<string, Promise<unknown>>();
const LOGIN_MEMORY = 10_000;
const FIRST_LOGIN_PAUSE_MS = 500;
const MAX_LOGIN_PAUSE_MS = 30_000;

/**
 * True if `user` and `password` are the login's, compared in constant time. A wrong one is
 * answered after a pause that doubles with each failure from that address in a row (0.5 s, 1 s,
 * 2 s … up to 30 s; a success resets it), and an address's attempts are judged in turn, so
 * parallel guesses wait in line instead of sharing one pause.
 */
async function judgeLogin(
  address: string,
  user: string,
  password: string,
  login: { user: string; password: string },
): Promise<boolean> {
  const before = loginTurns.get(address) ?? Promise.resolve();
  const turn = before.then(() => judgeInTurn(address, user, password, login));
  const settled = turn.catch(() => false);
  loginTurns.set(address, settled);
  try {
    return await turn;
  } finally {
    if (loginTurns.get(address) === settled) loginTurns.delete(address);
  }
}

/** One login judged (see judgeLogin): a failure pauses before it is told. */
async function judgeInTurn(
  address: string,
  user: string,
  password: string,
  login: { user: string; password: string },
): Promise<boolean> {
  // Both compared, always: the time taken tells nothing of which one was wrong.
  const rightUser = sameSecret(user, login.user);
  const rightPassword = sameSecret(password, login.password);
  if (rightUser && rightPassword) {
    loginFailures.delete(address);
    return true;
  }
  const failures = (loginFailures.get(address) ?? 0) + 1;
  // Re-inserted, so the addresses forgotten first are the ones that failed longest ago.
  loginFailures.delete(address);
  if (loginFailures.size >= LOGIN_MEMORY) loginFailures.delete(loginFailures.keys().next().value!);
  loginFailures.set(address, failures);
  const pause = Math.min(FIRST_LOGIN_PAUSE_MS * 2 ** (failures - 1), MAX_LOGIN_PAUSE_MS);
  await new Promise((resolve) => setTimeout(resolve, pause));
  return false;
}

/**
 * True if `given` is `expected`, in time that depends on neither: their SHA-256 digests (of
 * equal length) compared by `timingSafeEqual`.
 */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** OPTS: UTF-8 names (always on), the MLST facts, the HASH algorithm (MD5 only). */
async function ftpOpts(session: FtpSession, arg: string): Promise<boolean> {
  const [option, value = ""] = arg.toUpperCase().split(/ +/, 2);
  if (option === "UTF8" || option === "UTF-8") {
    if (value === "OFF") throw new FtpRefusal(504, "names are always UTF-8");
    await session.reply(200, "names are UTF-8");
  } else if (option === "MLST") {
    // Every fact is always sent; a client takes the ones it asked for.
    await session.reply(200, "MLST OPTS type;size;modify;perm;");
  } else if (option === "HASH") {
    if (value !== "" && value !== "MD5") throw new FtpRefusal(504, "the only HASH is MD5");
    await session.reply(200, "MD5");
  } else {
    throw new FtpRefusal(501, `no option ${option.slice(0, 100)}`);
  }
  return true;
}

/** TYPE: I (binary) or A (text); either way a file's bytes are sent as they are. */
async function ftpType(session: FtpSession, type: string): Promise<boolean> {
  if (type === "I" || type === "L 8") {
    await session.reply(200, "type I (binary)");
  } else if (type === "A" || type === "A N") {
    // Line ends are not rewritten: a file's size and MD5 stay those of the file on disk.
    await session.reply(200, "type A (files are sent as they are, as in binary)");
  } else {
    throw new FtpRefusal(504, `type ${type.slice(0, 20)} is not offered: I or A`);
  }
  return true;
}

/** PASV and EPSV: a new passive port on the control connection's address, and where it is. */
async function ftpPassive(session: FtpSession, verb: string, arg: string): Promise<boolean> {
  const local = session.conn.localAddr as Deno.NetAddr;
  const v6 = local.hostname.includes(":");
  if (verb === "EPSV" && arg.toUpperCase() === "ALL") {
    await session.reply(200, "EPSV ALL: only EPSV from now on, as ever");
    return true;
  }
  if (verb === "EPSV" && arg !== "" && arg !== (v6 ? "2" : "1")) {
    throw new FtpRefusal(522, `this connection is IPv${v6 ? 6 : 4}: use (${v6 ? 2 : 1})`);
  }
  if (verb === "PASV" && v6) throw new FtpRefusal(425, "PASV is for IPv4: use EPSV");
  // One passive port at a time: a new one replaces the last.
  session.passive?.close();
  const peer = (session.conn.remoteAddr as Deno.NetAddr).hostname;
  function refused(from: string): void {
    session.log(`refused a data connection from ${from}`);
  }
  const passive = new PassivePort(local.hostname, peer, refused);
  session.passive = passive;
  if (verb === "EPSV") {
    await session.reply(229, `Entering Extended Passive Mode (|||${passive.port}|)`);
  } else {
    const address = `${local.hostname.replaceAll(".", ",")},${passive.port >> 8},${
      passive.port & 255
    }`;
    await session.reply(227, `Entering Passive Mode (${address})`);
  }
  return true;
}

/**
 * The regular file `name` (below the root) opened for reading through the jail, as `get`
 * opens it, with its real path (by which knownMd5s remembers it).
 */
async function openExisting(
  root: string,
  name: string,
): Promise<{ file: Deno.FsFile; real: string }> {
  if (isPartialFolder(name.split("/")[0])) throw ownFolder(name);
  const real = await resolveExisting(root, name);
  const parts = relative(root, real).split(SEP);
  if (isPartialFolder(parts[0])) throw ownFolder(name);
  return { file: await openVerified(root, parts, { read: true }, name), real };
}

/**
 * Refuses to go into the folder `parts` (below the root) unless every folder on the way is a
 * real one no one else can swap for a link (folderIds), and not the partials folder: the jail's
 * check for CWD. Returns what folderIds found, to be compared with a later look.
 */
function checkFolder(root: string, parts: string[], name: string): string {
  if (parts.length > 0 && isPartialFolder(parts[0])) throw ownFolder(name);
  return folderIds(root, parts, name);
}

/**
 * The files and folders in the folder `parts` (below the root), by name, each as `keep` makes
 * it of its name and `lstat`: read whole between two looks at the folders on its way, as `ls`
 * reads each folder (a folder swapped for a link meanwhile would have listed what the link
 * leads to). Links, and the partials folder, are left out, as `ls` leaves them. The jail's
 * listing for LIST, NLST and MLSD.
 */
async function readFolder<T extends { name: string }>(
  root: string,
  parts: string[],
  name: string,
  keep: (entry: string, info: Deno.FileInfo) => T,
): Promise<T[]> {
  const listed = await betweenTwoLooks(root, parts, name, (folder) => readEntries(folder, keep));
  const shown = listed.filter((entry) => !(parts.length === 0 && isPartialFolder(entry.name)));
  return shown.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * What `read` finds in the folder `parts` (below the root; by descriptor where it can, by path
 * where not), between two looks at the folders on its way: a folder swapped for a link
 * meanwhile would have shown what the link leads to.
 */
async function betweenTwoLooks<T>(
  root: string,
  parts: string[],
  name: string,
  read: (folder: string) => T | Promise<T>,
): Promise<T> {
  const before = checkFolder(root, parts, name);
  using held = beneath?.folder(parts.join("/"));
  const found = await read(held?.path ?? join(root, ...parts));
  if (folderIds(root, parts, name) !== before) {
    throw new Error(`the folder ${name} changed while it was listed`);
  }
  return found;
}

/**
 * The file or folder `parts` names (below the root), looked at as readFolder reads its folder,
 * between two looks at the folders on its way; null if there is none (or only a link). One
 * `lstat`: reading the whole folder to find one name took 0.8 s in a folder of 100,000 files.
 */
async function lookUp(root: string, parts: string[], name: string): Promise<Deno.FileInfo | null> {
  const folder = parts.slice(0, -1);
  const last = parts.at(-1)!;
  if (folder.length === 0 && isPartialFolder(last)) return null;
  const info = await betweenTwoLooks(root, folder, name, (path) => lstatOrNull(join(path, last)));
  return info?.isFile || info?.isDirectory ? info : null;
}

/** What `LIST` or `NLST` of `parts` shows: the folder's entries, or the one file it names. */
async function listingOf<T extends { name: string }>(
  root: string,
  parts: string[],
  name: string,
  keep: (entry: string, info: Deno.FileInfo) => T,
): Promise<T[]> {
  try {
    return await readFolder(root, parts, name, keep);
  } catch (error) {
    if (parts.length === 0) throw error;
    const info = await lookUp(root, parts, name);
    if (!info?.isFile) throw error;
    return [keep(parts.at(-1)!, info)];
  }
}

/** LIST (as `ls -l`), NLST (names) or MLSD (RFC 3659 facts) of a folder, on the data connection. */
async function ftpList(session: FtpSession, verb: string, arg: string): Promise<void> {
  const { root, limits, transfers } = session.served;
  const passive = session.takePassive();
  try {
    // `LIST -la` and the like: options of ls, which the listing does not need.
    const path = verb === "MLSD" ? arg : arg.replace(/^(-\S*\s*)+/, "");
    const parts = session.pathOf(path);
    const name = parts.join("/");
    // A listing is held whole while it is sent: like a file, it waits for a transfer slot.
    const listingSlot = await transfers.take(limits.commandTimeout);
    if (!listingSlot) throw new FtpRefusal(450, busy(transfers).message);
    try {
      const now = Date.now();
      // Each entry becomes its line as it is read: with a whole Deno.FileInfo kept for each,
      // 16 LISTs at once of a folder of 100,000 files took the server to 2.2 GB, not 0.9.
      const withLine = (entry: string, info: Deno.FileInfo) => ({
        name: entry,
        line: listLine(verb, entry, info, now),
      });
      const entries = verb === "MLSD"
        ? await readFolder(root, parts, name, withLine)
        : await listingOf(root, parts, name, withLine);
      const lines = entries.map((entry) => entry.line);
      const listing = encoder.encode(lines.map((line) => `${line}\r\n`).join(""));
      const count = `${lines.length} ${lines.length === 1 ? "entry" : "entries"}`;
      await session.reply(150, `listing /${name}: ${count}`);
      const end = await session.transfer(passive, (data) => writeAll(data, listing));
      await finishTransfer(session, `${verb} /${name}`, end, `${count} sent`);
    } finally {
      transfers.give();
    }
  } finally {
    passive.close();
  }
}

/** The line of `name` in a LIST (as `ls -l`), NLST (the name) or MLSD (RFC 3659 facts). */
function listLine(verb: string, name: string, info: Deno.FileInfo, now: number): string {
  // A name is shown printable: a newline in it would forge a line of the listing.
  if (verb === "NLST") return printable(name);
  if (verb === "MLSD") return `${facts(info)} ${printable(name)}`;
  return `${lsLine(info, now)} ${printable(name)}`;
}

/** MLST: the facts of one file or folder, on the control connection. */
async function ftpMlst(session: FtpSession, arg: string): Promise<boolean> {
  const { root } = session.served;
  const parts = session.pathOf(arg);
  const name = parts.join("/");
  let info: Deno.FileInfo;
  if (parts.length === 0) {
    checkFolder(root, parts, name);
    info = Deno.statSync(root);
  } else {
    const found = await lookUp(root, parts, name);
    if (found === null) throw new FtpRefusal(550, `no such file or folder: ${name}`);
    info = found;
  }
  await session.replyLines(250, `facts of /${name}`, [`${facts(info)} /${name}`], "End");
  return true;
}

/** The RFC 3659 facts of a file or folder: `type=file;size=…;modify=…;perm=…;`. */
function facts(info: Deno.FileInfo): string {
  const type = info.isDirectory ? "dir" : "file";
  const perm = info.isDirectory ? "elc" : "rw";
  return `type=${type};size=${info.size};modify=${factTime(info.mtime)};perm=${perm};`;
}

/** A time as RFC 3659 writes it: YYYYMMDDHHMMSS, in UTC. */
function factTime(time: Date | null): string {
  return (time ?? new Date(0)).toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/**
 * The start of an `ls -l` line (what LIST clients parse): kind and mode, links, owner, group,
 * size, and the time as ls shows it (hour and minute within half a year, else the year), UTC.
 */
function lsLine(info: Deno.FileInfo, now: number): string {
  const mode = info.mode ?? (info.isDirectory ? 0o755 : 0o644);
  let bits = info.isDirectory ? "d" : "-";
  for (let bit = 8; bit >= 0; bit--) bits += mode & (1 << bit) ? "rwx"[(8 - bit) % 3] : "-";
  const time = info.mtime ?? new Date(0);
  const recent = now - time.getTime() < 180 * 86_400_000 && time.getTime() <= now + 3_600_000;
  const day = `${MONTHS[time.getUTCMonth()]} ${String(time.getUTCDate()).padStart(2)}`;
  const clock = `${String(time.getUTCHours()).padStart(2, "0")}:${
    String(time.getUTCMinutes()).padStart(2, "0")
  }`;
  const when = recent ? `${day} ${clock}` : `${day}  ${time.getUTCFullYear()}`;
  return `${bits} 1 ftp ftp ${String(info.size).padStart(12)} ${when}`;
}

/** RETR: the file from REST's offset on the data connection, in a transfer slot. */
async function ftpRetrieve(session: FtpSession, name: string, offset: number): Promise<void> {
  const { root, limits, transfers } = session.served;
  const passive = session.takePassive();
  try {
    using file = (await openExisting(root, name)).file;
    const size = (await file.stat()).size;
    if (offset > size) {
      throw new FtpRefusal(554, `REST ${offset} is past the end of ${name} (${byteCount(size)})`);
    }
    if (!await transfers.take(limits.commandTimeout)) {
      throw new FtpRefusal(450, busy(transfers).message);
    }
    try {
      const from = offset ? ` from byte ${offset}` : "";
      await session.reply(150, `sending ${name}: ${byteCount(size - offset)}${from}`);
      await file.seek(offset, Deno.SeekMode.Start);
      const end = await session.transfer(
        passive,
        (data) => sendFromFile(file, data, size - offset, null, () => {}),
      );
      const sent = `${byteCount(size - offset)} sent${offset ? ` (resumed at ${offset})` : ""}`;
      await finishTransfer(session, `RETR ${name}`, end, sent);
    } finally {
      transfers.give();
    }
  } finally {
    passive.close();
  }
}

/**
 * The reply and the log line that end a transfer: `what` it was, `done` if it went through,
 * else why not, and `kept` (what an upload cut short left for resuming).
 */
async function finishTransfer(
  session: FtpSession,
  what: string,
  end: TransferEnd,
  done: string,
  kept = "",
): Promise<void> {
  const also = kept ? `; ${kept}` : "";
  if (end.ended === "done") {
    session.log(`${what}: ${done}`);
    await session.reply(226, done);
  } else if (end.ended === "aborted") {
    session.log(`${what}: aborted (ABOR)${also}`);
    await session.reply(426, `transfer aborted${also}`);
    await session.reply(226, "ABOR done");
  } else if (end.ended === "failed") {
    session.log(`${what}: ${end.reason}${also}`);
    await session.reply(426, `data connection closed: ${end.reason}${also}`);
  } else {
    session.log(`${what}: the client left${also}`);
  }
}

/**
 * STOR: the upload goes to a partial file under `.ftp-partial/`, and only once the client has
 * closed the data connection (the end of the file, in FTP) is it renamed to its name: nothing
 * appears under the name before it is whole, nor if it is cut short. An upload cut short
 * (ABOR, a dropped data connection, the client gone, a limit) is kept for resuming with
 * `REST N` then `STOR NAME`, N at most what was kept.
 */
async function ftpStore(session: FtpSession, name: string, offset: number): Promise<void> {
  const { root, limits, transfers } = session.served;
  const passive = session.takePassive();
  try {
    // Refuse a bad name before any byte is sent; folders are made only once the file is whole.
    if (printable(name) !== name) {
      throw new FtpRefusal(
        553,
        `refused ${JSON.stringify(name)}: it contains control or bidi characters`,
      );
    }
    try {
      await resolveForWrite(root, name, false);
    } catch (error) {
      throw new FtpRefusal(553, withoutPaths((error as Error).message));
    }
    // Unfinished uploads untouched for a day go before a new one begins.
    await sweepPartials(root, limits.partialQuota);
    if (!await transfers.take(limits.commandTimeout)) {
      throw new FtpRefusal(450, busy(transfers).message);
    }
    try {
      await storeInPartial(session, passive, name, offset);
    } finally {
      transfers.give();
    }
  } finally {
    passive.close();
  }
}

/** The part of STOR that holds a transfer slot: receive into the partial file, then rename. */
async function storeInPartial(
  session: FtpSession,
  passive: PassivePort,
  name: string,
  offset: number,
): Promise<void> {
  const { root, limits } = session.served;
  // One partial file per name, so that a cut upload can resume. While another client is
  // sending the same name, this upload gets a partial file of its own (and cannot resume).
  const shared = partialName(name, FTP_UPLOAD_SIZE);
  const own = uploading.has(shared);
  if (own && offset > 0) throw new FtpRefusal(450, `${name} is being uploaded; try again later`);
  const partialFile = own ? `${shared}-${crypto.randomUUID().slice(0, 8)}` : shared;
  const partial = join(root, PARTIAL_FOLDER, partialFile);
  uploading.add(partialFile);
  let kept = true;
  let dropPartial = false;
  try {
    using file = await openPartial(root, partialFile, name);
    // REST N resumes after the first N bytes kept; without REST the upload starts afresh.
    const held = (await file.stat()).size;
    if (offset > held) {
      throw new FtpRefusal(
        554,
        `REST ${offset} is past the ${byteCount(held)} kept of ${name}: REST ${held} resumes it`,
      );
    }
    await file.truncate(offset);
    await file.seek(offset, Deno.SeekMode.Start);
    await session.reply(150, `receiving ${name}${offset ? ` from byte ${offset}` : ""}`);
    const end = await session.transfer(
      passive,
      (data) => receiveToFile(data, file, UNTIL_CLOSED, NO_MD5, () => {}),
    );
    const stored = (await file.stat()).size;
    const resumed = offset ? ` (resumed at ${offset})` : "";
    if (end.ended !== "done") {
      const keptNote = `${byteCount(stored)} kept; REST ${stored}, then STOR, resumes it`;
      await finishTransfer(session, `STOR ${name}`, end, "", keptNote);
      return;
    }
    // A failed write (a full disk) leaves the file short of what came: it is not whole.
    if (stored !== offset + end.count) {
      // What this upload wrote goes, giving back the space that ran out; what an earlier one
      // left (REST) stays.
      await file.truncate(offset);
      dropPartial = offset === 0;
      throw new FtpRefusal(
        451,
        `cannot store ${name}: the disk took ${byteCount(stored)} of ${offset + end.count}`,
      );
    }
    // Whole: only now does it appear under its name, and only then is the client told.
    moveVerified(root, partial, await resolveForWrite(root, name, true), file, name);
    kept = false;
    session.log(`STOR ${name}: ${byteCount(stored)} saved${resumed}`);
    await session.reply(226, `${name}: ${byteCount(stored)} saved`);
  } finally {
    uploading.delete(partialFile);
    // A partial file of its own cannot be found again: it goes. So does an empty one left by
    // a disk that was full: kept, a full disk refused every upload until it expired. A shared
    // one stays for resuming, within the quota.
    if (kept && (own || dropPartial)) await removeFile(root, partial).catch(() => {});
    else if (kept) await sweepPartials(root, limits.partialQuota);
  }
}

/** The partial file `partialFile` of an upload of `name`: opened (made if new), as `put` does. */
async function openPartial(root: string, partialFile: string, name: string): Promise<Deno.FsFile> {
  await Deno.mkdir(join(root, PARTIAL_FOLDER), { recursive: true, mode: 0o700 });
  const options = { read: true, write: true, create: true };
  return await openVerified(root, [PARTIAL_FOLDER, partialFile], options, name);
}

/**
 * The MD5 and size of the file `name`: remembered if it is unchanged since it was last hashed
 * whole (see knownMd5s), else hashed now, in a transfer slot (it holds a buffer).
 */
async function md5OfFile(
  session: FtpSession,
  name: string,
): Promise<{ md5: string; size: number }> {
  const { root, limits, transfers } = session.served;
  const { file, real } = await openExisting(root, name);
  using _file = file;
  const before = await file.stat();
  const known = knownMd5s.get(real);
  if (known !== undefined && known.identity === fileIdentity(before)) {
    return { md5: known.md5, size: before.size };
  }
  if (!await transfers.take(limits.commandTimeout)) {
    throw new FtpRefusal(450, busy(transfers).message);
  }
  try {
    using _awake = session.keepAwake();
    const hashingBegan = Date.now();
    const hash = createMd5();
    await hashPrefix(file, before.size, hash);
    const md5 = hash.digest("hex");
    rememberMd5(real, before, await file.stat(), hashingBegan, md5);
    return { md5, size: before.size };
  } finally {
    transfers.give();
  }
}

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--root DIR] [--idle-timeout SECONDS]
       [--max-connections N] [--max-transfers N] [--command-timeout SECONDS] [--min-rate BYTES]
       [--partial-quota BYTES] [--ftp-port PORT [--user NAME:PASSWORD]]

FTP server for ftp_client.ts: get, put (both resumable, checked with MD5) and ls,
confined to DIR. With --ftp-port, also standard FTP (RFC 959, passive mode) on that
port, for curl, lftp, Python's ftplib and file managers: the same folder and limits.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port of the tutorial's protocol (ftp_client.ts), 0 for any free port
                (default ${PORT})
  --ftp-port PORT
                port of standard FTP, 0 for any free port (default: none); announced as
                "listening on ftp://HOST:PORT" after the tutorial's port
  --user NAME:PASSWORD
                the one login standard FTP takes (default: anyone, as anonymous); each
                wrong guess from an address waits twice as long as the last (0.5 s to 30 s)
  --root DIR    folder to serve, created if missing (default ${ROOT})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long, 0 = never
                (default 300)
  --max-connections N
                callers served at once on each port; one more is closed at once
                (default 10000)
  --max-transfers N
                gets, puts and listings moving data at once (RETR, STOR, LIST, XMD5 and
                HASH too); one more waits for a free one, at most --command-timeout, then
                is answered "error: busy" (FTP: 450) (default 16)
  --command-timeout SECONDS
                a command line must arrive whole within this long of its first byte, and a
                transfer is looked at this often for --min-rate; 0 = never (default 30)
  --min-rate BYTES
                a transfer moving fewer bytes a second than this is cut, 0 = no minimum
                (default 1024)
  --partial-quota BYTES
                unfinished uploads kept for resuming hold at most this much (the newest are
                kept; any older than a day go) (default 1073741824)
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
    // One line, always: parseArgs explains a value that starts with a dash in three.
    const message = (error as Error).message.replaceAll("\n", " ");
    console.error(`${NAME}: ${message}${usage ? " (see --help)" : ""}`);
    Deno.exit(usage ? 2 : 1);
  });
}
