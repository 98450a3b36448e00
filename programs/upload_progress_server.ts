#!/usr/bin/env -S deno run --allow-net --allow-read --allow-write
/**
 * @title 案例2：文件上传 — File upload with progress: the server
 * @seed 003_5d88270f3bd9af2f.txt, "案例2：文件上传", server.py
 * @run deno run --allow-net=127.0.0.1 --allow-read=./file --allow-write=./file upload_progress_server.ts [--dir file]
 *
 * A client sends a header `NAME-SIZE` (its file name and byte count), then the file, then
 * closes. The server prints `用户已连接,传输文件名NAME-Kkb`, a progress line `\rNAME已传输P%`
 * as the data comes, and `\rNAME传输完成`, and saves the file as `file/NAME` (`--dir`). The
 * size is how the server knows the upload is complete; the header has no end marker, so it
 * may arrive glued to the file's first bytes (粘包), which this server untangles.
 *
 * Python → Deno: `conn.recv(1024)` is `conn.read(buffer)`, a buffer of any size (progress still
 * counts the seed's 1024-byte steps); `file_object.write(data)` is `writeAll(file, data)`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { isAbsolute } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "upload_progress_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const DIR = "file";
const SEED_PIECE = 1024;
const QUIET_ABOVE = 100 * 1024;
/** The longest name a file system takes for one file (NAME_MAX), in bytes. */
const MAX_NAME = 255;
/** The longest header: a name, `-`, 15 digits, and one byte to show that the digits ended. */
const MAX_HEADER = MAX_NAME + 1 + 15 + 1;
const CHUNK_SIZE = 1 << 20;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    dir: { type: "string", default: DIR },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
    "max-uploads": { type: "string", default: "16" },
    "min-rate": { type: "string", default: "1024" },
  }, USAGE).values;
  const maxUploads = Number(flags["max-uploads"]);
  if (!/^\d{1,6}$/.test(flags["max-uploads"]) || maxUploads < 1) {
    throw new UsageError("--max-uploads takes a whole number, from 1");
  }
  if (!/^\d{1,12}$/.test(flags["min-rate"])) {
    throw new UsageError("--min-rate takes bytes a second, 0 for no minimum");
  }
  const idleSeconds = Number(flags["idle-timeout"]);
  const limits = { maxUploads, minRate: Number(flags["min-rate"]), graceSeconds: idleSeconds };
  // The seed saves into file/ next to itself; this into ./file (or --dir), made if missing.
  await Deno.mkdir(flags.dir, { recursive: true });

  // socket() + bind() + listen(1) are one call in Deno. A stop (Ctrl-C) in the middle of an
  // upload removes its half-written file.
  const listener = listenOn(flags.host, Number(flags.port), removeUnfinished);

  // while True: conn, addr = sock.accept() — each upload gets its own task, so a slow one
  // never holds up the others.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(
    listener,
    Number(flags["max-connections"]),
    (conn) => serveUpload(withIdleTimeout(conn, idleSeconds), flags.dir, limits),
  );
}

/** One upload: the NAME-SIZE header, then the file's bytes up to the end of the stream. */
async function serveUpload(conn: Conn, folder: string, limits: Limits): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  let temporary: string | null = null;
  let counted = false;
  try {
    // data = conn.recv(1024); file_name, file_size = data.split("-")
    const header = await readHeader(conn, new Uint8Array(MAX_HEADER));
    const { name, size } = header;
    // The name as this terminal may show it: a client's text, escaped.
    const shown = printable(name);
    console.log(`用户已连接,传输文件名${shown}-${pyFloat(size / 1024)}kb`);
    const problem = nameProblem(name) ??
      (shown !== name ? "it contains control or bidi characters" : null) ??
      (name.includes("/") ? "it is a path, not a file name" : null);
    if (problem) {
      console.log(`refused ${printable(JSON.stringify(name))}: ${problem}; its data is dropped`);
    }
    // An upload, even a refused one read to its end, holds a 1 MiB buffer: at most
    // --max-uploads at once, so that clients that stop sending cannot take the memory.
    if (uploads >= limits.maxUploads) {
      console.log(`${client}: busy, ${uploads} uploads under way: closed; not saved`);
      return;
    }
    uploads++;
    counted = true;

    // file_object = open(file_path(file_name), mode='wb'), under a temporary name until the
    // whole file is in. A refused name is only read to the end, never written.
    temporary = problem ? null : `${folder}/${name}.part-${crypto.randomUUID().slice(0, 8)}`;
    if (temporary) unfinished.add(temporary);
    const file = temporary ? await Deno.open(temporary, { write: true, createNew: true }) : null;
    let received = 0;
    const pace = new Pace(limits.minRate, limits.graceSeconds);
    try {
      // What came glued to the header first, then every read up to the end of the stream.
      let piece = header.rest;
      const buffer = new Uint8Array(CHUNK_SIZE);
      while (true) {
        // Bytes past the announced size are counted, not written: the count must match.
        if (file && received < size) await writeAll(file, piece.subarray(0, size - received));
        printProgress(shown, size, received, Math.min(received + piece.length, size));
        received += piece.length;
        const n = await pace.read(conn, buffer, received);
        if (n === null) break;
        piece = buffer.subarray(0, n);
      }
    } finally {
      file?.close();
    }
    // The client closes when done: the count must match the header exactly.
    if (received !== size) {
      console.log(
        `${shown}: ${received} ${
          received === 1 ? "byte" : "bytes"
        } arrived, the header said ${size}; ` +
          `the header could not be told from the data (or the client stopped early): not saved`,
      );
      return;
    }
    // A refused upload was only drained: it is not "complete".
    if (!temporary) return;
    await Deno.rename(temporary, `${folder}/${name}`);
    unfinished.delete(temporary);
    console.log(`\r${shown}传输完成`);
  } catch (error) {
    // Idle past --idle-timeout: said on stderr. Anything else: one line in the log.
    if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    } else if (error instanceof TooSlow) {
      console.log(`${client}: ${error.message}: closed; not saved`);
    } else {
      console.log(`${client}: ${(error as Error).message}`);
    }
  } finally {
    if (counted) uploads--;
    if (temporary && unfinished.delete(temporary)) await Deno.remove(temporary).catch(() => {});
    conn.close();
  }
}

