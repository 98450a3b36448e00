/**
 * The check that keeps the lesson pages honest: the diagram a lesson's page shows must be the
 * one its main case's traffic draws now, and the rest of the page (run commands, the main
 * case's terminals from its goldens, the list of the lesson's cases) what the scripts, goldens
 * and cases give now. A mismatch fails with a diff; update mode rewrites the page instead, as
 * it rewrites goldens.
 *
 * @module
 */

import type { Lesson } from "./harness/case.ts";
import type { ChunkRecord } from "./harness/chunk_log.ts";
import { unifiedDiff } from "./harness/diff.ts";
import { diagramInPage, lessonDiagram, lessonPage, readPageSources } from "./lesson_page.ts";

/** The goldens of this project, whose terminals the pages show. */
export const TRANSCRIPTS_DIR: string = decodeURIComponent(
  new URL("../fixtures/transcripts", import.meta.url).pathname,
);

/** Where the pages, scripts and goldens are, and whether to rewrite pages that differ. */
export interface DiagramCheckOptions {
  /** Folder of the lesson pages, `<lesson id>.md`. */
  pagesDir: string;
  /** Folder of the scripts, whose `@run` lines a page shows. */
  programsDir: string;
  /** Folder of the goldens, whose terminals a page shows (default {@linkcode TRANSCRIPTS_DIR}). */
  transcriptsDir?: string;
  /** Rewrite a page that differs or is missing, instead of failing. */
  update?: boolean;
}

/** What the check found: failures (with a diff) and notes (pages written). */
export interface DiagramCheckResult {
  /** One paragraph per problem. */
  failures: string[];
  /** Pages rewritten under update mode. */
  notes: string[];
}

/** `lesson`'s whole page with `diagram`, from the scripts and goldens `options` names. */
export async function currentLessonPage(
  lesson: Lesson,
  diagram: string | undefined,
  options: Omit<DiagramCheckOptions, "update">,
): Promise<string> {
  const sources = await readPageSources(lesson, {
    programsDir: options.programsDir,
    transcriptsDir: options.transcriptsDir ?? TRANSCRIPTS_DIR,
  });
  return await lessonPage(lesson, diagram, sources);
}

/** Writes `lesson`'s whole page with `diagram`; returns its path. */
export async function writeLessonPage(
  lesson: Lesson,
  diagram: string | undefined,
  options: Omit<DiagramCheckOptions, "update">,
): Promise<string> {
  const path = `${options.pagesDir}/${lesson.id}.md`;
  const page = await currentLessonPage(lesson, diagram, options);
  await Deno.mkdir(options.pagesDir, { recursive: true });
  await Deno.writeTextFile(path, page);
  return path;
}

/** Shows a missing diagram as a line of its own in a diff. */
const orNone = (diagram: string | undefined) => diagram ?? "(no diagram)\n";

/**
 * Compares `lesson`'s page with what it should be: its diagram with the one `traffic` (its main
 * case's chunk logs, one per listener) draws, and the rest with what the scripts, goldens and
 * cases give now. Each part that differs is a failure of its own, with a diff.
 */
export async function checkLessonPage(
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
  // The page as it should be around the diagram it has: what differs there is not traffic.
  const rest = page === undefined ? undefined : await currentLessonPage(lesson, expected, options);
  if (page !== undefined && expected === actual && rest === page) {
    return { failures: [], notes: [] };
  }
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
  const failures: string[] = [];
  if (expected !== actual) {
    const diff = unifiedDiff(orNone(expected), orNone(actual), {
      expected: `${name} (committed)`,
      actual: `${name} (this run's traffic)`,
    });
    failures.push(
      `the diagram in ${name} no longer matches the traffic ` +
        `(run \`deno task docs\`, or this suite with --update):\n${diff}`,
    );
  }
  if (rest !== page) {
    const diff = unifiedDiff(page, rest!, {
      expected: `${name} (committed)`,
      actual: `${name} (from the scripts, goldens and cases)`,
    });
    failures.push(
      `${name} is out of date: its commands, terminals or case list no longer match the ` +
        `scripts, goldens and cases (run \`deno task docs\`, or this suite with --update):\n${diff}`,
    );
  }
  return { failures, notes: [] };
}
