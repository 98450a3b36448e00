import assert from "node:assert/strict";
import { countBytes } from "./chunk_log.ts";
import { cutAfter } from "./shapers.ts";
import { type Shaper, startTcpProxy, type TcpProxy } from "./tcp_proxy.ts";
import { readUpTo as readBytes } from "./raw_peer.ts";
import { echoServer, evalCommand } from "./_test_util.ts";

const encoder = new TextEncoder();

Deno.test("bytes are forwarded both ways and counted per direction", async () => {
  const server = echoServer();
  const proxy = startTcpProxy({ upstream: { hostname: "127.0.0.1", port: server.port } });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
    await conn.write(encoder.encode("我好"));
    assert.equal(new TextDecoder().decode(await readBytes(conn, 6)), "我好");
    await conn.write(encoder.encode("q"));
    await readBytes(conn, 1);
    // A half-close travels through: the echo server sees EOF, closes, and so does the proxy.
    await conn.closeWrite();
    assert.equal((await readBytes(conn, 1)).length, 0);
    conn.close();
    await proxy.settled(5000);
    assert.deepEqual(countBytes(proxy.log), { c2s: 7, s2c: 7 });
    assert.deepEqual(proxy.log.map((r) => r.dir), ["c2s", "s2c", "c2s", "s2c"]);
    assert.equal(new TextDecoder().decode(proxy.log[0].head), "我好");
    const [connection] = proxy.connections;
    assert.ok(proxy.ports().has(connection.clientPort));
    assert.ok(proxy.ports().has(connection.upstreamPort));
    assert.ok(proxy.ports().has(server.port));
  } finally {
    proxy.close();
    server.close();
  }
});

Deno.test("connections are numbered in accept order and counted apart", async () => {
  const server = echoServer();
  const proxy = startTcpProxy({ upstream: { hostname: "127.0.0.1", port: server.port } });
  try {
    for (const text of ["a", "bcd"]) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
      await conn.write(encoder.encode(text));
      await readBytes(conn, text.length);
      conn.close();
    }
    await proxy.settled(5000);
    assert.deepEqual(countBytes(proxy.log, 0), { c2s: 1, s2c: 1 });
    assert.deepEqual(countBytes(proxy.log, 1), { c2s: 3, s2c: 3 });
  } finally {
    proxy.close();
    server.close();
  }
});

