/**
 * A recording UDP relay, the datagram counterpart of the TCP proxy: clients send to it, it
 * forwards each datagram to the server from a socket of its own per client address, and
 * forwards the server's answers back. Every delivered datagram is logged in the same chunk log.
 * It can drop the n-th datagram of one direction, as a lossy network would.
 *
 * Needs `--unstable-net` (or `"unstable": ["net"]` in deno.json) for `Deno.listenDatagram`.
 *
 * @module
 */

import { type ChunkRecord, type Direction, KEPT_BYTES } from "./chunk_log.ts";
import type { ProxiedConnection, Upstream } from "./tcp_proxy.ts";

/** Options for {@linkcode startUdpRelay}. */
export interface UdpRelayOptions {
  /** The server to forward to. */
  upstream: Upstream;
  /** Drop the `nth` datagram (from 1) travelling in `dir`; it is neither delivered nor counted. */
  drop?: { dir: Direction; nth: number };
  /** Called with each datagram as soon as it is delivered and logged, as the TCP proxy does. */
  onChunk?: (record: ChunkRecord, datagram: Uint8Array) => void;
}

/** A running relay. */
export interface UdpRelay {
  /** The address clients send to. */
  readonly addr: Deno.NetAddr;
  /** Every datagram delivered so far, in order. */
  readonly log: readonly ChunkRecord[];
  /** Datagrams dropped on purpose. */
  readonly dropped: readonly ChunkRecord[];
  /** One entry per client address, in order of first datagram. */
  readonly connections: readonly Pick<ProxiedConnection, "index" | "clientPort" | "upstreamPort">[];
  /** Every port number involved, for masking transcripts. */
  ports(): Set<number>;
  /** Resolves at once: datagrams have no connection to wait for. */
  settled(timeoutMs: number, clientSideOnly?: boolean): Promise<void>;
  /** Closes every socket. */
  close(): void;
}

/** Starts a relay in this process. */
export function startUdpRelay(options: UdpRelayOptions): UdpRelay {
  const front = Deno.listenDatagram({
    transport: "udp",
    hostname: options.upstream.hostname,
    port: 0,
  });
  const upstream: Deno.NetAddr = { transport: "udp", ...options.upstream };
  const started = performance.now();
  const log: ChunkRecord[] = [];
  const dropped: ChunkRecord[] = [];
  const seen: Record<Direction, number> = { c2s: 0, s2c: 0 };
  const peers = new Map<string, { index: number; back: Deno.DatagramConn }>();
  const connections: Pick<ProxiedConnection, "index" | "clientPort" | "upstreamPort">[] = [];
  const sockets: Deno.DatagramConn[] = [front];

  const deliver = async (
    via: Deno.DatagramConn,
    data: Uint8Array,
    to: Deno.Addr,
    conn: number,
    dir: Direction,
  ) => {
    const record = {
      conn,
      dir,
      size: data.length,
      t: performance.now() - started,
      head: data.slice(0, KEPT_BYTES),
    };
    if (options.drop?.dir === dir && ++seen[dir] === options.drop.nth) {
      dropped.push(record);
      return;
    }
    if (options.drop?.dir !== dir) seen[dir]++;
    try {
      await via.send(data, to);
      log.push(record);
      options.onChunk?.(record, data);
    } catch { /* the receiver is gone: a datagram is simply lost */ }
  };

  (async () => {
    try {
      for await (const [data, from] of front) {
        const client = from as Deno.NetAddr;
        const key = `${client.hostname}:${client.port}`;
        let peer = peers.get(key);
        if (!peer) {
          // A socket of our own per client, so the server's answers can be told apart.
          const back = Deno.listenDatagram({
            transport: "udp",
            hostname: upstream.hostname,
            port: 0,
          });
          sockets.push(back);
          peer = { index: connections.length, back };
          peers.set(key, peer);
          connections.push({
            index: peer.index,
            clientPort: client.port,
            upstreamPort: (back.addr as Deno.NetAddr).port,
          });
          const index = peer.index;
          (async () => {
            try {
              for await (const [reply] of back) await deliver(front, reply, client, index, "s2c");
            } catch { /* closed */ }
          })();
        }
        await deliver(peer.back, data, upstream, peer.index, "c2s");
      }
    } catch { /* closed */ }
  })();

  return {
    addr: front.addr as Deno.NetAddr,
    log,
    dropped,
    connections,
    ports() {
      const ports = new Set([(front.addr as Deno.NetAddr).port, upstream.port]);
      for (const c of connections) ports.add(c.clientPort).add(c.upstreamPort);
      return ports;
    },
    settled: () => Promise.resolve(),
    close() {
      for (const socket of sockets) {
        try {
          socket.close();
        } catch { /* already closed */ }
      }
    },
  };
}
