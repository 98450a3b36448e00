import assert from "node:assert/strict";
import { LineQueue } from "./line_queue.ts";

Deno.test("lines come out in order, waiting for the next, until the queue is closed", async () => {
  const queue = new LineQueue();
  const taken: string[] = [];
  const taking = (async () => {
    for await (const line of queue) taken.push(line);
  })();
  queue.push("我");
  queue.push("你");
  await Promise.resolve();
  queue.push("q");
  queue.close();
  queue.push("after the end");
  await taking;
  assert.deepEqual(taken, ["我", "你", "q"]);
  assert.equal(queue.closed, true);
});
