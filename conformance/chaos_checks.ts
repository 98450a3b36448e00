/**
 * The checks of `deno task conformance --chaos`: every case of every TCP lesson once per chaos
 * mode, and each lesson's "trusts one read" mutants, which one-byte delivery must catch.
 *
 * A case passes a mode as it passes the plain run (same goldens, same byte counts), except
 * under `cut` and under the modes its lesson declares it `mayBreak`, where it is judged only on
 * what no fault may cause (see `RunOptions.faultTolerant`). Cases with a foreign peer (the
 * seeds' Python programs, nc, socat) and UDP lessons are left out: chaos judges our programs'
 * readers, and datagrams keep their boundaries whatever the network does.
 *
 * @module
 */

import {
  type Chaos,
  CHAOS_MODES,
  type ChaosMode,
  describeCut,
  isChaosMode,
  seededRandom,
} from "./harness/chaos.ts";
import type { ConformanceCase, Lesson } from "./harness/case.ts";
import { runCase, type RunOptions } from "./harness/run_case.ts";
import type { Check } from "./run.ts";

/** Which modes to run, with which seed, and how many of the checks. */
export interface ChaosPlan {
  /** Modes, in {@linkcode CHAOS_MODES} order. */
  modes: ChaosMode[];
  /** Seed of every random choice. */
  seed: number;
  /** Run only this many case×mode checks, drawn with the seed (all if absent). */
  sample?: number;
}

/** The plan from `--modes`, `--seed`, `--sample`; a string says what is wrong. */
export function parseChaosPlan(
  flags: { modes?: string; seed?: string; sample?: string },
): ChaosPlan | string {
  const modes = flags.modes?.split(",").map((mode) => mode.trim()) ?? [...CHAOS_MODES];
  const unknown = modes.find((mode) => !isChaosMode(mode));
  if (unknown !== undefined) {
    return `--modes takes some of ${CHAOS_MODES.join(", ")}, not ${JSON.stringify(unknown)}`;
  }
  const number = (flag: string, text: string | undefined) =>
    text === undefined ? undefined : /^\d{1,9}$/.test(text) ? Number(text) : flag;
  const seed = number("--seed", flags.seed) ?? Math.floor(Math.random() * 1e9);
  const sample = number("--sample", flags.sample);
  if (typeof seed === "string") return `--seed takes a whole number, not ${flags.seed}`;
  if (typeof sample === "string") return `--sample takes a whole number, not ${flags.sample}`;
  return {
    modes: CHAOS_MODES.filter((mode) => modes.includes(mode)),
    seed,
    sample,
  };
}

/** A case's own seed: the run's seed mixed with its id, so a filtered replay chooses alike. */
export function caseSeed(seed: number, id: string): number {
  let hash = seed >>> 0;
  for (const char of id) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0;
  return hash;
}

/** True if every peer of the case is one of our programs and it has a server to proxy. */
function oursAlone(testCase: ConformanceCase): boolean {
  if (!testCase.server || !("program" in testCase.server.peer)) return false;
  return testCase.clients.flat().every((role) => role.raw || (role.peer && "program" in role.peer));
}

/** The command that replays one chaos check. */
function replay(mode: ChaosMode, seed: number, id: string): string {
  return `replay: deno task conformance --chaos --modes ${mode} --seed ${seed} --filter "${id}:"`;
}

/** Every chaos check of `lessons` under `plan`. */
export function buildChaosChecks(lessons: Lesson[], options: RunOptions, plan: ChaosPlan): Check[] {
  const checks: Check[] = [];
  for (const lesson of lessons) {
    if (lesson.transport !== "tcp") continue;
    for (const testCase of lesson.cases.filter(oursAlone)) {
      for (const mode of plan.modes) {
        const reason = mode === "cut"
          ? "a cut connection"
          : testCase.chaosMayBreak?.[mode] ?? lesson.chaos?.mayBreak?.[mode];
        const chaos: Chaos = { mode, seed: caseSeed(plan.seed, testCase.id) };
        checks.push({
          name: `chaos ${mode}: ${testCase.id}:${reason ? " (fails only cleanly)" : ""}`,
          run: async () => {
            const result = await runCase(testCase, {
              ...options,
              update: false,
              chaos,
              faultTolerant: reason !== undefined,
              stallsTolerated: reason !== undefined && mode !== "cut",
              // A lockstep dialogue knocked out of step waits for lines that never come:
              // under a mode that may break it, that wait need not be long.
              stepTimeoutMs: reason && mode !== "cut" ? 3000 : options.stepTimeoutMs,
            });
            const where = mode === "cut" ? [describeCut(chaos.seed)] : [];
            if (result.status !== "failed") {
              return { ...result, notes: [...where, ...result.notes] };
            }
            const failures = [...where, ...result.failures, replay(mode, plan.seed, testCase.id)];
            return { ...result, failures };
          },
        });
      }
    }
  }
  const sampled = plan.sample === undefined ? checks : drawn(checks, plan.sample, plan.seed);
  return [...sampled, ...oneReadMutants(lessons, options, plan.seed)];
}

/** `count` of `checks`, drawn with `seed`, in their original order. */
function drawn(checks: Check[], count: number, seed: number): Check[] {
  const random = seededRandom(seed);
  const keys = checks.map((check) => ({ check, key: random() }));
  const chosen = new Set(
    keys.toSorted((a, b) => a.key - b.key).slice(0, count).map((k) => k.check),
  );
  return checks.filter((check) => chosen.has(check));
}

/**
 * Each lesson's "trusts one read" mutants: its main case must pass with the mutant unsplit
 * (so the mutant breaks nothing else) and fail under one-byte delivery.
 */
function oneReadMutants(lessons: Lesson[], options: RunOptions, seed: number): Check[] {
  const checks: Check[] = [];
  for (const lesson of lessons) {
    const main = lesson.cases.find((each) => each.id === lesson.id) ?? lesson.cases[0];
    for (const mutation of lesson.chaos?.oneReadMutations ?? []) {
      checks.push({
        mutant: true,
        name: `chaos one-byte: ${main.id}: catches ${mutation.program} trusting one read`,
        run: async () => {
          // Unsplit, the mutant must still pass: it breaks nothing but the reading of pieces.
          const unsplit = await runCase(main, { ...options, update: false, mutation });
          if (unsplit.status !== "passed") {
            return {
              ...unsplit,
              status: "failed",
              failures: [
                "the mutant fails even unsplit, so it proves nothing about reads:",
                ...unsplit.failures,
              ],
            };
          }
          const result = await runCase(main, {
            ...options,
            update: false,
            mutation,
            chaos: { mode: "one-byte", seed: caseSeed(seed, main.id) },
            stepTimeoutMs: 3000,
          });
          const ms = unsplit.ms + result.ms;
          return result.status === "failed" ? { ...result, ms, status: "passed", failures: [] } : {
            ...result,
            ms,
            status: "failed",
            failures: ["the mutant passed under one-byte delivery"],
          };
        },
      });
    }
  }
  return checks;
}
