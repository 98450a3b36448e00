#!/usr/bin/env -S deno run -A
/**
 * @title 使用socket实现FTP-下载功能(增加MD5验证功能) — FTP download with MD5: the server
 * @seed 000_84409504fdc3648b.txt, "使用socket实现FTP-下载功能(增加MD5验证功能)", socket服务端代码
 * @run deno run --allow-net=0.0.0.0 --allow-read=. ftp_download_server.ts [--root .]
 *
 * Serves the files of a folder (default: the current one) to `get NAME`, following the seed's
 * eight steps: read the name, check the file exists, open it, find its size, send the size,
 * wait for the client's ack, send the data while hashing it, send the MD5.
 *
 * ```
 * client → get f.png
 * server → 1795                                 (the size, ASCII decimal)
 * client → ready to recv file                   (the ack)
 * server → <1795 bytes> 8538a2876ec718b52850d4abfa89b651   (data, then its MD5 hex)
 * ```
 *
 * As in the seed it listens on 0.0.0.0 (every interface), so anyone who can reach the machine
 * can download from the folder; pass `--host 127.0.0.1` to keep it local. It reads nothing
 * outside the folder, hence `--allow-read=.` for the default `--root .`.
 *
 * Same bytes as the Python original on the success path. Differences in behaviour:
 * - A name that is missing, not a file, or not allowed gets an answer instead of silence (the
 *   original sends nothing and the client waits forever). The wire addition is the smallest
 *   that cannot be mistaken for a size: the server answers `get` with a text that is not all
 *   digits, e.g. `error: no such file: x.png`, and sends no data and no MD5 after it; the
 *   conversation then goes on with the next command. The seed's Python client stops on it with
 *   a ValueError instead of hanging; `ftp_download_client.ts` prints it and asks again.
 * - Names are confined to the served folder: `..`, absolute paths, backslashes, control
 *   characters and links that lead outside are refused with such an error answer.
 * - A command that is not `get NAME` gets `error: usage: get NAME` (the original crashes).
 * - Each connection is served in its own async task; a client that leaves mid-transfer ends
 *   only its own conversation.
 * - A command is what one read returns (at most 1024 bytes, as the seed's `recv(1024)`): a
 *   longer one is read in pieces, each answered as a command of its own (`error: usage: get
 *   NAME`), and the connection goes on.
 * - `--idle-timeout SECONDS` (default 300, 0 = never): a connection whose read or write has
 *   waited that long is closed, with one line on stderr; the other connections go on.

 * - Python prints the client's address as `('127.0.0.1', 53320)`; this prints `127.0.0.1:53320`.
 *   It announces `listening on tcp://HOST:PORT` on stderr and stops cleanly on Ctrl-C.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { isAbsolute, join, relative, sep as SEP } from "node:path";
import { parseArgs } from "node:util";

const NAME = "ftp_download_server.ts";
const DEFAULT_HOST = "0.0.0.0";
const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_PORT = 9999;
const DEFAULT_ROOT = ".";
const CHUNK_SIZE = 1 << 20;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--root FOLDER]

FTP download server: answers "get NAME" with the size, waits for the client's ack, then sends
the file and its MD5. Only files inside FOLDER are served.

Options:
  --host HOST     address to listen on (default ${DEFAULT_HOST}: every interface, as in the seed)
  --port PORT     port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --root FOLDER   folder to serve (default ${DEFAULT_ROOT}, the current folder)
  --idle-timeout SECONDS
                  close a connection whose read or write has waited this long, 0 = never
                  (default ${DEFAULT_IDLE_SECONDS})
  --help          show this help`;

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
 * One `recv(1024)`: the text of one read, or null when the peer has closed. A read that ends
 * inside a UTF-8 character is completed by the next one, so characters never arrive broken.
 */
async function readMessage(conn: Deno.Conn, decoder: TextDecoder): Promise<string | null> {
  const buffer = new Uint8Array(1024);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return null;
    const text = decoder.decode(buffer.subarray(0, n), { stream: true });
    if (text !== "") return text;
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
// --- the lesson ---

/** Steps ⑦ and ⑧: sends the file while hashing it, then the MD5 hex. Returns the MD5. */
async function sendFile(conn: Deno.Conn, path: string, size: number): Promise<string> {
  const hash = createHash("md5");
  using file = await Deno.open(path);
  const buffer = new Uint8Array(CHUNK_SIZE);
  for (let sent = 0; sent < size;) {
    // Send exactly the size announced, even if the file grows meanwhile.
    const n = await file.read(buffer.subarray(0, Math.min(buffer.length, size - sent)));
    if (n === null) throw new Error(`${path} shrank while it was being sent`);
    const piece = buffer.subarray(0, n);
    hash.update(piece);
    await writeAll(conn, piece);
    sent += n;
  }
  const md5 = hash.digest("hex");
  await writeAll(conn, encoder.encode(md5));
  return md5;
}

/** One client: commands until it leaves. */
async function serveClient(conn: Deno.TcpConn, root: string, idleSeconds: number): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  closeWhenIdle(conn, idleSeconds, client);
  const decoder = new TextDecoder();
  console.log("new conn:", client);
  try {
    while (true) {
      console.log("等待指令");
      // ① Read the command.
      const data = await readMessage(conn, decoder);
      if (data === null) {
        console.log("客户端已经断开");
        break;
      }
      const words = data.trim().split(/\s+/);
      if (words.length !== 2 || words[0] !== "get") {
        await writeAll(conn, encoder.encode("error: usage: get NAME"));
        continue;
      }
      const filename = words[1];
      console.log(filename);

      // ②③④ The file must exist inside the folder; find its size.
      let path: string;
      let size: number;
      try {
        path = await resolveExisting(root, filename);
        size = (await Deno.stat(path)).size;
      } catch (error) {
        // The fix: an answer that is not a size, instead of silence.
        await writeAll(conn, encoder.encode(`error: ${(error as Error).message}`));
        continue;
      }

      // ⑤ Send the size. ⑥ Wait for the ack, so the size and the data never stick together.
      await writeAll(conn, encoder.encode(String(size)));
      if (await readMessage(conn, decoder) === null) {
        console.log("客户端已经断开");
        break;
      }

      // ⑦ Send the data. ⑧ Send the MD5.
      console.log("file md5", await sendFile(conn, path, size));
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
        root: { type: "string", default: DEFAULT_ROOT },
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
  let root: string;
  try {
    root = await Deno.realPath(flags.root);
  } catch (error) {
    throw new Error(`cannot serve ${flags.root}: ${(error as Error).message}`);
  }

  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);

  for await (const conn of listener) serveClient(conn, root, idleSeconds);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
