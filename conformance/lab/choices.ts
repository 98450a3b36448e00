/**
 * What a learner may choose for a live run of a lesson, and the case that choice runs: the
 * lesson's main case (the one its page and diagram show) with the bytes delivered as sent, one
 * byte at a time or glued together; read by the lesson's reader or by the seed's (one read
 * taken as one message); driven by the case's dialogue or by lines the learner types.
 *
 * Everything a run may change comes from the catalog: the shapers are the harness's, the seed's
 * reader is the lesson's own one-read mutation (the one `--chaos` must catch), the dialogue is
 * the case's. Nothing a browser sends becomes code or a command line.
 *
 * @module
 */

import type { ConformanceCase, Lesson } from "../harness/case.ts";
import type { Chaos, ChaosMode } from "../harness/chaos.ts";
import type { SHAPERS } from "../harness/shapers.ts";
import { mainCase } from "../lesson_page.ts";

/** How the proxy delivers what each side sends. */
export type Delivery = "as-sent" | "one-byte" | "glued";

/** Which reader the server (and client) use: the lesson's as built, or the seed's one `recv`. */
export type Reader = "lesson" | "seed";

/**
 * Every delivery, in the order the page offers them, with its label and how the proxy makes
 * it: a shaper a case can name, or a chaos mode. Every byte alone is `--chaos`'s one-byte mode,
 * which paces the bytes 1 ms apart: unpaced, the proxy outruns the reader, which then finds
 * whole messages waiting anyway and the learner would see nothing change.
 */
export const DELIVERIES: readonly {
  /** The delivery. */
  id: Delivery;
  /** What the page calls it. */
  label: string;
  /** The harness's shaper for it, if it is one. */
  shaping?: keyof typeof SHAPERS;
  /** The chaos mode for it, if it is one. */
  chaos?: ChaosMode;
}[] = [
  { id: "as-sent", label: "as sent" },
  { id: "one-byte", label: "every byte alone", chaos: "one-byte" },
  { id: "glued", label: "glued together", shaping: "glued" },
];

/** The seed of a chaos delivery: any fixed one, so a run can be repeated exactly. */
const CHAOS_SEED = 1;

/** Every reader, in the order the page offers them, with its label. */
export const READERS: readonly { id: Reader; label: string }[] = [
  { id: "lesson", label: "the lesson's reader (reads what the format says)" },
  { id: "seed", label: "the seed's reader (one recv taken as one message)" },
];

/** What a lesson offers for a live run. */
export interface LessonChoices {
  /** The deliveries it can run under. */
  deliveries: Delivery[];
  /** Why a delivery may break the lesson (from its chaos settings), by delivery. */
  mayBreak: Partial<Record<Delivery, string>>;
  /** The readers it has: the seed's only where the lesson declares its one-read mutation. */
  readers: Reader[];
  /** The learner may type the client's lines instead of the case's dialogue. */
  typable: boolean;
}

/** One choice of the learner. */
export interface RunChoice {
  /** How bytes are delivered. */
  delivery: Delivery;
  /** Whose reader. */
  reader: Reader;
  /** The learner types the client's lines. */
  typed: boolean;
}

/** How long a run of typed lines may last: a person needs time, but not forever. */
export const TYPED_RUN_BOUND_MS = 5 * 60_000;

/**
 * What `lesson` offers. Bytes can be re-chunked only on TCP and where a proxy sits (a lesson
 * with a server); glued only where the catalog has the main case glued, since gluing holds a
 * side's bytes until it finishes, and a client waiting for an answer would wait forever. Typing
 * is offered where the main case has one client, a process with a dialogue.
 */
export function choicesOf(lesson: Lesson): LessonChoices {
  const testCase = mainCase(lesson);
  const deliveries: Delivery[] = ["as-sent"];
  if (lesson.transport === "tcp" && testCase.server) {
    deliveries.push("one-byte");
    const gluedId = `${testCase.id}-glued`;
    if (lesson.cases.some((each) => each.id === gluedId)) deliveries.push("glued");
  }
  const mayBreak: Partial<Record<Delivery, string>> = {};
  const oneByteBreaks = lesson.chaos?.mayBreak?.["one-byte"];
  if (oneByteBreaks) mayBreak["one-byte"] = oneByteBreaks;
  const coalescedBreaks = lesson.chaos?.mayBreak?.coalesced;
  if (coalescedBreaks) mayBreak.glued = coalescedBreaks;
  const readers: Reader[] = ["lesson"];
  if ((lesson.chaos?.oneReadMutations ?? []).length > 0) readers.push("seed");
  const clients = testCase.clients.flat();
  const only = clients.length === 1 ? clients[0] : undefined;
  const typable = only !== undefined && !only.raw && (only.dialogue ?? []).length > 0;
  return { deliveries, mayBreak, readers, typable };
}

/** True if `lesson` offers `choice`. */
export function offers(lesson: Lesson, choice: RunChoice): boolean {
  const choices = choicesOf(lesson);
  return choices.deliveries.includes(choice.delivery) && choices.readers.includes(choice.reader) &&
    (!choice.typed || choices.typable);
}

/**
 * The case a live run of `lesson` executes for `choice`: its main case, under the chosen
 * delivery if a shaper makes it (see {@linkcode liveChaos} for the others), with the seed's reader patched in if chosen, and a longer bound for typed lines.
 * Its id stays the main case's, so it is judged against the same goldens (a delivery must not
 * change what a framed lesson prints). Its mutations are left out: a live run runs once.
 */
export function liveCase(lesson: Lesson, choice: RunChoice): ConformanceCase {
  const testCase = mainCase(lesson);
  const delivery = DELIVERIES.find((each) => each.id === choice.delivery);
  const patches = [...(testCase.patches ?? [])];
  if (choice.reader === "seed") patches.push(...(lesson.chaos?.oneReadMutations ?? []));
  const live: ConformanceCase = {
    ...testCase,
    shaping: delivery?.shaping ?? testCase.shaping,
    patches,
    mutations: undefined,
  };
  if (choice.typed) live.timeoutMs = TYPED_RUN_BOUND_MS;
  return live;
}

/** The chaos a live run goes through for `choice`, if its delivery is a chaos mode. */
export function liveChaos(choice: RunChoice): Chaos | undefined {
  const mode = DELIVERIES.find((each) => each.id === choice.delivery)?.chaos;
  return mode === undefined ? undefined : { mode, seed: CHAOS_SEED };
}
