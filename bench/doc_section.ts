/**
 * Writes a benchmark's generated section into a document, between two marker comments, leaving
 * the hand-written text around it as it is, and formats what it writes as `deno fmt --check`
 * (run by CI) wants it.
 *
 * @module
 */

/** Formats the files at `paths` in place with `deno fmt`. */
export async function formatFiles(...paths: string[]): Promise<void> {
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", ...paths] }).output();
}

/** Replaces what lies between `start` and `end` in the file at `path` with `text`. */
export async function writeBetweenMarkers(
  path: string,
  [start, end]: readonly [string, string],
  text: string,
): Promise<void> {
  const doc = await Deno.readTextFile(path);
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${path} lacks the markers ${start} … ${end}`);
  await Deno.writeTextFile(
    path,
    doc.slice(0, from + start.length) + "\n" + text + "\n" + doc.slice(to),
  );
  await formatFiles(path);
}
