#!/usr/bin/env -S deno run -A --unstable-net
/**
 * @title 2.2 UDP代码示例 — UDP example: the server
 * @seed 003_5d88270f3bd9af2f.txt, "2.2 UDP代码示例", 服务端
 * @run deno run --unstable-net --allow-net=127.0.0.1 udp_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * UDP has no connection: the server just waits for datagrams, prints each with the address it
 * came from, and answers `已收到` to that address (it must be told where to answer, since no
 * connection remembers it). Compare with `tcp_hello_server.ts`.
 *
 * `Deno.listenDatagram` still needs `--unstable-net` in Deno 2.9, hence the flag in the
 * shebang; only `--allow-net` for the address it listens on is needed besides.
 *
 * Same bytes as the Python original. On screen, `print(data, host, port)` shows `b'…'`; this
 * prints the text it holds. It announces `listening on udp://HOST:PORT` on stderr and stops
 * cleanly on Ctrl-C. (The seed ends with `client.close()`, a name that does not exist there;
 * the loop never gets to it.) A datagram is read whole, up to UDP's own 65,507 bytes, where the
 * seed's `recvfrom(1024)` cuts it; bytes that are not valid UTF-8 are printed as U+FFFD (�).
 * There is no connection, so no client can idle or vanish mid-message.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "udp_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 8001;
const REPLY = "已收到";

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

UDP server: prints every datagram with its sender, answers "${REPLY}".

Options:
  --host HOST   address to listen on (default ${DEFAULT_HOST})
  --port PORT   port to listen on, 0 for any free port (default ${DEFAULT_PORT})
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

/** `host:port`, with IPv6 hosts in brackets. */
function formatAddress(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** Runs `stop` on Ctrl-C (and SIGTERM where the platform has it). */
function onShutdown(stop: () => void): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
}
// --- the lesson ---

/** Binds a UDP socket, or fails with a one-line reason. */
function bindUdp(hostname: string, port: number): Deno.DatagramConn {
  try {
    return Deno.listenDatagram({ transport: "udp", hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on udp ${hostname}:${port}: ${(error as Error).message}`);
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
  const server = bindUdp(flags.host, port);
  onShutdown(() => {
    server.close();
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on udp://${formatAddress(server.addr as Deno.NetAddr)}`);

  // recvfrom(1024) in a loop: each datagram arrives whole, with its sender's address.
  const decoder = new TextDecoder();
  for await (const [data, from] of server) {
    const { hostname, port } = from as Deno.NetAddr;
    console.log(decoder.decode(data), hostname, port);
    // sendto(): the answer goes back to where the datagram came from.
    await server.send(encoder.encode(REPLY), from);
  }
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
