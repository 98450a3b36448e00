#!/usr/bin/env -S deno run -A
/**
 * @title 案例3：远程登陆系统 — Remote login: the server
 * @seed 003_5d88270f3bd9af2f.txt, "案例3：远程登陆系统", service.py
 * @run deno run --allow-net=127.0.0.1 --allow-read=user login_server.ts [--users user]
 *
 * Greets with `欢迎使用XX系统`, receives `{"username": …, "password": …}` (JSON; the password
 * already hashed by the client as md5(salt + password)), checks it against the users file
 * (`username|hash` lines, default `user` as in the seed, `--users`) and answers `登陆成功` or
 * `账号或密码错误`, then hangs up.
 *
 * A salted MD5 is a teaching artifact, not password storage: MD5 is fast to brute-force, the
 * salt is fixed and public, and whoever reads the hash can log in with it (the client sends it
 * in clear). Real systems use TLS and a slow password hash (scrypt, Argon2) with a per-user salt.
 *
 * It reads only the users file, hence `--allow-read=user`.
 *
 * Same bytes as the Python original. Fixed:
 * - The seed splits each line on `|` without removing the line's newline, so every stored hash
 *   but the last ends in `\n` and only the last user can ever log in; lines are trimmed here.
 * - The hashes are compared in constant time (`timingSafeEqual` from `node:crypto`), and a
 *   failed login is answered only after a pause (`--fail-delay`, default 1 s), to slow guessing.
 * - The JSON is read until its object closes, however the network splits it (the seed takes
 *   one `recv(1024)`); invalid JSON, JSON of the wrong shape and requests over 64 KiB get
 *   `账号或密码错误` at once (the reason in one log line), never a crash or a wait.
 * - `--idle-timeout SECONDS` (default 300, 0 = never): a connection whose read or write has
 *   waited that long is closed, with one line on stderr; the other connections go on.

 * - Each client has its own async task; the users file is read for each login, so edits apply
 *   at once. It prints one line per attempt, announces `listening on tcp://HOST:PORT` on stderr
 *   and stops cleanly on Ctrl-C.
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto";
import { parseArgs } from "node:util";

const NAME = "login_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_PORT = 8001;
const DEFAULT_USERS = "user";
const WELCOME = "欢迎使用XX系统";
const SUCCESS = "登陆成功";
const FAILURE = "账号或密码错误";
const MAX_REQUEST = 64 * 1024;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--users FILE] [--fail-delay SECONDS]

Login server: checks {"username", "password": md5(salt + password)} against FILE
("username|hash" lines) and answers ${SUCCESS} or ${FAILURE}.

Options:
  --host HOST            address to listen on (default ${DEFAULT_HOST})
  --port PORT            port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --users FILE           the users file (default ${DEFAULT_USERS})
  --fail-delay SECONDS   pause before answering a failed login (default 1)
  --idle-timeout SECONDS
                         close a connection whose read or write has waited this long, 0 = never
                         (default ${DEFAULT_IDLE_SECONDS})
  --help                 show this help`;

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
// --- the lesson ---

/**
 * Follows the JSON a client sends, piece by piece, and says where its top-level object (or
 * array) closes: brackets are counted outside strings. Each piece is scanned once, so a
 * request sent one byte at a time costs no more than one sent whole.
 */
class JsonEnd {
  #depth = 0;
  #inString = false;
  #escaped = false;
  #scanned = 0;

  /** The index after the closing bracket in `text` (all received so far), or -1 if not yet. */
  find(text: string): number {
    for (; this.#scanned < text.length; this.#scanned++) {
      const c = text[this.#scanned];
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === "\\") this.#escaped = true;
        else if (c === '"') this.#inString = false;
      } else if (this.#depth === 0 && c !== "{" && c !== "[") {
        if (c.trim() !== "") throw new Error("the request is not a JSON object");
      } else if (c === '"') this.#inString = true;
      else if (c === "{" || c === "[") this.#depth++;
      else if ((c === "}" || c === "]") && --this.#depth === 0) return this.#scanned + 1;
    }
    return -1;
  }
}

/**
 * Reads until the JSON object the client sends has closed, and parses it; null if the client
 * closes first. Throws at once on bytes that cannot become JSON, and on more than
 * MAX_REQUEST bytes.
 */
async function readJson(conn: Deno.Conn): Promise<unknown> {
  const buffer = new Uint8Array(MAX_REQUEST);
  const decoder = new TextDecoder();
  const jsonEnd = new JsonEnd();
  let text = "";
  let filled = 0;
  while (filled < buffer.length) {
    const n = await conn.read(buffer.subarray(filled));
    if (n === null) return null;
    text += decoder.decode(buffer.subarray(filled, filled + n), { stream: true });
    filled += n;
    const end = jsonEnd.find(text);
    // Not complete yet: read on.
    if (end < 0) continue;
    try {
      return JSON.parse(text.slice(0, end));
    } catch {
      throw new Error("the request is not valid JSON");
    }
  }
  throw new Error(`no complete JSON within ${MAX_REQUEST} bytes`);
}

/** user_login(): true if `username|password` is a line of the users file. */
async function userLogin(usersFile: string, username: string, password: string): Promise<boolean> {
  const text = await Deno.readTextFile(usersFile);
  let found = false;
  for (const line of text.split("\n")) {
    // The fix: trim the line ending, or only the last user could ever log in.
    const [name, hash] = line.replace(/\r$/, "").split("|");
    if (name !== username || hash === undefined) continue;
    const a = encoder.encode(hash);
    const b = encoder.encode(password);
    // Constant time: how much of a guess is right must not show in how long the check takes.
    if (a.length === b.length && timingSafeEqual(a, b)) found = true;
  }
  return found;
}

/** One login attempt. */
async function serveClient(
  conn: Deno.TcpConn,
  usersFile: string,
  failDelay: number,
  idleSeconds: number,
): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  closeWhenIdle(conn, idleSeconds, client);
  try {
    await writeAll(conn, encoder.encode(WELCOME));
    let info: unknown;
    let why = "";
    try {
      info = await readJson(conn);
    } catch (error) {
      // An idle client was reported by closeWhenIdle and is gone.
      if (error instanceof Deno.errors.Interrupted) return;
      // Unreadable: refused like a wrong password, with the reason in the log line.
      why = ` (${(error as Error).message})`;
      info = undefined;
    }
    if (info === null) {
      console.log(`${client}: left before sending a whole login`);
      return;
    }
    const { username, password } = (info ?? {}) as { username?: unknown; password?: unknown };
    const ok = typeof username === "string" && typeof password === "string" &&
      await userLogin(usersFile, username, password);
    console.log(`${client} ${JSON.stringify(username ?? null)}: ${ok ? SUCCESS : FAILURE}${why}`);
    if (!ok) await new Promise((resolve) => setTimeout(resolve, failDelay * 1000));
    await writeAll(conn, encoder.encode(ok ? SUCCESS : FAILURE));
  } catch (error) {
    console.log(`${client}: ${(error as Error).message}`);
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
        users: { type: "string", default: DEFAULT_USERS },
        "fail-delay": { type: "string", default: "1" },
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
  const failDelay = Number(flags["fail-delay"]);
  if (!(failDelay >= 0)) usageError("--fail-delay takes a number of seconds");
  // Fail at start, not at the first login, if the users file cannot be read.
  try {
    await Deno.readTextFile(flags.users);
  } catch (error) {
    throw new Error(`cannot read the users file ${flags.users}: ${(error as Error).message}`);
  }
  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  for await (const conn of listener) serveClient(conn, flags.users, failDelay, idleSeconds);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
