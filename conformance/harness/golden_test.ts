import assert from "node:assert/strict";
import { compareGolden } from "./golden.ts";

async function withGolden(text: string | undefined, test: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/case.client.txt`;
  if (text !== undefined) await Deno.writeTextFile(path, text);
  try {
    await test(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a matching transcript passes", async () => {
  await withGolden("我好\n", async (path) => {
    assert.deepEqual(await compareGolden(path, "我好\n", false), { status: "match" });
  });
});

Deno.test("a wrong golden fails with a diff naming both sides", async () => {
  await withGolden("我好\n", async (path) => {
    const outcome = await compareGolden(path, "我了\n", false);
    assert.equal(outcome.status, "mismatch");
    assert.ok(outcome.status === "mismatch" && outcome.diff.includes("-我好\n+我了"));
  });
});

Deno.test("a missing golden fails unless updating", async () => {
  await withGolden(undefined, async (path) => {
    assert.equal((await compareGolden(path, "x\n", false)).status, "missing");
    assert.equal((await compareGolden(path, "x\n", true)).status, "updated");
    assert.equal(await Deno.readTextFile(path), "x\n");
  });
});

Deno.test("update rewrites a differing golden and leaves a matching one alone", async () => {
  await withGolden("old\n", async (path) => {
    assert.equal((await compareGolden(path, "new\n", true)).status, "updated");
    assert.equal(await Deno.readTextFile(path), "new\n");
    assert.equal((await compareGolden(path, "new\n", true)).status, "match");
  });
});
