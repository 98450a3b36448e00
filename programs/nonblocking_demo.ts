#!/usr/bin/env -S deno run -A
/**
 * @title 4 阻塞与非阻塞 — setblocking(False) and BlockingIOError, the Deno way
 * @seed 003_5d88270f3bd9af2f.txt, "4 阻塞与非阻塞" (`sock.setblocking(False)`, `except BlockingIOError`)
 * @run deno run --allow-net=127.0.0.1 nonblocking_demo.ts [--host 127.0.0.1] [--port 0]
 *
 * In Python a non-blocking `accept()` with nobody waiting raises BlockingIOError at once, and
 * the program carries on with other work. Deno has no non-blocking flag: `listener.accept()`
 * returns a promise at once, and the program goes on by not awaiting it yet. To ask "is there
 * a caller right now?" race the promise against a timer: if the timer wins, that is the
 * BlockingIOError case. The same promise is still good later; nothing is lost by asking.
 *
 * This script listens (any free port by default), asks once with nobody there, then connects
 * to itself and asks again, printing what happens each time.
 *
 * Only `--allow-net` for the address it listens on is needed.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "nonblocking_demo.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 0;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Shows what setblocking(False) and BlockingIOError become in Deno: an accept() raced
against a timer.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on (default ${DEFAULT_PORT}: any free port)
  --help        show this help`;

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

/** Listens on host:port, or fails with a one-line reason. */
function listenOn(hostname: string, port: number): Deno.TcpListener {
  try {
    return Deno.listen({ hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
  }
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

/** Resolves with `value` after `ms` milliseconds: the other side of the race. */
function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
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
  const listener = listenOn(flags.host, port);
  // accept() starts now and does not block: it is a promise of the next caller.
  const nextCaller = listener.accept();

  // 1. Nobody has connected yet: the timer wins, as BlockingIOError would be raised.
  const first = await Promise.race([nextCaller, after(0, "nobody yet")]);
  console.log(
    "accept() with nobody waiting:",
    first === "nobody yet"
      ? "BlockingIOError (no caller yet), go on with other work"
      : "a caller?!",
  );

  // 2. Someone connects; the same promise now settles with the connection.
  const client = await connectTo(listener.addr.hostname, listener.addr.port);
  const second = await Promise.race([nextCaller, after(10_000, null)]);
  if (second === null) throw new Error("the connection was not accepted within 10 s");
  console.log("accept() after a client connected: a connection from", second.remoteAddr.hostname);

  second.close();
  client.close();
  listener.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
