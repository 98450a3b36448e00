import assert from "node:assert/strict";
import { unifiedDiff } from "./diff.ts";

const names = { expected: "golden", actual: "actual" };

Deno.test("equal texts give no diff", () => {
  assert.equal(unifiedDiff("a\nb\n", "a\nb\n", names), "");
});

Deno.test("a changed line shows as - then + with context", () => {
  const diff = unifiedDiff("欢迎\n我\n我好\n请\n", "欢迎\n我\n我了\n请\n", names);
  assert.equal(
    diff,
    "--- golden\n+++ actual\n@@ -1,4 +1,4 @@\n 欢迎\n 我\n-我好\n+我了\n 请\n",
  );
});

Deno.test("far-apart changes make separate hunks", () => {
  const a = Array.from({ length: 20 }, (_, i) => `line ${i}`);
  const b = [...a];
  b[1] = "changed 1";
  b[18] = "changed 18";
  const diff = unifiedDiff(a.join("\n") + "\n", b.join("\n") + "\n", names);
  assert.equal(diff.match(/^@@/gm)?.length, 2);
  assert.match(diff, /^-line 1$/m);
  assert.match(diff, /^\+changed 18$/m);
});

Deno.test("a missing final newline is visible", () => {
  const diff = unifiedDiff("a\n", "a", names);
  assert.match(diff, /No newline at end/);
});

Deno.test("an empty actual shows every golden line removed", () => {
  assert.match(unifiedDiff("a\nb\n", "", names), /@@ -1,2 \+0,0 @@\n-a\n-b\n/);
});
