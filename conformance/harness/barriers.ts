/**
 * Meeting points of clients run at the same time: a dialogue step with `together` waits until
 * every client of its group has reached its step of that name. A server that serves one client
 * at a time never lets the others get there, so the wait fails.
 *
 * @module
 */

import type { ClientRole } from "./case.ts";

/** One meeting point: how many steps name it, how many have arrived, and when all have. */
interface Barrier {
  needed: number;
  arrived: number;
  all: PromiseWithResolvers<void>;
}

/** The meeting points of one group of clients. */
export class Barriers {
  #barriers = new Map<string, Barrier>();

  /** The meeting points `group`'s dialogues name, each awaiting every step that names it. */
  constructor(group: readonly ClientRole[]) {
    for (const role of group) {
      if (role.raw) continue;
      for (const step of role.dialogue ?? []) {
        if (!step.together) continue;
        let barrier = this.#barriers.get(step.together);
        if (!barrier) {
          barrier = { needed: 0, arrived: 0, all: Promise.withResolvers<void>() };
          this.#barriers.set(step.together, barrier);
        }
        barrier.needed++;
      }
    }
  }

  /** Arrives at `name` and waits, at most `timeoutMs`, until every other step naming it has. */
  async meet(name: string, timeoutMs: number): Promise<void> {
    const barrier = this.#barriers.get(name);
    if (!barrier) throw new Error(`no client of this group meets at "${name}"`);
    if (++barrier.arrived === barrier.needed) barrier.all.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() =>
        reject(
          new Error(
            `only ${barrier.arrived} of ${barrier.needed} clients reached "${name}" within ` +
              `${timeoutMs} ms (are they served at the same time?)`,
          ),
        ), timeoutMs);
    });
    try {
      await Promise.race([barrier.all.promise, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
