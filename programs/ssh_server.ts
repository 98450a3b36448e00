#!/usr/bin/env -S deno run --allow-net --allow-run --allow-env=SSH_LESSON_TOKEN --allow-read
/**
 * @title 使用socket实现简单的SSH工具 — A tiny SSH: the server
 * @seed 000_84409504fdc3648b.txt, "使用socket实现简单的SSH工具", socket服务端代码 and 方式1/方式2
 * @run deno run --allow-net=127.0.0.1 --allow-run=sh --allow-env=SSH_LESSON_TOKEN --allow-read=ssh_token ssh_server.ts [--token-file ssh_token] [--host 127.0.0.1] [--port 9999]
 *
 * Runs each command a client sends and returns the size of its output in UTF-8 bytes, then the
 * output (`cmd has no output...` if none). Sent back to back, the two can stick (粘包): 方式2
 * (the default) waits for the client's ack `准备好接受了，loser可以发了` in between; 方式1, "太low了"
 * (`--sleep-fix`, both sides), pauses 0.5 s instead: the counter-example, timing is no protocol.
 *
 * Only for who was invited: a client's first line must be the token (`--token-file FILE`, which
 * needs `--allow-read=FILE`; else `SSH_LESSON_TOKEN`; else a fresh one, printed on stderr).
 *
 * Python → Deno: `os.popen(cmd).read()` is `new Deno.Command("sh", { args: ["-c", cmd] })`,
 * its stdout piped and read; `len(cmd_res.encode())` is `encoder.encode(text).length`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { createHash, timingSafeEqual } from "node:crypto";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "ssh_server.ts";
const HOST = "127.0.0.1";
const PORT = 9999;
const NO_OUTPUT = "cmd has no output...";
const MAX_COMMAND = 1023;
const TOKEN_VARIABLE = "SSH_LESSON_TOKEN";
const MIN_TOKEN = 16;
const TOKEN_OK = "token ok";
const TOKEN_REFUSED = "token refused";
const TOKEN_FLAG_GONE =
  `--token is gone (a command line shows in ps): use --token-file FILE or ${TOKEN_VARIABLE}`;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    token: { type: "string" },
    "token-file": { type: "string" },
    "sleep-fix": { type: "boolean", default: false },
    timeout: { type: "string", default: "10" },
    "max-output": { type: "string", default: String(1 << 20) },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
  }, USAGE).values;
  const seconds = Number(flags.timeout);
  const maxOutput = Number(flags["max-output"]);
  // Under 1,000,000 s, as --idle-timeout: a timer longer than 24.8 days would fire at once.
  if (!/^\d{1,6}(\.\d+)?$/.test(flags.timeout) || seconds === 0) {
    throw new UsageError("--timeout takes seconds, more than 0 and under 1000000");
  }
  // Digits only: Number() would also take "", "0x10" and "1e3".
  if (!/^\d{1,15}$/.test(flags["max-output"]) || maxOutput < 1) {
    throw new UsageError("--max-output takes a number of bytes");
  }
  // Running whatever arrives is remote code execution, on loopback too (a web page can make the
  // browser POST a command to it): only for who holds the token, and never on a command line.
  if (flags.token !== undefined) throw new UsageError(TOKEN_FLAG_GONE);
  let token = invitation(flags["token-file"]);
  if (token === undefined) {
    token = freshToken();
    console.error(
      `token: ${token}  (give it to ssh_client.ts: --token-file FILE or ${TOKEN_VARIABLE})`,
    );
  }

  // socket() + bind() + listen(5) are one call in Deno. A stop (Ctrl-C), even while a command
  // runs, kills the commands still running: nothing outlives the server.
  const listener = listenOn(flags.host, Number(flags.port), killRunning);

  // while True: conn,addr = server.accept() — each client gets its own task, so a second
  // client is served at once instead of waiting for the first to leave.
  const digest = sha256(encoder.encode(token));
  const options = { digest, sleepFix: flags["sleep-fix"], seconds, maxOutput };
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(
    listener,
    Number(flags["max-connections"]),
    (conn) => serveClient(withIdleTimeout(conn, Number(flags["idle-timeout"])), options),
  );
}

/** One client: commands until it leaves (the seed's inner `while True`). */
async function serveClient(conn: Conn, options: {
  digest: Uint8Array;
  sleepFix: boolean;
  seconds: number;
  maxOutput: number;
}): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  // Python: print("new conn:",addr)
  console.log("new conn:", client);
  const buffer = new Uint8Array(1024);
  // Fatal: a command that is not UTF-8 is refused, not run with U+FFFD in place of its bytes.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    // The token line first: nothing runs for a client that has not sent the right one.
    if (!(await admitted(conn, client, options.digest))) return;
    while (true) {
      console.log("等待指令");
      // data = conn.recv(1024); an empty read means the client has gone.
      const data = await recvUtf8(conn, buffer, decoder);
      if (data === null) {
        console.log("客户端已经断开");
        break;
      }
      // One read is one command, as the seed's recv(1024): a full buffer may hold only part
      // of it, and the rest would run as a command of its own. The rest would also be taken
      // for the ack, so the conversation cannot go on.
      if (encoder.encode(data).length > MAX_COMMAND) {
        return await refuse(conn, `longer than ${MAX_COMMAND} bytes`);
      }
      // The command as the log shows it: one line, nothing in it can steer the terminal.
      console.log("执行指令：", printable(data));
      // cmd_res = os.popen(data.decode()).read()
      let result = await runCommand(data, options.seconds, options.maxOutput);
      console.log("before send", [...result].length);
      if (result.length === 0) result = NO_OUTPUT;
      const bytes = encoder.encode(result);
      // The size in bytes, not characters: that is what the client will count.
      await writeAll(conn, encoder.encode(String(bytes.length)));
      if (options.sleepFix) {
        // 方式1: hope the pause keeps the two sends apart.
        await new Promise((resolve) => setTimeout(resolve, 500));
      } else {
        // 方式2: wait for the client's ack, so size and output cannot meet.
        const ack = await recvUtf8(conn, buffer, decoder);
        if (ack === null) {
          console.log("客户端已经断开");
          break;
        }
        console.log("ack from client:", printable(ack));
      }
      await writeAll(conn, bytes);
      console.log("send done");
    }
  } catch (error) {
    if (error instanceof NotUtf8) {
      await refuse(conn, "not valid UTF-8");
    } else if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
      console.log(`${client}: idle, let go`);
    } else if (
      error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe
    ) {
      // Gone in the middle of an answer.
      console.log("客户端已经断开");
    } else {
      console.log(`${client}: ${(error as Error).message}`);
    }
  } finally {
    conn.close();
  }
}

