import assert from "node:assert/strict";
import { fileDigest } from "./file_digest.ts";

Deno.test("size and MD5 match known answers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/wangzy`, "wangzy");
    await Deno.writeFile(`${dir}/empty`, new Uint8Array());
    // The seed's own example: md5("wangzy").
    assert.deepEqual(await fileDigest(`${dir}/wangzy`), {
      size: 6,
      md5: "2ea763badcd027b0087306a3ef3ef95f",
    });
    assert.deepEqual(await fileDigest(`${dir}/empty`), {
      size: 0,
      md5: "d41d8cd98f00b204e9800998ecf8427e",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file larger than one read is hashed whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new Uint8Array(3 * (1 << 20) + 7).map((_, i) => i % 251);
    await Deno.writeFile(`${dir}/big`, data);
    const { createHash } = await import("node:crypto");
    const expected = createHash("md5").update(data).digest("hex");
    assert.deepEqual(await fileDigest(`${dir}/big`), { size: data.length, md5: expected });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
