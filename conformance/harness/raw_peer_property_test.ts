import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { readUpTo, runRawPeer } from "./raw_peer.ts";

/** Fixed so CI is reproducible; `FC_SEED=n` replays a reported failure or tries another. */
const SEED = Number(Deno.env.get("FC_SEED") ?? 0x5eed);

/** `bytes` cut into pieces of the sizes in `plan`, repeated; the whole if the plan is empty. */
function piecesOf(bytes: Uint8Array, plan: readonly number[]): Uint8Array[] {
  if (plan.length === 0) return bytes.length ? [bytes] : [];
  const pieces: Uint8Array[] = [];
  for (let at = 0, step = 0; at < bytes.length; step++) {
    const size = plan[step % plan.length];
    pieces.push(bytes.slice(at, at + size));
    at += size;
  }
  return pieces;
}

/**
 * A stand-in for a connection whose reads return at most one of `pieces` each (as a socket
 * returns what has arrived), then end of stream, or `failure` if given (a reset).
 */
function fakeConn(pieces: readonly Uint8Array[], failure?: Error) {
  const queue = pieces.map((piece) => piece.slice());
  const conn = {
    consumed: 0,
    read(into: Uint8Array): Promise<number | null> {
      while (queue.length && queue[0].length === 0) queue.shift();
      if (queue.length === 0) return failure ? Promise.reject(failure) : Promise.resolve(null);
      const n = Math.min(into.length, queue[0].length);
      into.set(queue[0].subarray(0, n));
      queue[0] = queue[0].subarray(n);
      conn.consumed += n;
      return Promise.resolve(n);
    },
  };
  return conn;
}

const planArb = fc.array(fc.integer({ min: 1, max: 16 }), { maxLength: 6 });

Deno.test("readUpTo: any chunking gives the same bytes, and never takes more than asked", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 200 }),
      planArb,
      fc.array(fc.nat({ max: 64 }), { maxLength: 10 }),
      async (bytes, plan, requests) => {
        const conn = fakeConn(piecesOf(bytes, plan));
        let at = 0;
        for (const n of requests) {
          const got = await readUpTo(conn as unknown as Deno.Conn, n);
          const want = bytes.subarray(at, Math.min(at + n, bytes.length));
          assert.deepEqual(got, want);
          at += want.length;
          // What follows stays in the connection for the next read.
          assert.equal(conn.consumed, at);
        }
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("readUpTo: a connection that fails mid-way rejects with that very error", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), planArb, async (bytes, plan) => {
      const reset = new Deno.errors.ConnectionReset("reset by peer");
      const conn = fakeConn(piecesOf(bytes, plan), reset);
      // Asking for more than will come reaches the failure; asking for less never does.
      await assert.rejects(
        readUpTo(conn as unknown as Deno.Conn, bytes.length + 1),
        (e) => e === reset,
      );
      const again = fakeConn(piecesOf(bytes, plan), reset);
      assert.deepEqual(await readUpTo(again as unknown as Deno.Conn, bytes.length), bytes);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

/**
 * A loopback server that, for each connection, writes `pieces` one write each, then closes
 * (or, with `holdOpen`, keeps the connection until the client leaves). With `gapMs`, it
 * pauses between writes, so the client's reads really end at the cuts (on loopback, writes
 * back to back mostly arrive as one read).
 */
function pieceServer(pieces: () => readonly Uint8Array[], holdOpen = false, gapMs = 0) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for await (const conn of listener) {
      try {
        conn.setNoDelay(true);
        for (const [i, piece] of pieces().entries()) {
          if (i > 0 && gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
          await conn.write(piece);
        }
        if (holdOpen) await conn.read(new Uint8Array(1)).catch(() => null);
      } catch { /* the client left early */ }
      conn.close();
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    close: async () => {
      listener.close();
      await served;
    },
  };
}

Deno.test("readUpTo over a real socket: the server's writes reassemble into the same bytes", async () => {
  let current: Uint8Array[] = [];
  const server = pieceServer(() => current);
  try {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), planArb, async (bytes, plan) => {
        current = piecesOf(bytes, plan);
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        try {
          assert.deepEqual(await readUpTo(conn, bytes.length + 10), bytes);
        } finally {
          conn.close();
        }
      }),
      { seed: SEED, numRuns: 20 },
    );
  } finally {
    await server.close();
  }
});

Deno.test("a raw peer's recv and expect steps see the text however it was cut", async () => {
  let current: Uint8Array[] = [];
  const server = pieceServer(() => current, false, 1);
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "binary", minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 6 }),
        fc.boolean(),
        async (text, plan, byPattern) => {
          // Cuts fall inside characters too: pieces are counted in bytes.
          current = piecesOf(new TextEncoder().encode(`${text}。`), plan);
          const step = byPattern ? { expect: /。$/ } : { recv: `${text}。` };
          await runRawPeer("127.0.0.1", server.port, [step, { close: true }], 5000);
        },
      ),
      { seed: SEED, numRuns: 12 },
    );
  } finally {
    await server.close();
  }
});

Deno.test("a raw peer fed garbage fails with a clear message within its bound", async () => {
  let current: Uint8Array[] = [];
  for (const holdOpen of [false, true]) {
    const server = pieceServer(() => current, holdOpen);
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 40 }), planArb, async (garbage, plan) => {
          const want = "欢迎登陆FTP系统\n";
          fc.pre(new TextDecoder().decode(garbage) !== want);
          current = piecesOf(garbage, plan);
          const started = performance.now();
          // A server holding the connection open is only let go of by the peer's bound.
          const bound = holdOpen ? 150 : 5000;
          await assert.rejects(
            runRawPeer("127.0.0.1", server.port, [{ recv: want }], bound),
            /^Error: raw peer expected "欢迎登陆FTP系统\\n", got ".*"( \(the timeout, within \d+ ms\))?$/s,
          );
          assert.ok(performance.now() - started < bound + 2000);
        }),
        { seed: SEED, numRuns: holdOpen ? 5 : 20 },
      );
    } finally {
      await server.close();
    }
  }
});
