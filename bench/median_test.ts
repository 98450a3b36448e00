import assert from "node:assert/strict";
import { median } from "./median.ts";

Deno.test("the median is the middle value, the upper middle of an even count", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 3);
  assert.equal(median([7]), 7);
});
