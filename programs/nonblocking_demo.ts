#!/usr/bin/env -S deno run --allow-net
/**
 * @title 4 阻塞与非阻塞 — setblocking(False) and BlockingIOError, the Deno way
 * @seed 003_5d88270f3bd9af2f.txt, "4 阻塞与非阻塞" (`sock.setblocking(False)`, `except BlockingIOError`)
 * @run deno run --allow-net=127.0.0.1 nonblocking_demo.ts [--host 127.0.0.1] [--port 0]
 *
 * In Python a non-blocking `accept()` with nobody waiting raises BlockingIOError at once, and
 * the program carries on with other work. This script listens (any free port by default), asks
 * once with nobody there, then connects to itself and asks again, printing what happens.
 *
 * Python → Deno: there is no non-blocking flag: `listener.accept()` returns a promise at once,
 * and "is there a caller right now?" is that promise raced against a timer; the timer winning
 * is the BlockingIOError case. The same promise is still good later: nothing is lost by asking.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "nonblocking_demo.ts";
const HOST = "127.0.0.1";
const PORT = 0;
const NOBODY_YET = "nobody yet";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // sock = socket.socket(); sock.bind(...); sock.listen(5)
  const listener = listenQuietly(flags.host, Number(flags.port));
  // sock.setblocking(False); sock.accept() — accept() starts now and does not block: it is a
  // promise of the next caller.
  const nextCaller = listener.accept();

  // 1. Nobody has connected yet: the timer wins, as BlockingIOError would be raised.
  const first = await Promise.race([nextCaller, after(0, NOBODY_YET)]);
  console.log(
    "accept() with nobody waiting:",
    first === NOBODY_YET ? "BlockingIOError (no caller yet), go on with other work" : "a caller?!",
  );

  // 2. Someone connects; the same promise now settles with the connection.
  const client = await Deno.connect({ hostname: listener.addr.hostname, port: listener.addr.port });
  const second = await Promise.race([nextCaller, after(10_000, null)]);
  if (second === null) throw new Error("the connection was not accepted within 10 s");
  console.log("accept() after a client connected: a connection from", second.remoteAddr.hostname);

  second.close();
  client.close();
  listener.close();
}

/** Resolves with `value` after `ms` milliseconds: the other side of the race. */
function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
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

/**
 * Differences from the seed: the seed shows only the `try: sock.accept() except
 * BlockingIOError: pass` fragment; this runs it both ways, before and after a caller, and
 * prints what happened.
 */

// ─── Plumbing: flags, usage errors (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Shows what setblocking(False) and BlockingIOError become in Deno: an accept() raced
against a timer.

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
