import assert from "node:assert/strict";
import { ChildScope } from "../conformance/harness/children.ts";
import { awaitReadiness } from "../conformance/harness/readiness.ts";
import { readUpTo } from "../conformance/harness/raw_peer.ts";
import { waitAtMost } from "../conformance/harness/wait_at_most.ts";

const probe = new URL("./fairness_probe.ts", import.meta.url).pathname;
const encoder = new TextEncoder();
const WELCOME = encoder.encode("欢迎致电babyshen");

for (const workers of [1, 2]) {
  Deno.test(`fairness_probe.ts --workers ${workers}: every connection is greeted and answered`, async () => {
    const scope = new ChildScope(`fairness-probe-test-${crypto.randomUUID()}`);
    try {
      const server = scope.spawn("fairness_probe.ts", {
        cmd: Deno.execPath(),
        args: ["run", "-A", "--unstable-net", "--no-config", probe, "--workers", String(workers)],
      });
      const [listening] = await awaitReadiness(server);
      // Enough connections that, with two loops, the kernel gives some to each listener.
      const conns = await Promise.all(
        Array.from(
          { length: 16 },
          () => Deno.connect({ hostname: "127.0.0.1", port: listening.port }),
        ),
      );
      let answered = 0;
      const talk = (async () => {
        for (const conn of conns) {
          assert.deepEqual(await readUpTo(conn, WELCOME.length), WELCOME);
          await conn.write(encoder.encode("我"));
          assert.deepEqual(await readUpTo(conn, 6), encoder.encode("我好"));
          answered++;
        }
      })();
      try {
        // A loop that never serves would leave its connections waiting: bounded, not hung.
        await waitAtMost(talk, 10_000);
        assert.equal(answered, conns.length, `${answered} of ${conns.length} answered in 10 s`);
      } finally {
        for (const conn of conns) conn.close();
        // Closing ends any read still waiting; that failure is not this test's verdict.
        await talk.catch(() => {});
      }
    } finally {
      await scope.killAll();
    }
  });
}
