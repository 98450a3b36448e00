#!/usr/bin/env -S deno run -A
/**
 * @title 修改内网版notebook — The LAN notebook: the server
 * @seed 002_74a0ec6df0a817ca.txt, "6. 修改内网版notebook" (the seed shows only the client)
 * @run deno run --allow-net=127.0.0.1 --allow-write=notebook.txt notebook_server.ts
 *
 * The smallest server the seed's notebook client fits: it echoes every note back, and saves
 * it, timestamped (`YYYY/MM/DD HH:MM:SS note`), as one line of `notebook.txt` (`--notebook`).
 * The file is only ever appended to: earlier notes are never lost. It ends a conversation
 * when the client closes, as the seed's 6.2 says a server must ("若收不到新消息就退出"):
 * the client's `quit` is never sent, so the empty read is the only signal.
 *
 * It only appends to the notebook file (appending needs no read access), hence the narrow
 * flags above. Each note is what one read returns (at most 1024 bytes, as the seed's
 * `recv(1024)`): a longer one is saved as several lines. A note with line breaks in it (`nc`
 * sends one for every Enter) is saved one stamped line per line, so that every line of the
 * notebook is a note; the echo is the note as sent. Bytes that are not UTF-8 are saved
 * and echoed as U+FFFD, so the notebook stays UTF-8. `--idle-timeout SECONDS` (default 300,
 * 0 = never) closes a connection whose read or write has waited that long, with one line on
 * stderr. Notes are UTF-8 throughout (6.3 中文问题解决). It prints `Connected by
 * 127.0.0.1:PORT` for each client, as the echo server the notes start from does, announces
 * `listening on tcp://HOST:PORT` on stderr and stops cleanly on Ctrl-C or SIGTERM (exit 0).
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "notebook_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_PORT = 65432;
const DEFAULT_NOTEBOOK = "notebook.txt";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--notebook FILE]

Echoes every note back and appends it, timestamped, to FILE.

Options:
  --host HOST       address to listen on (default ${DEFAULT_HOST})
  --port PORT       port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --notebook FILE   where notes are saved (default ${DEFAULT_NOTEBOOK})
  --idle-timeout SECONDS
                    close a connection whose read or write has waited this long, 0 = never
                    (default ${DEFAULT_IDLE_SECONDS})
  --help            show this help`;

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

/** Parses `--idle-timeout`: a non-negative number of seconds, or exits with a usage error. */
function parseSeconds(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) {
    usageError(`--idle-timeout takes a number of seconds (0 = never), not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** `host:port`, with IPv6 hosts in brackets. */
function formatAddress(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
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

/**
 * Closes `conn` once one of its reads or writes has waited `seconds` without completing (0 =
 * never), after telling stderr: a client that stalls or goes silent cannot hold its
 * connection forever. The pending read or write then fails, which ends that conversation as a
 * disconnect would; other connections are not affected. One check every quarter of the
 * timeout costs less than a timer per read: a stalled connection goes within 1 to 1.25 times
 * `seconds`. Closing it twice is harmless.
 */
function closeWhenIdle(conn: Deno.Conn, seconds: number, who: string): void {
  if (seconds <= 0) return;
  let pending = 0;
  let since = Date.now();
  let closed = false;
  const check = setInterval(() => {
    if (pending === 0 || Date.now() - since < seconds * 1000) return;
    console.error(`${NAME}: ${who} idle for ${seconds} s: closed`);
    conn.close();
  }, seconds * 250);
  Deno.unrefTimer(check);
  const watch = <T>(io: Promise<T>): Promise<T> => {
    if (pending++ === 0) since = Date.now();
    return io.finally(() => {
      pending--;
      since = Date.now();
    });
  };
  const read = conn.read.bind(conn);
  const write = conn.write.bind(conn);
  const close = conn.close.bind(conn);
  conn.read = (buffer) => watch(read(buffer));
  conn.write = (data) => watch(write(data));
  conn.close = () => {
    if (closed) return;
    closed = true;
    clearInterval(check);
    close();
  };
}

/** Listens on host:port, or fails with a one-line reason. */
function listenOn(hostname: string, port: number): Deno.TcpListener {
  try {
    return Deno.listen({ hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
  }
}

/** Runs `stop` on Ctrl-C (and SIGTERM where the platform has it). */
function onShutdown(stop: () => void): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
}
// --- the lesson ---

/** Python's `time.strftime('%Y/%m/%d %H:%M:%S')`, local time. */
function timestamp(date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}/${two(date.getMonth() + 1)}/${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/**
 * The lines a note is saved as: one per line of it, so that every line of the notebook is a
 * stamped note. A line break at the very end (what `nc` sends for Enter) ends the last line.
 */
function notebookLines(note: string): string[] {
  const lines = note.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  return lines;
}

/** One client: echo and save every note until it closes. */
async function serveClient(
  conn: Deno.TcpConn,
  notebook: string,
  idleSeconds: number,
): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  closeWhenIdle(conn, idleSeconds, client);
  console.log("Connected by", client);
  const decoder = new TextDecoder();
  try {
    while (true) {
      const note = await readMessage(conn, decoder);
      // 6.2: no new message means the client has gone.
      if (note === null) break;
      // Appended, never truncated: one stamped line per line of the note.
      const stamp = timestamp();
      const lines = notebookLines(note).map((line) => `${stamp} ${line}\n`);
      await Deno.writeTextFile(notebook, lines.join(""), { append: true });
      await writeAll(conn, encoder.encode(note));
    }
  } catch (error) {
    // An idle connection was reported by closeWhenIdle; anything else in one line.
    if (!(error instanceof Deno.errors.Interrupted)) {
      console.log(`${client}: ${(error as Error).message}`);
    }
  } finally {
    conn.close();
  }
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
        notebook: { type: "string", default: DEFAULT_NOTEBOOK },
        "idle-timeout": { type: "string", default: String(DEFAULT_IDLE_SECONDS) },
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
  const idleSeconds = parseSeconds(flags["idle-timeout"]);
  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  for await (const conn of listener) serveClient(conn, flags.notebook, idleSeconds);
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
