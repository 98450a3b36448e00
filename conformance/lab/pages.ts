/**
 * The lab's HTML: the list of every lesson, and a lesson's page (live run controls and view, the
 * seed's terminals, the sequence diagram, the scripts). Pages are plain HTML built from strings,
 * every piece of text escaped; the page's behaviour is `assets/lab.js`, its look
 * `assets/lab.css`, its diagrams Mermaid, all served by the lab itself. Every link carries the
 * secret, since the lab refuses any request without it.
 *
 * @module
 */

import type { Lesson } from "../harness/case.ts";
import { mainCase } from "../lesson_page.ts";
import { DELIVERIES, type LessonChoices, READERS } from "./choices.ts";
import type { LessonMaterial } from "./lesson_material.ts";

/** `text` safe inside HTML text and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** A path of the lab with the secret, escaped for an attribute. */
function link(path: string, token: string): string {
  return escapeHtml(`${path}?token=${encodeURIComponent(token)}`);
}

/** The page's head and the start of its body. */
function pageStart(title: string, token: string, withScripts: boolean): string {
  const scripts = withScripts
    ? `<script src="${link("/assets/mermaid.min.js", token)}" defer></script>\n` +
      `<script src="${link("/assets/lab.js", token)}" defer></script>\n`
    : "";
  return `<!doctype html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${link("/assets/lab.css", token)}">
${scripts}</head>
<body>
`;
}

/** The list of every lesson, each linking to its page. */
export function indexPage(lessons: readonly Lesson[], token: string): string {
  const rows: string[] = [];
  for (const lesson of lessons) {
    const scripts = lesson.scripts.map((script) => `<code>${escapeHtml(script)}</code>`);
    rows.push(
      `<tr data-lesson="${escapeHtml(lesson.id)}">` +
        `<td><a href="${link(`/lessons/${lesson.id}`, token)}">` +
        `<span class="zh">${escapeHtml(lesson.title)}</span><br>` +
        `<span class="en">${escapeHtml(lesson.titleEn)}</span></a></td>` +
        `<td><code>${escapeHtml(lesson.seed.file)}</code><br>${
          escapeHtml(lesson.seed.section)
        }</td>` +
        `<td>${scripts.join(" ")}</td>` +
        `<td>${escapeHtml(lesson.transport === "none" ? "no network" : lesson.transport)}</td>` +
        `</tr>`,
    );
  }
  return pageStart("socket lab · every lesson", token, false) +
    `<main id="index">
<h1>The socket lab <span class="en">run a lesson, watch its bytes cross the wire</span></h1>
<p>Every lesson of the seeds, rebuilt as Deno scripts. Open one to read its scripts and the
seed's terminals, then run it: each chunk the recording proxy sees is drawn as it crosses.</p>
<table id="lessons">
<thead><tr><th>Lesson</th><th>Seed, section</th><th>Scripts</th><th>Transport</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
</main>
</body>
</html>
`;
}

/** Radio buttons named `name`, one per option, the first checked. */
function radios(name: string, options: { id: string; label: string; note?: string }[]): string {
  const inputs: string[] = [];
  options.forEach((option, index) => {
    const note = option.note ? ` <span class="note">(${escapeHtml(option.note)})</span>` : "";
    inputs.push(
      `<label><input type="radio" name="${name}" value="${escapeHtml(option.id)}"` +
        `${index === 0 ? " checked" : ""}> ${escapeHtml(option.label)}${note}</label>`,
    );
  });
  return inputs.join("\n");
}

