#!/usr/bin/env -S deno run --allow-net --allow-read
/**
 * @title 案例3：远程登陆系统 — Remote login: the server
 * @seed 003_5d88270f3bd9af2f.txt, "案例3：远程登陆系统", service.py
 * @run deno run --allow-net=127.0.0.1 --allow-read=user login_server.ts [--users user]
 *
 * Greets with `欢迎使用XX系统`, receives `{"username": …, "password": …}` (JSON; the password
 * already hashed by the client as md5(salt + password)), checks it against the users file
 * (`username|hash` lines, default `user` as in the seed, `--users`) and answers `登陆成功` or
 * `账号或密码错误`, then hangs up. The salted MD5 is a teaching artifact, not password storage
 * (see the differences from the seed, below).
 *
 * Python → Deno: `json.loads(conn.recv(1024))` is reading until the JSON object closes, then
 * `JSON.parse`; `open("user")` and its lines are `Deno.readTextFile("user")` split on `\n`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { timingSafeEqual } from "node:crypto";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "login_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const USERS = "user";
const WELCOME = "欢迎使用XX系统";
const SUCCESS = "登陆成功";
const FAILURE = "账号或密码错误";
const MAX_REQUEST = 64 * 1024;
/** Attempts one address may have waiting at once; each holds a connection until its turn. */
const MAX_IN_LINE = 8;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    users: { type: "string", default: USERS },
    "fail-delay": { type: "string", default: "1" },
    "max-fail-delay": { type: "string", default: "30" },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
  }, USAGE).values;
  const pauses = { first: Number(flags["fail-delay"]), most: Number(flags["max-fail-delay"]) };
  // Under 1,000,000 s, as --idle-timeout: a timer longer than 24.8 days would fire at once.
  const secondsShape = /^\d{1,6}(\.\d+)?$/;
  if (!secondsShape.test(flags["fail-delay"])) {
    throw new UsageError("--fail-delay takes seconds, 0 to 999999");
  }
  if (!secondsShape.test(flags["max-fail-delay"])) {
    throw new UsageError("--max-fail-delay takes seconds, 0 to 999999");
  }

  // Fail at start, not at the first login, if the users file cannot be read.
  try {
    await Deno.readTextFile(flags.users);
  } catch (error) {
    throw new Error(`cannot read the users file ${flags.users}: ${(error as Error).message}`);
  }

  // sock.bind(('127.0.0.1', 8001)); sock.listen(1): one call in Deno.
  const listener = listenOn(flags.host, Number(flags.port));

  // while True: conn, addr = sock.accept() — each client in its own task, so a slow one (or
  // the pause after a failed login) does not hold up the next, unless it shares its address.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(listener, Number(flags["max-connections"]), (conn) => {
    return serveClient(
      withIdleTimeout(conn, Number(flags["idle-timeout"])),
      flags.users,
      pauses,
    );
  });
}

