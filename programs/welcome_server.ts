#!/usr/bin/env -S deno run --allow-net
/**
 * @title 样例程序的问题 — The kudingcha welcome server
 * @seed 002_74a0ec6df0a817ca.txt, "4. 样例程序的问题", the first "正确可运行程序"
 * @run deno run --allow-net=127.0.0.1 welcome_server.ts [--host 127.0.0.1] [--port 12346]
 *
 * The notes' journey ends in a server that greets each caller with `welcome kudingcha Tea
 * Garden` and stops once a caller hangs up. Without waiting for the caller (`if not
 * c.recv(1024): break`) the server loops forever; waiting right after `accept`, before
 * sending, leaves both sides waiting. So: accept, print the address, greet, then wait.
 *
 * Python → Deno: `c.send(b'…')` is `writeAll` of the encoded text; `if not c.recv(1024)` is a
 * read that returns null, Deno's end of stream where Python gives `b''`.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "welcome_server.ts";
const HOST = "127.0.0.1";
const PORT = 12346;
const WELCOME = "welcome kudingcha Tea Garden";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
    "idle-timeout": { type: "string", default: "300" },
  }, USAGE).values;
  const idleSeconds = Number(flags["idle-timeout"]);

  // with socket.socket(AF_INET, SOCK_STREAM) as s: s.bind((HOST, PORT)); s.listen(5)
  const listener = listenOn(flags.host, Number(flags.port));

  // while True: c, addr = s.accept() — one caller after another, as in the seed: the others
  // wait in the listen backlog.
  while (true) {
    const conn = await acceptRetrying(listener);
    // print('Address:', addr)
    console.log("Address:", formatAddress(conn.remoteAddr));
    const hungUp = await greetCaller(withIdleTimeout(conn, idleSeconds));
    // `if not c.recv(1024): break` — the caller hung up without a word: the server is done.
    if (hungUp) break;
  }
  listener.close();
}

/**
 * One caller: greet, then wait for a word, then close. True if the caller hung up instead (an
 * empty read); false if it said anything, reset the connection or went idle: then only this
 * conversation is over, not the server.
 */
async function greetCaller(conn: Conn): Promise<boolean> {
  const buffer = new Uint8Array(1024);
  try {
    // c.send(b'welcome kudingcha Tea Garden'): first, since waiting for the caller before
    // this would leave both sides waiting.
    await writeAll(conn, encoder.encode(WELCOME));
    // c.recv(1024): what the caller says does not matter, only whether it hung up.
    const heard = await recv(conn, buffer, new TextDecoder());
    return heard === null;
  } catch (error) {
    if (error instanceof Deno.errors.TimedOut) {
      console.error(`${NAME}: ${error.message}`);
    }
    return false;
  } finally {
    // c.close()
    conn.close();
  }
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
 * Differences from the seed (same bytes on the wire; behaviour fixed):
 * - Python prints `Address: ('127.0.0.1', 53320)`; this prints `Address: 127.0.0.1:53320`.
 * - A caller that resets the connection, or is let go by `--idle-timeout`, ends only its own
 *   conversation: the server waits for the next caller. Only a caller that hangs up (an empty
 *   read) ends the server.
 * - What a caller says is one `recv(1024)`; its content does not matter (not UTF-8, longer
 *   than 1024 bytes: the conversation simply ends).
 */

// ─── Plumbing: flags, usage errors, idle timeout, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Greets each caller with "${WELCOME}"; ends when a caller hangs up.

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
  --idle-timeout SECONDS
                close a connection when no read or write has begun this long, 0 = never
                (default 300)
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
