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

const scriptLinks = (scripts: string[]) =>
  scripts.map((s) => `[\`${s}\`](programs/${s})`).join(" ");

/** A link to the lesson's page (`deno task docs` writes it) with its sequence diagram. */
const pageLink = (entry: CatalogEntry) =>
  `[${entry.transport === "none" ? "no traffic" : "diagram"}](docs/lessons/${entry.id}.md)`;

/** The README's lesson index: a Markdown table of every built and planned lesson. */
export function lessonIndex(): string {
  const rows = [
    "| Lesson | Seed, section | Scripts | On the wire | Conformance cases | Status |",
    "| --- | --- | --- | --- | --- | --- |",
    ...catalog.map((entry) =>
      `| ${entry.title}<br>${entry.titleEn} | \`${entry.seed.file}\`<br>${entry.seed.section} | ` +
      `${scriptLinks(entry.scripts)} | ${pageLink(entry)} | ` +
      `${entry.cases.map((c) => `\`${c}\``).join(" ")} | done |`
    ),
    ...planned.map((entry) =>
      `| ${entry.title}<br>${entry.titleEn} | \`${entry.seed.file}\`<br>${entry.seed.section} | ` +
      `${entry.scripts.map((s) => `\`${s}\``).join(" ")} | | | planned (#${entry.issue}) |`
    ),
  ];
  return rows.join("\n") + "\n";
}
