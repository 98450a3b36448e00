#!/usr/bin/env -S deno run --allow-net --allow-read --allow-write
/**
 * @title 3.3 案例：发送消息和文件上传 — Messages and files in one protocol: the server
 * @seed 003_5d88270f3bd9af2f.txt, "3.3 案例：发送消息和文件上传", service.py
 * @run deno run --allow-net=127.0.0.1 --allow-read=./file --allow-write=./file msg_file_server.ts [--dir file]
 *
 * Every piece on the wire is a frame: a 4-byte length (`struct.pack('i', n)`, little-endian)
 * and that many bytes. A client sends a JSON frame saying what comes next, then the thing:
 * `{"msg_type": "msg"}` then a frame of text (printed as `接收到消息:你好呀`);
 * `{"msg_type": "file", "file_name": "a.png"}` then a frame of file (saved as `file/a.png`);
 * or the bare text frame `close` (`客户端已关闭连接`). The server reads only and exactly what
 * each frame says, however the bytes are split or glued; files are streamed, never held.
 *
 * Python → Deno: `struct.unpack('i', conn.recv(4))[0]` is `readExactly(conn, 4)` then
 * `getInt32(0, true)` on a DataView; `json.loads` is `JSON.parse`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { isAbsolute } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "msg_file_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const DIR = "file";
const MAX_FRAME = 16 << 20;
const CHUNK_SIZE = 1 << 20;
const CLOSE = "close";
const CLIENT_CLOSED = "客户端已关闭连接";
const CLIENT_GONE = "客户端已经断开";
const RECEIVED = "接收到消息:";
const BAD_FORMAT = "格式错误，请验证后输入";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    dir: { type: "string", default: DIR },
    "max-frame": { type: "string", default: String(MAX_FRAME) },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
    "min-rate": { type: "string", default: "1024" },
  }, USAGE).values;
  const maxFrame = Number(flags["max-frame"]);
  // Digits only: Number() would also take "", "0x10" and "1e3".
  if (!/^\d{1,15}$/.test(flags["max-frame"]) || maxFrame < 1) {
    throw new UsageError("--max-frame takes a whole number of bytes, from 1");
  }
  if (!/^\d{1,12}$/.test(flags["min-rate"])) {
    throw new UsageError("--min-rate takes bytes a second, 0 for no minimum");
  }
  const idleSeconds = Number(flags["idle-timeout"]);
  const limits = { maxFrame, minRate: Number(flags["min-rate"]), graceSeconds: idleSeconds };
  // The seed saves into file/ next to itself; this into ./file (or --dir), made if missing.
  await Deno.mkdir(flags.dir, { recursive: true });

  // socket() + bind() + listen(5) are one call in Deno. A stop (Ctrl-C) in the middle of a
  // file removes the half of it.
  const listener = listenOn(flags.host, Number(flags.port), removeUnfinished);

  // while True: conn, addr = sock.accept() — each client gets its own task, so one that is
  // slow to send a file never holds up the others.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(
    listener,
    Number(flags["max-connections"]),
    (conn) => serveClient(withIdleTimeout(conn, idleSeconds), flags.dir, limits),
  );
}

/** One client: a type frame, then the thing it announces, until `close`. */
async function serveClient(conn: Conn, folder: string, limits: Limits): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  try {
    while (true) {
      // message_type = recv_data(conn).decode('utf-8'): JSON, or the word close.
      const messageType = await recvData(conn, limits);
      if (messageType === null) {
        console.log(CLIENT_GONE);
        break;
      }
      if (typeof messageType !== "string") {
        throw new Error(
          "the type frame is not UTF-8 text; the stream cannot be followed any further",
        );
      }
      // Printed as the seed prints it, but with no control character left to steer the terminal.
      console.log(printable(messageType));
      if (messageType === CLOSE) {
        console.log(CLIENT_CLOSED);
        break;
      }
      // message_type_info = json.loads(message_type)
      let info: { msg_type?: unknown; file_name?: unknown };
      try {
        info = JSON.parse(messageType);
      } catch {
        throw new Error("the type frame is not JSON; the stream cannot be followed any further");
      }
      if (info?.msg_type === "msg") {
        // A message: the next frame is its text.
        const data = await recvData(conn, limits);
        if (data === null) throw new Error("the client closed before the message");
        if (typeof data === "string") console.log(`${RECEIVED}${printable(data)}`);
        else console.log(`refused a ${data.notText}-byte message: it is not UTF-8 text`);
      } else if (info?.msg_type === "file") {
        // A file: the next frame is its bytes. A name that could leave the folder is refused,
        // but its frame is still read to the end, so the next type frame is found.
        const name = typeof info.file_name === "string" ? info.file_name : "";
        const problem = nameProblem(name) ??
          (printable(name) !== name ? "it contains control or bidi characters" : null) ??
          (name.includes("/") ? "it is a path, not a file name" : null);
        if (problem) {
          const shown = printable(JSON.stringify(name));
          console.log(`refused file name ${shown}: ${problem}; its data is dropped`);
        }
        await recvFile(conn, problem ? null : `${folder}/${name}`);
      } else {
        console.log(BAD_FORMAT);
      }
    }
  } catch (error) {
    // Idle past --idle-timeout: said on stderr. Anything else: one line in the log.
    if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    } else {
      console.log(`${client}: ${(error as Error).message}`);
    }
  } finally {
    conn.close();
  }
}

