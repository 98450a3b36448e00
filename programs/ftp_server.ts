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

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { createHash } from "node:crypto";
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
  }, USAGE).values;
  const limits = readLimits(flags);

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

  // while True: conn, addr = server.accept() — each client gets its own task, so a slow or
  // stalled one holds up nobody.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  const served: Served = { root, limits, transfers: new Slots(limits.maxTransfers) };
  await serveEach(
    listener,
    Number(flags["max-connections"]),
    (conn) => serveClient(withIdleTimeout(conn, Number(flags["idle-timeout"])), served),
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
 * When --max-transfers transfers are under way, a get or put waits for one to end, at most
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
    const dropped = error instanceof Deno.errors.BrokenPipe ||
      error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.Interrupted;
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
  try {
    await Deno.mkdir(join(root, PARTIAL_FOLDER), { recursive: true, mode: 0o700 });
    const options = { read: true, write: true, create: true };
    using file = await openVerified(root, [PARTIAL_FOLDER, partialFile], options, name);
    let offset = (await file.stat()).size;
    if (offset > size) {
      await file.truncate(0);
      offset = 0;
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
        // Every byte was read and dropped; the client's MD5 line comes next. What was written
        // stays for resuming.
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
    // A partial file of its own cannot be found again: it goes. A shared one stays for
    // resuming, within the quota.
    if (kept && own) await removeFile(root, partial).catch(() => {});
    else if (kept) await sweepPartials(root, limits.partialQuota);
  }
}

/** `ls`: every file under the root (not the partial uploads), as "BYTES<TAB>NAME" lines. */
async function handleLs({ framed, watch, served: { root } }: Session): Promise<string> {
  const lines: string[] = [];
  // Each folder is read whole at once, between two looks at the folders on its way: one
  // swapped for a link in the meantime would have listed what the link leads to. A folder
  // that others could swap for a link is left out.
  function walk(parts: string[]): void {
    const folder = join(root, ...parts);
    let before: string;
    try {
      before = folderIds(root, parts, "ls");
    } catch {
      return;
    }
    // Read beneath the root by descriptor where it can, by path where not.
    using held = beneath?.folder(parts.join("/"));
    const listed = held?.path ?? folder;
    const entries = [...Deno.readDirSync(listed)].map((entry) => ({
      entry,
      info: entry.isFile ? Deno.lstatSync(join(listed, entry.name)) : null,
    }));
    if (folderIds(root, parts, "ls") !== before) {
      throw new Error(`the folder ${parts.join("/")} changed while it was listed`);
    }
    for (const { entry, info } of entries) {
      if (parts.length === 0 && isPartialFolder(entry.name)) continue;
      const name = [...parts, entry.name].join("/");
      if (entry.isDirectory) walk([...parts, entry.name]);
      // A name is shown printable: a newline in it would forge a line of the listing.
      else if (info?.isFile) lines.push(`${info.size}\t${printable(name)}`);
    }
  }
  walk([]);
  lines.sort((a, b) => a.slice(a.indexOf("\t")).localeCompare(b.slice(b.indexOf("\t"))));
  const listing = encoder.encode(lines.map((line) => `${line}\n`).join(""));
  await framed.writeLine(String(listing.length));
  // A listing is a transfer too: it must keep moving.
  using _ = watch.pace();
  await writeAll(framed.conn, listing);
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
  return new Error(`busy: ${transfers.size} transfers in progress; try again later`);
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
 *   `error: busy: …`. At most four spare buffers are kept, so a burst's memory goes back.
 * - **Verifies**: an upload is written under `.ftp-partial/` and moved to its name only when its
 *   size and MD5 match the client's; a failed or interrupted upload never appears under its
 *   name, and an older file of that name is untouched. The partial file is kept for resuming,
 *   under a 16-hex-digit hash of the name and size (any name the filesystem takes fits), for a
 *   day at most and within `--partial-quota` (1 GiB, 1,000 files; the newest are kept). No
 *   command reaches that folder, however its name is cased.
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
 * - Python prints the client's address as `('127.0.0.1', 53320)`; this prints
 *   `127.0.0.1:53320`.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--root DIR] [--idle-timeout SECONDS]
       [--max-connections N] [--max-transfers N] [--command-timeout SECONDS] [--min-rate BYTES]
       [--partial-quota BYTES]

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
  --max-transfers N
                gets and puts moving data at once; one more waits for a free one, at most
                --command-timeout, then is answered "error: busy" (default 16)
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
  "idle-timeout": [(text) => /^\d+(\.\d+)?$/.test(text), "seconds (0 = never)"],
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
    console.error(`${NAME}: ${(error as Error).message}${usage ? " (see --help)" : ""}`);
    Deno.exit(usage ? 2 : 1);
  });
}
