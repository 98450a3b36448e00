#!/usr/bin/env -S deno run -A
/**
 * @title 案例3：远程登陆系统 — Remote login: the client
 * @seed 003_5d88270f3bd9af2f.txt, "案例3：远程登陆系统", client.py
 * @run deno run --allow-net=127.0.0.1 login_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Prints the server's welcome, asks `请输入账号名:` and `请输入密码:`, sends
 * `{"username": NAME, "password": md5("sdasdfagfawds" + PASSWORD)}` and prints the answer:
 * `登陆成功` or `账号或密码错误`. The exit status is 0 only for a successful login.
 *
 * The salted MD5 is the seed's and a teaching artifact: anyone who sees the hash on the wire
 * can replay it. See `login_server.ts`.
 *
 * Only `--allow-net` for the server's address is needed. Same bytes as the Python original:
 * the JSON is written as Python's `json.dumps` writes it (`": "`, `", "`, non-ASCII as
 * `\uXXXX`). The answer is read to the end of the stream (the server hangs up after it), so a
 * split answer is never cut short.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";

const NAME = "login_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const SALT = "sdasdfagfawds";
const SUCCESS = "登陆成功";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Asks for an account name and password and logs in; exit status 0 only on success.

Options:
  --host HOST   server address (default ${DEFAULT_HOST})
  --port PORT   server port (default ${DEFAULT_PORT})
  --help        show this help`;

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

/** Connects to host:port, or fails with a one-line reason. */
async function connectTo(hostname: string, port: number): Promise<Deno.TcpConn> {
  try {
    return await Deno.connect({ hostname, port });
  } catch (error) {
    throw new Error(`cannot connect to ${hostname}:${port}: ${(error as Error).message}`);
  }
}

/** The lines of standard input, without their line endings. */
async function* stdinLines(): AsyncGenerator<string> {
  let pending = "";
  for await (const text of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    pending += text;
    let end = pending.indexOf("\n");
    while (end >= 0) {
      yield pending.slice(0, end).replace(/\r$/, "");
      pending = pending.slice(end + 1);
      end = pending.indexOf("\n");
    }
  }
  if (pending !== "") yield pending;
}

const lines = stdinLines();

/** Python's `input(prompt)`: the prompt without a newline, then one line; null at end of input. */
async function input(prompt: string): Promise<string | null> {
  await writeAll(Deno.stdout, encoder.encode(prompt));
  const next = await lines.next();
  return next.done ? null : next.value;
}
// --- the lesson ---

/** The seed's md5(): the salt first, then the password, both UTF-8. */
function md5(origin: string, salt = SALT): string {
  return createHash("md5").update(encoder.encode(salt)).update(encoder.encode(origin)).digest(
    "hex",
  );
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

async function main(args: string[]): Promise<void> {
  let flags;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_PORT) },
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
  const conn = await connectTo(flags.host, port);
  const welcome = await readMessage(conn, new TextDecoder());
  if (welcome === null) throw new Error("the server closed the connection");
  console.log(welcome);
  const username = (await input("请输入账号名:") ?? "").trim();
  const password = (await input("请输入密码:") ?? "").trim();
  await writeAll(conn, encoder.encode(pythonJson({ username, password: md5(password) })));
  // The server hangs up after its answer: read to the end.
  const status = await new Response(conn.readable).text();
  console.log(status);
  if (status !== SUCCESS) Deno.exit(1);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
