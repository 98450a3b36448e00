import assert from "node:assert/strict";
import { glueUntilEnd, holdBackUntilAnswered, oneByteWrites, oneByteWritesIn } from "./shapers.ts";

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

Deno.test("holdBackUntilAnswered releases the rest of a message once the other side answers", async () => {
  const shaper = holdBackUntilAnswered("c2s", 2, 10_000);
  const out: string[] = [];
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const reply = Promise.withResolvers<void>();
  async function* clientSide() {
    yield new TextEncoder().encode("1795");
  }
  async function* serverSide() {
    await reply.promise;
    yield new TextEncoder().encode("ack");
  }
  const forward = (async () => {
    for await (const piece of shaper(clientSide(), "c2s")) {
      out.push(`c2s ${text(piece)}`);
      if (text(piece) === "17") reply.resolve();
    }
  })();
  for await (const piece of shaper(serverSide(), "s2c")) out.push(`s2c ${text(piece)}`);
  await forward;
  assert.deepEqual(out, ["c2s 17", "s2c ack", "c2s 95"]);
});
