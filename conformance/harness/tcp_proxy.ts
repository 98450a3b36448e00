/**
 * A recording TCP proxy: accepts clients on a free loopback port, opens one upstream connection
 * per client to the server, forwards both directions and logs every chunk it reads. Byte counts
 * in the conformance suite come from here, never from what the programs claim.
 *
 * Each direction runs through a {@linkcode Shaper}, an async-iterable transform from the chunks
 * read to the chunks written. Recording is the identity; fault modes (1-byte writes, random
 * splits, coalescing, delays, a cut after N bytes) are further shapers, not a new proxy.
 *
 * @module
 */

import { type ChunkRecord, type Direction, KEPT_BYTES } from "./chunk_log.ts";
import { ConnectionCut } from "./shapers.ts";

/**
 * Transforms the chunks read from one side into the chunks written to the other: yield what
 * to write, in order; returning early cuts that direction (its peer then sees end of stream).
 */
export type Shaper = (
  chunks: AsyncIterable<Uint8Array>,
  dir: Direction,
) => AsyncIterable<Uint8Array>;

/** Forwards every chunk as it was read. */
export const passThrough: Shaper = (chunks): AsyncIterable<Uint8Array> => chunks;

/** Where the proxy forwards to. */
export interface Upstream {
  /** Server host. */
  hostname: string;
  /** Server port. */
  port: number;
}

/** Options for {@linkcode startTcpProxy}. */
export interface TcpProxyOptions {
  /** The server to forward to. */
  upstream: Upstream;
  /** Address to listen on; defaults to the upstream's host. */
  listenHost?: string;
  /** Port to listen on; defaults to 0, any free port (`deno task tap --listen PORT` names one). */
  listenPort?: number;
  /** How chunks are re-shaped on the way; defaults to {@linkcode passThrough}. */
  shaper?: Shaper;
  /** A shaper per connection (by accept index); `undefined` falls back to `shaper`. */
  shaperFor?: (conn: number) => Shaper | undefined;
  /**
   * Called with each chunk as soon as it is delivered and logged, with the whole piece (the log
   * keeps only its head): for showing traffic live (the lab, `deno task tap`).
   */
  onChunk?: (record: ChunkRecord, piece: Uint8Array) => void;
}

/** One client connection through the proxy. */
export interface ProxiedConnection {
  /** Index in accept order. */
  index: number;
  /** The client's own port (its side of the client-proxy connection). */
  clientPort: number;
  /** The proxy's port on the proxy-server connection, which the server sees as the client. */
  upstreamPort: number;
  /** Resolves when the client has finished sending (or the connection is gone). */
  clientDone: Promise<void>;
  /** Resolves when both directions have ended and both sockets are closed. */
  closed: Promise<void>;
}

/** A running proxy. */
export interface TcpProxy {
  /** The address clients connect to. */
  readonly addr: Deno.NetAddr;
  /** Every chunk read so far, in order. */
  readonly log: readonly ChunkRecord[];
  /** Every connection accepted so far. */
  readonly connections: readonly ProxiedConnection[];
  /** Every port number involved (listen, client, upstream), for masking transcripts. */
  ports(): Set<number>;
  /**
   * Resolves once every connection made so far has closed, or with `clientSideOnly` once every
   * client has finished sending (for servers that never close a connection themselves);
   * rejects after `timeoutMs`. "Made" includes connections the kernel has completed but the
   * proxy has not yet accepted: a client may connect, send and leave before that.
   */
  settled(timeoutMs: number, clientSideOnly?: boolean): Promise<void>;
  /**
   * Resolves once the proxy has accepted every connection the kernel completed before this
   * call, so that `connections` lists them (a client may connect, send and leave before the
   * proxy gets to it); rejects after `timeoutMs`.
   */
  acceptedQueued(timeoutMs: number): Promise<void>;
  /** Stops accepting and tears down every connection. */
  close(): void;
}

const BUFFER_SIZE = 64 * 1024;

/** The first read buffer of a direction: most connections carry a few short messages. */
const FIRST_BUFFER_SIZE = 4 * 1024;

