import assert from "node:assert/strict";
import type { ChunkRecord } from "./chunk_log.ts";
import type { ConformanceCase } from "./case.ts";
import { verifyFiles, verifyFilesAfterFault, verifyTraffic } from "./verify.ts";

const chunk = (conn: number, dir: "c2s" | "s2c", text: string, t: number): ChunkRecord => {
  const head = new TextEncoder().encode(text);
  return { conn, dir, size: head.length, t, head };
};
const base: ConformanceCase = { id: "x", title: "x", clients: [] };
const log = [chunk(0, "c2s", "我", 1), chunk(1, "s2c", "fast", 2), chunk(0, "s2c", "slow", 3)];

Deno.test("traffic that matches passes", () => {
  const testCase = {
    ...base,
    bytes: { c2s: 3, s2c: 8 },
    connectionBytes: [{ c2s: 3, s2c: 4 }, { c2s: 0, s2c: 4 }],
    replyOrder: ["fast", "slow"],
  };
  assert.deepEqual(verifyTraffic(testCase, { main: log, all: log, connections: 2 }), []);
});

Deno.test("wrong totals, per-connection counts, order and connection count are each reported", () => {
  const testCase = {
    ...base,
    bytes: { c2s: 4, s2c: 8 },
    connectionBytes: [{ c2s: 3, s2c: 4 }, { c2s: 0, s2c: 5 }, { c2s: 0, s2c: 0 }],
    replyOrder: ["slow", "fast"],
  };
  const problems = verifyTraffic(testCase, { main: log, all: log, connections: 2 });
  assert.equal(problems.length, 4, problems.join("\n"));
  assert.match(problems.join("\n"), /connection #1: c2s 0, s2c 4; expected c2s 0, s2c 5/);
  assert.match(problems.join("\n"), /expected 3 connections, saw 2/);
  assert.match(problems.join("\n"), /expected in the order \["slow","fast"\]/);
  assert.match(problems.join("\n"), /bytes through the proxy: c2s 3, s2c 8; expected c2s 4, s2c 8/);
});

Deno.test("files are checked by digest, by absence, by pattern and by a folder's names", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/server`);
    await Deno.writeTextFile(`${dir}/server/a.txt`, "wangzy");
    await Deno.writeTextFile(`${dir}/server/log.txt`, "2019/05/09 note\n");
    const folderOf = (role: string) => `${dir}/${role}`;
    const good = {
      ...base,
      expectFiles: [
        { at: "server", path: "a.txt", content: { text: "wangzy" } },
        { at: "server", path: "gone.txt", absent: true as const },
        { at: "server", path: "log.txt", matches: /^\d{4}\/\d\d\/\d\d note\n$/ },
        { at: "server", path: ".", holdsNone: /\.part-/ },
      ],
    };
    assert.deepEqual(await verifyFiles(good, folderOf, dir), []);
    const bad = {
      ...base,
      expectFiles: [
        { at: "server", path: "a.txt", content: { text: "wangz" } },
        { at: "server", path: "a.txt", absent: true as const },
        { at: "server", path: "missing.txt", content: { bytes: [] } },
        { at: "server", path: "log.txt", matches: /^nothing$/ },
        { at: "server", path: ".", holdsNone: /^log\./ },
      ],
    };
    const problems = await verifyFiles(bad, folderOf, dir);
    assert.equal(problems.length, 5, problems.join("\n"));
    assert.match(
      problems[0],
      /a.txt: 6 bytes, md5 2ea763badcd027b0087306a3ef3ef95f; expected 5 bytes/,
    );
    assert.match(problems[1], /a.txt should not exist, but holds 6 bytes/);
    assert.match(problems[2], /missing.txt is missing/);
    assert.match(problems[3], /log.txt does not match/);
    assert.match(problems[4], /server: \. holds log\.txt$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("after a fault a file may be absent, whole or as before, never partial", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const folderOf = (role: string) => `${dir}/${role}`;
    await Deno.mkdir(`${dir}/server`);
    const testCase: ConformanceCase = {
      ...base,
      files: [
        { at: "server", path: "old.txt", content: { text: "old" } },
        { at: "server", path: "link.txt", symlinkTo: "old.txt" },
      ],
      expectFiles: [
        { at: "server", path: "absent.txt", content: { text: "whole" } },
        { at: "server", path: "whole.txt", content: { text: "whole" } },
        { at: "server", path: "old.txt", content: { text: "whole" } },
        { at: "server", path: "link.txt", content: { text: "whole" } },
        { at: "server", path: "part.txt", content: { text: "whole" }, partial: true },
        { at: "server", path: "cut.txt", content: { text: "whole" } },
      ],
    };
    await Deno.writeTextFile(`${dir}/server/whole.txt`, "whole");
    await Deno.writeTextFile(`${dir}/server/old.txt`, "old");
    await Deno.symlink("old.txt", `${dir}/server/link.txt`);
    await Deno.writeTextFile(`${dir}/server/part.txt`, "wh");
    await Deno.writeTextFile(`${dir}/server/cut.txt`, "wh");
    const problems = await verifyFilesAfterFault(testCase, folderOf, dir);
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(
      problems[0],
      /^server: cut\.txt holds 2 bytes .* a partial file under its final name$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