/**
 * The token line, judged: true once `token ok` is sent for the right token. A wrong one is
 * answered `token refused` after a wait that doubles with each wrong token from the same address
 * (see {@linkcode penalty}); false then, as when the client leaves before its line ends. The
 * line and the token are compared as SHA-256 digests, in constant time: neither how much of a
 * guess was right nor the token's length shows in how long the answer takes.
 */
async function admitted(conn: Conn, client: string, digest: Uint8Array): Promise<boolean> {
  const line = await readTokenLine(conn);
  if (line === null) {
    console.log("客户端已经断开");
    return false;
  }
  const address = conn.remoteAddr.hostname;
  if (timingSafeEqual(sha256(line), digest)) {
    wrongTokens.delete(address);
    await writeAll(conn, encoder.encode(TOKEN_OK));
    return true;
  }
  const wait = penalty(address);
  await new Promise((resolve) => setTimeout(resolve, wait));
  console.log(`${client}: wrong token, refused after ${wait} ms`);
  await writeAll(conn, encoder.encode(TOKEN_REFUSED)).catch(() => {});
  return false;
}

/** The longest token line read (a longer one is cut there, and wrong). */
const MAX_TOKEN_LINE = 1024;

/**
 * The client's first line without its `\n` (or `\r\n`), read a byte at a time so that not a
 * byte after it is taken; at most MAX_TOKEN_LINE bytes. Null if the client leaves before the
 * line ends: nothing was offered, so nothing is judged.
 */
async function readTokenLine(conn: Pick<Conn, "read">): Promise<Uint8Array | null> {
  const line = new Uint8Array(MAX_TOKEN_LINE);
  for (let length = 0; length < line.length; length++) {
    if (await conn.read(line.subarray(length, length + 1)) === null) return null;
    if (line[length] === 0x0a) {
      return line.subarray(0, length > 0 && line[length - 1] === 0x0d ? length - 1 : length);
    }
  }
  return line;
}

/** Wrong tokens so far per client address (its IP, whatever the port), oldest first. */
const wrongTokens = new Map<string, number>();
const FIRST_WAIT_MS = 100;
const MAX_WAIT_MS = 10_000;
const MAX_ADDRESSES = 10_000;

/**
 * Counts one more wrong token from the address `from` and returns what it costs: 100 ms,
 * doubled for each wrong one before (a right one starts the count again), at most 10 s. Guesses
 * sent side by side are counted as they come, so each costs more than the one before; each
 * waits on its own connection. At most 10,000 addresses are remembered; past that, the one
 * wrong longest ago is forgotten.
 */
