/**
 * A live run of a lesson: its main case executed by the harness exactly as the conformance
 * suite executes it (each script staged alone with its `@run` permissions, free ports, the
 * recording proxy with the chosen shaper), with every step reported as an event the moment it
 * happens: a process started, each piece of each terminal's output, each line typed, each chunk
 * the proxy delivered, each exit; then the verdict against the goldens and byte counts, as
 * `deno task conformance` would judge it.
 *
 * @module
 */

import type { Lesson } from "../harness/case.ts";
import type { ByteCounts } from "../harness/chunk_log.ts";
import { countBytes } from "../harness/chunk_log.ts";
import type { Child } from "../harness/children.ts";
import { executeCase } from "../harness/execute_case.ts";
import { judge } from "../harness/judge.ts";
import { type ChunkView, chunkView, visibleText } from "./chunk_view.ts";
import { liveCase, liveChaos, type RunChoice } from "./choices.ts";

/** What a live run reports, in the order things happen; the page draws each as it comes. */
export type LabEvent =
  /** The run begins: which case, under which choice, and what it should carry. */
  | {
    type: "start";
    caseId: string;
    title: string;
    choice: RunChoice;
    /** Bytes per direction the case expects (absent for typed lines: nothing to expect). */
    expectedBytes?: ByteCounts;
  }
  /** A process started: `server`, `client` or a client's role. */
  | { type: "spawn"; label: string; pid: number }
  /** A piece of a process's output, as it was printed. */
  | { type: "output"; label: string; stream: "stdout" | "stderr"; text: string }
  /** A line typed into a client (shown where it was typed, as a terminal echoes it). */
  | { type: "typed"; label: string; line: string }
  /** A chunk the recording proxy delivered, on the server's listener `listener`. */
  | ({ type: "chunk"; listener: number } & ChunkView)
  /** A process ended: its status, or the signal that killed it. */
  | { type: "exit"; label: string; code: number; signal: string | null }
  /** The run is over. */
  | {
    type: "verdict";
    /**
     * `passed` or `failed` against the goldens and byte counts; `typed` for the learner's own
     * lines (nothing to compare with); `stopped` if the run was ended early.
     */
    status: "passed" | "failed" | "typed" | "stopped";
    /** One paragraph per problem, as the conformance suite reports it. */
    failures: string[];
    /** Remarks that are not failures. */
    notes: string[];
    /** Bytes per direction: what the case expects (if anything), what crossed. */
    bytes: { expected?: ByteCounts; actual: ByteCounts };
    /** Wall time of the run. */
    ms: number;
  };

/** What a live run needs besides the lesson and the choice. */
export interface LiveRunOptions {
  /** Folder of the scripts. */
  programsDir: string;
  /** Folder of `transcripts/` and the case's input files. */
  fixturesDir: string;
  /** Receives each event; must not throw. */
  emit: (event: LabEvent) => void;
  /** Ends the run early (the page went away); every child is then killed. */
  signal?: AbortSignal;
  /** With a typed choice: the lines the learner types. */
  typedLines?: AsyncIterable<string>;
  /** Tag for the children's environment (see `RUN_TAG_VARIABLE`). */
  tag?: string;
  /** Called after each spawn (tests use it to see what was started). */
  onSpawn?: (child: Child) => void;
}

/**
 * Runs `lesson`'s main case under `choice`, reporting every step through `options.emit`, and
 * ends with a `verdict` event. Never throws for a failing program; resolves once every child is
 * gone and the case's folder removed.
 */
export async function runLessonLive(
  lesson: Lesson,
  choice: RunChoice,
  options: LiveRunOptions,
): Promise<void> {
  const emit = options.emit;
  const testCase = liveCase(lesson, choice);
  const chaos = liveChaos(choice);
  emit({
    type: "start",
    caseId: testCase.id,
    title: testCase.title,
    choice,
    expectedBytes: choice.typed ? undefined : testCase.bytes,
  });
  const observation = await executeCase(testCase, {
    programsDir: options.programsDir,
    fixturesDir: options.fixturesDir,
    chaos,
    tag: options.tag,
    signal: options.signal,
    typedLines: choice.typed ? options.typedLines : undefined,
    onSpawn: (child) => {
      emit({ type: "spawn", label: child.label, pid: child.pid });
      // A program's output is shown as text with its control characters made visible: a
      // peer's bytes printed by a server must not act on the page.
      child.stdout.listen((text) =>
        emit({
          type: "output",
          label: child.label,
          stream: "stdout",
          text: visibleText(text, true),
        })
      );
      child.stderr.listen((text) =>
        emit({
          type: "output",
          label: child.label,
          stream: "stderr",
          text: visibleText(text, true),
        })
      );
      child.status.then((status) => {
        emit({ type: "exit", label: child.label, code: status.code, signal: status.signal });
      });
      options.onSpawn?.(child);
    },
    onType: (label, line) => emit({ type: "typed", label, line }),
    onChunk: (listener, record, piece) => {
      emit({ type: "chunk", listener, ...chunkView(record, piece) });
    },
  });
  try {
    const actual: ByteCounts = { c2s: 0, s2c: 0 };
    for (const proxy of observation.proxies) {
      const counts = countBytes(proxy.log);
      actual.c2s += counts.c2s;
      actual.s2c += counts.s2c;
    }
    const bytes = { expected: choice.typed ? undefined : testCase.bytes, actual };
    if (options.signal?.aborted) {
      emit({
        type: "verdict",
        status: "stopped",
        failures: [],
        notes: [],
        bytes,
        ms: observation.ms,
      });
      return;
    }
    if (choice.typed) {
      // The learner's own lines have no golden: report only what stopped the run, if anything.
      const failures = observation.runError === undefined ? [] : [observation.runError];
      const notes = ["your own lines: not compared with the seed's transcript"];
      emit({ type: "verdict", status: "typed", failures, notes, bytes, ms: observation.ms });
      return;
    }
    const judgement = await judge(testCase, observation, {
      fixturesDir: options.fixturesDir,
      chaos,
    })
      .catch((error) => ({ failures: [(error as Error).message], notes: [] }));
    emit({
      type: "verdict",
      status: judgement.failures.length === 0 ? "passed" : "failed",
      failures: judgement.failures,
      notes: judgement.notes,
      bytes,
      ms: observation.ms,
    });
  } finally {
    await Deno.remove(observation.workDir, { recursive: true }).catch(() => {});
  }
}
