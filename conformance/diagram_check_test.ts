import assert from "node:assert/strict";
import { chat } from "./cases/chat.ts";
import { checkLessonPage, writeLessonPage } from "./diagram_check.ts";
import { type ChunkRecord, KEPT_BYTES } from "./harness/chunk_log.ts";
import { diagramInPage, lessonDiagram } from "./lesson_page.ts";

const programsDir = new URL("../programs", import.meta.url).pathname;
const encoder = new TextEncoder();

/** The chat lesson's traffic: welcome, then 我 → 我好 (`reply` instead of 我好 if given). */
function chatTraffic(reply = "我好"): ChunkRecord[][] {
  const pieces: [ChunkRecord["dir"], string][] = [["s2c", "欢迎致电babyshen"], ["c2s", "我"], [
    "s2c",
    reply,
  ]];
  return [pieces.map(([dir, text], t) => {
    const bytes = encoder.encode(text);
    return { conn: 0, dir, size: bytes.length, t, head: bytes.slice(0, KEPT_BYTES) };
  })];
}

/** Runs `test` with a pages folder of its own. */
async function withPages(test: (pagesDir: string) => Promise<void>): Promise<void> {
  const pagesDir = await Deno.makeTempDir();
  try {
    await test(pagesDir);
  } finally {
    await Deno.remove(pagesDir, { recursive: true });
  }
}

Deno.test("a page drawn from the same traffic matches", async () => {
  await withPages(async (pagesDir) => {
    await writeLessonPage(chat, lessonDiagram(chat, chatTraffic()), { pagesDir, programsDir });
    const found = await checkLessonPage(chat, chatTraffic(), { pagesDir, programsDir });
    assert.deepEqual(found, { failures: [], notes: [] });
  });
});

Deno.test("other traffic fails with a diff naming the page, and --update rewrites it", async () => {
  await withPages(async (pagesDir) => {
    await writeLessonPage(chat, lessonDiagram(chat, chatTraffic()), { pagesDir, programsDir });
    const options = { pagesDir, programsDir };
    const found = await checkLessonPage(chat, chatTraffic("我了"), options);
    assert.equal(found.failures.length, 1);
    assert.match(found.failures[0], /the diagram in docs\/lessons\/chat.md no longer matches/);
    assert.match(
      found.failures[0],
      /\n- {2}server-->>c1: 6 B “我好”\n\+ {2}server-->>c1: 6 B “我了”/,
    );

    const updated = await checkLessonPage(chat, chatTraffic("我了"), {
      ...options,
      update: true,
    });
    assert.deepEqual(updated, { failures: [], notes: ["wrote docs/lessons/chat.md"] });
    const page = await Deno.readTextFile(`${pagesDir}/chat.md`);
    assert.equal(diagramInPage(page), lessonDiagram(chat, chatTraffic("我了")));
  });
});

Deno.test("a missing page fails; a page without a diagram shows what is missing", async () => {
  await withPages(async (pagesDir) => {
    const options = { pagesDir, programsDir };
    const missing = await checkLessonPage(chat, chatTraffic(), options);
    assert.match(missing.failures.join("\n"), /no page docs\/lessons\/chat.md/);
    await writeLessonPage(chat, undefined, options);
    const none = await checkLessonPage(chat, chatTraffic(), options);
    assert.match(none.failures.join("\n"), /\n-\(no diagram\)\n\+sequenceDiagram\n/);
  });
});

Deno.test("a stale terminal on the page fails with a diff, though the diagram matches", async () => {
  await withPages(async (pagesDir) => {
    const options = { pagesDir, programsDir };
    const path = await writeLessonPage(chat, lessonDiagram(chat, chatTraffic()), options);
    const page = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, page.replace("我好\n", "我了\n"));
    const found = await checkLessonPage(chat, chatTraffic(), options);
    assert.equal(found.failures.length, 1);
    assert.match(found.failures[0], /^docs\/lessons\/chat.md is out of date/);
    assert.match(found.failures[0], /\n-我了\n\+我好\n/);

    const updated = await checkLessonPage(chat, chatTraffic(), { ...options, update: true });
    assert.deepEqual(updated, { failures: [], notes: ["wrote docs/lessons/chat.md"] });
    assert.equal(await Deno.readTextFile(path), page);
  });
});
