#!/usr/bin/env -S deno run --unstable-net --allow-net
/**
 * @title 2.2 UDP代码示例 — UDP example: the server
 * @seed 003_5d88270f3bd9af2f.txt, "2.2 UDP代码示例", 服务端
 * @run deno run --unstable-net --allow-net=127.0.0.1 udp_server.ts [--host 127.0.0.1] [--port 8001]
 *
 * UDP has no connection: the server just waits for datagrams, prints each with the address it
 * came from, and answers `已收到` to that address (it must be told where to answer, since no
 * connection remembers it). Compare with `tcp_hello_server.ts`.
 *
 * Python → Deno: `socket(AF_INET, SOCK_DGRAM)` + `bind()` is one `Deno.listenDatagram()` (still
 * behind `--unstable-net` in Deno 2.9); `recvfrom()` and `sendto()` are `receive()` (or a
 * `for await` over the socket) and `send(data, address)`.
 *
 * @module
 */

// deno-lint-ignore-file no-control-regex -- printable() escapes control characters

import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "udp_server.ts";
const HOST = "127.0.0.1";
const PORT = 8001;
const REPLY = "已收到";

async function main(): Promise<void> {
  const flags = readFlags({
    host: { type: "string", default: HOST },
    port: { type: "string", default: String(PORT) },
  }, USAGE).values;

  // socket(AF_INET, SOCK_DGRAM) + bind(): one call. No listen() and no accept(): there are no
  // connections to accept, only datagrams to receive.
  const server = listenUdp(flags.host, Number(flags.port));

  // while True: data, (host, port) = server.recvfrom(1024) — each datagram arrives whole,
  // with the address of whoever sent it.
  const decoder = new TextDecoder();
  for await (const [data, from] of server) {
    const { hostname, port } = from as Deno.NetAddr;
    // print(data, host, port)
    console.log(printable(decoder.decode(data)), hostname, port);
    // sendto(): no connection remembers the sender, so the answer names its address. An
    // answer that cannot go (an address this script may not send to) costs only that answer.
    try {
      await server.send(encoder.encode(REPLY), from);
    } catch (error) {
      console.error(
        `${NAME}: cannot answer ${formatAddress(from as Deno.NetAddr)}: ${
          (error as Error).message
        }`,
      );
    }
  }
}

/**
 * The UDP server's `listenOn`: binds host:port (or fails with a one-line reason), announces it on
 * stderr, and on Ctrl-C or SIGTERM closes the socket and exits 0: a clean stop.
 */
function listenUdp(hostname: string, port: number): Deno.DatagramConn {
  let socket: Deno.DatagramConn;
  try {
    socket = Deno.listenDatagram({ transport: "udp", hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on udp ${hostname}:${port}: ${(error as Error).message}`);
  }
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  for (const signal of signals) {
    Deno.addSignalListener(signal, () => {
      socket.close();
      Deno.exit(0);
    });
  }
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on udp://${formatAddress(socket.addr as Deno.NetAddr)}`);
  return socket;
}

/**
 * Differences from the seed (same bytes on the wire):
 * - Python's `print(data, host, port)` shows the bytes as `b'\xe4\xbd\xa0\xe5\xa5\xbd'`; this
 *   prints the text they hold. Bytes that are not valid UTF-8 are printed as U+FFFD (�).
 * - A datagram is read whole, up to UDP's own 65,507 bytes, where the seed's `recvfrom(1024)`
 *   cuts it.
 * - The seed ends with `client.close()`, a name that does not exist there; the loop never gets
 *   to it.
 * - There is no connection, so no client can idle or vanish mid-message: no `--idle-timeout`.
 * - An answer that cannot be sent (say, to an address the run line does not allow) is one line
 *   on stderr; the server goes on. In the seed the error ends the server.
 * - What a client sent is printed through `printable`, control characters shown as `\u{…}`:
 *   printed raw, as the seed does, it could clear or recolour this terminal or forge a line.
 */

// ─── Plumbing: flags, usage errors, shutdown (the same in every script) ───

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT]

UDP server: prints every datagram with its sender, answers "${REPLY}".

Options:
  --host HOST   address to listen on (default ${HOST})
  --port PORT   port to listen on, 0 for any free port (default ${PORT})
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

/** `host:port`, with IPv6 hosts in brackets. */
function formatAddress({ hostname, port }: Deno.NetAddr): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
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
