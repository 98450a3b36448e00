#!/usr/bin/env -S deno run -A
/**
 * @title 案例2：文件上传 — File upload with progress: the server
 * @seed 003_5d88270f3bd9af2f.txt, "案例2：文件上传", server.py
 * @run deno run --allow-net=127.0.0.1 --allow-read=./file --allow-write=./file upload_progress_server.ts [--dir file]
 *
 * A client sends a header `NAME-SIZE` (its file name and byte count), then the file, then
 * closes. The server prints `用户已连接,传输文件名NAME-Kkb`, a progress line
 * `\rNAME已传输P%` as the data comes, and `\rNAME传输完成`, and saves the file as
 * `file/NAME` (`--dir`), written to a temporary name and renamed once complete.
 *
 * Same bytes as the Python original and the same lines: the numbers are formatted as Python
 * formats floats (`1.7529296875kb`, `57.04735376044568%`), and progress is printed at the
 * 1024-byte steps the seed's `recv(1024)` loop takes, whatever pieces the network really
 * delivers (for files over 100 KiB, only the steps that cross a whole percent, not thousands
 * of lines). Fixed:
 * - The header is split at the last `-` that is followed by the size, so names containing `-`
 *   work (the seed's `split("-")` fails on them).
 * - The header may arrive glued to the first bytes of the file (the seed then crashes on
 *   `int()`): the size is read from the digits after that `-`, and the name must be valid
 *   UTF-8 text, which binary data glued to it is not. At the end the byte count must equal the
 *   size. The format has no separator, so a text file whose first bytes are digits, glued to
 *   the header, cannot be told apart; that mismatch is refused in one line, never saved.
 * - Names are confined to the files folder (no `..`, `/`, `\`, control characters); a refused
 *   upload is read to the end and dropped. A zero-byte file is saved (the seed divides by
 *   zero). Each client has its own task; it announces `listening on tcp://HOST:PORT` on stderr.
 * - A header that cannot be found in the first 64 KiB (no `-` followed by 1 to 15 digits after
 *   a UTF-8 name: a size that is non-numeric, empty or 2^63) ends the connection with one line.
 *   `NAME--5` is name `NAME-` and size 5, since names may contain `-`.
 * - `--idle-timeout SECONDS` (default 300, 0 = never): a connection whose read or write has
 *   waited that long is closed, with one line on stderr; the other connections go on.
 * - Ctrl-C or SIGTERM closes the listener, removes any half-received temporary file (nothing
 *   is left under a final name) and exits 0.
 *
 * It reads and writes only inside the files folder, hence the narrow run line above.
 *
 * @module
 */

import { isAbsolute } from "node:path";
import { parseArgs } from "node:util";

const NAME = "upload_progress_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_PORT = 8001;
const DEFAULT_DIR = "file";
const SEED_PIECE = 1024;
const QUIET_ABOVE = 100 * 1024;
const MAX_HEADER = 64 * 1024;
const CHUNK_SIZE = 1 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--dir FOLDER]

Receives "NAME-SIZE" then the file's bytes, printing progress; saves it in FOLDER.

Options:
  --host HOST    address to listen on (default ${DEFAULT_HOST})
  --port PORT    port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --dir FOLDER   where files are saved (default ${DEFAULT_DIR}, created if missing)
  --idle-timeout SECONDS
                 close a connection whose read or write has waited this long, 0 = never
                 (default ${DEFAULT_IDLE_SECONDS})
  --help         show this help`;

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

/** Parses `--idle-timeout`: a non-negative number of seconds, or exits with a usage error. */
function parseSeconds(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) {
    usageError(`--idle-timeout takes a number of seconds (0 = never), not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** `host:port`, with IPv6 hosts in brackets. */
