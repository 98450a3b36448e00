/**
 * How many cases run at once: the `--jobs N` flag of the runner and of `deno task docs`, and
 * the pool that honours it.
 *
 * @module
 */

/** Reads `--jobs` (default 4); null after printing a one-line error if it is not 1 or more. */
export function parseJobs(text: string | undefined, program: string): number | null {
  const jobs = Number(text ?? 4);
  if (Number.isInteger(jobs) && jobs >= 1) return jobs;
  console.error(`${program}: --jobs takes a whole number from 1 up, not ${text}`);
  return null;
}

/** Runs `task` for every item, at most `jobs` at once, in the items' order of starting. */
export async function forEachAtMost<T>(
  items: readonly T[],
  jobs: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
}
