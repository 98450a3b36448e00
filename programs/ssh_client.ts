#!/usr/bin/env -S deno run --allow-net --allow-env=SSH_LESSON_TOKEN --allow-read
/**
 * @title 使用socket实现简单的SSH工具 — A tiny SSH: the client
 * @seed 000_84409504fdc3648b.txt, "使用socket实现简单的SSH工具", socket客户端代码 and 方式2
 * @run deno run --allow-net=localhost --allow-env=SSH_LESSON_TOKEN --allow-read=ssh_token ssh_client.ts [--token-file ssh_token] [--host localhost] [--port 9999]
 *
 * Sends the server's token first, as a line (from `--token-file FILE`, which needs
 * `--allow-read=FILE`; else `SSH_LESSON_TOKEN`; else asked for at `token: `). Then asks `>>：`
 * for a command, sends it, reads the size of the result (`命令结果大小： N`), acknowledges it
 * (`准备好接受了，loser可以发了`, the seed's 方式2), reads exactly N bytes (`cmd res receive
 * done.... N`) and prints the result. End the input (Ctrl-D) to leave. The size tells the
 * client where the output ends; the ack keeps the two from sticking (粘包).
 *
 * Python → Deno: `client.recv(1024)` is `conn.read(buffer)`, which returns how many bytes came;
 * `received_data += data` becomes collecting the pieces and joining them once, at the end.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "ssh_client.ts";
const HOST = "localhost";
const PORT = 9999;
const PROMPT = ">>：";
const ACK = "准备好接受了，loser可以发了";
const TOKEN_PROMPT = "token: ";
const TOKEN_VARIABLE = "SSH_LESSON_TOKEN";
const MIN_TOKEN = 16;
const TOKEN_OK = "token ok";
const TOKEN_REFUSED = "token refused";
/** The largest result read: 64 MiB is far past any terminal (the server's default is 1 MiB). */
const MAX_RESULT = 64 * 1024 * 1024;
const TOKEN_FLAG_GONE =
  `--token is gone (a command line shows in ps): use --token-file FILE or ${TOKEN_VARIABLE}`;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    token: { type: "string" },
    "token-file": { type: "string" },
    "sleep-fix": { type: "boolean", default: false },
  }, USAGE).values;
  // A token on the command line would show in ps, to every user of the machine.
  if (flags.token !== undefined) throw new UsageError(TOKEN_FLAG_GONE);
  const invited = invitation(flags["token-file"]);

  // socket() + connect() are one call in Deno.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();

  // The server runs nothing before its token: the first line we send. Asked for like a
  // password when neither a file nor the environment gives it.
  const token = invited ?? await input(TOKEN_PROMPT);
  if (token === null) {
    console.log();
    conn.close();
    return;
  }
  await writeAll(conn, encoder.encode(`${token.trim()}\n`));
  const answer = await tokenAnswer(conn, buffer);
  if (answer === TOKEN_REFUSED) throw new Error(`the server refused the token (${answer})`);
  if (answer === "") throw new Error("the server closed the connection");
  if (answer !== TOKEN_OK) {
    throw new Error(`the server takes no token: it answered ${printable(JSON.stringify(answer))}`);
  }

  // while True: cmd = input(">>：").strip(), until the input ends.
  while (true) {
    const line = await input(PROMPT);
    if (line === null) {
      // End of input: finish the prompt's line and leave.
      console.log();
      break;
    }
    const command = line.trim();
    if (command.length === 0) continue;
    await writeAll(conn, encoder.encode(command));

    // cmd_res_size = client.recv(1024), then the ack (方式2): only now does the output come.
    const { size, glued } = await readSize(conn, buffer, flags["sleep-fix"]);
    console.log("命令结果大小：", size);
    if (!flags["sleep-fix"]) await writeAll(conn, encoder.encode(ACK));

    // while received_size < int(cmd_res_size): data = client.recv(1024) …
    const result = await readResult(conn, size, glued);
    console.log("cmd res receive done....", result.length);
    console.log(shownOutput(decoder.decode(result)));
  }
  conn.close();
}

/**
 * A command's output as the terminal shows it: its line breaks (`\n`, `\r\n`) and tabs as they
 * are, for the output laid out is the lesson; every other control or bidi character through
 * `printable`, so the output cannot move the cursor, recolour the screen or reorder a line.
 */
function shownOutput(text: string): string {
  const pieces = text.split(/(\r?\n|\t)/);
  return pieces.map((piece, i) => i % 2 === 1 ? piece : printable(piece)).join("");
}

/**
 * The size of the result, sent first as decimal text, and any bytes of the output that came
 * glued to it. With the ack nothing follows the size until we answer. With `--sleep-fix` (for
 * a server started with `--sleep-fix`, the seed's 方式1) no ack is sent; if the size and the
 * output still arrive glued, the leading digits are taken as the size and the rest as output,
 * which breaks when the output itself starts with a digit: the reason the ack is the fix.
 */
async function readSize(
  conn: Deno.Conn,
  buffer: Uint8Array,
  sleepFix: boolean,
): Promise<{ size: number; glued: Uint8Array }> {
  let received = await readSome(conn, buffer);
  let digits = leadingDigits(received);
  // All digits so far, and no ack to keep the output back: the size may go on in the next read.
  while (sleepFix && digits === received.length) {
    received = concat([received, await readSome(conn, buffer)]);
    digits = leadingDigits(received);
  }
  if (digits === 0) {
    const text = new TextDecoder().decode(received);
    throw new Error(`expected the size of the result, got ${printable(JSON.stringify(text))}`);
  }
  const size = Number(new TextDecoder().decode(received.subarray(0, digits)));
  // Refused before anything is allocated for it.
  if (size > MAX_RESULT) {
    throw new Error(
      `the server announced ${size} bytes, more than the ${MAX_RESULT} a result may have`,
    );
  }
  return { size, glued: received.subarray(digits) };
}

