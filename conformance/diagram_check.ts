/**
 * The check that keeps the lesson pages honest: the diagram a lesson's page shows must be the
 * one its main case's traffic draws now, and the rest of the page (run commands, the main
 * case's terminals from its goldens, the list of the lesson's cases) what the scripts, goldens
 * and cases give now. A mismatch fails with a diff; update mode rewrites the page instead, as
 * it rewrites goldens.
 *
 * @module
 */

import type { ConformanceCase, Lesson } from "./harness/case.ts";
import type { ChunkRecord } from "./harness/chunk_log.ts";
import { unifiedDiff } from "./harness/diff.ts";
import {
  caseDiagram,
  diagramInPage,
  lessonPage,
  mainCase,
  type MoreDiagrams,
  moreDiagramsInPage,
  readPageSources,
} from "./lesson_page.ts";

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

/**
 * `lesson`'s whole page with `diagram` (and `more`: those of the cases it draws besides its
 * main one), from the scripts and goldens `options` names.
 */
export async function currentLessonPage(
  lesson: Lesson,
  diagram: string | undefined,
  options: Omit<DiagramCheckOptions, "update">,
  more: MoreDiagrams = {},
): Promise<string> {
  const sources = await readPageSources(lesson, {
    programsDir: options.programsDir,
    transcriptsDir: options.transcriptsDir ?? TRANSCRIPTS_DIR,
  });
  return await lessonPage(lesson, diagram, sources, more);
}

/** Writes `lesson`'s whole page with `diagram` (and `more`); returns its path. */
export async function writeLessonPage(
  lesson: Lesson,
  diagram: string | undefined,
  options: Omit<DiagramCheckOptions, "update">,
  more: MoreDiagrams = {},
): Promise<string> {
  const path = `${options.pagesDir}/${lesson.id}.md`;
  const page = await currentLessonPage(lesson, diagram, options, more);
  await Deno.mkdir(options.pagesDir, { recursive: true });
  await Deno.writeTextFile(path, page);
  return path;
}

/**
 * Rewrites of each page, one after another: the main case and a case drawn besides it may
 * both rewrite a page at once, and each keeps the other's diagram only if it reads the page
 * after the other wrote it.
 */
const rewrites = new Map<string, Promise<unknown>>();

/** Runs `rewrite` once every earlier rewrite of the page at `path` is done. */
function inTurn<T>(path: string, rewrite: () => Promise<T>): Promise<T> {
  const turn = (rewrites.get(path) ?? Promise.resolve()).then(rewrite);
  rewrites.set(path, turn.catch(() => {}));
  return turn;
}

/** Shows a missing diagram as a line of its own in a diff. */
const orNone = (diagram: string | undefined) => diagram ?? "(no diagram)\n";

/**
 * Compares `lesson`'s page with what it should be: the diagram of `drawn` (its main case, or a
 * case it draws besides) with the one `traffic` (that case's chunk logs, one per listener)
 * draws, and the rest with what the scripts, goldens and cases give now. Each part that
 * differs is a failure of its own, with a diff.
 */
export function checkLessonPage(
  lesson: Lesson,
  traffic: readonly (readonly ChunkRecord[])[],
  options: DiagramCheckOptions,
  drawn: ConformanceCase = mainCase(lesson),
): Promise<DiagramCheckResult> {
  const path = `${options.pagesDir}/${lesson.id}.md`;
  const check = () => checkPage(lesson, traffic, options, drawn, path);
  return options.update ? inTurn(path, check) : check();
}

/** The check of `checkLessonPage`, on the page at `path`. */
async function checkPage(
  lesson: Lesson,
  traffic: readonly (readonly ChunkRecord[])[],
  options: DiagramCheckOptions,
  drawn: ConformanceCase,
  path: string,
): Promise<DiagramCheckResult> {
  const name = `docs/lessons/${lesson.id}.md`;
  const isMain = drawn === mainCase(lesson);
  const actual = caseDiagram(lesson, drawn, traffic);
  let page: string | undefined;
  try {
    page = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const main = page === undefined ? undefined : diagramInPage(page);
  const more = page === undefined ? {} : moreDiagramsInPage(lesson, page);
  const expected = isMain ? main : more[drawn.id];
  // The page as it should be around the diagrams it has: what differs there is not traffic.
  const rest = page === undefined
    ? undefined
    : await currentLessonPage(lesson, main, options, more);
  if (page !== undefined && expected === actual && rest === page) {
    return { failures: [], notes: [] };
  }
  if (options.update) {
    if (isMain) await writeLessonPage(lesson, actual, options, more);
    else await writeLessonPage(lesson, main, options, { ...more, [drawn.id]: actual });
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
      `the diagram${isMain ? "" : ` of ${drawn.id}`} in ${name} no longer matches the traffic ` +
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
