#!/usr/bin/env -S deno run --allow-net --allow-write
/**
 * @title 修改内网版notebook — The LAN notebook: the server
 * @seed 002_74a0ec6df0a817ca.txt, "6. 修改内网版notebook" (the seed shows only the client)
 * @run deno run --allow-net=127.0.0.1 --allow-write=notebook.txt notebook_server.ts
 *
 * The smallest server the seed's notebook client fits: it echoes every note back and appends
 * it, timestamped (`YYYY/MM/DD HH:MM:SS note`), as one line of `notebook.txt` (`--notebook`).
 * It ends a conversation when the client closes, as 6.2 says a server must ("若收不到新消息就退出"):
 * the client's `quit` is never sent, so the empty read is the only signal.
 *
 * Python → Deno: `conn.recv(1024)` is `conn.read(buffer)`, null where Python returns `b''`;
 * appending to a file is `Deno.writeTextFile(path, text, { append: true })`.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "notebook_server.ts";
const HOST = "127.0.0.1";
const PORT = 65432;
const NOTEBOOK = "notebook.txt";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    notebook: { type: "string", default: NOTEBOOK },
    "idle-timeout": { type: "string", default: "300" },
    "max-connections": { type: "string", default: "10000" },
  }, USAGE).values;

  // The echo server the notes start from: socket() + bind() + listen() are one call in Deno.
  const listener = listenOn(flags.host, Number(flags.port));

  // conn, addr = s.accept() in a loop: each client gets its own task, so a second one is
  // served at once instead of waiting for the first to leave.
  // serveEach keeps the loop alive through failed accepts and lets in at most --max-connections.
  await serveEach(
    listener,
    Number(flags["max-connections"]),
    (conn) => serveClient(withIdleTimeout(conn, Number(flags["idle-timeout"])), flags.notebook),
  );
}

/** One client: echo and save every note until it closes. */
async function serveClient(conn: Conn, notebook: string): Promise<void> {
  const client = formatAddress(conn.remoteAddr);
  console.log("Connected by", client);
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();
  try {
    while (true) {
      // data = conn.recv(1024): one read is one note.
      const note = await recv(conn, buffer, decoder);
      // 6.2: if not data: break — no new message means the client has gone.
      if (note === null) break;
      // Appended, never truncated: one stamped line per line of the note.
      const stamp = timestamp();
      const lines = notebookLines(note).map((line) => `${stamp} ${line}\n`);
      await Deno.writeTextFile(notebook, lines.join(""), { append: true });
      // conn.sendall(data): the note goes back as it came.
      await writeAll(conn, encoder.encode(note));
    }
  } catch (error) {
    // Let go by the idle timeout (said on stderr), or any other failure in one line.
    if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    } else {
      console.log(`${client}: ${(error as Error).message}`);
    }
  } finally {
    conn.close();
  }
}

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
 * Differences from the seed (the seed has no server; this is the one its client fits):
 * - The notebook file is only ever appended to: earlier notes are never lost. Appending needs
 *   no read access, hence only `--allow-write` for the file in the `@run` line.
 * - Each note is what one read returns (at most 1024 bytes, as the seed's `recv(1024)`): a
 *   longer one is saved as several lines.
 * - A note with line breaks in it (`nc` sends one for every Enter) is saved one stamped line per
 *   line, so that every line of the notebook is a note; the echo is the note as sent.
 * - Notes are UTF-8 throughout (6.3 中文问题解决). Bytes that are not UTF-8 are saved and
 *   echoed as U+FFFD, so the notebook stays UTF-8.
 * - It prints `Connected by 127.0.0.1:PORT` for each client, as the echo server the notes start
 *   from does.
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--notebook FILE]

Echoes every note back and appends it, timestamped, to FILE.

Options:
  --host HOST       address to listen on (default ${HOST})
  --port PORT       port to listen on, 0 for any free port (default ${PORT})
  --notebook FILE   where notes are saved (default ${NOTEBOOK})
  --idle-timeout SECONDS
                    close a connection when no read or write has begun this long, 0 = never
                    (default 300)
  --max-connections N
                    callers served at once; one more is closed at once (default 10000)
  --help            show this help`;

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

/** `host:port`, with IPv6 hosts in brackets. */
function formatAddress({ hostname, port }: Deno.NetAddr): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/** Listens on host:port and says so on stderr; Ctrl-C or SIGTERM runs `cleanUp` and exits 0. */
function listenOn(hostname: string, port: number, cleanUp = () => {}): Deno.TcpListener {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
  }
  for (const signal of ["SIGINT", Deno.build.os === "windows" ? "SIGBREAK" : "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      cleanUp();
      Deno.exit(0);
    });
  }
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  return listener;
}

/** A connection as the lesson uses it: what `withIdleTimeout` returns. */
type Conn = Pick<Deno.TcpConn, "localAddr" | "remoteAddr" | "read" | "write" | "close">;

/** `conn`, closed when no read or write begins for `seconds` (0 = never), failing with TimedOut. */
function withIdleTimeout(conn: Deno.TcpConn, seconds: number): Conn {
  if (seconds <= 0) return conn;
  // Quiet quarters of the timeout are counted: nothing is timed per read or write.
  const peer = formatAddress(conn.remoteAddr);
  let quietQuarters = 0;
  const check = setInterval(() => {
    quietQuarters++;
    if (quietQuarters < 5) return;
    clearInterval(check);
    conn.close();
  }, seconds * 250);
  function whyFailed(error: unknown): never {
    if (quietQuarters < 5) throw error;
    throw new Deno.errors.TimedOut(`${peer} idle for ${seconds} s: closed`);
  }
  return {
    localAddr: conn.localAddr,
    remoteAddr: conn.remoteAddr,
    // A read or write beginning is the activity that keeps the connection.
    read(buffer) {
      if (quietQuarters < 5) quietQuarters = 0;
      return conn.read(buffer).catch(whyFailed);
    },
    write(data) {
      if (quietQuarters < 5) quietQuarters = 0;
      return conn.write(data).catch(whyFailed);
    },
    close() {
      clearInterval(check);
      if (quietQuarters < 5) conn.close();
    },
  };
}

/**
 * The seed's `while True: conn, addr = s.accept()`, made to last: each caller goes to `serve`
 * (not awaited: the next caller is accepted while it talks), a caller past `maxConnections`
 * open ones is closed at once, and no failure of accept or of `serve` ends the loop.
 */
async function serveEach(
  listener: Deno.TcpListener,
  maxConnections: number,
  serve: (conn: Deno.TcpConn) => Promise<unknown>,
): Promise<void> {
  let open = 0;
  function closed(): void {
    open--;
  }
  while (true) {
    const conn = await acceptRetrying(listener);
    if (open >= maxConnections) {
      // Full: the caller sees its connection close; the ones already in are served.
      conn.close();
      continue;
    }
    open++;
    serve(conn).catch((error) => console.error(`${NAME}: ${(error as Error).message}`))
      .finally(closed);
  }
}

/**
 * `listener.accept()` that outlasts a shortage: when it fails for want of file descriptors
 * (EMFILE) or memory, it says so once and tries again every 0.1 s, keeping the listener.
 */
async function acceptRetrying(listener: Deno.TcpListener): Promise<Deno.TcpConn> {
  let failures = 0;
  while (true) {
    try {
      return await listener.accept();
    } catch (error) {
      // Closed by the server itself (it is stopping): there is nothing more to accept.
      if (error instanceof Deno.errors.BadResource) throw error;
      if (failures === 0) {
        console.error(`${NAME}: cannot accept (${(error as Error).message}): retrying`);
      }
      failures++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
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
