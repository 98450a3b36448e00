/**
 * Golden files: the expected transcript of one role in one case, stored as
 * `fixtures/transcripts/<case>.<role>.txt` in the seed's terminal style. A mismatch yields a
 * unified diff; update mode rewrites the file instead (like testscript's UpdateScripts).
 *
 * @module
 */

import { unifiedDiff } from "./diff.ts";

/** The outcome of comparing one transcript with its golden. */
export type GoldenOutcome =
  | { status: "match" }
  | { status: "updated" }
  | { status: "mismatch"; diff: string }
  | { status: "missing"; path: string };

/**
 * Compares `actual` (already masked) with the golden at `path`. With `update`, writes `actual`
 * to `path` when they differ or the golden does not exist yet.
 */
export async function compareGolden(
  path: string,
  actual: string,
  update: boolean,
): Promise<GoldenOutcome> {
  let expected: string | undefined;
  try {
    expected = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (expected === actual) return { status: "match" };
  if (update) {
    await Deno.writeTextFile(path, actual);
    return { status: "updated" };
  }
  if (expected === undefined) return { status: "missing", path };
  const name = path.split("/").at(-1)!;
  return {
    status: "mismatch",
    diff: unifiedDiff(expected, actual, { expected: `golden ${name}`, actual: `actual ${name}` }),
  };
}