/** One login attempt: welcome, the JSON, the verdict, then hang up (conn.close()). */
async function serveClient(conn: Conn, usersFile: string, pauses: Pauses): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  const address = conn.remoteAddr.hostname;
  try {
    // conn.sendall("欢迎使用XX系统".encode('utf-8'))
    await writeAll(conn, encoder.encode(WELCOME));
    // info = json.loads(conn.recv(1024).decode('utf-8')): a request that cannot be read as
    // JSON is refused like a wrong password, with the reason in the log line.
    let info: unknown;
    let why = "";
    try {
      info = await readJson(conn);
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      why = ` (${error.message})`;
      info = undefined;
    }
    if (info === null) {
      console.log(`${client}: left before sending a whole login`);
      return;
    }
    // username = info['username']; password = info['password'], if they are strings.
    const { username, password } = (info ?? {}) as { username?: unknown; password?: unknown };
    // The name as the log shows it: quoted, and no character of it can steer the terminal.
    const name = printable(JSON.stringify(username ?? null));
    // A full line: closed unanswered, so that one address cannot hold the connections every
    // other address needs while its attempts wait their turn.
    if ((waiting.get(address) ?? 0) >= MAX_IN_LINE) {
      const full = `${MAX_IN_LINE} attempts from ${address} already waiting`;
      console.log(`${client} ${name}: ${full}: closed unanswered`);
      return;
    }
    // The client sends nothing more until the verdict: if it hangs up meanwhile, its attempt
    // is not judged, and the line moves on at once.
    const hangUp = watchHangUp(conn);
    // Judged in line with every other attempt from this address, however many connections
    // they come on: a refusal waits its pause (doubling with each failure in a row), which
    // makes guessing slow; a success is answered at once.
    const ok = await inLine(address, async () => {
      if (hangUp.gone()) return null;
      const ok = typeof username === "string" && typeof password === "string" &&
        await userLogin(usersFile, username, password);
      if (ok) {
        failures.delete(address);
        console.log(`${client} ${name}: ${SUCCESS}`);
        return true;
      }
      const waited = failurePause(failures.get(address) ?? 0, pauses);
      await Promise.race([new Promise((resolve) => setTimeout(resolve, waited)), hangUp.seen]);
      if (hangUp.gone()) return null;
      // Counted once its pause is over: the next attempt in line pays for this one too.
      countFailure(address);
      const after = waited > 0 ? `, answered after ${waited} ms` : "";
      console.log(`${client} ${name}: ${FAILURE}${why}${after}`);
      return false;
    });
    if (ok === null) {
      console.log(`${client} ${name}: left before its verdict`);
      return;
    }
    // conn.sendall(login_status.encode('utf-8'))
    await writeAll(conn, encoder.encode(ok ? SUCCESS : FAILURE));
  } catch (error) {
    // Let go by the idle timeout (said on stderr), or any other failure in one line.
    if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    } else {
      console.log(`${client}: ${(error as Error).message}`);
    }
  } finally {
    conn.close();
  }
}

/**
 * Watches for the client hanging up (its next read ends, or fails): `seen` resolves then, and
 * `gone()` says whether it has. If the client sends more instead, neither ever changes (the
 * protocol has it send nothing between its request and the verdict).
 */
function watchHangUp(conn: Conn): { seen: Promise<void>; gone: () => boolean } {
  let gone = false;
  const { promise, resolve } = Promise.withResolvers<void>();
  function markGone(): void {
    gone = true;
    resolve();
  }
  conn.read(new Uint8Array(1)).then((n) => {
    if (n === null) markGone();
  }, markGone);
  return { seen: promise, gone: () => gone };
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

/** The pauses after failed logins, in seconds: the first one and the longest. */
type Pauses = { first: number; most: number };

/** Per client address (its IP, whatever the port): the last attempt in line, while any waits. */
const queues = new Map<string, Promise<unknown>>();
/** Per client address: how many attempts are in its line, the one being judged included. */
const waiting = new Map<string, number>();

/**
 * Runs `attempt` once every earlier attempt from `address` has ended: attempts from one
 * address are judged one at a time, in the order they came, however many connections they
 * come on. Attempts from other addresses do not wait for them.
 */
function inLine<T>(address: string, attempt: () => Promise<T>): Promise<T> {
  const before = queues.get(address) ?? Promise.resolve();
  const turn = before.then(attempt);
  // The line moves on whether this attempt succeeds, fails or throws.
  const ended = turn.catch(() => {});
  queues.set(address, ended);
  waiting.set(address, (waiting.get(address) ?? 0) + 1);
  ended.then(() => {
    const left = (waiting.get(address) ?? 1) - 1;
    if (left === 0) waiting.delete(address);
    else waiting.set(address, left);
    if (queues.get(address) === ended) queues.delete(address);
  });
  return turn;
}

/** Failed logins in a row per client address, the one that failed longest ago first. */
const failures = new Map<string, number>();
/** How many addresses `failures` remembers; past that, the one that failed longest ago goes. */
const MAX_ADDRESSES = 10_000;

/**
 * The pause before answering a failed login, in ms, after `before` failures in a row from the
 * same address: `--fail-delay`, doubled for each of them, at most `--max-fail-delay`.
 */
function failurePause(before: number, pauses: Pauses): number {
  const seconds = Math.min(pauses.first * 2 ** Math.min(before, 40), pauses.most);
  return Math.round(seconds * 1000);
}

/** One more failed login in a row from `from`; at most MAX_ADDRESSES are remembered. */
function countFailure(from: string): void {
  const count = (failures.get(from) ?? 0) + 1;
  // Deleted and set again, it goes last: the first key is the one that failed longest ago.
  failures.delete(from);
  failures.set(from, count);
  if (failures.size > MAX_ADDRESSES) failures.delete(failures.keys().next().value!);
}

/** Why a request is refused unread: it is not JSON, or no object closes within MAX_REQUEST. */
class BadRequest extends Error {}

/**
 * Reads until the JSON object the client sends has closed, and parses it; null if the client
 * closes first. Throws BadRequest at once on bytes that cannot become JSON, and on more than
 * MAX_REQUEST bytes.
 */
async function readJson(conn: Conn): Promise<unknown> {
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
    return parseJson(text.slice(0, end));
  }
  throw new BadRequest(`no complete JSON within ${MAX_REQUEST} bytes`);
}

