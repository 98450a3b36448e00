#!/usr/bin/env -S deno run --allow-net --allow-read --allow-write
/**
 * @title 使用Socket实现FTP-上传功能(MD5) — FTP upload with MD5: the server
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现FTP-上传功能(MD5)", socket服务端代码
 * @run deno run --allow-net=127.0.0.1 --allow-read=. --allow-write=. ftp_upload_server.ts [--out new.png]
 *
 * Receives one file per connection and checks it with MD5: it welcomes the client, reads the
 * size, acknowledges it, reads the data and the client's MD5, answers with its own MD5 and
 * saves the file as `new.png`. The ack is the lesson's answer to 粘包 (sticky packets): the
 * client waits for it, so the size never arrives glued to the first bytes of the file.
 *
 * Python → Deno: `hashlib.md5()` is `createHash("md5")` from `node:crypto`; `f.write(data)`
 * after each `conn.recv(1024)` is `writeAll(file, piece)` after each `conn.read(buffer)`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { createHash } from "node:crypto";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "ftp_upload_server.ts";
const HOST = "127.0.0.1";
const PORT = 9999;
const OUT = "new.png";
const WELCOME = "欢迎登陆FTP系统";
const SIZE_ACK = "已经接收到文件大小数据包，往下继续吧";
const REPLY_PREFIX = "file MD5(after send):";
const MD5_HEX_LENGTH = 32;
const CHUNK_SIZE = 1 << 20;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    out: { type: "string", default: OUT },
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

  // socket() + bind() + listen(5) are one call in Deno. A stop (Ctrl-C) in the middle of an
  // upload removes its half-written file.
  const listener = listenOn(flags.host, Number(flags.port), removeUnfinished);

  // while True: conn,address = s1.accept() — each upload gets its own task, so a slow client
  // never holds up the others.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(
    listener,
    Number(flags["max-connections"]),
    (conn) => serveUpload(withIdleTimeout(conn, idleSeconds), flags.out, limits),
  );
}

/**
 * One upload, on the tutorial's handshake; the file is kept under `out` only if the MD5s agree.
 *
 * ```
 * server → 欢迎登陆FTP系统
 * client → 1795                                   (the size, ASCII decimal)
 * server → 已经接收到文件大小数据包，往下继续吧      (the ack: now send the data)
 * client → <1795 bytes of file> 8538a2876ec718b52850d4abfa89b651   (data, then its MD5 hex)
 * server → file MD5(after send):8538a2876ec718b52850d4abfa89b651
 * ```
 */
async function serveUpload(conn: Conn, out: string, limits: Limits): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  const temporary = `${out}.part-${crypto.randomUUID().slice(0, 8)}`;
  let counted = false;
  try {
    await writeAll(conn, encoder.encode(WELCOME));

    // size = str(conn.recv(1024),encoding="utf-8"): the size comes alone, since the client
    // waits for our ack before it sends anything else.
    const size = await recv(conn, new Uint8Array(1024), new TextDecoder());
    if (size === null) {
      console.log(`${client} left before sending a size; ${out} not written`);
      return;
    }
    // Checked before it is printed: a bad size is refused in one line, whatever it holds.
    if (!/^\d{1,15}$/.test(size)) {
      console.log(
        `${client}: the size must be a whole number of bytes (at most 15 digits), not ${
          printable(JSON.stringify(size.slice(0, 100)))
        }; ${out} not written`,
      );
      return;
    }
    // print(size); total_size = int(size); print(total_size)
    console.log(size);
    const totalSize = Number(size);
    console.log(totalSize);
    // An upload holds a 1 MiB buffer until its MD5: at most --max-uploads at once, so that
    // clients that stop sending cannot take the server's memory. One more gets no ack.
    if (uploads >= limits.maxUploads) {
      console.log(`${client}: busy, ${uploads} uploads under way: closed; ${out} not written`);
      return;
    }
    uploads++;
    counted = true;
    // The temporary file exists before the ack: a stop from then on finds it and removes it.
    unfinished.add(temporary);
    await Deno.writeFile(temporary, new Uint8Array(), { createNew: true });
    await writeAll(conn, encoder.encode(SIZE_ACK));

    // Then exactly totalSize bytes of file and exactly 32 of MD5, so an MD5 that arrives glued
    // to the last piece of the file is never taken for data.
    const pace = new Pace(limits.minRate, limits.graceSeconds);
    const received = await receiveFile(conn, totalSize, temporary, pace);
    const claimed = await readExactly(conn, MD5_HEX_LENGTH);
    if (claimed === null) throw new ShortRead("the client left before sending its MD5");
    await writeAll(conn, encoder.encode(REPLY_PREFIX + received));

    // Keep the file only when both sides computed the same MD5.
    const theirs = new TextDecoder().decode(claimed);
    if (theirs !== received) {
      console.log(
        `MD5 mismatch: client ${printable(theirs)}, received ${received}; ${out} not written`,
      );
      return;
    }
    await Deno.rename(temporary, out);
    unfinished.delete(temporary);
  } catch (error) {
    if (error instanceof ShortRead) {
      // The data and the MD5 are one message: a client that stops anywhere in it left early.
      console.log(`${client} left before the upload was complete; ${out} not written`);
    } else if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
      console.log(`${client}: closed while idle; ${out} not written`);
    } else if (error instanceof TooSlow) {
      console.log(`${client}: ${error.message}: closed; ${out} not written`);
    } else {
      console.log(`${client}: ${(error as Error).message}; ${out} not written`);
    }
  } finally {
    if (counted) uploads--;
    if (unfinished.delete(temporary)) await Deno.remove(temporary).catch(() => {});
    conn.close();
  }
}

