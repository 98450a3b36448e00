#!/usr/bin/env -S deno run --unstable-net --allow-net
/**
 * @title 2.2 UDP代码示例 — UDP example: the client
 * @seed 003_5d88270f3bd9af2f.txt, "2.2 UDP代码示例", 客户端
 * @run deno run --unstable-net --allow-net=127.0.0.1 udp_client.ts [--host 127.0.0.1] [--port 8001]
 *
 * Asks `请输入要发送的内容(Q退出):`, sends each line as one datagram to the server and prints its
 * answer; `q` or `Q` leaves. No connection is made: every datagram carries its address. UDP does
 * not promise delivery, so a line that gets no answer in time is sent again.
 *
 * Python → Deno: `socket(AF_INET, SOCK_DGRAM)` is `Deno.listenDatagram()` on any free port
 * (still behind `--unstable-net` in Deno 2.9); `sendto()` and `recvfrom()` are
 * `send(data, address)` and `receive()`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "udp_client.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const PROMPT = "请输入要发送的内容(Q退出):";
const QUIT = "Q";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    timeout: { type: "string", default: "1" },
    retries: { type: "string", default: "3" },
  }, USAGE).values;
  const seconds = Number(flags.timeout);
  // Under 1,000,000 s, as --idle-timeout: a timer longer than 24.8 days would fire at once.
  const secondsShape = /^\d{1,6}(\.\d+)?$/;
  const retries = Number(flags.retries);
  if (!secondsShape.test(flags.timeout) || seconds === 0) {
    throw new UsageError(
      `--timeout takes seconds, more than 0 and under 1000000, not ${
        JSON.stringify(flags.timeout)
      }`,
    );
  }
  if (!/^\d{1,6}$/.test(flags.retries)) {
    throw new UsageError(`--retries takes a whole number, not ${JSON.stringify(flags.retries)}`);
  }

  // socket(AF_INET, SOCK_DGRAM), and no connect(): a socket of our own on any free port, and
  // the server's address given with every datagram sent.
  const client = Deno.listenDatagram({
    transport: "udp",
    hostname: ownAddress(flags.host),
    port: 0,
  });
  const server: Deno.NetAddr = { transport: "udp", hostname: flags.host, port: Number(flags.port) };
  const decoder = new TextDecoder();
  // A socket takes one receive at a time: a receive still waiting when its time is up (the
  // answer is late, or lost) is the one to wait on at the next try.
  let receiving: Promise<[Uint8Array, Deno.Addr]> | null = null;

  while (true) {
    // text = input("请输入要发送的内容(Q退出):").strip(); the end of input counts as Q.
    const line = await input(PROMPT);
    if (line === null) console.log();
    const text = (line ?? QUIT).trim();
    if (text.toUpperCase() === QUIT) break;
    // client.sendto(...) then client.recvfrom(1024), sent again while no answer comes in time.
    let reply: Uint8Array | null = null;
    for (let attempt = 0; attempt <= retries && reply === null; attempt++) {
      if (attempt > 0) {
        console.log(`(no answer within ${seconds} s, sending again: ${attempt} of ${retries})`);
      }
      await client.send(encoder.encode(text), server);
      receiving ??= client.receive();
      const answer = await within(receiving, seconds);
      if (answer !== null) {
        reply = answer[0];
        receiving = null;
      }
    }
    // print(data.decode('utf-8'))
    console.log(
      reply === null
        ? `(no answer after ${retries + 1} tries; the server may be down)`
        : printable(decoder.decode(reply)),
    );
  }
  client.close();
}

/**
 * The address the client's own socket is bound to: loopback for a server on loopback (all that
 * the `@run` line's `--allow-net=127.0.0.1` allows), else every address of the server's family.
 */
function ownAddress(server: string): string {
  if (/^127\.\d+\.\d+\.\d+$/.test(server) || server === "::1") return server;
  return server.includes(":") ? "::" : "0.0.0.0";
}

/** What `promise` gives, or null if it has not settled within `seconds` (it may still do so). */
async function within<T>(promise: Promise<T>, seconds: number): Promise<T | null> {
  const late = Promise.withResolvers<null>();
  const timer = setTimeout(() => late.resolve(null), seconds * 1000);
  try {
    return await Promise.race([promise, late.promise]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Differences from the seed (same bytes and screen otherwise):
 * - UDP does not promise delivery. The seed's client waits for an answer forever, so one lost
 *   datagram hangs it. This one waits `--timeout` seconds (default 1), then sends the line
 *   again, up to `--retries` times (default 3), and says so; if no answer comes at all it
 *   reports it in one line and asks for the next line.
 * - A resent line may reach the server twice (when the answer, not the question, was lost):
 *   UDP carries no sequence numbers to tell.
 * - The seed's socket is bound by its first `sendto()`, to every address; this one is bound
 *   before it sends, to loopback when the server is on loopback, so that the `@run` line's
 *   `--allow-net=127.0.0.1` is all it needs.
 * - An empty line is sent as an empty datagram, as in the seed; the end of input counts as `Q`
 *   where Python's `input()` would die with EOFError.
 * - What the server sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--timeout SECONDS] [--retries N]

UDP client: sends each line you type as a datagram and prints the answer; q or Q leaves.
A datagram that gets no answer within the timeout is sent again, up to N more times.

Options:
  --host HOST         server address (default ${HOST})
  --port PORT         server port (default ${PORT})
  --timeout SECONDS   how long to wait for an answer (default 1)
  --retries N         how many times to send again (default 3)
  --help              show this help`;

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

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
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
