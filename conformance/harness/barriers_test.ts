import assert from "node:assert/strict";
import type { ClientRole } from "./case.ts";
import { Barriers } from "./barriers.ts";

const client = (together: string): ClientRole => ({
  peer: { program: "chat_client.ts" },
  dialogue: [{ wait: ">>>", type: "hi", together }],
});

Deno.test("clients that all reach a barrier go on together", async () => {
  const barriers = new Barriers([client("both"), client("both")]);
  await Promise.all([barriers.meet("both", 1000), barriers.meet("both", 1000)]);
});

Deno.test("a barrier not every client reaches fails, saying how many did", async () => {
  const barriers = new Barriers([client("both"), client("both"), { raw: [{ close: true }] }]);
  await assert.rejects(
    barriers.meet("both", 50),
    /only 1 of 2 clients reached "both" within 50 ms \(are they served at the same time\?\)/,
  );
});