/** Uploads under way, on every connection together. */
let uploads = 0;

/**
 * Reads into `start` until it holds a NAME-SIZE header (usually one piece of its own, but it
 * may come in pieces, or glued to the file's first bytes).
 */
async function readHeader(
  conn: Conn,
  start: Uint8Array,
): Promise<{ name: string; size: number; rest: Uint8Array }> {
  let filled = 0;
  while (true) {
    const n = await conn.read(start.subarray(filled));
    const ended = n === null;
    if (n !== null) filled += n;
    const header = parseHeader(start.subarray(0, filled), ended);
    if (header !== null) return header;
    if (ended) throw new Error("the client closed before sending a NAME-SIZE header");
    if (filled === start.length) throw new Error("no NAME-SIZE header found");
  }
}

/** Python's repr of a float: `57.04735376044568`, and `2.0` rather than `2`. */
function pyFloat(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/**
 * Splits the start of the stream into name, size and the data glued after them: at the last
 * `-` followed by digits whose name before it is valid UTF-8 text. The digits have ended only
 * once another byte has come after them, or the stream has `ended`. Null if not yet known.
 */
function parseHeader(
  start: Uint8Array,
  ended: boolean,
): { name: string; size: number; rest: Uint8Array } | null {
  for (let dash = start.lastIndexOf(0x2d); dash > 0; dash = start.lastIndexOf(0x2d, dash - 1)) {
    // A longer name could not be saved anyway; bounding it bounds what each read re-parses.
    if (dash > MAX_NAME) continue;
    let end = dash + 1;
    while (end < start.length && start[end] >= 0x30 && start[end] <= 0x39) end++;
    if (end === dash + 1 || end - dash - 1 > 15) continue;
    if (end === start.length && !ended) return null;
    let name: string;
    try {
      name = new TextDecoder("utf-8", { fatal: true }).decode(start.subarray(0, dash));
    } catch {
      continue;
    }
    if ([...name].some((c) => c < " " || c === "\u007f")) continue;
    return {
      name,
      size: Number(new TextDecoder().decode(start.subarray(dash + 1, end))),
      rest: start.subarray(end),
    };
  }
  return null;
}

/** Prints the seed's progress lines for the 1024-byte steps from `from` (exclusive) to `to`. */
function printProgress(name: string, size: number, from: number, to: number): void {
  const firstStep = Math.floor(from / SEED_PIECE) + 1;
  for (let step = firstStep; step * SEED_PIECE <= to && step * SEED_PIECE < size; step++) {
    const done = step * SEED_PIECE;
    const percent = (done / size) * 100;
    // Large files: only the steps that cross a whole percent.
    if (
      size > QUIET_ABOVE && Math.floor(percent) === Math.floor(((done - SEED_PIECE) / size) * 100)
    ) continue;
    console.log(`\r${name}已传输${pyFloat(percent)}%`);
  }
}

/** What bounds the uploads: how many at once, and how slow one may be (`Pace`). */
interface Limits {
  maxUploads: number;
  minRate: number;
  graceSeconds: number;
}

/** Temporary files being written, removed if the server is stopped mid-transfer. */
const unfinished = new Set<string>();

/** On Ctrl-C or SIGTERM: no half-written upload is left behind. */
function removeUnfinished(): void {
  for (const path of unfinished) {
    try {
      Deno.removeSync(path);
    } catch {
      // Already gone.
    }
  }
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

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/**
 * Differences from the seed (same bytes on the wire, the same lines; behaviour fixed):
 * - The numbers are formatted as Python formats floats (`1.7529296875kb`,
 *   `57.04735376044568%`), and progress is printed at the 1024-byte steps the seed's
 *   `recv(1024)` loop takes, whatever pieces the network really delivers (for files over
 *   100 KiB, only the steps that cross a whole percent, not thousands of lines).
 * - The header is split at the last `-` that is followed by the size, so names containing `-`
 *   work (the seed's `split("-")` fails on them). `NAME--5` is name `NAME-` and size 5.
 * - The header may arrive glued to the first bytes of the file (the seed then crashes on
 *   `int()`): the size is read from the digits after that `-`, and the name must be valid
 *   UTF-8 text, which binary data glued to it is not. At the end the byte count must equal the
 *   size. The format has no separator, so a text file whose first bytes are digits, glued to
 *   the header, cannot be told apart; that mismatch is refused in one line, never saved.
 * - A header that cannot be found in the first 272 bytes (no `-` followed by 1 to 15 digits after
 *   a UTF-8 name of at most 255 bytes, the most a file name can be: a size that is non-numeric,
 *   empty or 2^63) ends the connection with one line.
 * - Names are confined to the files folder (no `..`, `/`, `\`, control characters); a refused
 *   upload is read to the end and dropped. A zero-byte file is saved (the seed divides by
 *   zero). Files are written to a temporary name and renamed once complete; a stop (Ctrl-C,
 *   SIGTERM) removes a half-received one, so nothing is left under a final name.
 * - Each client has its own task, and the files go under the working folder (or `--dir`),
 *   not next to the script, so the narrow run line above is all it needs. At most
 *   `--max-uploads` (default 16) run at once, each with a 1 MiB buffer; one more is closed
 *   after its header, in one line, so clients that stop sending cannot take the memory. An
 *   upload has `--idle-timeout` seconds plus one for every `--min-rate` (1024) bytes it
 *   brought: one that trickles a byte now and then (keeping the idle timeout away) is cut.
 * - What a client sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--dir FOLDER] [--max-uploads N]
       [--min-rate BYTES]

Receives "NAME-SIZE" then the file's bytes, printing progress; saves it in FOLDER.

Options:
  --host HOST    address to listen on (default ${HOST})
  --port PORT    port to listen on, 0 for any free port (default ${PORT})
  --dir FOLDER   where files are saved (default ${DIR}, created if missing)
  --idle-timeout SECONDS
                 close a connection when no read or write has begun this long, 0 = never
                 (default 300)
  --max-connections N
                 callers served at once; one more is closed at once (default 10000)
  --max-uploads N
                 uploads at once, each holding 1 MiB; one more is closed after its header
                 (default 16)
  --min-rate BYTES
                 an upload has --idle-timeout seconds, plus one for every BYTES it has
                 brought; one slower is cut. 0 (or --idle-timeout 0) = no minimum
                 (default 1024)
  --help         show this help`;

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

/**
 * An upload's pace: it has `graceSeconds` (the idle timeout), plus one second for every
 * `minRate` bytes it has brought. A client trickling a byte now and then keeps the idle
 * timeout away; this cuts it instead of letting it hold an upload place for ever. A rate or
 * grace of 0 means no minimum.
 */
class Pace {
  #started = performance.now();

  constructor(readonly minRate: number, readonly graceSeconds: number) {}

  /** `conn.read(buffer)`, within the time the upload has for its `received` bytes; else TooSlow. */
  async read(
    conn: Pick<Deno.Conn, "read">,
    buffer: Uint8Array,
    received: number,
  ): Promise<number | null> {
    if (this.minRate === 0 || this.graceSeconds === 0) return await conn.read(buffer);
    const due = this.#started + (this.graceSeconds + received / this.minRate) * 1000;
    // A timer past 2^31 - 1 ms (24.8 days) would fire at once.
    const wait = Math.min(due - performance.now(), 2 ** 31 - 1);
    const late = Promise.withResolvers<never>();
    const timer = setTimeout(() => late.reject(new TooSlow(this.minRate)), wait);
    try {
      // The read given up on ends when the connection closes; nothing awaits it then.
      return await Promise.race([handledLater(conn.read(buffer)), late.promise]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** An upload that fell under the minimum rate. */
class TooSlow extends Error {
  constructor(minRate: number) {
    super(`too slow, under --min-rate ${minRate} bytes a second`);
  }
}

/**
 * Returns `promise`, marked as handled: it is awaited later, and Deno ends the process on a
 * rejection that nothing awaits yet. Awaiting it still throws.
 */
function handledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
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
