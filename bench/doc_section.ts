/**
 * Writes a benchmark's generated section into a document, between two marker comments, leaving
 * the hand-written text around it as it is.
 *
 * @module
 */

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
}
