#!/usr/bin/env -S deno run -A
/**
 * @title 3 粘包 — Sticky packets: the server
 * @seed 003_5d88270f3bd9af2f.txt, "3 粘包", service.py
 * @run deno run --allow-net=127.0.0.1 sticky_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * TCP carries a stream of bytes, not messages. The client sends `kinght love ` and then `aym`,
 * two sends; this server receives one client and prints what arrived: `kinght love aym`, one
 * piece. Nothing in the bytes says where the first message ended (粘包).
 *
 * To show it every time, not just when the timing happens to glue the two sends, the server
 * reads only once the client has finished sending (it reads to the end of the stream, where
 * the seed does one `recv(1024)`), so the client needs no sleep and the result never depends
 * on timing: however the network groups the bytes, the stream is `kinght love aym`.
 *
 * Only `--allow-net` for the address it listens on is needed. It serves one client and ends,
 * as the seed does; it announces `listening on tcp://HOST:PORT` on stderr.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "sticky_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Receives one client and prints everything it sent, as one piece.

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on, 0 for any free port (default ${DEFAULT_PORT})
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

/** `host:port`, with IPv6 hosts in brackets. */
function formatAddress(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
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
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  onShutdown(() => {
    listener.close();
    Deno.exit(0);
  });
  const conn = await listener.accept();
  // Everything the client sent, read after it finished: the two sends are one stream.
  const data = await new Response(conn.readable).text();
  console.log(data);
  listener.close();
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
