#!/usr/bin/env -S deno run --allow-net
/**
 * @title 案例3：远程登陆系统 — Remote login: the client
 * @seed 003_5d88270f3bd9af2f.txt, "案例3：远程登陆系统", client.py
 * @run deno run --allow-net=127.0.0.1 login_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Prints the server's welcome, asks `请输入账号名:` and `请输入密码:`, sends
 * `{"username": NAME, "password": md5("sdasdfagfawds" + PASSWORD)}` and prints the answer:
 * `登陆成功` or `账号或密码错误`. The exit status is 0 only for a successful login. The salted
 * MD5 is the seed's and a teaching artifact: anyone who sees the hash on the wire can replay it.
 *
 * Python → Deno: `hashlib.md5` is `createHash("md5")` from `node:crypto`; `json.dumps` is the
 * `pythonJson` below, since `JSON.stringify` writes no spaces and keeps non-ASCII as it is.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { createHash } from "node:crypto";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "login_client.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const SALT = "sdasdfagfawds";
const ACCOUNT_PROMPT = "请输入账号名:";
const PASSWORD_PROMPT = "请输入密码:";
const SUCCESS = "登陆成功";
/** The seed's `recv(1024)`: a verdict is a few characters, and more is not read. */
const MAX_ANSWER = 1024;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // client.connect(('127.0.0.1', 8001)): socket() + connect() are one call in Deno.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });

  // print(client.recv(1024).decode('utf-8')): the welcome, from one read as the seed takes it.
  const welcome = await recv(conn, new Uint8Array(1024), new TextDecoder());
  if (welcome === null) throw new ServerGone();
  console.log(printable(welcome));

  // input(...).strip(), twice; the end of input reads as an empty answer.
  const username = (await input(ACCOUNT_PROMPT) ?? "").trim();
  const password = (await input(PASSWORD_PROMPT) ?? "").trim();

  // client.sendall(json.dumps(login_data).encode('utf-8')): the password goes hashed.
  await writeAll(conn, encoder.encode(pythonJson({ username, password: md5(password) })));

  // login_status = client.recv(1024): the server hangs up after its answer, so read to the end.
  const status = await readAnswer(conn, MAX_ANSWER);
  console.log(printable(status));
  if (status !== SUCCESS) Deno.exit(1);
}

/** Everything until the server hangs up, as text; more than `limit` bytes is an error. */
async function readAnswer(conn: Deno.Conn, limit: number): Promise<string> {
  const data = new Uint8Array(limit + 1);
  let filled = 0;
  while (filled <= limit) {
    const n = await conn.read(data.subarray(filled));
    if (n === null) return new TextDecoder().decode(data.subarray(0, filled));
    filled += n;
  }
  throw new Error(`the server's answer is longer than ${limit} bytes: not read`);
}

/** The seed's md5(): the salt first, then the password, both UTF-8. */
function md5(origin: string, salt = SALT): string {
  // hash_object = hashlib.md5(salt.encode('utf-8')); hash_object.update(origin.encode('utf-8'))
  const hash = createHash("md5").update(encoder.encode(salt)).update(encoder.encode(origin));
  return hash.digest("hex");
}

/** Python's json.dumps for a flat object of strings: `{"k": "v", …}`, ensure_ascii. */
function pythonJson(object: Record<string, string>): string {
  const quote = (text: string) =>
    JSON.stringify(text).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  return `{${Object.entries(object).map(([k, v]) => `${quote(k)}: ${quote(v)}`).join(", ")}}`;
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

/** Why the client stops: the server hung up in the middle of the conversation. */
class ServerGone extends Error {
  override message = "the server closed the connection";
}

/**
 * Differences from the seed (same bytes, same screen):
 * - The JSON is written as Python's `json.dumps` writes it (`": "`, `", "`, non-ASCII as
 *   `\uXXXX`), so the bytes on the wire are the seed's.
 * - The answer is read to the end of the stream (the server hangs up after it), so a split
 *   answer is never cut short; the seed takes one `recv(1024)`. Past 1024 bytes it is refused
 *   in one line: a server that streams without end cannot fill the client's memory.
 * - The exit status says how the login went: 0 only for `登陆成功`. If the server hangs up
 *   before its welcome, the client says so in one line and exits with status 1.
 * - The end of input reads as an empty answer, where Python's `input()` would die with
 *   EOFError.
 * - The welcome and the verdict go through `printable`: both are one line of the server's
 *   text, so any control character in them (a newline too) is shown as `\u{…}`, and a server
 *   cannot move the cursor, recolour the screen or forge a line. The seed's never have one.
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Asks for an account name and password and logs in; exit status 0 only on success.

Options:
  --host HOST   server address (default ${HOST})
  --port PORT   server port (default ${PORT})
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
