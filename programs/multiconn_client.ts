#!/usr/bin/env -S deno run --allow-net
/**
 * @title selectors — several connections at once: the client
 * @seed 002_74a0ec6df0a817ca.txt, "5. selectors" (the multi-connection program its notes are about)
 * @run deno run --allow-net=127.0.0.1 multiconn_client.ts [--host 127.0.0.1] [--port 65432]
 *
 * Opens `--conns` connections (default 2) from one process, all at once; on each it sends
 * `Message 1 from client.` and `Message 2 from client.`, reads the echo until every byte it
 * sent has come back, and closes. Then it prints each connection's story, in connection order.
 *
 * Python → Deno: the selectors client keeps the messages still to send in each socket's
 * `key.data` and waits on `sel.select()`; here each connection is an async function with those
 * as local variables, and they all run at once under one `Promise.all`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "multiconn_client.ts";
const HOST = "127.0.0.1";
const PORT = 65432;
const CONNECTIONS = 2;
const MESSAGES = ["Message 1 from client.", "Message 2 from client."];

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    conns: { type: "string", default: String(CONNECTIONS) },
  }, USAGE).values;
  const count = Number(flags.conns);
  if (!/^\d{1,4}$/.test(flags.conns) || count < 1 || count > 1000) {
    throw new UsageError(`--conns takes 1 to 1000, not ${JSON.stringify(flags.conns)}`);
  }

  // start_connections(host, port, num_conns): every connection starts now, none waits for
  // another; Promise.all waits for them all, as the select loop runs until none is left.
  const conversations: Promise<string[]>[] = [];
  for (let id = 1; id <= count; id++) {
    conversations.push(converse(flags.host, Number(flags.port), id));
  }
  const stories = await Promise.all(conversations);

  // Printed once all are done, in connection order, so the output does not depend on which
  // connection the network happened to serve first:
  //   starting connection 1 to 127.0.0.1:65432
  //   sending Message 1 from client. to connection 1
  //   …
  //   received Message 1 from client.Message 2 from client. from connection 1
  //   closing connection 1
  for (const story of stories) {
    for (const line of story) console.log(line);
  }
}

/** One connection's work; returns the lines that tell its story. */
async function converse(host: string, port: number, id: number): Promise<string[]> {
  const story = [`starting connection ${id} to ${host}:${port}`];
  const conn = await Deno.connect({ hostname: host, port });
  let total = 0;
  for (const message of MESSAGES) {
    story.push(`sending ${message} to connection ${id}`);
    const bytes = encoder.encode(message);
    await writeAll(conn, bytes);
    total += bytes.length;
  }
  // Everything sent comes back, in whatever pieces: count bytes, not reads.
  let echoed: Uint8Array | null = null;
  try {
    echoed = await readExactly(conn, total);
  } catch (error) {
    // ShortRead: some of the echo came, not all. The same story as none.
    if (!(error instanceof ShortRead)) throw error;
  }
  if (echoed === null) throw new EchoCutShort(id);
  story.push(`received ${printable(new TextDecoder().decode(echoed))} from connection ${id}`);
  story.push(`closing connection ${id}`);
  conn.close();
  return story;
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

/** Why the client stops: the server closed a connection before echoing all it was sent. */
class EchoCutShort extends Error {
  constructor(id: number) {
    super(`connection ${id}: the server closed before echoing everything`);
  }
}

/**
 * Differences from the seed (its notes describe the selectors program; they do not list it):
 * - The stories are printed once every connection is done, in connection order, where the
 *   selectors program prints as events happen: the output is the same on every run.
 * - The echo may come back in other pieces than it was sent in (TCP keeps no message
 *   boundaries), so the client counts bytes, not reads.
 * - If the server closes a connection before echoing everything, the client says so in one
 *   line and exits with status 1.
 * - What the server sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, connecting (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--conns N]

Opens N connections at once, sends two messages on each and reads their echo.

Options:
  --host HOST   server address (default ${HOST})
  --port PORT   server port (default ${PORT})
  --conns N     how many connections (default ${CONNECTIONS})
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
