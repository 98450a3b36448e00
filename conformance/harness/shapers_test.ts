import assert from "node:assert/strict";
import { glueUntilEnd, oneByteWrites, oneByteWritesIn } from "./shapers.ts";

async function* chunksOf(...texts: string[]): AsyncGenerator<Uint8Array> {
  for (const text of texts) yield new TextEncoder().encode(text);
}

async function writes(shaped: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of shaped) out.push(new TextDecoder().decode(chunk));
  return out;
}

Deno.test("oneByteWrites delivers every byte on its own", async () => {
  assert.deepEqual(await writes(oneByteWrites(chunksOf("ab", "c"), "c2s")), ["a", "b", "c"]);
});

Deno.test("glueUntilEnd delivers one write when the sender finishes", async () => {
  assert.deepEqual(await writes(glueUntilEnd(chunksOf("ab", "c"), "s2c")), ["abc"]);
});

Deno.test("oneByteWritesIn splits one direction and leaves the other as sent", async () => {
  const toServer = oneByteWritesIn("c2s");
  assert.deepEqual(await writes(toServer(chunksOf("ab", "c"), "c2s")), ["a", "b", "c"]);
  assert.deepEqual(await writes(toServer(chunksOf("ab", "c"), "s2c")), ["ab", "c"]);
});
