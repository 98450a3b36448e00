#!/usr/bin/env -S deno run --allow-net --allow-read
/**
 * @title 使用socket实现FTP-下载功能(增加MD5验证功能) — FTP download with MD5: the server
 * @seed 000_84409504fdc3648b.txt, "使用socket实现FTP-下载功能(增加MD5验证功能)", socket服务端代码
 * @run deno run --allow-net=0.0.0.0 --allow-read=. ftp_download_server.ts [--root .]
 *
 * Serves the files of a folder (default: the current one) to `get NAME`, following the seed's
 * eight steps: read the name, check the file exists, open it, find its size, send the size,
 * wait for the client's ack, send the data while hashing it, send the MD5. The ack keeps the
 * size from sticking to the data (粘包); the MD5 lets the client check what it received.
 *
 * Python → Deno: `os.path.isfile()` and `os.stat().st_size` are one `Deno.stat()` (`isFile`,
 * `size`); `hashlib.md5()` is `createHash("md5")` from `node:crypto`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { createHash } from "node:crypto";
import { isAbsolute, join, relative, sep as SEP } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "ftp_download_server.ts";
// As in the seed: every interface, so anyone who can reach the machine can download from the
// folder. `--host 127.0.0.1` keeps it local.
const HOST = "0.0.0.0";
const PORT = 9999;
const ROOT = ".";
const CHUNK_SIZE = 1 << 20;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    root: { type: "string", default: ROOT },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
    "max-downloads": { type: "string", default: "16" },
  }, USAGE).values;
  const maxDownloads = Number(flags["max-downloads"]);
  if (!/^\d{1,6}$/.test(flags["max-downloads"]) || maxDownloads < 1) {
    throw new UsageError("--max-downloads takes a whole number, from 1");
  }
  const idleSeconds = Number(flags["idle-timeout"]);
  // The folder's real path: every name asked for must resolve to a file inside it.
  let root: string;
  try {
    root = await Deno.realPath(flags.root);
  } catch (error) {
    throw new Error(`cannot serve ${flags.root}: ${(error as Error).message}`);
  }

  // socket() + bind() + listen(5) are one call in Deno.
  const listener = listenOn(flags.host, Number(flags.port));

  // while True: conn,addr = server.accept() — each client gets its own task, so a second
  // client is served at once instead of waiting for the first to leave.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(
    listener,
    Number(flags["max-connections"]),
    (conn) => serveClient(withIdleTimeout(conn, idleSeconds), root, maxDownloads),
  );
}

/** Downloads under way, on every connection together. */
let downloads = 0;

/**
 * One client, commands until it leaves (the seed's inner `while True`):
 *
 * ```
 * client → get f.png
 * server → 1795                                 (the size, ASCII decimal)
 * client → ready to recv file                   (the ack)
 * server → <1795 bytes> 8538a2876ec718b52850d4abfa89b651   (data, then its MD5 hex)
 * ```
 */
async function serveClient(conn: Conn, root: string, maxDownloads: number): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  // Python: print("new conn:",addr)
  console.log("new conn:", client);
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();
  try {
    while (true) {
      console.log("等待指令");
      // ① Read the command: one recv(1024) is one command.
      const data = await recv(conn, buffer, decoder);
      if (data === null) {
        console.log("客户端已经断开");
        break;
      }
      // cmd,filename = data.decode().split(): anything else gets an answer, not a crash.
      const words = data.trim().split(/\s+/);
      if (words.length !== 2 || words[0] !== "get") {
        await writeAll(conn, encoder.encode("error: usage: get NAME"));
        continue;
      }
      const filename = words[1];
      console.log(printable(filename));

      // ②③④ The file must exist inside the folder; find its size.
      let path: string;
      let size: number;
      try {
        path = await resolveExisting(root, filename);
        size = (await Deno.stat(path)).size;
      } catch (error) {
        // The fix: an answer that is not a size, instead of silence.
        await writeAll(conn, encoder.encode(`error: ${withoutPaths((error as Error).message)}`));
        continue;
      }

      // A download holds a 1 MiB buffer from its size to its MD5: at most --max-downloads at
      // once, so that clients that stop reading cannot take the server's memory.
      if (downloads >= maxDownloads) {
        await writeAll(conn, encoder.encode(`error: busy: ${downloads} downloads under way`));
        continue;
      }
      downloads++;
      try {
        // ⑤ Send the size. ⑥ Wait for the ack, so the size and the data never stick together.
        await writeAll(conn, encoder.encode(String(size)));
        if (await recv(conn, buffer, decoder) === null) {
          console.log("客户端已经断开");
          break;
        }

        // ⑦ Send the data. ⑧ Send the MD5.
        console.log("file md5", await sendFile(conn, path, size));
      } finally {
        downloads--;
      }
    }
  } catch (error) {
    // Let go by the idle timeout (said on stderr), or anything else in one line.
    if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    } else {
      console.log(`${client}: ${(error as Error).message}`);
    }
  } finally {
    conn.close();
  }
}