function penalty(from: string): number {
  const count = (wrongTokens.get(from) ?? 0) + 1;
  // Deleted and set again, it goes last: the first key is the one wrong longest ago.
  wrongTokens.delete(from);
  wrongTokens.set(from, count);
  if (wrongTokens.size > MAX_ADDRESSES) wrongTokens.delete(wrongTokens.keys().next().value!);
  return Math.min(FIRST_WAIT_MS * 2 ** (count - 1), MAX_WAIT_MS);
}

/**
 * The token of `--token-file` (its first line, trimmed), else of SSH_LESSON_TOKEN, else
 * undefined; one shorter than 16 characters or longer than a token line is a usage error.
 */
function invitation(file: string | undefined): string | undefined {
  const [token, source] = file !== undefined
    ? [tokenFromFile(file), `--token-file ${file}`]
    : [tokenFromEnvironment(), TOKEN_VARIABLE];
  if (token === undefined) return undefined;
  if ([...token].length < MIN_TOKEN) {
    throw new UsageError(`the token of ${source} is shorter than ${MIN_TOKEN} characters`);
  }
  if (encoder.encode(token).length >= MAX_TOKEN_LINE) {
    throw new UsageError(`the token of ${source} is ${MAX_TOKEN_LINE} bytes or longer`);
  }
  return token;
}

/** The first line of `path`, trimmed; one line on stderr and status 1 if it cannot be read. */
function tokenFromFile(path: string): string {
  try {
    return Deno.readTextFileSync(path).split("\n")[0].trim();
  } catch (error) {
    throw new Error(`cannot read the token file ${path}: ${(error as Error).message}`);
  }
}

/** SSH_LESSON_TOKEN if it is set and may be read (without --allow-env=… it is not asked for). */
function tokenFromEnvironment(): string | undefined {
  const permission = Deno.permissions.querySync({ name: "env", variable: TOKEN_VARIABLE });
  if (permission.state !== "granted") return undefined;
  try {
    return Deno.env.get(TOKEN_VARIABLE) || undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) return undefined;
    throw error;
  }
}

/** 32 hex digits from the system's random source: 128 bits no one can guess. */
function freshToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The SHA-256 digest of `bytes`: 32 bytes whatever their length. */
function sha256(bytes: Uint8Array): Uint8Array {
  return createHash("sha256").update(bytes).digest();
}

/**
 * os.popen(cmd).read(), bounded in time and size; returns the text to send. At the deadline
 * the shell is killed and reading stops; programs the shell started may run on to their end
 * (`exec` in the command avoids that: the shell becomes the program).
 */
async function runCommand(command: string, seconds: number, maxOutput: number): Promise<string> {
  const shell = Deno.build.os === "windows" ? ["cmd", "/c", command] : ["sh", "-c", command];
  const child = new Deno.Command(shell[0], {
    args: shell.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  running.add(child);
  child.status.finally(() => running.delete(child));
  const reader = child.stdout.getReader();
  const { promise: deadline, resolve } = Promise.withResolvers<"late">();
  const timer = setTimeout(() => resolve("late"), seconds * 1000);
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ending = "";
  while (true) {
    const next = await Promise.race([reader.read(), deadline]);
    if (next === "late") {
      ending = `(command stopped after ${seconds} s)\n`;
      break;
    }
    if (next.done) break;
    if (size + next.value.length > maxOutput) {
      chunks.push(next.value.subarray(0, maxOutput - size));
      ending = `\n(output cut at ${maxOutput} bytes)\n`;
      break;
    }
    chunks.push(next.value);
    size += next.value.length;
  }
  clearTimeout(timer);
  if (ending) {
    kill(child);
    await reader.cancel().catch(() => {});
  }
  await child.status;
  return new TextDecoder().decode(concat(chunks)) + ending;
}

/** The shells running now, killed when the server is stopped. */
const running = new Set<Deno.ChildProcess>();

/** On Ctrl-C or SIGTERM: the commands still running are stopped with the server. */
function killRunning(): void {
  for (const child of running) kill(child);
}

/** Kills `child` at once; one that has exited already is left as it is. */
function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // It has exited already.
  }
}

/** Tells the client, in one line, why its command is not run, and ends the conversation. */
async function refuse(conn: Conn, reason: string): Promise<void> {
  await writeAll(conn, encoder.encode(`command refused: ${reason}`)).catch(() => {});
  console.log(`${formatAddress(conn.remoteAddr)}: command refused: ${reason}`);
}

/** Why a command is not run: its bytes are not UTF-8. */
class NotUtf8 extends Error {}

