import assert from "node:assert/strict";
import { forEachAtMost, parseJobs } from "./jobs.ts";

Deno.test("parseJobs takes whole numbers from 1 up, 4 by default", () => {
  assert.equal(parseJobs(undefined, "t"), 4);
  assert.equal(parseJobs("2", "t"), 2);
  assert.equal(parseJobs("0", "t"), null);
  assert.equal(parseJobs("x", "t"), null);
});

Deno.test("forEachAtMost runs every item, never more than jobs at once", async () => {
  let running = 0;
  let most = 0;
  const done: number[] = [];
  await forEachAtMost([1, 2, 3, 4, 5], 2, async (item) => {
    most = Math.max(most, ++running);
    await Promise.resolve();
    done.push(item);
    running--;
  });
  assert.equal(most, 2);
  assert.deepEqual(done.sort(), [1, 2, 3, 4, 5]);
});
