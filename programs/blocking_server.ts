#!/usr/bin/env -S deno run -A
/**
 * @title 4 阻塞与非阻塞 — Blocking and non-blocking: the server
 * @seed 003_5d88270f3bd9af2f.txt, "4 阻塞与非阻塞", socket服务端（接收者）
 * @run deno run --allow-net=127.0.0.1 blocking_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * The seed's point: by default every socket call waits. `accept()` waits for a client,
 * `recv()` waits for data; the program stops there until something happens. This server takes
 * one client, prints what it sends (`ABCDEFGH`) and ends. `nonblocking_demo.ts` shows the other
 * way, `setblocking(False)`, in Deno terms.
 *
 * In Deno, `await listener.accept()` and `await conn.read()` are where this program waits:
 * only this program's flow stops; the runtime underneath never blocks (see the demo).
 *
 * Only `--allow-net` for the address it listens on is needed. Same bytes and screen as the
 * Python original. It reads until the client closes rather than one `recv(1024)`, so a
 * message split by the network is printed whole; it announces `listening on tcp://HOST:PORT`
 * on stderr.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "blocking_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

Waits for one client, prints what it sends, and ends.

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

  // Waits (阻塞) until a client connects.
  const conn = await listener.accept();
  // Waits (阻塞) until the client has sent everything and closed.
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
