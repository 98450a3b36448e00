#!/usr/bin/env -S deno run --allow-net
/**
 * @title IO多路复用 — select over three listening ports (a client)
 * @seed 000_84409504fdc3648b.txt, "IO多路复用", socket客户端1代码 and 客户端2代码
 * @run deno run --allow-net=127.0.0.1 select_hello_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Connects to one of the server's ports (8001 is the seed's client 1, `--port 8002` its client
 * 2), prints what it is told, `hello`, and closes: the plainest client there is, one connect
 * and one receive.
 *
 * Python → Deno: `socket()` + `connect()` is one `await Deno.connect()`; `obj.recv(1024)` is
 * `conn.read(buffer)` into a buffer of 1024 bytes.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "select_hello_client.ts";
const HOST = "127.0.0.1";
const PORT = 8001;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // obj = socket.socket(); obj.connect(('127.0.0.1', 8001))
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });

  // content = str(obj.recv(1024), encoding="utf-8"); print(content)
  const content = await recv(conn, new Uint8Array(1024), new TextDecoder());
  console.log(printable(content ?? ""));
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

/**
 * Differences from the seed (same bytes, same screen):
 * - A server that hangs up without a word prints an empty line, as Python prints the empty
 *   string of an empty `recv`; bytes that are not UTF-8 print as U+FFFD where Python raises.
 * - What the server sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Prints what the server at PORT says, then closes.

Options:
  --host HOST   server address (default ${HOST})
  --port PORT   server port (default ${PORT})
  --help        show this help`;

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
