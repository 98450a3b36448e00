#!/usr/bin/env -S deno run -A
/**
 * @title 3.3 案例：发送消息和文件上传 — Messages and files in one protocol: the server
 * @seed 003_5d88270f3bd9af2f.txt, "3.3 案例：发送消息和文件上传", service.py
 * @run deno run --allow-net=127.0.0.1 --allow-read=./file --allow-write=./file msg_file_server.ts [--dir file]
 *
 * Every piece on the wire is a frame: a 4-byte length (`struct.pack('i', n)`, little-endian)
 * and that many bytes. A client sends a JSON frame saying what comes next, then the thing:
 *
 * ```
 * {"msg_type": "msg"}                         then a frame of text   → 接收到消息:你好呀
 * {"msg_type": "file", "file_name": "a.png"}  then a frame of file   → saved as file/a.png
 * close                                       (a bare text frame)    → 客户端已关闭连接
 * ```
 *
 * Files go to `./file` (`--dir`; created if missing), written to a temporary name and renamed
 * once the whole frame has arrived, and streamed, never held in memory. The name must be a
 * plain file name; anything else (`..`, a path, a control character) is refused, but its frame
 * is still read to the end and dropped, since the protocol has no way to answer and the next
 * frame must be found. The server reads only and exactly what each frame says, however the
 * bytes are split or glued.
 *
 * It reads and writes only inside the files folder, hence the narrow run line above.
 *
 * Same bytes as the Python original. Differences: the seed saves next to its own script
 * (`os.path.dirname(__file__)/file`); this saves under the working folder, or `--dir`. A
 * client that disconnects without `close` ends its own conversation (`客户端已经断开`; the
 * original crashes), invalid JSON, a type frame that is not UTF-8, a negative length or a
 * frame over `--max-frame` (16 MiB; files excepted) ends it with a one-line message, a message
 * that is not UTF-8 text is refused in one line (the next frame is read), a file the system
 * or the runtime's permissions will not let it write is read and dropped with one line,
 * `--idle-timeout SECONDS` (default 300, 0 = never) closes a connection whose read has waited
 * that long (one line on stderr), and each client has its own async task. It announces
 * `listening on tcp://HOST:PORT` on stderr and stops cleanly on Ctrl-C, removing any
 * half-received file.
 *
 * @module
 */

import { isAbsolute } from "node:path";
import { parseArgs } from "node:util";

const NAME = "msg_file_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_PORT = 8001;
const DEFAULT_DIR = "file";
const DEFAULT_MAX_FRAME = 16 << 20;
const CHUNK_SIZE = 1 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--dir FOLDER] [--max-frame BYTES]

Receives framed messages and files; files are saved in FOLDER.

Options:
  --host HOST          address to listen on (default ${DEFAULT_HOST})
  --port PORT          port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --dir FOLDER         where files are saved (default ${DEFAULT_DIR}, created if missing)
  --max-frame BYTES    the longest message or type frame (default ${DEFAULT_MAX_FRAME})
  --idle-timeout SECONDS
                       close a connection whose read or write has waited this long, 0 = never
                       (default ${DEFAULT_IDLE_SECONDS})
  --help               show this help`;

const decoder = new TextDecoder("utf-8", { fatal: true });

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

/** Reads exactly `n` bytes, however the network splits them; null if the peer closes first. */
async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array | null> {
  const data = new Uint8Array(n);
  for (let got = 0; got < n;) {
    const read = await conn.read(data.subarray(got));
    if (read === null) return null;
    got += read;
  }
  return data;
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

/** The length of the next frame; null if the client closed between frames. */
async function readFrameLength(conn: Deno.Conn): Promise<number | null> {
  const header = await readExactly(conn, 4);
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
  conn: Deno.Conn,
  maxFrame: number,
): Promise<string | { notText: number } | null> {
  const length = await readFrameLength(conn);
  if (length === null) return null;
  if (length > maxFrame) throw new Error(`a ${length}-byte frame is over the limit of ${maxFrame}`);
  const data = await readExactly(conn, length);
  if (data === null) throw new Error(`the client closed inside a ${length}-byte frame`);
  try {
    return decoder.decode(data);
  } catch {
    return { notText: length };
  }
}

/**
 * recv_file(): streams one frame into `path` (or, with `path` null, reads it and drops it).
 * The file appears under its name only once the whole frame has arrived.
 */
async function recvFile(conn: Deno.Conn, path: string | null): Promise<void> {
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
    const buffer = new Uint8Array(CHUNK_SIZE);
    for (let received = 0; received < length;) {
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
    } catch { /* already closed */ }
    if (temporary && unfinished.delete(temporary)) await Deno.remove(temporary).catch(() => {});
  }
}

/** One client: type frame, then the thing, until `close`. */
async function serveClient(
  conn: Deno.TcpConn,
  folder: string,
  maxFrame: number,
  idleSeconds: number,
): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  closeWhenIdle(conn, idleSeconds, client);
  try {
    while (true) {
      const messageType = await recvData(conn, maxFrame);
      if (messageType === null) {
        console.log("客户端已经断开");
        break;
      }
      if (typeof messageType !== "string") {
        throw new Error(
          "the type frame is not UTF-8 text; the stream cannot be followed any further",
        );
      }
      console.log(messageType);
      if (messageType === "close") {
        console.log("客户端已关闭连接");
        break;
      }
      let info: { msg_type?: unknown; file_name?: unknown };
      try {
        info = JSON.parse(messageType);
      } catch {
        throw new Error("the type frame is not JSON; the stream cannot be followed any further");
      }
      if (info?.msg_type === "msg") {
        const data = await recvData(conn, maxFrame);
        if (data === null) throw new Error("the client closed before the message");
        if (typeof data === "string") console.log(`接收到消息:${data}`);
        else console.log(`refused a ${data.notText}-byte message: it is not UTF-8 text`);
      } else if (info?.msg_type === "file") {
        const name = typeof info.file_name === "string" ? info.file_name : "";
        const problem = nameProblem(name) ??
          (name.includes("/") ? "it is a path, not a file name" : null);
        if (problem) {
          console.log(`refused file name ${JSON.stringify(name)}: ${problem}; its data is dropped`);
        }
        await recvFile(conn, problem ? null : `${folder}/${name}`);
      } else {
        console.log("格式错误，请验证后输入");
      }
    }
  } catch (error) {
    // An idle connection was reported by closeWhenIdle; anything else in one line.
    if (!(error instanceof Deno.errors.Interrupted)) {
      console.log(`${client}: ${(error as Error).message}`);
    }
  } finally {
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
        "max-frame": { type: "string", default: String(DEFAULT_MAX_FRAME) },
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
  const maxFrame = Number(flags["max-frame"]);
  if (!Number.isInteger(maxFrame) || maxFrame < 1) {
    usageError("--max-frame takes a number of bytes");
  }
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
  for await (const conn of listener) serveClient(conn, flags.dir, maxFrame, idleSeconds);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
