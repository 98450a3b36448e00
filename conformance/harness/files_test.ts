import assert from "node:assert/strict";
import { contentDigest, writeContent } from "./files.ts";
import { fileDigest } from "./file_digest.ts";

Deno.test("generated content is the same on every run, and its digest matches what is written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const content = { generated: (1 << 20) + 5 };
    const written = await writeContent(content, `${dir}/a/g.bin`, dir);
    assert.deepEqual(written, await contentDigest(content, dir));
    assert.deepEqual(written, await fileDigest(`${dir}/a/g.bin`));
    assert.equal(written.size, (1 << 20) + 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a generated prefix is the start of the generated file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeContent({ generated: 100_000 }, `${dir}/whole`, dir);
    await writeContent({ generatedPrefix: [100_000, 40_000] }, `${dir}/prefix`, dir);
    const whole = await Deno.readFile(`${dir}/whole`);
    assert.deepEqual(await Deno.readFile(`${dir}/prefix`), whole.subarray(0, 40_000));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("text, bytes and fixtures have the digest of their bytes", async () => {
  assert.deepEqual(await contentDigest({ text: "wangzy" }, "."), {
    size: 6,
    md5: "2ea763badcd027b0087306a3ef3ef95f",
  });
  assert.deepEqual(await contentDigest({ bytes: [] }, "."), {
    size: 0,
    md5: "d41d8cd98f00b204e9800998ecf8427e",
  });
  const fixtures = new URL("../../fixtures", import.meta.url).pathname;
  assert.deepEqual(await contentDigest({ fixture: "files/f.png" }, fixtures), {
    size: 1795,
    md5: "8538a2876ec718b52850d4abfa89b651",
  });
});