/** Uploads under way, on every connection together. */
let uploads = 0;

/** What bounds the uploads: how many at once, and how slow one may be (`Pace`). */
interface Limits {
  maxUploads: number;
  minRate: number;
  graceSeconds: number;
}

/**
 * The seed's `while True: data = conn.recv(1024); h.update(data); f.write(data)` until
 * `total_size == has_recv`: exactly `size` bytes into `path`, hashed as they arrive, in large
 * reads, each within the upload's `pace`. Returns the MD5 hex; ShortRead if the client leaves
 * first, TooSlow if it falls under the minimum rate.
 */
async function receiveFile(conn: Conn, size: number, path: string, pace: Pace): Promise<string> {
  const hash = createHash("md5");
  using file = await Deno.open(path, { write: true });
  const buffer = new Uint8Array(CHUNK_SIZE);
  let received = 0;
  while (received < size) {
    // Never ask for more than the file's remaining bytes: what follows is the MD5.
    const room = buffer.subarray(0, Math.min(buffer.length, size - received));
    const n = await pace.read(conn, room, received);
    if (n === null) throw new ShortRead(`the client left after ${received} of ${size} bytes`);
    const piece = buffer.subarray(0, n);
    hash.update(piece);
    await writeAll(file, piece);
    received += n;
  }
  return hash.digest("hex");
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
 * Differences from the seed (same bytes on the wire; behaviour fixed):
 * - The original reads the data with `recv(1024)` until it has the size, then `recv(1024)` for
 *   the MD5; when the MD5 arrives glued to the last data chunk, it reads the MD5 as data and
 *   then waits forever for an MD5 that already came. This reads exactly `size` bytes, then
 *   exactly 32.
 * - The file is written to a temporary name and renamed to `new.png` only when its MD5 equals
 *   the client's; on a mismatch or a disconnect nothing is left under `new.png` (an older
 *   `new.png` is untouched) and the server says why in one line. A stop (Ctrl-C, SIGTERM)
 *   removes any half-written temporary file.
 * - Each connection is served in its own async task, so a stalled client never holds up others;
 *   a size that is not 1 to 15 digits (non-numeric, negative, 2^63, empty, not UTF-8) ends
 *   that connection with a one-line message, not a crash. The seed prints the size before
 *   checking it; this prints it only once it is a number. At most `--max-uploads` (default
 *   16) run at once, each with a 1 MiB buffer; one more is closed without the ack, in one
 *   line, so clients that stop sending cannot take the server's memory. An upload has
 *   `--idle-timeout` seconds plus one for every `--min-rate` (1024) bytes it brought: one that
 *   trickles a byte now and then (keeping the idle timeout away) is cut in one line.
 * - It reads and writes only the output file (and a temporary file beside it), hence the narrow
 *   `--allow-read=. --allow-write=.` for the default `--out new.png`.
 * - What a client sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--out FILE] [--idle-timeout SECONDS]
       [--max-connections N] [--max-uploads N] [--min-rate BYTES]

FTP upload server: receives one file per connection (size, ack, data, MD5) and saves it
as FILE once its MD5 matches the client's.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
  --out FILE    where to save the received file (default ${OUT})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long, 0 = never
                (default 300)
  --max-connections N
                callers served at once; one more is closed at once (default 10000)
  --max-uploads N
                uploads at once, each holding 1 MiB; one more is closed without the
                ack (default 16)
  --min-rate BYTES
                an upload has --idle-timeout seconds, plus one for every BYTES it has
                brought; one slower is cut. 0 (or --idle-timeout 0) = no minimum
                (default 1024)
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
