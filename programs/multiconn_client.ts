#!/usr/bin/env -S deno run -A
/**
 * @title selectors — several connections at once: the client
 * @seed 002_74a0ec6df0a817ca.txt, "5. selectors" (the multi-connection program its notes are about)
 * @run deno run --allow-net=127.0.0.1 multiconn_client.ts [--host 127.0.0.1] [--port 65432]
 *
 * Opens `--conns` connections (default 2) from one process, all at once; on each it sends
 * `Message 1 from client.` and `Message 2 from client.`, reads the echo until every byte it
 * sent has come back, and closes. Then it prints each connection's story, in connection order:
 *
 * ```
 * starting connection 1 to 127.0.0.1:65432
 * sending Message 1 from client. to connection 1
 * …
 * received Message 1 from client.Message 2 from client. from connection 1
 * closing connection 1
 * ```
 *
 * Python → Deno: the selectors client registers each socket for read and write and keeps the
 * messages still to send in `key.data`; here each connection is an async function with those
 * as local variables, and they all run at once under one `Promise.all`. The echo may come back
 * in other pieces than it was sent in (TCP keeps no message boundaries), so the client counts
 * bytes, not reads. Printing waits until every connection is done, so the output does not
 * depend on which connection the network happened to serve first.
 *
 * Only `--allow-net` for the server's address is needed.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "multiconn_client.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 65432;
const MESSAGES = ["Message 1 from client.", "Message 2 from client."];

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--conns N]

Opens N connections at once, sends two messages on each and reads their echo.

Options:
  --host HOST   server address (default ${DEFAULT_HOST})
  --port PORT   server port (default ${DEFAULT_PORT})
  --conns N     how many connections (default 2)
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

/** Reads exactly `n` bytes, however the network splits them; null if the peer closes first. */
async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array | null> {
  const data = new Uint8Array(n);
  for (let got = 0; got < n;) {
    const read = await conn.read(data.subarray(got));
    if (read === null) return null;
    got += read;
  }
  return data;
}

/** Connects to host:port, or fails with a one-line reason. */
async function connectTo(hostname: string, port: number): Promise<Deno.TcpConn> {
  try {
    return await Deno.connect({ hostname, port });
  } catch (error) {
    throw new Error(`cannot connect to ${hostname}:${port}: ${(error as Error).message}`);
  }
}
// --- the lesson ---

/** One connection's work; returns the lines that tell its story. */
async function converse(host: string, port: number, id: number): Promise<string[]> {
  const story = [`starting connection ${id} to ${host}:${port}`];
  const conn = await connectTo(host, port);
  let total = 0;
  for (const message of MESSAGES) {
    story.push(`sending ${message} to connection ${id}`);
    const bytes = encoder.encode(message);
    await writeAll(conn, bytes);
    total += bytes.length;
  }
  // Everything sent comes back, in whatever pieces.
  const echoed = await readExactly(conn, total);
  if (echoed === null) {
    throw new Error(`connection ${id}: the server closed before echoing everything`);
  }
  story.push(`received ${new TextDecoder().decode(echoed)} from connection ${id}`);
  story.push(`closing connection ${id}`);
  conn.close();
  return story;
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
        conns: { type: "string", default: "2" },
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
  const count = Number(flags.conns);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    usageError(`--conns takes 1 to 1000, not ${JSON.stringify(flags.conns)}`);
  }
  const stories = await Promise.all(
    Array.from({ length: count }, (_, i) => converse(flags.host, port, i + 1)),
  );
  for (const line of stories.flat()) console.log(line);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