function formatAddress(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
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

/**
 * Closes `conn` once one of its reads or writes has waited `seconds` without completing (0 =
 * never), after telling stderr: a client that stalls or goes silent cannot hold its
 * connection forever. The pending read or write then fails, which ends that conversation as a
 * disconnect would; other connections are not affected. One check every quarter of the
 * timeout costs less than a timer per read: a stalled connection goes within 1 to 1.25 times
 * `seconds`. Closing it twice is harmless.
 */
function closeWhenIdle(conn: Deno.Conn, seconds: number, who: string): void {
  if (seconds <= 0) return;
  let pending = 0;
  let since = Date.now();
  let closed = false;
  const check = setInterval(() => {
    if (pending === 0 || Date.now() - since < seconds * 1000) return;
    console.error(`${NAME}: ${who} idle for ${seconds} s: closed`);
    conn.close();
  }, seconds * 250);
  Deno.unrefTimer(check);
  const watch = <T>(io: Promise<T>): Promise<T> => {
    if (pending++ === 0) since = Date.now();
    return io.finally(() => {
      pending--;
      since = Date.now();
    });
  };
  const read = conn.read.bind(conn);
  const write = conn.write.bind(conn);
  const close = conn.close.bind(conn);
  conn.read = (buffer) => watch(read(buffer));
  conn.write = (data) => watch(write(data));
  conn.close = () => {
    if (closed) return;
    closed = true;
    clearInterval(check);
    close();
  };
}

/** Listens on host:port, or fails with a one-line reason. */
function listenOn(hostname: string, port: number): Deno.TcpListener {
  try {
    return Deno.listen({ hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
  }
}

/** Runs `stop` on Ctrl-C (and SIGTERM where the platform has it). */
function onShutdown(stop: () => void): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
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
// --- the lesson ---

/** Temporary files being written, removed if the server is stopped mid-transfer. */
const unfinished = new Set<string>();

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

/** One upload. */
async function serveUpload(conn: Deno.TcpConn, folder: string, idleSeconds: number): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  closeWhenIdle(conn, idleSeconds, client);
  let temporary: string | null = null;
  try {
    // The header: read until it can be parsed (it is usually one piece of its own).
    const start = new Uint8Array(MAX_HEADER);
    let filled = 0;
    let header = null;
    let ended = false;
    while (header === null) {
      const n = ended ? null : await conn.read(start.subarray(filled));
      if (n === null && ended) {
        throw new Error("the client closed before sending a NAME-SIZE header");
      }
      if (n === null) ended = true;
      else filled += n;
      header = parseHeader(start.subarray(0, filled), ended);
      if (header === null && filled === start.length) throw new Error("no NAME-SIZE header found");
    }
    const { name, size } = header;
    console.log(`用户已连接,传输文件名${name}-${pyFloat(size / 1024)}kb`);
    const problem = nameProblem(name) ??
      (name.includes("/") ? "it is a path, not a file name" : null);
    if (problem) console.log(`refused ${JSON.stringify(name)}: ${problem}; its data is dropped`);

    // The data: what came glued to the header first, then the rest, up to the end.
    temporary = problem ? null : `${folder}/${name}.part-${crypto.randomUUID().slice(0, 8)}`;
    if (temporary) unfinished.add(temporary);
    const file = temporary ? await Deno.open(temporary, { write: true, createNew: true }) : null;
    let received = 0;
    const take = async (piece: Uint8Array) => {
      if (file && received < size) await writeAll(file, piece.subarray(0, size - received));
      printProgress(name, size, received, Math.min(received + piece.length, size));
      received += piece.length;
    };
    try {
      if (header.rest.length) await take(header.rest);
      const buffer = new Uint8Array(CHUNK_SIZE);
      for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
        await take(buffer.subarray(0, n));
      }
    } finally {
      file?.close();
    }
    // The client closes when done: the count must match the header exactly.
    if (received !== size) {
      console.log(
        `${name}: ${received} ${
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
    console.log(`\r${name}传输完成`);
  } catch (error) {
    // An idle connection was reported by closeWhenIdle; anything else in one line.
    if (!(error instanceof Deno.errors.Interrupted)) {
      console.log(`${client}: ${(error as Error).message}`);
    }
  } finally {
    if (temporary && unfinished.delete(temporary)) await Deno.remove(temporary).catch(() => {});
    conn.close();
  }
}

async function main(args: string[]): Promise<void> {
  let flags;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_PORT) },
        dir: { type: "string", default: DEFAULT_DIR },
        "idle-timeout": { type: "string", default: String(DEFAULT_IDLE_SECONDS) },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    usageError((error as Error).message);
  }
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const port = parsePort(flags.port);
  const idleSeconds = parseSeconds(flags["idle-timeout"]);
  await Deno.mkdir(flags.dir, { recursive: true });
  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    for (const path of unfinished) {
      try {
        Deno.removeSync(path);
      } catch { /* already gone */ }
    }
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  for await (const conn of listener) serveUpload(conn, flags.dir, idleSeconds);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
