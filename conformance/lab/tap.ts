#!/usr/bin/env -S deno run --allow-net
/**
 * `deno task tap --listen PORT --to HOST:PORT [--shape as-is|one-byte|glue]`: the lab's
 * recording proxy as a terminal tool, for any client and server (nc, a browser, the seed's
 * Python). Point the client at PORT instead of the server: every chunk that crosses is relayed
 * and printed on stdout, one line each, with its time, direction, size, text and hex:
 *
 * ```
 *      3.154 ms  #0 server → client     20 B  "欢迎致电babyshen"  e6 ac a2 …
 * ```
 *
 * It is the harness's `startTcpProxy`, the one the conformance suite and the lab use, with its
 * shapers: `one-byte` delivers every byte alone, `glue` holds what a side sends until it
 * finishes and delivers it in one write (粘包 made visible; for one-way streams only: a side
 * waiting for an answer would wait forever). Like the lessons' servers it prints
 * `listening on tcp://HOST:PORT` on stderr once it accepts (`--listen 0` picks a free port),
 * and Ctrl-C stops it with status 0; a usage error exits 2, a failure to listen 1.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { formatListenAddress } from "../harness/readiness.ts";
import { oneByteWrites, SHAPERS } from "../harness/shapers.ts";
import { passThrough, type Shaper, startTcpProxy, type Upstream } from "../harness/tcp_proxy.ts";
import { chunkLine, chunkView } from "./chunk_view.ts";

const USAGE = `Usage: deno task tap --listen PORT --to HOST:PORT [options]

Relays TCP from PORT to HOST:PORT and prints every chunk that crosses: time, direction,
size, text and hex.

Options:
  --listen PORT       port to accept clients on (0 = any free port)
  --to HOST:PORT      the server to relay to ([::1]:PORT for IPv6)
  --shape SHAPE       as-is (default), one-byte (every byte alone) or glue (each side's
                      bytes in one write once it finishes; one-way streams only)
  --listen-host HOST  address to accept clients on (default 127.0.0.1)
  --help              show this help`;

/** The tap's shapes, by the name `--shape` takes. */
export const TAP_SHAPES: Readonly<Record<string, Shaper>> = {
  "as-is": passThrough,
  "one-byte": oneByteWrites,
  "glue": SHAPERS.glued,
};

/** A mistake in the command line: exit status 2. */
class UsageError extends Error {}

/** What the command line asks for. */
export interface TapOptions {
  /** Where clients connect. */
  listen: { hostname: string; port: number };
  /** Where the tap relays to. */
  upstream: Upstream;
  /** The name of the shape (a key of {@linkcode TAP_SHAPES}). */
  shape: string;
}

/** `HOST:PORT` (IPv6 in brackets) as an address; throws a usage error if it is not one. */
export function parseHostPort(text: string): Upstream {
  const match = /^(\[[^\]]+\]|[^:\[\]]+):(\d{1,5})$/.exec(text);
  if (!match || Number(match[2]) > 65535) {
    throw new UsageError(`--to takes HOST:PORT, not ${JSON.stringify(text)}`);
  }
  return { hostname: match[1].replace(/^\[(.*)\]$/, "$1"), port: Number(match[2]) };
}

/** A port number from `--listen`; throws a usage error otherwise. */
function parsePort(text: string | undefined): number {
  if (text === undefined) throw new UsageError("--listen PORT is required");
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535) {
    throw new UsageError(`--listen takes a port number, not ${JSON.stringify(text)}`);
  }
  return port;
}

/** Reads the command line; `undefined` for `--help`. Throws {@linkcode UsageError}. */
export function readTapOptions(args: string[]): TapOptions | undefined {
  let values;
  try {
    values = parseArgs({
      args,
      strict: true,
      options: {
        listen: { type: "string" },
        to: { type: "string" },
        shape: { type: "string", default: "as-is" },
        "listen-host": { type: "string", default: "127.0.0.1" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return undefined;
  const port = parsePort(values.listen);
  if (values.to === undefined) throw new UsageError("--to HOST:PORT is required");
  const upstream = parseHostPort(values.to);
  if (!Object.hasOwn(TAP_SHAPES, values.shape)) {
    throw new UsageError(`--shape takes ${Object.keys(TAP_SHAPES).join(", ")}`);
  }
  return { listen: { hostname: values["listen-host"], port }, upstream, shape: values.shape };
}

async function main(args: string[]): Promise<number> {
  let options: TapOptions | undefined;
  try {
    options = readTapOptions(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`tap: ${error.message} (see --help)`);
    return 2;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  let proxy;
  try {
    proxy = startTcpProxy({
      upstream: options.upstream,
      listenHost: options.listen.hostname,
      listenPort: options.listen.port,
      shaper: TAP_SHAPES[options.shape],
      onChunk: (record, piece) => console.log(chunkLine(chunkView(record, piece))),
    });
  } catch (error) {
    console.error(`tap: cannot listen on ${options.listen.hostname}: ${(error as Error).message}`);
    return 1;
  }
  // Ctrl-C or SIGTERM: stop relaying, close every connection, exit 0 as the servers do.
  const stopped = Promise.withResolvers<void>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => stopped.resolve());
  }
  const { hostname, port } = proxy.addr;
  const to = { transport: "tcp" as const, ...options.upstream };
  console.error(`listening on ${formatListenAddress({ transport: "tcp", hostname, port })}`);
  console.error(`relaying to ${formatListenAddress(to)} (${options.shape})`);
  await stopped.promise;
  proxy.close();
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