/** `JSON.parse`, with text that is not JSON a BadRequest. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest("the request is not valid JSON");
  }
}

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
    while (this.#scanned < text.length) {
      const c = text[this.#scanned];
      this.#scanned++;
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === "\\") this.#escaped = true;
        else if (c === '"') this.#inString = false;
      } else if (this.#depth === 0 && c !== "{" && c !== "[") {
        // Before the object opens, only white space may come.
        if (c.trim() !== "") throw new BadRequest("the request is not a JSON object");
      } else if (c === '"') {
        this.#inString = true;
      } else if (c === "{" || c === "[") {
        this.#depth++;
      } else if (c === "}" || c === "]") {
        this.#depth--;
        if (this.#depth === 0) return this.#scanned;
      }
    }
    return -1;
  }
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/**
 * Differences from the seed (same bytes on the wire; behaviour fixed):
 * - A salted MD5 is a teaching artifact, not password storage: MD5 is fast to brute-force, the
 *   salt is fixed and public, and whoever reads the hash can log in with it (the client sends
 *   it in clear). Real systems use TLS and a slow password hash (scrypt, Argon2) with a
 *   per-user salt.
 * - The seed splits each line on `|` without removing the line's newline, so every stored hash
 *   but the last ends in `\n` and only the last user can ever log in; lines are trimmed here.
 * - The hashes are compared in constant time (`timingSafeEqual` from `node:crypto`), and a
 *   failed login is answered only after a pause, to slow guessing: `--fail-delay` (default
 *   1 s), doubled for each failure in a row from the same address (its IP, whatever the port),
 *   at most `--max-fail-delay` (default 30 s); a success starts the count again. Attempts from
 *   one address are judged one at a time, each after the pause of the one before, so guesses
 *   sent side by side on many connections wait in line instead of together. At most 8 wait
 *   at once per address; one more is closed unanswered, and an attempt whose client hangs up
 *   while it waits is dropped, so one address cannot hold the connections others need. At most 10,000 addresses are remembered, the one that failed
 *   longest ago forgotten first. (An IPv6 network is many addresses: a limit per network is
 *   left out.)
 * - The JSON is read until its object closes, however the network splits it (the seed takes
 *   one `recv(1024)`); invalid JSON, JSON of the wrong shape and requests over 64 KiB get
 *   `账号或密码错误` as a failed login (the reason in one log line), never a crash or a wait.
 * - Each client has its own async task; the users file is read for each login, so edits apply
 *   at once. It prints one line per attempt, with the pause a failure was answered after. The
 *   user name in it, JSON-quoted, goes through `printable`: JSON escapes C0 controls but leaves
 *   DEL, C1 and the bidi controls as they are, and a name must not steer the terminal or forge
 *   a line. It reads only the users file, hence `--allow-read=user` in the `@run` line.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--users FILE] [--fail-delay SECONDS]
       [--max-fail-delay SECONDS]

Login server: checks {"username", "password": md5(salt + password)} against FILE
("username|hash" lines) and answers ${SUCCESS} or ${FAILURE}.

Options:
  --host HOST            address to listen on (default ${HOST})
  --port PORT            port to listen on, 0 for any free port (default ${PORT})
  --users FILE           the users file (default ${USERS})
  --fail-delay SECONDS   pause before answering a failed login (default 1), doubled for each
                         failure in a row from the same address; attempts from one address
                         are judged one at a time
  --max-fail-delay SECONDS
                         the longest such pause (default 30)
  --idle-timeout SECONDS
                         close a connection when no read or write has begun this long, 0 = never
                         (default 300)
  --max-connections N
                         callers served at once; one more is closed at once (default 10000)
  --help                 show this help`;

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
