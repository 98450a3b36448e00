#!/usr/bin/env -S deno run --allow-net
/**
 * @title 3.1 解决粘包问题的思路 — Length as text: the client
 * @seed 003_5d88270f3bd9af2f.txt, "3.1 解决粘包问题的思路", client.py
 * @run deno run --allow-net=127.0.0.1 sticky_len_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * For each of `kinght love ` and `aym`: sends its byte length as decimal text, then the
 * message itself, and closes: `12kinght love 3aym` on the wire. The length is what lets the
 * receiver find where one message ends and the next begins.
 *
 * Python → Deno: `str(len(item.encode('utf-8'))).encode('utf-8')` is
 * `encoder.encode(String(bytes.length))`: the length in bytes, not characters, as text.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "sticky_len_client.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const TEXT = ["kinght love ", "aym"];

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // socket() + connect() are one call in Deno.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });

  for (const item of TEXT) {
    const bytes = encoder.encode(item);
    // First the length in bytes, as text: an int cannot be sent as bytes without a format.
    await writeAll(conn, encoder.encode(String(bytes.length)));
    // Then the message itself.
    await writeAll(conn, bytes);
  }
  conn.close();
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/**
 * Differences from the seed: none in bytes or on screen; a server that cannot be reached is
 * one line on stderr and exit status 1.
 */

// ─── Plumbing: flags, usage errors, connecting (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Sends each message as its length in decimal text, then the message.

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
