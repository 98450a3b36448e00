/**
 * The check that keeps the lesson pages honest: the diagram a lesson's page shows must be the
 * one its main case's traffic draws now. A mismatch fails with a diff; update mode rewrites the
 * page instead, as it rewrites goldens.
 *
 * @module
 */

import type { Lesson } from "./harness/case.ts";
import type { ChunkRecord } from "./harness/chunk_log.ts";
import { unifiedDiff } from "./harness/diff.ts";
import { diagramInPage, lessonDiagram, lessonPage, runCommands } from "./lesson_page.ts";

/** Where the pages and scripts are, and whether to rewrite pages that differ. */
export interface DiagramCheckOptions {
  /** Folder of the lesson pages, `<lesson id>.md`. */
  pagesDir: string;
  /** Folder of the scripts, whose `@run` lines a rewritten page shows. */
  programsDir: string;
  /** Rewrite a page whose diagram differs or that is missing, instead of failing. */
  update?: boolean;
}

/** What the check found: failures (with a diff) and notes (pages written). */
export interface DiagramCheckResult {
  /** One paragraph per problem. */
  failures: string[];
  /** Pages rewritten under update mode. */
  notes: string[];
}

/** Writes `lesson`'s whole page with `diagram`. */
export async function writeLessonPage(
  lesson: Lesson,
  diagram: string | undefined,
  options: Omit<DiagramCheckOptions, "update">,
): Promise<string> {
  const path = `${options.pagesDir}/${lesson.id}.md`;
  const commands = await runCommands(options.programsDir, lesson.scripts);
  await Deno.mkdir(options.pagesDir, { recursive: true });
  await Deno.writeTextFile(path, await lessonPage(lesson, diagram, commands));
  return path;
}

/** Shows a missing diagram as a line of its own in a diff. */
const orNone = (diagram: string | undefined) => diagram ?? "(no diagram)\n";

/**
 * Compares the diagram on `lesson`'s page with the one `traffic` (its main case's chunk logs,
 * one per listener) draws.
 */
export async function checkLessonDiagram(
  lesson: Lesson,
  traffic: readonly (readonly ChunkRecord[])[],
  options: DiagramCheckOptions,
): Promise<DiagramCheckResult> {
  const name = `docs/lessons/${lesson.id}.md`;
  const actual = lessonDiagram(lesson, traffic);
  let page: string | undefined;
  try {
    page = await Deno.readTextFile(`${options.pagesDir}/${lesson.id}.md`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const expected = page === undefined ? undefined : diagramInPage(page);
  if (page !== undefined && expected === actual) return { failures: [], notes: [] };
  if (options.update) {
    await writeLessonPage(lesson, actual, options);
    return { failures: [], notes: [`wrote ${name}`] };
  }
  if (page === undefined) {
    return {
      failures: [`no page ${name} (run \`deno task docs\`, or this suite with --update)`],
      notes: [],
    };
  }
  const diff = unifiedDiff(orNone(expected), orNone(actual), {
    expected: `${name} (committed)`,
    actual: `${name} (this run's traffic)`,
  });
  return {
    failures: [
      `the diagram in ${name} no longer matches the traffic ` +
      `(run \`deno task docs\`, or this suite with --update):\n${diff}`,
    ],
    notes: [],
  };
}
