#!/usr/bin/env -S deno run -A --unstable-net
/**
 * @title 2.2 UDP代码示例 — UDP example: the client
 * @seed 003_5d88270f3bd9af2f.txt, "2.2 UDP代码示例", 客户端
 * @run deno run --unstable-net --allow-net=127.0.0.1 udp_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Asks `请输入要发送的内容(Q退出):`, sends each line as one datagram to the server and prints its
 * answer; `q` or `Q` leaves. No connection is made: every datagram carries its address.
 *
 * UDP does not promise delivery. The seed's client waits for an answer forever, so one lost
 * datagram hangs it. This one waits `--timeout` seconds (default 1), then sends the line
 * again, up to `--retries` times (default 3), and says so; if no answer comes at all it
 * reports it in one line and asks for the next line. A resent line may reach the server twice
 * (when the answer, not the question, was lost): UDP carries no sequence numbers to tell.
 *
 * `Deno.listenDatagram` still needs `--unstable-net` in Deno 2.9, hence the flag in the
 * shebang. Same bytes and screen as the Python original otherwise; an empty line is sent as an
 * empty datagram, as in the seed, and end of input counts as `Q`.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "udp_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const PROMPT = "请输入要发送的内容(Q退出):";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--timeout SECONDS] [--retries N]

UDP client: sends each line you type as a datagram and prints the answer; q or Q leaves.
A datagram that gets no answer within the timeout is sent again, up to N more times.

Options:
  --host HOST         server address (default ${DEFAULT_HOST})
  --port PORT         server port (default ${DEFAULT_PORT})
  --timeout SECONDS   how long to wait for an answer (default 1)
  --retries N         how many times to send again (default 3)
  --help              show this help`;

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

async function main(args: string[]): Promise<void> {
  let flags;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_PORT) },
        timeout: { type: "string", default: "1" },
        retries: { type: "string", default: "3" },
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
  const seconds = Number(flags.timeout);
  const retries = Number(flags.retries);
  if (!(seconds > 0)) {
    usageError(`--timeout takes a number of seconds, not ${JSON.stringify(flags.timeout)}`);
  }
  if (!Number.isInteger(retries) || retries < 0) {
    usageError(`--retries takes a whole number, not ${JSON.stringify(flags.retries)}`);
  }

  // No connect(): a socket of our own on any port, and the server's address on each send.
  const client = Deno.listenDatagram({
    transport: "udp",
    hostname: flags.host.includes(":") ? "::" : "0.0.0.0",
    port: 0,
  });
  const server: Deno.NetAddr = { transport: "udp", hostname: flags.host, port };
  const decoder = new TextDecoder();
  // One receive at a time: a receive still waiting after a timeout is the one to wait on next.
  let pending: Promise<[Uint8Array, Deno.Addr]> | null = null;
  const answer = async (): Promise<Uint8Array | null> => {
    pending ??= client.receive();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((
      resolve,
    ) => (timer = setTimeout(() => resolve(null), seconds * 1000)));
    const got = await Promise.race([pending, late]);
    clearTimeout(timer);
    if (got === null) return null;
    pending = null;
    return got[0];
  };

  while (true) {
    const line = await input(PROMPT);
    if (line === null) console.log();
    const text = (line ?? "Q").trim();
    if (text.toUpperCase() === "Q") break;
    let reply: Uint8Array | null = null;
    for (let attempt = 0; attempt <= retries && reply === null; attempt++) {
      if (attempt > 0) {
        console.log(`(no answer within ${seconds} s, sending again: ${attempt} of ${retries})`);
      }
      await client.send(encoder.encode(text), server);
      reply = await answer();
    }
    console.log(
      reply === null
        ? `(no answer after ${retries + 1} tries; the server may be down)`
        : decoder.decode(reply),
    );
  }
  client.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