async function* readChunks(conn: Deno.Conn): AsyncIterable<Uint8Array> {
  // Small at first, four times larger each time a read fills it, up to BUFFER_SIZE: a crowd of
  // 1,000 connections would otherwise take 128 MiB of buffers it never fills.
  let buffer = new Uint8Array(FIRST_BUFFER_SIZE);
  while (true) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch {
      return; // reset or closed by the other pump: the stream simply ends here
    }
    if (n === null) return;
    yield buffer.slice(0, n);
    if (n === buffer.length && buffer.length < BUFFER_SIZE) {
      buffer = new Uint8Array(buffer.length * 4);
    }
  }
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/** What `work` does, or a rejection with `message` once `timeoutMs` have passed. */
async function within(timeoutMs: number, message: string, work: () => Promise<void>) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
  });
  try {
    await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a proxy in this process and returns once it listens. */
export function startTcpProxy(options: TcpProxyOptions): TcpProxy {
  const shaperOf = (conn: number) => options.shaperFor?.(conn) ?? options.shaper ?? passThrough;
  const listener = Deno.listen({
    hostname: options.listenHost ?? options.upstream.hostname,
    port: options.listenPort ?? 0,
  });
  const started = performance.now();
  const log: ChunkRecord[] = [];
  const connections: ProxiedConnection[] = [];
  const sockets = new Set<Deno.Conn>();
  let closing = false;
  // A connection of the proxy's own, made to learn when the accept queue ahead of it is empty.
  let marker: { port: Promise<number>; accepted: PromiseWithResolvers<void> } | undefined;

  const close = (conn: Deno.Conn) => {
    try {
      conn.close();
    } catch { /* already closed */ }
  };

  const serve = async (connection: ProxiedConnection, client: Deno.TcpConn) => {
    let server: Deno.TcpConn;
    try {
      server = await Deno.connect(options.upstream);
    } catch {
      // The server refused (or the case is ending and closed the client already).
      close(client);
      sockets.delete(client);
      return;
    }
    sockets.add(server);
    connection.upstreamPort = server.localAddr.port;
    const index = connection.index;
    // After a cut the client is gone; the server is told by end of stream, and what it still
    // sends is read and dropped (not counted), so it finishes and closes in its own time.
    let cut = false;
    const cutOff = async () => {
      cut = true;
      close(client);
      await server.closeWrite().catch(() => {});
    };

    const pump = async (from: Deno.Conn, to: Deno.Conn, dir: Direction) => {
      try {
        for await (const piece of shaperOf(index)(readChunks(from), dir)) {
          if (cut) continue;
          // Timed when the piece is taken, before the write yields to other connections, so
          // pieces two connections had ready at once keep the order the kernel reported them in.
          const t = performance.now() - started;
          await writeAll(to, piece);
          // Logged once delivered: what a fault mode holds back or cuts off never counts.
          const record = {
            conn: index,
            dir,
            size: piece.length,
            t,
            head: piece.slice(0, KEPT_BYTES),
          };
          log.push(record);
          options.onChunk?.(record, piece);
        }
        // The sender finished cleanly: pass its FIN on, so a half-close reaches the peer.
        if (!cut) await to.closeWrite();
      } catch (error) {
        if (error instanceof ConnectionCut) {
          await cutOff();
          // Keep draining the server when the cut was on its way to the client.
          if (from === server) { for await (const _ of readChunks(server)) { /* dropped */ } }
          return;
        }
        if (cut) return;
        // The receiver went away: end both sides, so both peers see the connection drop.
        close(from);
        close(to);
      }
    };

    const clientToServer = pump(client, server, "c2s");
    connection.clientDone = clientToServer;
    await Promise.all([clientToServer, pump(server, client, "s2c")]);
    for (const conn of [client, server]) {
      sockets.delete(conn);
      close(conn);
    }
  };

  // The accept queue is first in, first out: once a connection made now is accepted, so is
  // every connection the clients completed before it.
  const acceptQueued = async () => {
    const accepted = Promise.withResolvers<void>();
    const connecting = Deno.connect({ hostname: listener.addr.hostname, port: listener.addr.port });
    const port = connecting.then((conn) => (conn.localAddr as Deno.NetAddr).port);
    // A proxy already closed refuses the marker: the await below reports that, not this copy.
    port.catch(() => {});
    marker = { port, accepted };
    let conn: Deno.Conn | undefined;
    try {
      conn = await connecting;
      sockets.add(conn);
      await accepted.promise;
    } finally {
      marker = undefined;
      if (conn) {
        sockets.delete(conn);
        close(conn);
      }
    }
  };

  (async () => {
    try {
      for await (const client of listener) {
        if (closing) break;
        const clientPort = (client.remoteAddr as Deno.NetAddr).port;
        if (marker && clientPort === await marker.port.catch(() => 0)) {
          close(client);
          marker.accepted.resolve();
          continue;
        }
        sockets.add(client);
        const connection: ProxiedConnection = {
          index: connections.length,
          clientPort,
          upstreamPort: 0,
          clientDone: Promise.resolve(),
          closed: Promise.resolve(),
        };
        connections.push(connection);
        connection.closed = serve(connection, client);
        // Until the upstream connection exists, the client side is done when all is closed.
        connection.clientDone = connection.closed;
      }
    } catch {
      // The listener was closed.
    }
  })();

  return {
    addr: listener.addr,
    log,
    connections,
    ports() {
      const ports = new Set<number>([listener.addr.port, options.upstream.port]);
      for (const c of connections) ports.add(c.clientPort).add(c.upstreamPort);
      ports.delete(0);
      return ports;
    },
    settled(timeoutMs, clientSideOnly = false) {
      return within(timeoutMs, `proxied connections still open after ${timeoutMs} ms`, async () => {
        await acceptQueued();
        await Promise.all(connections.map((c) => clientSideOnly ? c.clientDone : c.closed));
      });
    },
    acceptedQueued(timeoutMs) {
      return within(timeoutMs, `connections still unaccepted after ${timeoutMs} ms`, acceptQueued);
    },
    close() {
      closing = true;
      marker?.accepted.resolve();
      try {
        listener.close();
      } catch { /* already closed */ }
      for (const conn of sockets) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
      sockets.clear();
    },
  };
}