/** The controls and the (empty) live view of the run section. */
function runSection(lesson: Lesson, choices: LessonChoices): string {
  const testCase = mainCase(lesson);
  const deliveries = DELIVERIES.filter((each) => choices.deliveries.includes(each.id))
    .map((each) => ({
      id: each.id,
      label: each.label,
      note: choices.mayBreak[each.id] && "may break: " + choices.mayBreak[each.id],
    }));
  const readers = READERS.filter((each) => choices.readers.includes(each.id));
  const inputs = [{ id: "dialogue", label: "the case's dialogue" }];
  if (choices.typable) inputs.push({ id: "typed", label: "type the client's lines myself" });
  return `<section id="run">
<h2>Run it live</h2>
<p>Runs the case <code>${escapeHtml(testCase.id)}</code> (${escapeHtml(testCase.title)}) as
<code>deno task conformance</code> does: each script alone in an empty folder with its
<code>@run</code> permissions, on free ports, with the recording proxy between client and server.
Each chunk is drawn as it crosses (hover or click an arrow for its text and hex), each terminal
fills as it prints, and the run ends with the verdict against the seed's transcript and byte
counts.</p>
<form id="controls">
<fieldset><legend>Delivery</legend>
${radios("delivery", deliveries)}
</fieldset>
${
    readers.length > 1
      ? `<fieldset><legend>Reader</legend>\n${radios("reader", readers)}\n</fieldset>\n`
      : `<input type="hidden" name="reader" value="lesson">\n`
  }${
    inputs.length > 1
      ? `<fieldset><legend>Input</legend>\n${radios("input", inputs)}\n</fieldset>\n`
      : `<input type="hidden" name="input" value="dialogue">\n`
  }<button type="button" id="run-button">Run</button>
<button type="button" id="stop-button" disabled>Stop</button>
</form>
<p id="run-status" role="status">Not run yet.</p>
<form id="typing" hidden>
<label>A line for the client: <input id="typed-line" autocomplete="off" maxlength="1000"></label>
<button type="submit" id="send-line">Enter</button>
<button type="button" id="end-input">End input (Ctrl-D)</button>
</form>
<div class="live">
<div id="wire">
<div class="lanes"><span>client</span><span>server</span></div>
<ol id="arrows"></ol>
</div>
<div id="live-terminals"></div>
</div>
<div id="verdict" hidden></div>
</section>
`;
}

/** The seed's terminals: each session's command and what it showed. */
function sessionsSection(material: LessonMaterial): string {
  const parts: string[] = [];
  for (const session of material.sessions) {
    const shown = session.text === undefined
      ? `\n(not shown: ${session.noGolden})`
      : session.text === ""
      ? ""
      : `\n${session.text.replace(/\n$/, "")}`;
    parts.push(
      `<h3>${escapeHtml(session.label)}</h3>\n` +
        `<pre class="terminal golden" data-golden="${escapeHtml(session.golden ?? "")}">` +
        `<span class="command">$ ${escapeHtml(session.command)}</span>${escapeHtml(shown)}</pre>`,
    );
  }
  return `<section id="sessions">
<h2>The seed's terminals</h2>
<p>What each terminal showed in the main case, from its goldens in
<code>fixtures/transcripts/</code> (ports masked as <code>&lt;PORT&gt;</code>).</p>
${parts.join("\n")}
</section>
`;
}

/** The diagram, for Mermaid to render in the page. */
function diagramSection(lesson: Lesson, material: LessonMaterial): string {
  const body = material.diagram
    ? `<pre class="mermaid">${escapeHtml(material.diagram)}</pre>`
    : `<p>No diagram: ${
      lesson.transport === "none"
        ? "its program uses no network."
        : "its case runs the program alone, where no recording proxy sits."
    }</p>`;
  return `<section id="diagram">
<h2>On the wire</h2>
<p>The main case as the recording proxy saw it when <code>deno task docs</code> ran it: one
arrow per message, with its size in bytes and the start of its text.</p>
${body}
</section>
`;
}

/** The scripts' sources, each with its run line. */
function sourcesSection(material: LessonMaterial): string {
  const parts: string[] = [];
  for (const script of material.scripts) {
    parts.push(
      `<details class="script" open><summary><code>${escapeHtml(script.name)}</code> · ` +
        `<code>${escapeHtml(script.runLine)}</code></summary>\n` +
        `<pre class="source"><code>${escapeHtml(script.source)}</code></pre></details>`,
    );
  }
  return `<section id="sources">
<h2>The scripts</h2>
${parts.join("\n")}
</section>
`;
}

/** A lesson's page: its titles and seed, the live run, the seed's terminals, diagram, scripts. */
export function lessonPageHtml(
  lesson: Lesson,
  material: LessonMaterial,
  choices: LessonChoices,
  token: string,
): string {
  const transport = lesson.transport === "none"
    ? "no network"
    : `${lesson.transport.toUpperCase()}, by default on ${lesson.host}:${lesson.port}`;
  return pageStart(`${lesson.title} · ${lesson.titleEn} · socket lab`, token, true) +
    `<nav><a href="${link("/", token)}">← every lesson</a></nav>
<main id="lesson" data-lesson="${escapeHtml(lesson.id)}" data-token="${escapeHtml(token)}">
<h1><span class="zh">${escapeHtml(lesson.title)}</span> <span class="en">${
      escapeHtml(lesson.titleEn)
    }</span></h1>
<p class="seed">Seed <code>${escapeHtml(lesson.seed.file)}</code>, section
<strong>${escapeHtml(lesson.seed.section)}</strong> · ${escapeHtml(transport)}</p>
${runSection(lesson, choices)}${sessionsSection(material)}${diagramSection(lesson, material)}${
      sourcesSection(material)
    }</main>
</body>
</html>
`;
}