Deno.test("a shaper re-chunks without changing the bytes (1-byte writes)", async () => {
  let writes = 0;
  const oneByte: Shaper = async function* (chunks) {
    for await (const chunk of chunks) {
      for (const byte of chunk) {
        writes++;
        yield Uint8Array.of(byte);
      }
    }
  };
  const server = echoServer();
  const proxy = startTcpProxy({
    upstream: { hostname: "127.0.0.1", port: server.port },
    shaper: oneByte,
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
    const message = encoder.encode("欢迎致电babyshen");
    await conn.write(message);
    assert.deepEqual(await readBytes(conn, message.length), message);
    conn.close();
    await proxy.settled(5000);
    assert.equal(writes, 2 * message.length);
  } finally {
    proxy.close();
    server.close();
  }
});

Deno.test("cutAfter forwards N bytes, then drops the whole connection", async () => {
  const server = echoServer();
  const proxy = startTcpProxy({
    upstream: { hostname: "127.0.0.1", port: server.port },
    shaperFor: (conn) => conn === 0 ? cutAfter("c2s", 3) : undefined,
  });
  try {
    const first = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
    await first.write(encoder.encode("abcdef"));
    // At most the 3 forwarded bytes come back before the connection drops.
    const echoed = new TextDecoder().decode(
      await readBytes(first, 6).catch(() => new Uint8Array()),
    );
    assert.ok("abc".startsWith(echoed), echoed);
    first.close();
    // The next connection is not cut.
    const second = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
    await second.write(encoder.encode("abcdef"));
    assert.equal(new TextDecoder().decode(await readBytes(second, 6)), "abcdef");
    second.close();
    await proxy.settled(5000);
    assert.equal(countBytes(proxy.log, 1).c2s, 6);
  } finally {
    proxy.close();
    server.close();
  }
});

Deno.test("settled rejects while a connection stays open", async () => {
  const server = echoServer();
  const proxy = startTcpProxy({ upstream: { hostname: "127.0.0.1", port: server.port } });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
  try {
    await conn.write(encoder.encode("x"));
    await readBytes(conn, 1);
    await assert.rejects(proxy.settled(50), /still open after 50 ms/);
  } finally {
    conn.close();
    proxy.close();
    server.close();
  }
});

Deno.test("glueUntilEnd delivers a direction's bytes in one piece when its sender is done", async () => {
  const { glueUntilEnd } = await import("./shapers.ts");
  const server = echoServer();
  const proxy = startTcpProxy({
    upstream: { hostname: "127.0.0.1", port: server.port },
    shaper: glueUntilEnd,
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
    for (const part of ["kinght love ", "aym"]) await conn.write(encoder.encode(part));
    await conn.closeWrite();
    assert.equal(new TextDecoder().decode(await readBytes(conn, 15)), "kinght love aym");
    conn.close();
    await proxy.settled(5000);
    assert.deepEqual(proxy.log.filter((r) => r.dir === "c2s").map((r) => r.size), [15]);
  } finally {
    proxy.close();
    server.close();
  }
});

Deno.test("a refused upstream closes the client, and closing the proxy after that is harmless", async () => {
  // A port that nothing listens on: take one, then free it.
  const gone = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = gone.addr.port;
  gone.close();
  const proxy = startTcpProxy({ upstream: { hostname: "127.0.0.1", port } });
  try {
    const client = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
    const buffer = new Uint8Array(1);
    assert.equal(await client.read(buffer).catch(() => null), null);
    client.close();
    await proxy.settled(5000);
  } finally {
    proxy.close();
    proxy.close();
  }
});

/**
 * A client in another process connects to `port`, sends one byte and leaves, while this event
 * loop is blocked: the proxy here has not accepted it when this returns.
 */
function sendAndLeaveWhileBlocked(port: number): void {
  const { cmd, args } = evalCommand(
    `const c = await Deno.connect({ hostname: "127.0.0.1", port: ${port} });
     await c.write(new TextEncoder().encode("x")); c.close();`,
  );
  assert.ok(new Deno.Command(cmd, { args }).outputSync().success);
}

Deno.test("settled waits for connections the kernel completed before the proxy accepted them", async () => {
  const server = echoServer();
  const proxy = startTcpProxy({ upstream: { hostname: "127.0.0.1", port: server.port } });
  try {
    // As a sender that expects no reply does; not accepted yet when settled is asked.
    sendAndLeaveWhileBlocked(proxy.addr.port);
    await proxy.settled(5000);
    assert.equal(proxy.connections.length, 1);
    assert.equal(countBytes(proxy.log).c2s, 1);
  } finally {
    proxy.close();
    server.close();
  }
});

Deno.test("acceptedQueued lists a connection the kernel completed before the proxy accepted it", async () => {
  const server = echoServer();
  const proxy = startTcpProxy({ upstream: { hostname: "127.0.0.1", port: server.port } });
  try {
    sendAndLeaveWhileBlocked(proxy.addr.port);
    assert.equal(proxy.connections.length, 0);
    await proxy.acceptedQueued(5000);
    assert.equal(proxy.connections.length, 1);
    await proxy.settled(5000);
  } finally {
    proxy.close();
    server.close();
  }
});

Deno.test("onChunk sees each chunk as it is delivered, whole, with the record the log keeps", async () => {
  const server = echoServer();
  const seen: { dir: string; size: number; bytes: number; logged: boolean }[] = [];
  const proxy: TcpProxy = startTcpProxy({
    upstream: { hostname: "127.0.0.1", port: server.port },
    onChunk: (record, piece) => {
      seen.push({
        dir: record.dir,
        size: record.size,
        bytes: piece.length,
        logged: proxy.log.includes(record),
      });
    },
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
    // Longer than the head the log keeps, so the whole piece is what onChunk adds.
    const message = encoder.encode("x".repeat(100));
    await conn.write(message);
    await readBytes(conn, message.length);
    conn.close();
    await proxy.settled(5000);
    const sizes = seen.map((each) => `${each.dir} ${each.size}`).join(", ");
    assert.equal(countBytes(proxy.log).c2s, 100, sizes);
    assert.equal(seen.length, proxy.log.length);
    for (const each of seen) {
      assert.equal(each.bytes, each.size);
      assert.ok(each.logged);
    }
  } finally {
    proxy.close();
    server.close();
  }
});

Deno.test("listenPort makes the proxy listen on that port", () => {
  const server = echoServer();
  // A port free a moment ago: take one, then free it.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const proxy = startTcpProxy({
    upstream: { hostname: "127.0.0.1", port: server.port },
    listenPort: port,
  });
  try {
    assert.equal(proxy.addr.port, port);
  } finally {
    proxy.close();
    server.close();
  }
});
