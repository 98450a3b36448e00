import assert from "node:assert/strict";
import { lessons } from "./cases/mod.ts";
import {
  diagramInPage,
  LESSON_PAGES_DIR,
  lessonPage,
  lessonPagePath,
  mainCase,
  runCommands,
} from "./lesson_page.ts";
import { assertValidMermaid } from "./mermaid_syntax.ts";

const root = new URL("../", import.meta.url).pathname;
const programsDir = `${root}programs`;
const pageOf = (id: string) => Deno.readTextFileSync(`${LESSON_PAGES_DIR}/${id}.md`);

Deno.test("every lesson's page is current but for its diagram (run `deno task docs`)", async () => {
  for (const lesson of lessons) {
    const page = pageOf(lesson.id);
    const commands = await runCommands(programsDir, lesson.scripts);
    assert.equal(page, await lessonPage(lesson, diagramInPage(page), commands), lesson.id);
  }
});

Deno.test("every lesson whose main case has a server has a diagram, and it is valid Mermaid", async () => {
  for (const lesson of lessons) {
    const diagram = diagramInPage(pageOf(lesson.id));
    assert.equal(diagram !== undefined, mainCase(lesson).server !== undefined, lesson.id);
    if (diagram) await assertValidMermaid(diagram);
  }
});

Deno.test("the README's lesson index links every lesson's page", () => {
  const readme = Deno.readTextFileSync(`${root}README.md`);
  for (const lesson of lessons) {
    assert.ok(readme.includes(`](${lessonPagePath(lesson)})`), lesson.id);
  }
});

Deno.test("a page gives back the diagram it was written with", async () => {
  const lesson = lessons[0];
  const diagram = "sequenceDiagram\n  participant server as s.ts\n";
  assert.equal(diagramInPage(await lessonPage(lesson, diagram, ["deno run x.ts"])), diagram);
  assert.equal(diagramInPage(await lessonPage(lesson, undefined, ["deno run x.ts"])), undefined);
});
