import assert from "node:assert/strict";
import { runRawPeer } from "./raw_peer.ts";
import { echoServer } from "./_test_util.ts";

Deno.test("a raw peer sends, checks what comes back, and closes", async () => {
  const server = echoServer();
  try {
    await runRawPeer("127.0.0.1", server.port, [
      { send: "我" },
      { recv: "我" },
      { send: Uint8Array.of(0, 255) },
      { recv: Uint8Array.of(0, 255) },
      { close: true },
    ], 5000);
  } finally {
    server.close();
  }
});

Deno.test("a raw peer fails on bytes it did not expect", async () => {
  const server = echoServer();
  try {
    await assert.rejects(
      runRawPeer("127.0.0.1", server.port, [{ send: "ab" }, { recv: "ax" }], 5000),
      /expected "ax", got "ab"/,
    );
  } finally {
    server.close();
  }
});

Deno.test("a raw peer fails within its bound when nothing arrives", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const silent = listener.accept();
  try {
    await assert.rejects(
      runRawPeer("127.0.0.1", listener.addr.port, [{ recv: "hello" }], 100),
      /expected "hello", got ""/,
    );
  } finally {
    (await silent).close();
    listener.close();
  }
});

Deno.test("leaveOpen hands back the connection, still open", async () => {
  const server = echoServer();
  try {
    const conn = await runRawPeer("127.0.0.1", server.port, [
      { send: "a" },
      { recv: "a" },
      { leaveOpen: true },
    ], 5000);
    assert.ok(conn);
    await conn.write(new TextEncoder().encode("b"));
    const buffer = new Uint8Array(1);
    assert.equal(await conn.read(buffer), 1);
    conn.close();
  } finally {
    server.close();
  }
});

Deno.test("vanish ends the stream and returns once the server has closed its end", async () => {
  const server = echoServer();
  try {
    const left = await runRawPeer(
      "127.0.0.1",
      server.port,
      [{ send: "ab" }, { vanish: true }],
      5000,
    );
    assert.equal(left, undefined);
  } finally {
    server.close();
  }
});

Deno.test("vanish fails when the server never lets go", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const holding = listener.accept();
  try {
    await assert.rejects(
      runRawPeer("127.0.0.1", listener.addr.port, [{ vanish: true }], 100),
      /never closed its end/,
    );
  } finally {
    (await holding).close();
    listener.close();
  }
});

Deno.test("expect reads until the text matches, and fails when it never does", async () => {
  const server = echoServer();
  try {
    await runRawPeer("127.0.0.1", server.port, [
      { send: "error: no\n" },
      { expect: /^error: .*\n$/ },
      { close: true },
    ], 5000);
    await assert.rejects(
      runRawPeer("127.0.0.1", server.port, [{ send: "ok" }, { expect: /never/ }], 300),
      /raw peer expected \/never\/, got "ok" before the timeout/,
    );
  } finally {
    server.close();
  }
});

Deno.test("awaitClose returns once the server lets go, and fails if it never does", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const closer = listener.accept().then((conn) => conn.close());
    await runRawPeer("127.0.0.1", listener.addr.port, [{ awaitClose: true }], 5000);
    await closer;
    const holder = listener.accept();
    await assert.rejects(
      runRawPeer("127.0.0.1", listener.addr.port, [{ awaitClose: true }], 100),
      /the server never closed the connection/,
    );
    (await holder).close();
  } finally {
    listener.close();
  }
});

Deno.test("signalServer asks the case to signal the server", async () => {
  const server = echoServer();
  try {
    const sent: Deno.Signal[] = [];
    await runRawPeer("127.0.0.1", server.port, [{ signalServer: "SIGINT" }], 5000, {
      signalServer: (signal) => sent.push(signal),
    });
    assert.deepEqual(sent, ["SIGINT"]);
    await assert.rejects(
      runRawPeer("127.0.0.1", server.port, [{ signalServer: "SIGINT" }], 5000),
      /cannot signal the server/,
    );
  } finally {
    server.close();
  }
});

Deno.test("closedUnanswered passes a close without a byte, and fails on an answer or none", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  try {
    // Turned away: accepted and closed at once.
    const turnedAway = listener.accept().then((conn) => conn.close());
    await runRawPeer("127.0.0.1", port, [{ closedUnanswered: true }], 5000);
    await turnedAway;
    // Answered instead.
    const answered = listener.accept().then(async (conn) => {
      await conn.write(new TextEncoder().encode("hi"));
      return conn;
    });
    await assert.rejects(
      runRawPeer("127.0.0.1", port, [{ closedUnanswered: true }], 5000),
      /answered instead of closing at once/,
    );
    (await answered).close();
    // Kept open, silent, past the bound.
    const kept = listener.accept();
    await assert.rejects(
      runRawPeer("127.0.0.1", port, [{ closedUnanswered: true }], 100),
      /kept the connection open/,
    );
    (await kept).close();
  } finally {
    listener.close();
  }
});

Deno.test("trickle sends the bytes in order, and stops quietly once the server has gone", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  // The server takes the first three bytes, then hangs up in the middle of the trickle.
  const serving = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(3);
    let got = 0;
    while (got < 3) {
      const n = await conn.read(buffer.subarray(got));
      if (n === null) break;
      got += n;
    }
    conn.close();
    return new TextDecoder().decode(buffer);
  })();
  try {
    await runRawPeer("127.0.0.1", listener.addr.port, [
      { trickle: "abcdefghijklmnopqrstuvwxyz", everyMs: 20 },
      { close: true },
    ], 5000);
    assert.equal(await serving, "abc");
  } finally {
    listener.close();
  }
});
