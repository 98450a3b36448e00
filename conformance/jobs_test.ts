import assert from "node:assert/strict";
import { forEachAtMost, forEachInLanes, parseJobs } from "./jobs.ts";

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

Deno.test("forEachInLanes keeps each lane and the total within bounds, first lane first", async () => {
  const running = { heavy: 0, light: 0 };
  const most = { heavy: 0, light: 0, total: 0 };
  const started: string[] = [];
  const items = [
    ...["h1", "h2", "h3"].map((name) => ({ name, lane: "heavy" as const })),
    ...["l1", "l2", "l3", "l4"].map((name) => ({ name, lane: "light" as const })),
  ];
  await forEachInLanes(
    [
      { items: items.slice(0, 3), atMost: 1 },
      { items: items.slice(3), atMost: 2 },
    ],
    2,
    async (item) => {
      started.push(item.name);
      running[item.lane]++;
      most[item.lane] = Math.max(most[item.lane], running[item.lane]);
      most.total = Math.max(most.total, running.heavy + running.light);
      await new Promise((resolve) => setTimeout(resolve, 1));
      running[item.lane]--;
    },
  );
  assert.deepEqual(most, { heavy: 1, light: 2, total: 2 });
  assert.deepEqual(started.slice(0, 2), ["h1", "l1"]);
  assert.deepEqual([...started].sort(), ["h1", "h2", "h3", "l1", "l2", "l3", "l4"]);
});
