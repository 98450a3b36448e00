#!/usr/bin/env -S deno run --allow-net
/**
 * @title 3.2 使用struct解决数字转字节 — 4-byte length headers: the client
 * @seed 003_5d88270f3bd9af2f.txt, "3.2 使用struct解决数字转字节", 案例 client.py
 * @run deno run --allow-net=127.0.0.1 framed_client.ts [--host 127.0.0.1] [--port 8001] [MESSAGE …]
 *
 * Sends each message with a 4-byte header holding its byte length, `struct.pack('i', n)`
 * (signed 32-bit little-endian), then closes. Without arguments it sends the seed's two,
 * `xin正在学习` and `应该没有`; give others to send those instead. A header of fixed size is
 * what the previous lesson's length-as-text lacked: the receiver always knows where it ends.
 *
 * Python → Deno: `struct.pack('i', n)` is a 4-byte array written with
 * `new DataView(header.buffer).setInt32(0, n, true)`.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "framed_client.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const SEED_MESSAGES = ["xin正在学习", "应该没有"];

async function main(): Promise<void> {
  const parsed = readFlags(
    {
      host: { type: "string", default: HOST },
      port: { type: "string", default: String(PORT) },
    },
    USAGE,
    true,
  );
  const flags = parsed.values;
  const messages = parsed.positionals.length ? parsed.positionals : SEED_MESSAGES;

  // socket() + connect() are one call in Deno.
  const conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });

  for (const message of messages) {
    const data = encoder.encode(message);
    // heard1 = struct.pack('i', len(data1)); client.sendall(heard1); client.sendall(data1)
    await writeAll(conn, header(data.length));
    await writeAll(conn, data);
  }
  conn.close();
}

/** struct.pack('i', n): 4 bytes, signed, little-endian. */
function header(n: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, n, true);
  return bytes;
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/**
 * Differences from the seed: the same bytes for the seed's two messages; other messages may be
 * given as arguments. A server that cannot be reached is one line on stderr and exit status 1.
 */

// ─── Plumbing: flags, usage errors, connecting (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [MESSAGE ...]

Sends each MESSAGE (default: ${SEED_MESSAGES.join(", ")}) after a 4-byte length header.

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
