import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import type { Direction } from "./chunk_log.ts";
import {
  concatChunks,
  ConnectionCut,
  cutAfter,
  glueUntilEnd,
  oneByteWrites,
  oneByteWritesIn,
  SHAPERS,
} from "./shapers.ts";
import type { Shaper } from "./tcp_proxy.ts";
import { readUpTo } from "./raw_peer.ts";
import { echoServer, throughShapingProxy } from "./_test_util.ts";

/** Fixed so CI is reproducible; `FC_SEED=n` replays a reported failure or tries another. */
const SEED = Number(Deno.env.get("FC_SEED") ?? 0x5eed);

/** Chunks as the proxy reads them: never empty. */
const chunksArb = fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 8 });
const dirArb = fc.constantFrom<Direction>("c2s", "s2c");

async function* source(chunks: readonly Uint8Array[], failure?: Error): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
  if (failure) throw failure;
}

/** Runs a shaper to its end: what it wrote, and what it threw (undefined if nothing). */
async function drain(
  shaper: Shaper,
  chunks: readonly Uint8Array[],
  dir: Direction,
  failure?: Error,
): Promise<{ pieces: Uint8Array[]; thrown: unknown }> {
  const pieces: Uint8Array[] = [];
  try {
    for await (const piece of shaper(source(chunks, failure), dir)) pieces.push(piece.slice());
    return { pieces, thrown: undefined };
  } catch (thrown) {
    return { pieces, thrown };
  }
}

/** The same bytes cut differently: every chunk of `chunks` glued and re-cut at `cuts`. */
function recut(chunks: readonly Uint8Array[], cuts: readonly number[]): Uint8Array[] {
  const all = concatChunks(chunks);
  const points = [...new Set(cuts.filter((c) => c > 0 && c < all.length))].sort((a, b) => a - b);
  if (all.length === 0) return [];
  return [...points, all.length].map((point, i, list) => all.slice(list[i - 1] ?? 0, point));
}

Deno.test("every named shaper delivers the stream unchanged, both ways, however it was chunked", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...Object.keys(SHAPERS) as (keyof typeof SHAPERS)[]),
      chunksArb,
      fc.array(fc.nat({ max: 320 }), { maxLength: 10 }),
      dirArb,
      async (name, chunks, cuts, dir) => {
        const asSent = await drain(SHAPERS[name], chunks, dir);
        const recutToo = await drain(SHAPERS[name], recut(chunks, cuts), dir);
        assert.equal(asSent.thrown, undefined);
        assert.deepEqual(concatChunks(asSent.pieces), concatChunks(chunks));
        assert.deepEqual(concatChunks(recutToo.pieces), concatChunks(chunks));
        assert.ok(asSent.pieces.every((piece) => piece.length > 0), "no empty writes");
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("oneByteWrites: one byte per write, whatever the chunking", async () => {
  await fc.assert(
    fc.asyncProperty(chunksArb, dirArb, async (chunks, dir) => {
      const { pieces } = await drain(oneByteWrites, chunks, dir);
      assert.ok(pieces.every((piece) => piece.length === 1));
      assert.equal(pieces.length, concatChunks(chunks).length);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("oneByteWritesIn: its direction byte by byte, the other exactly as read", async () => {
  await fc.assert(
    fc.asyncProperty(chunksArb, dirArb, dirArb, async (chunks, split, travelling) => {
      const { pieces } = await drain(oneByteWritesIn(split), chunks, travelling);
      if (split === travelling) {
        assert.deepEqual(
          pieces,
          [...concatChunks(chunks)].map((b) => Uint8Array.of(b)),
        );
      } else assert.deepEqual(pieces, chunks);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("glueUntilEnd: one write holding everything, or none for an empty stream", async () => {
  await fc.assert(
    fc.asyncProperty(chunksArb, dirArb, async (chunks, dir) => {
      const { pieces } = await drain(glueUntilEnd, chunks, dir);
      const all = concatChunks(chunks);
      assert.deepEqual(pieces, all.length ? [all] : []);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("glueUntilEnd copies what it holds: a reader reusing its buffer cannot change it", async () => {
  await fc.assert(
    fc.asyncProperty(chunksArb, async (chunks) => {
      const buffer = new Uint8Array(64);
      // Like a socket read loop that hands out views of one buffer, overwritten each time.
      async function* reusing(): AsyncGenerator<Uint8Array> {
        for (const chunk of chunks) {
          buffer.set(chunk);
          yield buffer.subarray(0, chunk.length);
          buffer.fill(0xee);
        }
      }
      const pieces: Uint8Array[] = [];
      for await (const piece of glueUntilEnd(reusing(), "c2s")) pieces.push(piece);
      assert.deepEqual(concatChunks(pieces), concatChunks(chunks));
    }),
    { seed: SEED, numRuns: 100 },
  );
});

Deno.test("cutAfter: exactly the first N bytes of its direction, then ConnectionCut; the other direction as read", async () => {
  await fc.assert(
    fc.asyncProperty(
      chunksArb,
      fc.nat({ max: 340 }),
      dirArb,
      dirArb,
      async (chunks, after, cutDir, travelling) => {
        const { pieces, thrown } = await drain(cutAfter(cutDir, after), chunks, travelling);
        const all = concatChunks(chunks);
        if (cutDir !== travelling) {
          assert.deepEqual(pieces, chunks);
          assert.equal(thrown, undefined);
          return;
        }
        assert.deepEqual(concatChunks(pieces), all.subarray(0, Math.min(after, all.length)));
        // The cut comes once N bytes have passed; a stream shorter than N just ends.
        if (chunks.length > 0 && all.length >= after) {
          assert.ok(thrown instanceof ConnectionCut, String(thrown));
          assert.equal(thrown.message, `cut after ${after} bytes ${cutDir}`);
        } else assert.equal(thrown, undefined);
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("a source that fails mid-way: every shaper passes that very error on, nothing else", async () => {
  const shapers: Shaper[] = [...Object.values(SHAPERS), cutAfter("c2s", 1 << 20)];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...shapers),
      chunksArb,
      dirArb,
      async (shaper, chunks, dir) => {
        const reset = new Deno.errors.ConnectionReset("reset");
        const { pieces, thrown } = await drain(shaper, chunks, dir, reset);
        assert.equal(thrown, reset);
        // What came before the failure may be out already, but nothing more.
        assert.ok(concatChunks(pieces).length <= concatChunks(chunks).length);
      },
    ),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("through the proxy, each shaper hands an echo server's reply back byte for byte", async () => {
  const server = echoServer();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(SHAPERS) as (keyof typeof SHAPERS)[]),
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 5 }),
        (name, writes) =>
          throughShapingProxy(server, SHAPERS[name], async (conn, proxy) => {
            for (const data of writes) await conn.write(data);
            // glueUntilEnd only lets go once the sender has finished.
            await conn.closeWrite();
            const all = concatChunks(writes);
            assert.deepEqual(await readUpTo(conn, all.length + 1), all);
            await proxy.settled(5000);
          }),
      ),
      { seed: SEED, numRuns: 15 },
    );
  } finally {
    server.close();
  }
});
