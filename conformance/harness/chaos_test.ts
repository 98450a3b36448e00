import assert from "node:assert/strict";
import {
  chaosShaper,
  coalesced,
  composeShapers,
  describeCut,
  oneByteThenSmall,
  randomSplits,
  seededRandom,
} from "./chaos.ts";
import { ConnectionCut, cutAfter } from "./shapers.ts";
import type { Shaper } from "./tcp_proxy.ts";

async function* source(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

async function pieces(shaper: Shaper, chunks: Uint8Array[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of shaper(source(chunks), "c2s")) out.push(piece.slice());
  return out;
}

const joined = (parts: Uint8Array[]) => new Uint8Array(parts.flatMap((part) => [...part]));
const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);

Deno.test("a seed gives the same numbers every time, another seed others", () => {
  const a = seededRandom(7), b = seededRandom(7), c = seededRandom(8);
  const first = [a(), a(), a()];
  assert.deepEqual(first, [b(), b(), b()]);
  assert.notDeepEqual(first, [c(), c(), c()]);
  assert.ok(first.every((x) => x >= 0 && x < 1));
});

Deno.test("re-chunking modes deliver every byte in order", async () => {
  const input = [bytes(3000), bytes(7), bytes(1)];
  for (const mode of ["one-byte", "random-splits", "coalesced", "delays"] as const) {
    const out = await pieces(chaosShaper({ mode, seed: 42 }, 0)!, input);
    assert.deepEqual(joined(out), joined(input), mode);
  }
});

Deno.test("one-byte sends bytes one at a time; random splits are reproducible", async () => {
  const out = await pieces(oneByteThenSmall(1, 0), [bytes(600)]);
  assert.equal(out.length, 600);
  const split = (seed: number) =>
    pieces(randomSplits(seed, 0), [bytes(2000)]).then((p) => p.map((x) => x.length));
  assert.deepEqual(await split(5), await split(5));
  assert.notDeepEqual(await split(5), await split(6));
  assert.ok((await split(5)).length > 2);
});

Deno.test("coalesced merges writes that come together", async () => {
  const out = await pieces(coalesced(3, 0), [bytes(10), bytes(20), bytes(30)]);
  assert.equal(out.length, 1);
  assert.equal(out[0].length, 60);
});

Deno.test("coalesced still delivers what it held when a cut comes after it", async () => {
  const shaper = composeShapers(cutAfter("c2s", 25), coalesced(3, 0))!;
  const out: Uint8Array[] = [];
  await assert.rejects(async () => {
    for await (const piece of shaper(source([bytes(10), bytes(10), bytes(10)]), "c2s")) {
      out.push(piece.slice());
    }
  }, ConnectionCut);
  assert.equal(joined(out).length, 25);
});

Deno.test("cut mode cuts only the first connection, where the seed says", () => {
  assert.equal(chaosShaper({ mode: "cut", seed: 9 }, 1), undefined);
  assert.ok(chaosShaper({ mode: "cut", seed: 9 }, 0));
  assert.match(describeCut(9), /^first connection cut after \d+ bytes (c2s|s2c)$/);
});
