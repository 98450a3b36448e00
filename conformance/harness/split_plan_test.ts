import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { concatChunks } from "./shapers.ts";
import { splitByPlan } from "./split_plan.ts";
import { readUpTo } from "./raw_peer.ts";
import { echoServer, throughShapingProxy } from "./_test_util.ts";

/** Fixed so CI is reproducible; `FC_SEED=n` replays a reported failure or tries another. */
const SEED = Number(Deno.env.get("FC_SEED") ?? 0x5eed);

const chunksArb = fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 8 });
const planArb = fc.array(fc.integer({ min: 1, max: 16 }), { maxLength: 6 });

async function* source(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

async function collect(shaped: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of shaped) out.push(piece.slice());
  return out;
}

/** Where a list of chunks cuts the stream: the running sums, without 0 and the total. */
function cutsOf(sizes: readonly number[]): number[] {
  const cuts: number[] = [];
  let at = 0;
  for (const size of sizes) cuts.push(at += size);
  cuts.pop();
  return cuts;
}

/** The cuts a plan makes in a stream of `total` bytes: its running sums, the plan repeated. */
function planCuts(plan: readonly number[], total: number): number[] {
  const cuts: number[] = [];
  for (let at = 0, step = 0; plan.length;) {
    at += plan[step++ % plan.length];
    if (at >= total) break;
    cuts.push(at);
  }
  return cuts;
}

const sortedUnion = (...lists: number[][]) => [...new Set(lists.flat())].sort((a, b) => a - b);

Deno.test("splitByPlan: the bytes are unchanged, cut exactly at the plan's and the sender's cuts", async () => {
  await fc.assert(
    fc.asyncProperty(chunksArb, planArb, async (chunks, plan) => {
      const pieces = await collect(splitByPlan(plan)(source(chunks), "c2s"));
      assert.deepEqual(concatChunks(pieces), concatChunks(chunks));
      assert.ok(pieces.every((piece) => piece.length > 0), "no empty writes");
      const total = concatChunks(chunks).length;
      const expected = sortedUnion(cutsOf(chunks.map((c) => c.length)), planCuts(plan, total));
      assert.deepEqual(cutsOf(pieces.map((p) => p.length)), expected);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("splitByPlan never holds bytes back: a chunk is delivered before the next is read", async () => {
  await fc.assert(
    fc.asyncProperty(chunksArb, planArb, async (chunks, plan) => {
      let delivered = 0;
      let readSoFar = 0;
      // Checks, each time the shaper asks for another chunk, that all before it went out.
      async function* watched(): AsyncGenerator<Uint8Array> {
        for (const chunk of chunks) {
          assert.equal(delivered, readSoFar);
          readSoFar += chunk.length;
          yield chunk;
        }
      }
      for await (const piece of splitByPlan(plan)(watched(), "s2c")) delivered += piece.length;
      assert.equal(delivered, readSoFar);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("splitByPlan with a direction leaves the other one exactly as read", async () => {
  await fc.assert(
    fc.asyncProperty(chunksArb, planArb, async (chunks, plan) => {
      const pieces = await collect(splitByPlan(plan, { dir: "c2s" })(source(chunks), "s2c"));
      assert.deepEqual(pieces, chunks);
    }),
    { seed: SEED, numRuns: 100 },
  );
});

Deno.test("splitByPlan with a gap pauses between the pieces cut from one chunk", async () => {
  const started = performance.now();
  const pieces = await collect(
    splitByPlan([1], { gapMs: 10 })(source([Uint8Array.of(1, 2, 3, 4)]), "c2s"),
  );
  assert.deepEqual(pieces, [[1], [2], [3], [4]].map((bytes) => Uint8Array.from(bytes)));
  // Three cuts, three pauses (timers may fire a little early, never much).
  assert.ok(performance.now() - started >= 25);
});

Deno.test("splitByPlan refuses a size that is not a whole number ≥ 1", () => {
  for (const size of [0, -1, 1.5, NaN, Infinity]) {
    assert.throws(() => splitByPlan([3, size]), RangeError);
  }
  assert.deepEqual(cutsOf([]), []);
});

Deno.test("through the proxy, the server reads the bytes whole, cut at the plan's places", async () => {
  const server = echoServer();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 6 }),
        (data, plan) =>
          throughShapingProxy(server, splitByPlan(plan, { dir: "c2s" }), async (conn, proxy) => {
            await conn.write(data);
            assert.deepEqual(await readUpTo(conn, data.length), data);
            await conn.closeWrite();
            assert.equal((await readUpTo(conn, 1)).length, 0);
            await proxy.settled(5000);
            // The proxy may read the client's write in several chunks, which adds cuts, but
            // every cut of the plan is there.
            const sizes = proxy.log.filter((r) => r.dir === "c2s").map((r) => r.size);
            const cuts = new Set(cutsOf(sizes));
            for (const cut of planCuts(plan, data.length)) assert.ok(cuts.has(cut), `cut ${cut}`);
          }),
      ),
      { seed: SEED, numRuns: 15 },
    );
  } finally {
    server.close();
  }
});
