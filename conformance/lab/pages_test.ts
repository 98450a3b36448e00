import assert from "node:assert/strict";
import { lessons } from "../cases/mod.ts";
import type { Lesson } from "../harness/case.ts";
import { LESSON_PAGES_DIR } from "../lesson_page.ts";
import { choicesOf } from "./choices.ts";
import { readLessonMaterial } from "./lesson_material.ts";
import { escapeHtml, indexPage, lessonPageHtml } from "./pages.ts";

const root = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const folders = {
  programsDir: `${root}programs`,
  fixturesDir: `${root}fixtures`,
  lessonPagesDir: LESSON_PAGES_DIR,
};
const TOKEN = "f".repeat(48);

Deno.test("escapeHtml leaves no markup", () => {
  assert.equal(
    escapeHtml(`<a href="x" onclick='y'>&</a>`),
    "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
  );
});

Deno.test("the index lists every lesson with both titles, its seed section and a link with the secret", () => {
  const html = indexPage(lessons, TOKEN);
  for (const lesson of lessons) {
    assert.ok(html.includes(`href="/lessons/${lesson.id}?token=${TOKEN}"`), lesson.id);
    assert.ok(html.includes(escapeHtml(lesson.title)), lesson.title);
    assert.ok(html.includes(escapeHtml(lesson.titleEn)), lesson.titleEn);
    assert.ok(html.includes(escapeHtml(lesson.seed.section)), lesson.seed.section);
  }
});

Deno.test("chat's page: scripts, seed, the seed's terminals, the diagram and the run controls", async () => {
  const chat = lessons.find((lesson) => lesson.id === "chat")!;
  const html = lessonPageHtml(
    chat,
    await readLessonMaterial(chat, folders),
    choicesOf(chat),
    TOKEN,
  );
  assert.match(html, /<pre class="mermaid">sequenceDiagram\n/);
  assert.match(
    html,
    /data-golden="chat\.client">.*\$ deno run --allow-net=127\.0\.0\.1 chat_client\.ts/s,
  );
  assert.match(html, /请输入要发送的内容&gt;&gt;&gt;：我\n我好/);
  assert.match(html, /<code>chat_server\.ts<\/code>/);
  assert.match(html, /000_84409504fdc3648b\.txt/);
  assert.match(html, /value="one-byte"/);
  assert.doesNotMatch(html, /value="glued"/);
  assert.match(html, /value="typed"/);
  assert.match(html, new RegExp(`src="/assets/mermaid\\.min\\.js\\?token=${TOKEN}"`));
  // The source is shown as text: its own markup-like characters are escaped.
  assert.doesNotMatch(html, /<ConformanceCase|<Deno\.TcpConn/);
});

Deno.test("every lesson's page renders, text escaped, whatever its title says", async () => {
  for (const lesson of lessons) {
    const material = await readLessonMaterial(lesson, folders);
    const hostile: Lesson = { ...lesson, title: `<script>alert(1)</script>${lesson.title}` };
    const html = lessonPageHtml(hostile, material, choicesOf(lesson), TOKEN);
    assert.ok(!html.includes("<script>alert(1)"), lesson.id);
    assert.equal(html.includes('<pre class="mermaid">'), material.diagram !== undefined, lesson.id);
  }
});
