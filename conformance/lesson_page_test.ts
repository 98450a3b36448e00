import assert from "node:assert/strict";
import { lessons } from "./cases/mod.ts";
import { TRANSCRIPTS_DIR } from "./diagram_check.ts";
import {
  diagramInPage,
  drawnToo,
  LESSON_PAGES_DIR,
  lessonPage,
  lessonPagePath,
  mainCase,
  moreDiagramsInPage,
  type PageSources,
  readPageSources,
} from "./lesson_page.ts";
import { assertValidMermaid } from "./mermaid_syntax.ts";

const root = new URL("../", import.meta.url).pathname;
const programsDir = `${root}programs`;
const pageOf = (id: string) => Deno.readTextFileSync(`${LESSON_PAGES_DIR}/${id}.md`);
const sourcesOf = (lesson: (typeof lessons)[number]) =>
  readPageSources(lesson, { programsDir, transcriptsDir: TRANSCRIPTS_DIR });

Deno.test("every lesson's page is current but for its diagram (run `deno task docs`)", async () => {
  for (const lesson of lessons) {
    const page = pageOf(lesson.id);
    assert.equal(
      page,
      await lessonPage(
        lesson,
        diagramInPage(page),
        await sourcesOf(lesson),
        moreDiagramsInPage(lesson, page),
      ),
      lesson.id,
    );
  }
});

Deno.test("every lesson whose main case has a server has a diagram, and it is valid Mermaid", async () => {
  for (const lesson of lessons) {
    const diagram = diagramInPage(pageOf(lesson.id));
    assert.equal(diagram !== undefined, mainCase(lesson).server !== undefined, lesson.id);
    if (diagram) await assertValidMermaid(diagram);
    // The cases drawn besides the main one: each has its valid diagram too.
    const more = moreDiagramsInPage(lesson, pageOf(lesson.id));
    for (const { testCase } of drawnToo(lesson)) {
      const drawn = more[testCase.id];
      assert.ok(drawn !== undefined, `${lesson.id}: no diagram of ${testCase.id}`);
      await assertValidMermaid(drawn);
    }
  }
});

Deno.test("the README's lesson index links every lesson's page", () => {
  const readme = Deno.readTextFileSync(`${root}README.md`);
  for (const lesson of lessons) {
    assert.ok(readme.includes(`]: ${lessonPagePath(lesson)}\n`), lesson.id);
  }
});

Deno.test("the pages of chat, ftp_download, login and udp show the client's terminal", () => {
  for (const id of ["chat", "ftp_download", "login", "udp"]) {
    const golden = Deno.readTextFileSync(`${TRANSCRIPTS_DIR}/${id}.client.txt`);
    const page = pageOf(id);
    assert.match(page, /\nThe client's terminal:\n\n```console\n\$ deno run /, id);
    assert.ok(page.includes(`${golden.replace(/\n$/, "")}\n\`\`\`\n`), id);
  }
});

Deno.test("every page lists its lesson's cases in order, id and title", () => {
  for (const lesson of lessons) {
    const page = pageOf(lesson.id);
    let from = page.indexOf("\n## Cases\n");
    assert.ok(from > 0, lesson.id);
    for (const each of lesson.cases) {
      const at = page.indexOf(`\n- \`${each.id}\` — `, from);
      assert.ok(at > from, `${lesson.id}: ${each.id}`);
      from = at;
    }
  }
});

/** Page sources of one server and one client terminal, for pages built by hand. */
const handMade: PageSources = {
  commands: ["deno run x.ts"],
  sessions: [{
    label: "The client's terminal",
    command: "deno run x.ts",
    golden: "x",
    text: "hi\n",
  }],
};

Deno.test("a page gives back the diagram it was written with", async () => {
  const lesson = lessons[0];
  const diagram = "sequenceDiagram\n  participant server as s.ts\n";
  assert.equal(diagramInPage(await lessonPage(lesson, diagram, handMade)), diagram);
  assert.equal(diagramInPage(await lessonPage(lesson, undefined, handMade)), undefined);
});

Deno.test("a page gives back the diagrams of the cases it draws besides its main one", async () => {
  const lesson = lessons.find((each) => (each.drawnToo ?? []).length > 0)!;
  const [{ testCase }] = drawnToo(lesson);
  const main = "sequenceDiagram\n  participant server as main.ts\n";
  const more = { [testCase.id]: "sequenceDiagram\n  participant server as more.ts\n" };
  const page = await lessonPage(lesson, main, handMade, more);
  assert.equal(diagramInPage(page), main);
  assert.deepEqual(moreDiagramsInPage(lesson, page), more);
  const bare = await lessonPage(lesson, undefined, handMade);
  assert.equal(diagramInPage(bare), undefined);
  assert.deepEqual(moreDiagramsInPage(lesson, bare), { [testCase.id]: undefined });
});

Deno.test("Run it shows each terminal before the diagram, and the cases come after", async () => {
  const page = await lessonPage(lessons[0], "sequenceDiagram\n", handMade);
  const order = [
    "## Run it",
    "```sh\ndeno run x.ts\n```",
    "```console\n$ deno run x.ts\nhi\n```",
    "## On the wire",
    "## Cases",
  ]
    .map((text) => page.indexOf(text));
  assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])), `${order}`);
});
