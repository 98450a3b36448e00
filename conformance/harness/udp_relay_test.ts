import assert from "node:assert/strict";
import { countBytes } from "./chunk_log.ts";
import { startUdpRelay } from "./udp_relay.ts";

/** An in-process UDP server that answers every datagram with "ok:" + its text. */
function udpEcho() {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  (async () => {
    try {
      for await (const [data, from] of socket) {
        await socket.send(new TextEncoder().encode(`ok:${new TextDecoder().decode(data)}`), from);
      }
    } catch { /* closed */ }
  })();
  return { port: (socket.addr as Deno.NetAddr).port, close: () => socket.close() };
}

async function ask(client: Deno.DatagramConn, to: number, text: string): Promise<string> {
  await client.send(new TextEncoder().encode(text), {
    transport: "udp",
    hostname: "127.0.0.1",
    port: to,
  });
  const [reply] = await client.receive();
  return new TextDecoder().decode(reply);
}

Deno.test("datagrams are relayed both ways and counted per client", async () => {
  const server = udpEcho();
  const relay = startUdpRelay({ upstream: { hostname: "127.0.0.1", port: server.port } });
  const a = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const b = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    assert.equal(await ask(a, relay.addr.port, "我"), "ok:我");
    assert.equal(await ask(b, relay.addr.port, "hi"), "ok:hi");
    assert.equal(await ask(a, relay.addr.port, "x"), "ok:x");
    assert.deepEqual(countBytes(relay.log, 0), { c2s: 4, s2c: 10 });
    assert.deepEqual(countBytes(relay.log, 1), { c2s: 2, s2c: 5 });
    assert.equal(relay.connections.length, 2);
  } finally {
    a.close();
    b.close();
    relay.close();
    server.close();
  }
});

Deno.test("the n-th datagram of a direction is dropped and not counted", async () => {
  const server = udpEcho();
  const relay = startUdpRelay({
    upstream: { hostname: "127.0.0.1", port: server.port },
    drop: { dir: "c2s", nth: 1 },
  });
  const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const to = { transport: "udp" as const, hostname: "127.0.0.1", port: relay.addr.port };
    await client.send(new TextEncoder().encode("lost"), to);
    // The second one gets through: only its answer comes back.
    assert.equal(await ask(client, relay.addr.port, "kept"), "ok:kept");
    assert.equal(relay.dropped.length, 1);
    assert.deepEqual(countBytes(relay.log), { c2s: 4, s2c: 7 });
  } finally {
    client.close();
    relay.close();
    server.close();
  }
});
