/**
 * The recording proxies of a case: one TCP proxy or UDP relay in front of each listener its
 * server announced, shaping what crosses as the case asks (a cut, a held-back message, one-byte
 * writes) with chaos on top.
 *
 * @module
 */

import type { ConformanceCase } from "./case.ts";
import { type Chaos, chaosShaper, composeShapers } from "./chaos.ts";
import type { ChunkRecord } from "./chunk_log.ts";
import type { ListenAddress } from "./readiness.ts";
import { cutAfter, holdBackUntilAnswered, SHAPERS } from "./shapers.ts";
import { startTcpProxy, type TcpProxy } from "./tcp_proxy.ts";
import { startUdpRelay, type UdpRelay } from "./udp_relay.ts";

/** Called with each chunk a case's proxy delivers: the listener's index, its record, its bytes. */
export type ChunkListener = (listener: number, record: ChunkRecord, piece: Uint8Array) => void;

/**
 * One recording proxy (TCP) or relay (UDP) for each listener the server announced, the main
 * one first, shaping as the case and the chaos ask; `onChunk` sees each chunk as delivered.
 */
export function startCaseProxies(
  testCase: ConformanceCase,
  listening: ListenAddress[],
  chaos: Chaos | undefined,
  onChunk?: ChunkListener,
): (TcpProxy | UdpRelay)[] {
  const proxies: (TcpProxy | UdpRelay)[] = [];
  const cut = testCase.cut;
  for (const [index, upstream] of listening.entries()) {
    if (upstream.transport === "udp") {
      proxies.push(startUdpRelay({
        upstream,
        drop: index === 0 ? testCase.drop : undefined,
        onChunk: onChunk && ((record, datagram) => onChunk(index, record, datagram)),
      }));
      continue;
    }
    // One instance for both directions of the first connection: it watches for the answer.
    const held = index === 0 && testCase.holdBack
      ? holdBackUntilAnswered(testCase.holdBack.dir, testCase.holdBack.after)
      : undefined;
    proxies.push(startTcpProxy({
      upstream,
      onChunk: onChunk && ((record, piece) => onChunk(index, record, piece)),
      // The case's own shaping first (a cut applies to the main listener's connections), then
      // chaos on top of it.
      shaperFor: (conn) =>
        composeShapers(
          index === 0 && cut?.conn === conn
            ? cutAfter(cut.dir, cut.after)
            : held && conn === 0
            ? held
            : testCase.shaping
            ? SHAPERS[testCase.shaping]
            : undefined,
          chaos && chaosShaper(chaos, conn),
        ),
    }));
  }
  return proxies;
}
