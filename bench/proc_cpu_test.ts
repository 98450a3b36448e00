import assert from "node:assert/strict";
import { cpuTime } from "./proc_cpu.ts";

Deno.test("cpuTime reads this process's user and system seconds, and they grow with work", async () => {
  const before = await cpuTime(Deno.pid);
  assert.ok(before && before.user >= 0 && before.sys >= 0);
  // Busy until the clock ticks over (at most 10 s on a very busy machine): the reading moves.
  let after = before;
  let x = 0;
  for (const start = performance.now(); performance.now() - start < 10_000;) {
    for (let i = 0; i < 1e6; i++) x += Math.sqrt(x + i);
    after = (await cpuTime(Deno.pid))!;
    if (after.user + after.sys > before.user + before.sys) break;
  }
  assert.ok(after.user + after.sys > before.user + before.sys, `no CPU time counted (${x})`);
});

Deno.test("cpuTime is null for a process that is gone", async () => {
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert.equal(await cpuTime(child.pid), null);
});
