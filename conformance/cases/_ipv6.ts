/**
 * IPv6: every networked lesson's main case once more with `--host ::1` for the server and its
 * clients (the proxy listens on `::1` too), against the same goldens. Where a program prints an
 * address, `[::1]` and `::1` read as `127.0.0.1` for the comparison; everything else must be
 * byte for byte what the IPv4 run shows.
 *
 * A lesson module ends its list with `overIpv6(main)` (and, for a program that runs alone yet
 * uses the network, `aloneOverIpv6(that case)`).
 *
 * @module
 */

import type { ClientRole, ConformanceCase } from "../harness/case.ts";
import type { Mask } from "../harness/mask.ts";
import type { CaseMutation } from "./_bad_input.ts";

/** The IPv6 loopback address in a transcript, compared as the IPv4 one the goldens show. */
const IPV6_LOOPBACK: Mask = { pattern: /\[::1\]|::1/g, placeholder: "127.0.0.1" };

/**
 * The IPv6 twin of `base`: same peers, files, bytes and goldens, over `::1`; id `<id>-ipv6`.
 * Its one mutation is the server listening on 127.0.0.1 whatever `--host` says (or, where
 * that cannot be made, `base`'s first mutation).
 */
export function overIpv6(base: ConformanceCase): ConformanceCase {
  const serverGolden = base.server?.golden;
  return {
    ...base,
    id: `${base.id}-ipv6`,
    title: `${base.title} (over IPv6, ::1)`,
    host: "::1",
    masks: [...(base.masks ?? []), IPV6_LOOPBACK],
    server: base.server && {
      ...base.server,
      golden: serverGolden === false ? false : serverGolden ?? `${base.id}.server`,
    },
    clients: base.clients.map((phase) =>
      [phase].flat().map((role): ClientRole =>
        role.raw ? role : { ...role, golden: role.golden ?? `${base.id}.${role.role ?? "client"}` }
      )
    ),
    mutations: [ipv4OnlyServer(base) ?? base.mutations![0]],
  };
}

/** The server of `base` listening on 127.0.0.1 whatever `--host` says: the twin must catch it. */
function ipv4OnlyServer(base: ConformanceCase): CaseMutation | undefined {
  const peer = base.server?.peer;
  if (!peer || !("program" in peer)) return undefined;
  const source = Deno.readTextFileSync(new URL(`../../programs/${peer.program}`, import.meta.url));
  const listen = [
    "Deno.listen({ hostname, port })",
    `Deno.listenDatagram({ transport: "udp", hostname, port })`,
  ]
    .find((call) => source.includes(call));
  if (listen === undefined) return undefined;
  return {
    program: peer.program,
    from: listen,
    to: listen.replace("hostname,", `hostname: "127.0.0.1",`),
    // Our servers run with `--allow-net=[::1]` (their run line, on the case's address), so the
    // runtime refuses the listen; a program without a run line is caught by the harness's
    // "listens on 127.0.0.1, not on ::1". Both name the wrong address.
    shows: "127.0.0.1",
  };
}

/**
 * The IPv6 twin of a case whose one program listens and connects by itself (no server role):
 * it is told `--host ::1` directly.
 */
export function aloneOverIpv6(base: ConformanceCase): ConformanceCase {
  const twin = overIpv6(base);
  return {
    ...twin,
    clients: twin.clients.map((phase) =>
      [phase].flat().map((role) =>
        role.peer && "program" in role.peer
          ? { ...role, peer: { ...role.peer, args: [...(role.peer.args ?? []), "--host", "::1"] } }
          : role
      )
    ),
  };
}