/**
 * One `recv(1024)` read as strict UTF-8: the text of one read, or null when the peer has
 * closed; NotUtf8 if the bytes are not UTF-8 (`decoder` is fatal). A read that ends inside a
 * character is completed by the next one, so characters never arrive broken.
 */
async function recvUtf8(
  conn: { read(buffer: Uint8Array): Promise<number | null> },
  buffer: Uint8Array,
  decoder: TextDecoder,
): Promise<string | null> {
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return null;
    let text: string;
    try {
      text = decoder.decode(buffer.subarray(0, n), { stream: true });
    } catch {
      // A fatal decoder fails on the first byte that cannot be UTF-8.
      throw new NotUtf8();
    }
    if (text !== "") return text;
  }
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/** The pieces, one after another, in one array (Python's `b''.join(pieces)`). */
function concat(pieces: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  const all = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    all.set(piece, at);
    at += piece.length;
  }
  return all;
}

/**
 * Differences from the seed (same bytes on the wire after a token line; behaviour fixed):
 * - Running whatever arrives is remote code execution, on loopback too: a web page can make the
 *   browser POST to 127.0.0.1, and the seed (like this server once) ran the body's lines, so
 *   `curl -X POST --data-binary $'\nid > /tmp/pwned\n' http://127.0.0.1:9999/` wrote a file.
 *   So a token is always required: a client's first line must be it, else nothing runs (an
 *   HTTP request's first line, `POST / HTTP/1.1`, is a wrong token). It comes from
 *   `--token-file FILE` (its first line; `--allow-read=FILE`), else `SSH_LESSON_TOKEN`
 *   (`--allow-env=SSH_LESSON_TOKEN`), else 32 random hex digits printed on stderr before the
 *   `listening on` line; never from the command line, where `ps` shows it (`--token` is a
 *   usage error), and never shorter than 16 characters. It is compared in constant time (the
 *   SHA-256 digests of both, with `timingSafeEqual`); each wrong one from an address waits
 *   twice as long as the one before (100 ms, at most 10 s) before `token refused`, where one
 *   client used to try 58,039 guesses in 5 s. A right token is never kept waiting.
 * - It listens on 127.0.0.1 by default (the seed's localhost). Each command may run
 *   `--timeout` seconds (default 10) and return `--max-output` bytes (default 1 MiB); past
 *   either, the client gets a one-line notice. Output is stdout only, as with `os.popen`. It
 *   needs `--allow-run=sh` (or `cmd` on Windows).
 * - Bad input: a command longer than 1023 bytes (one `recv(1024)`, which might hold only part
 *   of it) or not valid UTF-8 is not run; the client gets one line, `command refused: …`, in
 *   place of the size, the server logs it, and the connection ends. An unknown command or a
 *   blank one runs as the shell has it (`cmd has no output...`: stderr is not returned). A
 *   client that leaves in the middle of an answer is a departure (`客户端已经断开`), and ends
 *   only its own conversation. A stop (Ctrl-C, SIGTERM) kills the commands still running.
 * - Python prints `执行指令： b'ls'` and the ack as bytes; this prints the text. `before send N`
 *   counts characters, as Python's `len(str)` does; the size sent counts bytes. The text goes
 *   through `printable`, as Python's bytes repr escapes too: a command or ack holding a control
 *   character (an escape sequence, a newline) or a bidi control shows it as `\u{…}`, so a
 *   client cannot steer the terminal or forge a log line (`执行指令： …` on a line of its own).
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--token-file FILE] [--host HOST] [--port PORT] [--sleep-fix]
                    [--timeout SECONDS] [--max-output BYTES] [--idle-timeout SECONDS] [--max-connections N]

Runs the commands clients send and returns their output, size first, for clients whose
first line is the token: from --token-file, else $${TOKEN_VARIABLE}, else a fresh one
printed on stderr at the start. At least ${MIN_TOKEN} characters; never on the command line.
Commands are logged with control and bidi characters shown as \\u{...}.

Options:
  --token-file FILE    the token is this file's first line (run with --allow-read=FILE)
  --host HOST          address to listen on (default ${HOST})
  --port PORT          port to listen on, 0 for any free port (default ${PORT})
  --sleep-fix          pause 0.5 s between size and output instead of waiting for an ack
  --timeout SECONDS    the longest a command may run (default 10)
  --max-output BYTES   the most output returned per command (default 1048576)
  --idle-timeout SECONDS
                       close a connection when no read or write has begun this long,
                       0 = never (default 300)
  --max-connections N
                       callers served at once; one more is closed at once (default 10000)
  --help               show this help`;

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
