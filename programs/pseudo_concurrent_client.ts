#!/usr/bin/env -S deno run --allow-net
/**
 * @title 5.2 IO复用完成客户端基础伪并发请求 — Four requests in flight at once
 * @seed 003_5d88270f3bd9af2f.txt, "5.2 IO复用完成客户端基础伪并发请求", client.py
 * @run deno run --allow-net=127.0.0.1 pseudo_concurrent_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Opens four connections at once and sends `first`, `sleep`, `second` and `third`, one on
 * each, printing each as it goes; then prints each answer as it arrives. With `delay_server.ts`
 * the answers to first, second and third come at once and the answer to sleep last; against
 * `delay_server.ts --blocking` the ones sent after sleep wait for it.
 *
 * Python → Deno: the seed's non-blocking `connect()` and `select(recv_list, client_list, …)`
 * loop become four async tasks (connect, send, read the answer) run at once by `Promise.all`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "pseudo_concurrent_client.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const MESSAGES = ["first", "sleep", "second", "third"];

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // for item in inp_text: client.setblocking(False); client.connect(...) — all four at once.
  const port = Number(flags.port);
  const conns = await Promise.all(MESSAGES.map(() => Deno.connect({ hostname: flags.host, port })));

  // for sock in w: print(data); sock.sendall(data) — each connection sends its message, in order.
  for (const [i, conn] of conns.entries()) {
    console.log(MESSAGES[i]);
    await writeAll(conn, encoder.encode(MESSAGES[i]));
  }

  // for sock in r: print(sock.recv(1024)); sock.close() — each answer printed the moment it
  // arrives; the client ends when all four are in.
  await Promise.all(conns.map(printAnswer));
}

/** Waits for the one answer on `conn`, prints it, and closes the connection. */
async function printAnswer(conn: Deno.TcpConn): Promise<void> {
  const answer = await recv(conn, new Uint8Array(1024), new TextDecoder());
  console.log(printable(answer ?? "(the server closed the connection without an answer)"));
  conn.close();
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
 * Differences from the seed (same bytes on the wire):
 * - Python prints the answers as bytes (`b'\xe5\xb7\xb2…'`); this prints their text.
 * - The client ends when every answer is in; the seed's loop goes on forever.
 * - A connection the server closes without answering prints a line saying so.
 * - What the server sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Sends ${MESSAGES.join(", ")} on four connections at once and prints the answers as they come.

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
