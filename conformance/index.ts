#!/usr/bin/env -S deno run --allow-read --allow-write --allow-run
/**
 * Rewrites the lesson index in README.md from the catalog: `deno task index`. The index sits
 * between the markers `<!-- lesson-index:start -->` and `<!-- lesson-index:end -->`. Also
 * rewrites docs/RELIABILITY.md from the cases (see reliability.ts).
 *
 * @module
 */

import { lessonIndex } from "./catalog.ts";
import { lessons } from "./cases/mod.ts";
import { reliabilityPage } from "./reliability.ts";

/** The README marker lines around the generated index. */
export const INDEX_MARKERS = ["<!-- lesson-index:start -->", "<!-- lesson-index:end -->"] as const;

/** Formats Markdown exactly as `deno fmt` formats README.md. */
export async function formatMarkdown(text: string): Promise<string> {
  const fmt = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "md", "-"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = fmt.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { code, stdout } = await fmt.output();
  if (code !== 0) throw new Error("deno fmt could not format the README");
  return new TextDecoder().decode(stdout);
}

/** `readme` with the text between the index markers replaced by `index`. */
export function withIndex(readme: string, index: string): string {
  const [start, end] = INDEX_MARKERS;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${start} … ${end}`);
  return readme.slice(0, from + start.length) + "\n" + index + readme.slice(to);
}

/** Where the reliability page lives. */
export const RELIABILITY_PAGE = new URL("../docs/RELIABILITY.md", import.meta.url);

if (import.meta.main) {
  const path = new URL("../README.md", import.meta.url);
  const readme = await Deno.readTextFile(path);
  await Deno.writeTextFile(path, await formatMarkdown(withIndex(readme, lessonIndex())));
  console.log("README.md lesson index rewritten");
  await Deno.writeTextFile(RELIABILITY_PAGE, await formatMarkdown(reliabilityPage(lessons)));
  console.log("docs/RELIABILITY.md rewritten");
}