/** The length of the next frame; null if the client left before it began. */
async function readFrameLength(conn: Conn): Promise<number | null> {
  // data_lenth = struct.unpack('i', conn.recv(4))[0], with exactly 4 bytes.
  let header;
  try {
    header = await readExactly(conn, 4);
  } catch (error) {
    // Gone inside the 4 bytes: no frame had begun, so it is a disconnect like any other.
    if (error instanceof ShortRead) return null;
    throw error;
  }
  if (header === null) return null;
  const length = new DataView(header.buffer).getInt32(0, true);
  if (length < 0) throw new Error(`a frame cannot be ${length} bytes long`);
  return length;
}

/**
 * recv_data(): one whole frame, held in memory (messages and type frames only), as text; a
 * frame that is not UTF-8 comes back as `{ notText: length }`.
 */
async function recvData(
  conn: Conn,
  limits: Limits,
): Promise<string | { notText: number } | null> {
  const { maxFrame } = limits;
  const length = await readFrameLength(conn);
  if (length === null) return null;
  if (length > maxFrame) throw new Error(`a ${length}-byte frame is over the limit of ${maxFrame}`);
  const pace = new Pace(limits.minRate, limits.graceSeconds);
  const data = await readFrameBody(conn, length, 4 * maxFrame, pace);
  // data.decode('utf-8') raises on bytes that are not UTF-8; so does a fatal decoder.
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    return { notText: length };
  }
}

/**
 * The `length` bytes of a frame; the client closing before the last of them is an error. The
 * bytes of frames in memory, on every connection together, stay within `most`: past it the
 * frame is refused, so that clients holding big messages half-sent cannot take the memory,
 * and each read comes within the frame's `pace`, so that none can hold them for ever either.
 */
async function readFrameBody(
  conn: Conn,
  length: number,
  most: number,
  pace: Pace,
): Promise<Uint8Array> {
  // Only what arrives takes memory: the system gives the buffer's pages as they are written.
  const data = new Uint8Array(length);
  let got = 0;
  try {
    while (got < length) {
      const n = await pace.read(conn, data.subarray(got), got);
      if (n === null) throw new Error(`the client closed inside a ${length}-byte frame`);
      if (framesHeld + n > most) {
        throw new Error(
          `a ${length}-byte frame is refused: ${framesHeld} bytes of frames are held (at most ${most})`,
        );
      }
      framesHeld += n;
      got += n;
    }
    return data;
  } finally {
    framesHeld -= got;
  }
}

/** Bytes of frames read into memory and not yet let go, on every connection together. */
let framesHeld = 0;

/** What bounds a frame held in memory: its size, and how slow it may come (`Pace`). */
interface Limits {
  maxFrame: number;
  minRate: number;
  graceSeconds: number;
}

/**
 * recv_file(): streams one frame into `path` (or, with `path` null, reads it and drops it).
 * The file appears under its name only once the whole frame has arrived.
 */
