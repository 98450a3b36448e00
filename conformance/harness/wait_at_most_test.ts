import assert from "node:assert/strict";
import { waitAtMost } from "./wait_at_most.ts";

Deno.test("waitAtMost ends when the promise does, well before the bound", async () => {
  const started = performance.now();
  await waitAtMost(Promise.resolve(), 10_000);
  assert.ok(performance.now() - started < 5_000);
});

Deno.test("waitAtMost ends at the bound when the promise never settles", async () => {
  await waitAtMost(new Promise(() => {}), 20);
});

Deno.test("waitAtMost throws a rejection that comes before the bound", async () => {
  await assert.rejects(waitAtMost(Promise.reject(new Error("gone")), 10_000), /gone/);
});
