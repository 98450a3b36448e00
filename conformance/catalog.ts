/**
 * The catalog of programs, built from the conformance cases, and the README's lesson index
 * rendered from it (`deno task index` writes it; a test keeps README and catalog equal). Lessons
 * not built yet are listed with the issue that will build them, so the index covers every seed.
 *
 * @module
 */

import { lessons } from "./cases/mod.ts";
import type { Lesson } from "./harness/case.ts";

/** One built lesson as the catalog shows it: the lesson, with its cases named by id. */
export type CatalogEntry = Omit<Lesson, "cases"> & {
  /** Ids of its conformance cases. */
  cases: string[];
};

/** Turns a lesson into its catalog entry. */
export function catalogEntry(lesson: Lesson): CatalogEntry {
  const { cases, ...entry } = lesson;
  return { ...entry, cases: cases.map((c) => c.id) };
}

/** Every built lesson, in index order. */
export const catalog: CatalogEntry[] = lessons.map(catalogEntry);

/** A lesson of the seeds that has no scripts yet. */
export interface PlannedLesson {
  /** Title as in the seed. */
  title: string;
  /** English title. */
  titleEn: string;
  /** Seed file and section. */
  seed: { file: string; section: string };
  /** The scripts it will have. */
  scripts: string[];
  /** The issue that builds it. */
  issue: number;
}

/** Lessons still to build, with their issue: none left (every program of the seeds is built). */
export const planned: PlannedLesson[] = [];

/** A script as a reference link (see {@linkcode linkTargets}): `[`chat_server.ts`]`. */
const scriptLink = (script: string) => `[\`${script}\`]`;

/** The path of a lesson's page (`deno task docs` writes it). */
const pagePath = (entry: Pick<CatalogEntry, "id">) => `docs/lessons/${entry.id}.md`;

/**
 * The targets of the index's reference links, one line each: every script, and every lesson's
 * page. Reference links keep the table's cells, and so its rows, short.
 */
function linkTargets(): string[] {
  const scripts = new Set(catalog.flatMap((entry) => entry.scripts));
  return [
    ...[...scripts].map((script) => `${scriptLink(script)}: programs/${script}`),
    ...catalog.map((entry) => `[${pagePath(entry)}]: ${pagePath(entry)}`),
  ];
}

/**
 * The README's lesson index: a Markdown table of every built and planned lesson, one short row
 * each (titles, seed and section, scripts, page, number of cases), then the targets of its
 * links. The cases themselves are listed on each lesson's page, so a new case changes only its
 * lesson's count here.
 */
export function lessonIndex(): string {
  const rows = [
    "| Lesson | Seed, section | Scripts | Page | Cases |",
    "| --- | --- | --- | --- | --: |",
    ...catalog.map((entry) =>
      `| ${entry.title}<br>${entry.titleEn} | \`${entry.seed.file}\`<br>${entry.seed.section} | ` +
      `${entry.scripts.map(scriptLink).join(" ")} | [${pagePath(entry)}] | ${entry.cases.length} |`
    ),
    ...planned.map((entry) =>
      `| ${entry.title}<br>${entry.titleEn} | \`${entry.seed.file}\`<br>${entry.seed.section} | ` +
      `${entry.scripts.map((s) => `\`${s}\``).join(" ")} | planned (#${entry.issue}) | |`
    ),
  ];
  return [...rows, "", ...linkTargets()].join("\n") + "\n";
}
