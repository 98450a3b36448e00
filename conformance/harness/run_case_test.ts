import assert from "node:assert/strict";
import { chat } from "../cases/chat.ts";
import type { ConformanceCase } from "./case.ts";
import type { Child } from "./children.ts";
import { runCase } from "./run_case.ts";
import { withChatFixtures } from "./_test_util.ts";

const root = new URL("../../", import.meta.url).pathname;
const seedCase = chat.cases.find((c) => c.id === "chat")!;

Deno.test("the seed case passes against its goldens", async () => {
  await withChatFixtures(async () => {}, async (options) => {
    const result = await runCase(seedCase, options);
    assert.deepEqual(result.failures, []);
    assert.equal(result.status, "passed");
  });
});

Deno.test("a wrong golden fails the case with a diff", async () => {
  await withChatFixtures(async (dir) => {
    const path = `${dir}/chat.client.txt`;
    await Deno.writeTextFile(path, (await Deno.readTextFile(path)).replace("我好", "我了"));
  }, async (options) => {
    const result = await runCase(seedCase, options);
    assert.equal(result.status, "failed");
    assert.match(result.failures.join("\n"), /-我了\n\+我好/);
  });
});

Deno.test("a wrong byte count fails the case and shows the chunk log", async () => {
  await withChatFixtures(async () => {}, async (options) => {
    const result = await runCase({ ...seedCase, bytes: { c2s: 11, s2c: 38 } }, options);
    assert.equal(result.status, "failed");
    assert.match(result.failures.join("\n"), /c2s 10, s2c 38; expected c2s 11, s2c 38/);
    assert.match(result.failures.join("\n"), /#0 s2c 20 B "欢迎致电babyshen"/);
  });
});

Deno.test("a missing golden fails, and --update writes it", async () => {
  await withChatFixtures(
    async (dir) => await Deno.remove(`${dir}/chat.server.txt`),
    async (options) => {
      const failed = await runCase(seedCase, options);
      assert.match(failed.failures.join("\n"), /no golden .*chat.server.txt/);
      const updated = await runCase(seedCase, { ...options, update: true });
      assert.equal(updated.status, "passed");
      assert.deepEqual(updated.notes, ["wrote chat.server.txt"]);
      assert.equal(
        await Deno.readTextFile(`${options.fixturesDir}/transcripts/chat.server.txt`),
        await Deno.readTextFile(`${root}fixtures/transcripts/chat.server.txt`),
      );
    },
  );
});

Deno.test("a case past its bound fails, and every child it started is gone", async () => {
  const children: Child[] = [];
  const stuck: ConformanceCase = {
    ...seedCase,
    timeoutMs: 500,
    clients: [{ peer: { program: "chat_client.ts" }, dialogue: [{ wait: "never", type: "x" }] }],
  };
  await withChatFixtures(async () => {}, async (options) => {
    const result = await runCase(stuck, {
      ...options,
      stepTimeoutMs: 60_000,
      onSpawn: (child) => children.push(child),
    });
    assert.equal(result.status, "failed");
    assert.match(result.failures.join("\n"), /ran past its 500 ms bound/);
    assert.ok(result.ms < 10_000);
  });
  assert.equal(children.length, 2);
  assert.ok(children.every((child) => child.exited));
});

Deno.test("a case needing a missing tool is skipped with a notice", async () => {
  const foreign: ConformanceCase = {
    ...seedCase,
    server: { peer: { command: ["no-such-tool-xyz"], requires: "no-such-tool-xyz" } },
  };
  await withChatFixtures(async () => {}, async (options) => {
    const result = await runCase(foreign, options);
    assert.equal(result.status, "skipped");
    assert.deepEqual(result.notes, ["skipped: no-such-tool-xyz not found"]);
  });
});

Deno.test("the server is stopped with the case's stopSignal, SIGTERM by default", async () => {
  // A chat server that stops cleanly on SIGINT only: SIGTERM kills it (status 143).
  const sigintOnly: ConformanceCase = {
    ...seedCase,
    patches: [{
      program: "chat_server.ts",
      from: `["SIGINT", Deno.build.os === "windows" ? "SIGBREAK" : "SIGTERM"]`,
      to: `["SIGINT"]`,
    }],
  };
  await withChatFixtures(async () => {}, async (options) => {
    const byDefault = await runCase(sigintOnly, options);
    assert.match(byDefault.failures.join("\n"), /server exited with 143, expected 0/);
    const withSigint = await runCase(
      { ...sigintOnly, server: { ...sigintOnly.server!, stopSignal: "SIGINT" } },
      options,
    );
    assert.deepEqual(withSigint.failures, []);
  });
});