/** How many bytes at the start of `bytes` are the ASCII digits 0 to 9. */
function leadingDigits(bytes: Uint8Array): number {
  let count = 0;
  while (count < bytes.length && bytes[count] >= 0x30 && bytes[count] <= 0x39) count++;
  return count;
}

/**
 * The whole result: exactly `size` bytes, those that came glued to the size first, then as
 * many reads as it takes (each `recv` may bring less than asked for).
 */
async function readResult(conn: Deno.Conn, size: number, glued: Uint8Array): Promise<Uint8Array> {
  try {
    const rest = await readExactly(conn, Math.max(0, size - glued.length));
    if (rest !== null) return concat([glued, rest]);
  } catch (error) {
    // Some of it came, not all: the server left all the same.
    if (!(error instanceof ShortRead)) throw error;
  }
  throw new Error("the server closed the connection before the whole result");
}

/**
 * The server's answer to the token line, `token ok` or `token refused`, however the reads split
 * it; what came instead if it is neither (empty if the server closed at once).
 */
async function tokenAnswer(conn: Deno.Conn, buffer: Uint8Array): Promise<string> {
  const decoder = new TextDecoder();
  let answer = "";
  while ([TOKEN_OK, TOKEN_REFUSED].some((each) => each !== answer && each.startsWith(answer))) {
    const n = await conn.read(buffer);
    if (n === null) break;
    answer += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
  return answer;
}

/**
 * The token of `--token-file` (its first line, trimmed), else of SSH_LESSON_TOKEN, else
 * undefined; one shorter than 16 characters is a usage error.
 */
function invitation(file: string | undefined): string | undefined {
  const [token, source] = file !== undefined
    ? [tokenFromFile(file), `--token-file ${file}`]
    : [tokenFromEnvironment(), TOKEN_VARIABLE];
  if (token !== undefined && [...token].length < MIN_TOKEN) {
    throw new UsageError(`the token of ${source} is shorter than ${MIN_TOKEN} characters`);
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

/** One `recv(1024)`: a copy of what one read brought; the server must not have closed. */
async function readSome(conn: Deno.Conn, buffer: Uint8Array): Promise<Uint8Array> {
  const n = await conn.read(buffer);
  if (n === null) throw new Error("the server closed the connection");
  return buffer.slice(0, n);
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
 * Differences from the seed (same bytes and screen; behaviour fixed). Python's
 * `命令结果大小： b'7'` shows bytes; this shows the number.
 * - End of input (Ctrl-D, or the end of a piped file) ends the client, where Python's `input()`
 *   dies with EOFError.
 * - The result is read to exactly its size, however the reads split it; a server that hangs
 *   up, answers something that is not a size, or announces more than 64 MiB is reported in one
 *   line, exit status 1.
 * - The server runs nothing before its token (the seed ran whatever came, so a web page could
 *   make a browser POST commands to it), so the first thing sent is the token as a line: from
 *   `--token-file FILE` (its first line, trimmed; `--allow-read=FILE`), else `SSH_LESSON_TOKEN`
 *   (`--allow-env=SSH_LESSON_TOKEN`), else typed at `token: `. Never from the command line,
 *   where `ps` shows it: `--token` is a usage error. The server answers `token ok`, or
 *   `token refused` (one line on stderr, status 1). Then the seed's bytes, unchanged.
 * - What the server sends is printed so that it cannot steer the terminal: a command's output
 *   keeps its lines and tabs (that is the lesson) and shows every other control character
 *   (an escape sequence, a lone `\r`) and the bidi controls as `\u{…}`; a reply that is not
 *   a size or a token answer is quoted, through `printable` too.
 * - Besides reading the token, only `--allow-net` for the server's address is needed.
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--token-file FILE] [--host HOST] [--port PORT] [--sleep-fix]

Sends the server's token, then each command you type and prints its output (its lines and
tabs as they are, other control and bidi characters shown as \\u{...}); end the input
(Ctrl-D) to leave. The token comes from --token-file, else $${TOKEN_VARIABLE}, else it is
asked for (${JSON.stringify(TOKEN_PROMPT)}); never from the command line.

Options:
  --token-file FILE  the token is this file's first line (run with --allow-read=FILE)
  --host HOST        server address (default ${HOST})
  --port PORT        server port (default ${PORT})
  --sleep-fix        for a server started with --sleep-fix: send no ack
  --help             show this help`;

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

/** Standard input a line at a time; as for Python's `input`, `\r\n` and `\r` end lines too. */
const lines = linesOf(Deno.stdin.readable);

/** Python's `input(prompt)`: the prompt without a newline, then one line; null at end of input. */
async function input(prompt: string): Promise<string | null> {
  await writeAll(Deno.stdout, encoder.encode(prompt));
  const next = await lines.next();
  return next.done ? null : next.value;
}

/** The lines of `stream` as Python's universal newlines read them; the last may lack an end. */
async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    // A "\r" last in the text may be the first half of a "\r\n": it waits for what follows.
    const found = text.split(/\r\n|\r(?!$)|\n/);
    text = found.pop()!;
    yield* found;
  }
  if (text !== "") yield text.replace(/\r$/, "");
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