async function recvFile(conn: Conn, path: string | null): Promise<void> {
  const length = await readFrameLength(conn);
  if (length === null) throw new Error("the client closed before the file");
  let temporary = path === null ? null : `${path}.part-${crypto.randomUUID().slice(0, 8)}`;
  let file: Deno.FsFile | null = null;
  if (temporary) {
    try {
      file = await Deno.open(temporary, { write: true, createNew: true });
      unfinished.add(temporary);
    } catch (error) {
      // Refused by the system or the runtime's permissions: the frame is still read and dropped.
      console.log(`cannot save ${path}: ${(error as Error).message}; its data is dropped`);
      temporary = null;
    }
  }
  try {
    // The seed's recv(chunk_size) loop, in large pieces: never more than the frame has left.
    const buffer = new Uint8Array(CHUNK_SIZE);
    let received = 0;
    while (received < length) {
      const n = await conn.read(buffer.subarray(0, Math.min(buffer.length, length - received)));
      if (n === null) {
        throw new Error(`the client closed after ${received} of ${length} bytes of a file`);
      }
      if (file) await writeAll(file, buffer.subarray(0, n));
      received += n;
    }
    file?.close();
    if (temporary && path) {
      await Deno.rename(temporary, path);
      unfinished.delete(temporary);
    }
  } finally {
    try {
      file?.close();
    } catch {
      // Already closed.
    }
    if (temporary && unfinished.delete(temporary)) await Deno.remove(temporary).catch(() => {});
  }
}

/** Temporary files being written, removed if the server is stopped mid-transfer. */
const unfinished = new Set<string>();

/** On Ctrl-C or SIGTERM: no half-received file is left behind. */
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
 * Differences from the seed (same bytes on the wire; behaviour fixed):
 * - The seed saves next to its own script (`os.path.dirname(__file__)/file`); this saves
 *   under the working folder, or `--dir`, so the narrow run line above is all it needs.
 * - Files are written to a temporary name and renamed once the whole frame has arrived; a
 *   stop (Ctrl-C, SIGTERM) removes any half-received file. A name must be a plain file name;
 *   anything else (`..`, a path, a control or bidi control character) is refused in one line,
 *   its frame read and dropped: such a name would show one name and be another.
 * - What a client sent is printed through `printable` (the type frame, a message, a refused
 *   name): a control character, a newline included, and a bidi control show as `\u{…}`, so
 *   a client cannot move the cursor, recolour the screen, forge a log line or reverse a name.
 *   The seed's client sends lines typed at `>>>` and JSON, which hold none, so its log is the
 *   same.
 * - A client that disconnects without `close` ends its own conversation (`客户端已经断开`; the
 *   original crashes). Invalid JSON, a type frame that is not UTF-8, a negative length or a
 *   frame over `--max-frame` (16 MiB; files excepted) end it with a one-line message. So does a
 *   frame whose bytes would take those held in memory, on every connection together, past four
 *   times `--max-frame` (20 clients each holding 16 MiB of a message took it to 376 MB); and
 *   a frame held in memory has `--idle-timeout` seconds plus one for every `--min-rate`
 *   (1024) bytes of it, so that trickling clients cannot hold those bytes for ever either.
 * - A message that is not UTF-8 text is refused in one line (the next frame is read); a file
 *   the system or the runtime's permissions will not let it write is read and dropped with
 *   one line.
 * - Each client has its own async task, so one client never holds up another.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--dir FOLDER] [--max-frame BYTES]
       [--min-rate BYTES]

Receives framed messages and files; files are saved in FOLDER. A file name that is a path or
holds control or bidi characters is refused; what clients send is logged with such characters
shown as \\u{...}.

Options:
  --host HOST          address to listen on (default ${HOST})
  --port PORT          port to listen on, 0 for any free port (default ${PORT})
  --dir FOLDER         where files are saved (default ${DIR}, created if missing)
  --max-frame BYTES    the longest message or type frame (default ${MAX_FRAME})
  --idle-timeout SECONDS
                       close a connection when no read or write has begun this long, 0 = never
                       (default 300)
  --max-connections N
                       callers served at once; one more is closed at once (default 10000)
  --min-rate BYTES     a message or type frame has --idle-timeout seconds, plus one for every
                       BYTES of it; one slower ends the connection. 0 (or
                       --idle-timeout 0) = no minimum (default 1024)
  --help               show this help`;

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
