#!/usr/bin/env -S deno run -A
/**
 * Writes every lesson's page, `docs/lessons/<lesson id>.md`: `deno task docs [--filter TEXT]`.
 *
 * Runs each lesson's main case (see `mainCase`), and the cases its page draws besides
 * (`drawnToo`), through the harness, as the conformance suite does, and draws their sequence
 * diagrams from the recording proxy's chunk logs; the terminals the
 * page shows come from that case's goldens, and the case list from the lesson, neither run. A
 * case that fails writes no page (its traffic is not the lesson's); the exit status is then 1.
 * Pages of lessons that no longer exist are removed. The output is the same on every run with
 * the same cases, goldens and traffic.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { lessons } from "./cases/mod.ts";
import { forEachAtMost, parseJobs } from "./jobs.ts";
import { writeLessonPage } from "./diagram_check.ts";
import { killChildrenOnInterrupt, RUN_TAG_VARIABLE } from "./harness/children.ts";
import { runCase, type RunOptions } from "./harness/run_case.ts";
import {
  caseDiagram,
  drawnToo,
  LESSON_PAGES_DIR,
  lessonDiagram,
  mainCase,
  type MoreDiagrams,
} from "./lesson_page.ts";

const USAGE = `Usage: deno task docs [options]

Options:
  --filter TEXT   only the lessons whose id contains TEXT (may be repeated)
  --jobs N        cases at a time (default 4)
  --help          show this help`;

async function main(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: {
        filter: { type: "string", multiple: true },
        jobs: { type: "string" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    console.error(`docs: ${(error as Error).message} (see --help)`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const jobs = parseJobs(flags.jobs, "docs");
  if (jobs === null) return 2;
  killChildrenOnInterrupt();
  const path = (url: URL) => decodeURIComponent(url.pathname);
  const options: RunOptions = {
    programsDir: path(new URL("../programs", import.meta.url)),
    fixturesDir: path(new URL("../fixtures", import.meta.url)),
    tag: Deno.env.get(RUN_TAG_VARIABLE) ?? crypto.randomUUID(),
  };
  const filters = flags.filter ?? [];
  const chosen = lessons.filter((lesson) =>
    filters.length === 0 || filters.some((text) => lesson.id.includes(text))
  );

  let failed = 0;
  await forEachAtMost(chosen, jobs, async (lesson) => {
    const testCase = mainCase(lesson);
    const result = await runCase(testCase, options);
    if (result.status !== "passed") {
      failed++;
      console.log(`FAIL ${lesson.id}: case ${testCase.id} ${result.status}, no page written`);
      for (const line of [...result.failures, ...result.notes]) {
        console.log(line.replace(/^/gm, "     "));
      }
      return;
    }
    const diagram = lessonDiagram(lesson, result.traffic ?? []);
    // The cases drawn besides the main one: a page is written only if every one passes.
    const more: MoreDiagrams = {};
    for (const { testCase: drawn } of drawnToo(lesson)) {
      const also = await runCase(drawn, options);
      if (also.status !== "passed") {
        failed++;
        console.log(`FAIL ${lesson.id}: case ${drawn.id} ${also.status}, no page written`);
        for (const line of [...also.failures, ...also.notes]) {
          console.log(line.replace(/^/gm, "     "));
        }
        return;
      }
      more[drawn.id] = caseDiagram(lesson, drawn, also.traffic ?? []);
    }
    await writeLessonPage(lesson, diagram, {
      pagesDir: LESSON_PAGES_DIR,
      programsDir: options.programsDir,
      transcriptsDir: `${options.fixturesDir}/transcripts`,
    }, more);
    console.log(`wrote docs/lessons/${lesson.id}.md${diagram ? "" : " (no traffic)"}`);
  });

  if (filters.length === 0) {
    const known = new Set(lessons.map((lesson) => `${lesson.id}.md`));
    for await (const entry of Deno.readDir(LESSON_PAGES_DIR)) {
      if (entry.isFile && entry.name.endsWith(".md") && !known.has(entry.name)) {
        await Deno.remove(`${LESSON_PAGES_DIR}/${entry.name}`);
        console.log(`removed docs/lessons/${entry.name} (no such lesson)`);
      }
    }
  }
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
