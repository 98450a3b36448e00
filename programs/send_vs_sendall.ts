#!/usr/bin/env -S deno run --allow-net
/**
 * @title send和sendall区别 — send vs sendall
 * @seed 000_84409504fdc3648b.txt, "send和sendall区别"
 * @run deno run --allow-net=127.0.0.1 send_vs_sendall.ts [--host 127.0.0.1] [--port 0]
 *
 * `send()` may send only part of what it is given and says how much; `sendall()` loops until
 * everything is sent. Shown for real: the script connects to itself and, while the receiving
 * side is not reading yet, writes 64 MiB with one `conn.write`: the kernel's buffers take only
 * a few MiB, and the call says so. Then the receiver starts reading, and the write-all loop
 * sends the rest; the receiver counts every byte.
 *
 * Python → Deno: `conn.send(data)` is `conn.write(data)`, which resolves with the number of
 * bytes written, maybe fewer than `data.length`; `conn.sendall(data)` is the `writeAll` loop.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "send_vs_sendall.ts";
const HOST = "127.0.0.1";
const PORT = 0;
/** 64 MiB: far more than the kernel's socket buffers hold while nobody reads. */
const SIZE = 64 << 20;

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // Both ends in one script: listen (on any free port by default), connect, accept.
  const listener = listenQuietly(flags.host, Number(flags.port));
  const sender = await Deno.connect({ hostname: listener.addr.hostname, port: listener.addr.port });
  const receiver = await listener.accept();
  const data = new Uint8Array(SIZE).fill(0x61);

  // conn.send(data): one call; nobody reads yet, so only what fits in the buffers goes.
  const sent = await sender.write(data);
  console.log(
    `send: one conn.write() of ${SIZE} bytes wrote ${
      sent < SIZE ? "only part of them" : "all of them"
    }`,
  );

  // conn.sendall(data): loop until the rest is written, while the receiver reads.
  const received = countUntilClosed(receiver);
  await writeAll(sender, data.subarray(sent));
  sender.close();
  console.log(`sendall: the write-all loop wrote the other ${sent < SIZE ? "part" : "0 bytes"}`);
  console.log(`the receiver got ${await received} bytes of ${SIZE}`);
  receiver.close();
  listener.close();
}

/**
 * Listens on host:port, or fails with a one-line reason. Unlike a server's `listenOn` it
 * announces nothing and takes no signals: the demo ends by itself.
 */
function listenQuietly(hostname: string, port: number): Deno.TcpListener {
  try {
    return Deno.listen({ hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
  }
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/** Reads until the peer closes; returns how many bytes came. */
async function countUntilClosed(conn: Deno.Conn): Promise<number> {
  const buffer = new Uint8Array(1 << 20);
  let total = 0;
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return total;
    total += n;
  }
}

/**
 * Differences from the seed: the seed only names the two calls (and its
 * `conn.send("this is a test send")` passes a str, which Python 3 refuses: it takes bytes).
 * This makes a partial send happen instead of describing it, on a connection to itself, with
 * enough bytes that the kernel's buffers cannot take them all at once.
 */

// ─── Plumbing: flags, usage errors, listening, connecting (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Shows a partial conn.write() (send) and the write-all loop that fixes it (sendall),
over a connection to itself.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on (default ${PORT}: any free port)
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
