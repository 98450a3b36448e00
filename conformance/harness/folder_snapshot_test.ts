import assert from "node:assert/strict";
import { snapshotChanges, snapshotFolder } from "./folder_snapshot.ts";

Deno.test("a snapshot shows new, changed and removed entries, but not skipped ones", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/served`);
    await Deno.writeTextFile(`${root}/secret.txt`, "outside");
    await Deno.writeTextFile(`${root}/gone.txt`, "x");
    await Deno.symlink("../secret.txt", `${root}/served/link`);
    const skip = (path: string) => path.startsWith("served/");
    const before = await snapshotFolder(root, skip);
    await Deno.writeTextFile(`${root}/served/new.bin`, "inside: allowed");
    await Deno.writeTextFile(`${root}/secret.txt`, "overwritten");
    await Deno.remove(`${root}/gone.txt`);
    await Deno.writeTextFile(`${root}/escape.txt`, "");
    const changes = snapshotChanges(before, await snapshotFolder(root, skip));
    assert.equal(changes.length, 3, changes.join("\n"));
    assert.ok(changes.some((line) => /^secret\.txt: file 7 B, .* → file 11 B/.test(line)));
    assert.ok(changes.includes("gone.txt: removed (was " + before.get("gone.txt") + ")"));
    assert.ok(changes.some((line) => line.startsWith("escape.txt: new (file 0 B")));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