/** Steps ⑦ and ⑧: sends the file while hashing it, then the MD5 hex. Returns the MD5. */
async function sendFile(conn: Conn, path: string, size: number): Promise<string> {
  const hash = createHash("md5");
  using file = await Deno.open(path);
  const buffer = new Uint8Array(CHUNK_SIZE);
  let sent = 0;
  while (sent < size) {
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

/**
 * Differences from the seed (the same bytes on the success path; behaviour fixed):
 * - A name that is missing, not a file, or not allowed gets an answer instead of silence (the
 *   original sends nothing and the client waits forever). The wire addition is the smallest
 *   that cannot be mistaken for a size: the server answers `get` with a text that is not all
 *   digits, e.g. `error: no such file: x.png`, and sends no data and no MD5 after it; the
 *   conversation then goes on with the next command. The seed's Python client stops on it with
 *   a ValueError instead of hanging; `ftp_download_client.ts` prints it and asks again. The
 *   answer gives the system's reason without the path it names (`withoutPaths`): where the
 *   server keeps its files is none of a client's business.
 * - Names are confined to the served folder: `..`, absolute paths, backslashes, control
 *   characters and links that lead outside are refused with such an error answer. It reads
 *   nothing outside the folder, hence `--allow-read=.` for the default `--root .`.
 * - A command that is not `get NAME` gets `error: usage: get NAME` (the original crashes).
 * - Each connection is served in its own async task; a client that leaves mid-transfer ends
 *   only its own conversation. At most `--max-downloads` (default 16) run at once, each with a
 *   1 MiB buffer, so clients that stop reading cannot take the server's memory (200 of them
 *   took 262 MB); one more gets `error: busy: N downloads under way`. A download's place is
 *   held from its size to its MD5, so a client that never acks keeps it until --idle-timeout.
 * - A command is what one read returns (at most 1024 bytes, as the seed's `recv(1024)`): a
 *   longer one is read in pieces, each answered as a command of its own (`error: usage: get
 *   NAME`), and the connection goes on.
 * - Python prints the client's address as `('127.0.0.1', 53320)`; this prints `127.0.0.1:53320`.
 * - What a client sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--root FOLDER] [--idle-timeout SECONDS]
       [--max-connections N] [--max-downloads N]

FTP download server: answers "get NAME" with the size, waits for the client's ack, then sends
the file and its MD5. Only files inside FOLDER are served.

Options:
  --host HOST     address to listen on (default ${HOST}: every interface, as in the seed)
  --port PORT     port to listen on, 0 for any free port (default ${PORT})
  --root FOLDER   folder to serve (default ${ROOT}, the current folder)
  --idle-timeout SECONDS
                  close a connection when no read or write has begun this long, 0 = never
                  (default 300)
  --max-connections N
                  callers served at once; one more is closed at once (default 10000)
  --max-downloads N
                  downloads at once, each holding 1 MiB; one more is answered
                  "error: busy: N downloads under way" (default 16)
  --help          show this help`;

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
