/**
 * What a lesson's page in the lab shows besides the live run, read fresh for every page: each
 * script's source and `@run` line, the terminals of its main case (from the goldens, as the
 * Markdown lesson page shows them), and the sequence diagram `deno task docs` drew from that
 * case's traffic (read back out of `docs/lessons/<id>.md`). Nothing here is run.
 *
 * @module
 */

import type { Lesson } from "../harness/case.ts";
import { diagramInPage, mainCase } from "../lesson_page.ts";
import { readRunLine, type TerminalSession, terminalSessions } from "../terminal_session.ts";

/** Where the lab reads from. */
export interface LabFolders {
  /** The scripts, `programs/`. */
  programsDir: string;
  /** The fixtures: `transcripts/` and the cases' input files. */
  fixturesDir: string;
  /** The Markdown lesson pages, `docs/lessons/`. */
  lessonPagesDir: string;
}

/** One script as the page shows it. */
export interface ScriptSource {
  /** File name in `programs/`. */
  name: string;
  /** Its header's `@run` line. */
  runLine: string;
  /** Its whole text. */
  source: string;
}

/** Everything a lesson's page shows but the live run. */
export interface LessonMaterial {
  /** The scripts, in the lesson's order. */
  scripts: ScriptSource[];
  /** The main case's terminals, server first. */
  sessions: TerminalSession[];
  /** The Mermaid sequence diagram of the main case's traffic, if the lesson has one. */
  diagram?: string;
}

/** Reads what `lesson`'s page shows. */
export async function readLessonMaterial(
  lesson: Lesson,
  folders: LabFolders,
): Promise<LessonMaterial> {
  const scripts: ScriptSource[] = [];
  for (const name of lesson.scripts) {
    scripts.push({
      name,
      runLine: await readRunLine(folders.programsDir, name),
      source: await Deno.readTextFile(`${folders.programsDir}/${name}`),
    });
  }
  const sessions = await terminalSessions(lesson, mainCase(lesson), {
    programsDir: folders.programsDir,
    transcriptsDir: `${folders.fixturesDir}/transcripts`,
  });
  let diagram: string | undefined;
  try {
    const page = await Deno.readTextFile(`${folders.lessonPagesDir}/${lesson.id}.md`);
    diagram = diagramInPage(page);
  } catch (error) {
    // No page yet (`deno task docs` writes it): the lab shows the rest.
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return { scripts, sessions, diagram };
}
