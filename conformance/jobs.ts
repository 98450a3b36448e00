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

/** One lane of `forEachInLanes`: its items, in order, and how many of them may run at once. */
export interface Lane<T> {
  items: readonly T[];
  atMost: number;
}

/**
 * Runs every item of every lane, at most `total` at once and at most `atMost` of each lane at
 * once. A free slot goes to the first lane (in the order given) that has an item waiting and
 * room for it, so a lane of short waits can fill the slots a lane of heavy work leaves.
 */
export async function forEachInLanes<T>(
  lanes: readonly Lane<T>[],
  total: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const next = lanes.map(() => 0);
  const running = lanes.map(() => 0);
  const pending = new Set<Promise<void>>();
  for (;;) {
    const lane = lanes.findIndex((each, index) =>
      next[index] < each.items.length && running[index] < Math.max(1, each.atMost)
    );
    if (lane >= 0 && pending.size < Math.max(1, total)) {
      const item = lanes[lane].items[next[lane]++];
      running[lane]++;
      const run: Promise<void> = task(item).finally(() => {
        running[lane]--;
        pending.delete(run);
      });
      pending.add(run);
      continue;
    }
    if (pending.size === 0) return;
    // Wait for any running item to end, then look again; a failing task ends the whole run.
    await Promise.race(pending);
  }
}
