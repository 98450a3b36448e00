#!/usr/bin/env -S deno run -A
/**
 * The conformance suite: `deno task conformance [options]`.
 *
 * Runs every check (each lesson's cases, each deliberate mutation a case must catch, and each
 * script's command-line contract) several at a time, prints `ok` or `FAIL` with the reasons as
 * each finishes, and ends with the line `N passed, N failed`. Exit status 0 only if nothing
 * failed. Ctrl-C (or SIGTERM) kills every child process before exiting. A lesson's main case
 * (and each case its page draws besides, `drawnToo`) also fails when its sequence diagram on
 * the lesson's page (`docs/lessons/<id>.md`) no longer matches its traffic.
 *
 * This is a plain program rather than a `deno test` file because the suite needs what
 * `deno test` cannot give: cases run in parallel within one module, a fixed closing line that
 * CI can read, and options of its own (`--update`, `--filter`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { forEachInLanes, type Lane, parseJobs } from "./jobs.ts";
import type { ConformanceCase, Lesson } from "./harness/case.ts";
import { killChildrenOnInterrupt, RUN_TAG_VARIABLE } from "./harness/children.ts";
import { checkCli, type CliCheckOptions } from "./harness/cli_check.ts";
import { type CaseResult, runCase, type RunOptions } from "./harness/run_case.ts";
import { buildChaosChecks, parseChaosPlan } from "./chaos_checks.ts";
import { checkLessonPage } from "./diagram_check.ts";
import { LESSON_PAGES_DIR, mainCase } from "./lesson_page.ts";
import { helperText, SHARED_HELPERS } from "./shared_helpers.ts";

const USAGE = `Usage: deno task conformance [options]

Options:
  --filter TEXT   run only the checks whose name contains TEXT (may be repeated)
  --update        rewrite goldens that differ or are missing, instead of failing
  --jobs N        cases at a time (default 4); as many crowds of 1,000 clients besides,
                  three times as many mutants, and four times as many checks in all
  --verbose       print every process started
  --cases MODULE  take lessons from MODULE (exporting \`lessons\`) instead of this project's
  --programs DIR  folder of the scripts the cases name (default: programs/)
  --fixtures DIR  folder of transcripts/ and peers/ (default: fixtures/)
  --pages DIR     folder of the lesson pages whose diagrams each main case checks
                  (default: docs/lessons/, or none with --cases)
  --chaos         instead of the plain checks, run every case through the proxy's fault
                  modes (one-byte, random-splits, coalesced, delays, cut), and each lesson's
                  "trusts one read" mutants under one-byte delivery
  --modes LIST    with --chaos: only these modes, comma-separated
  --seed N        with --chaos: seed of every random choice (default: random, printed)
  --sample N      with --chaos: run only N of the case×mode checks, drawn with the seed
  --all-mutants   also the mutants that change a shared helper the same way as one already
                  run (e.g. every server's SIGINT case without listenOn's handler; by default
                  the first of each runs)
  --help          show this help`;

/** A named check and how to run it. */
export interface Check {
  name: string;
  /** Mutants run after every plain check, so under --update their goldens exist already. */
  mutant?: boolean;
  /**
   * How long it is likely to take, in no particular unit: the runner starts the costliest
   * first, so that a long check does not begin last and leave the other slots idle.
   */
  cost?: number;
  /** It puts 1,000 clients on a server at once (see `isCrowd`). */
  crowd?: boolean;
  /**
   * For a mutant whose change falls inside a shared helper (one `SHARED_HELPERS` names): the
   * helper's text and the change. Mutants with the same key make the same program text, byte
   * for byte, in that helper; the runner runs the first and counts the others (see
   * {@linkcode oncePerSharedChange}).
   */
  sharedChange?: string;
  run: () => Promise<CaseResult>;
}

/**
 * `checks` with each shared-helper mutant (see {@linkcode Check.sharedChange}) kept only where
 * its change first appears, and how many were left out. The helper is the same in every script
 * (the catalog test sees to it), so e.g. the SIGINT case of every server, fed the same broken
 * `listenOn`, would show the same failure 25 times; each case still runs, and still fails on
 * its own if its server breaks.
 */
export function oncePerSharedChange(checks: readonly Check[]): { kept: Check[]; left: number } {
  const seen = new Set<string>();
  const kept: Check[] = [];
  for (const check of checks) {
    if (check.sharedChange !== undefined) {
      if (seen.has(check.sharedChange)) continue;
      seen.add(check.sharedChange);
    }
    kept.push(check);
  }
  return { kept, left: checks.length - kept.length };
}

/** True if `report` holds `shows`, or one of them. */
function showsAny(report: string, shows: string | string[]): boolean {
  return [shows].flat().some((text) => report.includes(text));
}

/**
 * How a failure says a bound was hit: "… did not exit within 3000 ms", "proxied connections
 * still open after 3010 ms", "case ran past its 30000 ms bound".
 */
const HIT_BOUND = /(within|after) \d+ ms|past its \d+ ms bound/;

/** How many bytes through the proxy make a case bulky: its mutants get the crowds' bound. */
const BULKY_BYTES = 16 << 20;

/** True if `testCase` moves BULKY_BYTES or more, both ways together. */
function isBulky(testCase: ConformanceCase): boolean {
  return (testCase.bytes?.c2s ?? 0) + (testCase.bytes?.s2c ?? 0) >= BULKY_BYTES;
}

/** How many copies of one raw client make a crowd. */
const CROWD_COPIES = 50;

/**
 * A case that puts many clients on the server at once: one it marks `crowd` (e.g. 1,000 UDP
 * senders in one process), or one whose raw clients play in copies, CROWD_COPIES or more.
 */
function isCrowd(testCase: ConformanceCase): boolean {
  if (testCase.crowd) return true;
  // Tens of raw callers or more hold many descriptors and much time; two or three do not.
  for (const role of testCase.clients.flat()) {
    if (role.raw && (role.copies ?? 1) >= CROWD_COPIES) return true;
  }
  return false;
}

/**
 * A case's likely cost: one per group of clients run one after another, and more for a crowd
 * of 1,000 (its mutants, which wait out 10 s bounds, most of all).
 */
function caseCost(testCase: ConformanceCase, mutant: boolean): number {
  if (isCrowd(testCase)) return mutant ? 100 : 20;
  return mutant ? 1 : testCase.clients.length;
}

/** Program texts read so far, by path; undefined for one that cannot be read. */
const programTexts = new Map<string, string | undefined>();

/** The text of `programsDir/name`, read once per run; undefined if it cannot be read. */
function programText(programsDir: string, name: string): string | undefined {
  const path = `${programsDir}/${name}`;
  if (!programTexts.has(path)) {
    let text: string | undefined;
    try {
      text = Deno.readTextFileSync(path);
    } catch { /* not a script of this folder: the case itself reports that */ }
    programTexts.set(path, text);
  }
  return programTexts.get(path);
}

/** The shared helpers of `programsDir/program` as [name, text] pairs; none if it is unreadable. */
function sharedHelpersIn(programsDir: string, program: string): [string, string][] {
  const source = programText(programsDir, program);
  if (source === undefined) return [];
  const found: [string, string][] = [];
  for (const name of SHARED_HELPERS) {
    const text = helperText(source, name);
    if (text !== undefined) found.push([name, text]);
  }
  return found;
}

/**
 * The text that decides how `script` answers a bad `--port`: its `readFlags` and its
 * `NUMBER_FLAGS`; undefined if it lacks either (then its own cli check tries the bad ports).
 */
export function flagHandlingOf(programsDir: string, script: string): string | undefined {
  const source = programText(programsDir, script);
  if (source === undefined) return undefined;
  const readFlags = helperText(source, "readFlags");
  const numbers = /^const NUMBER_FLAGS[^]*?\n};\n/m.exec(source)?.[0];
  return readFlags === undefined || numbers === undefined ? undefined : readFlags + numbers;
}

/** One mutation a case must catch. */
type CaseMutation = NonNullable<ConformanceCase["mutations"]>[number];

/** Text on one line, for a check's name. */
const oneLine = (text: string) => text.replaceAll("\n", "⏎");

/**
 * Every check for `lessons`: cases, mutations they must catch, command-line contracts. With
 * `pagesDir`, each lesson's main case (and each case drawn besides it) also checks its diagram
 * on the lesson's page against its traffic (under `options.update`, rewrites the page instead).
 */
export function buildChecks(lessons: Lesson[], options: RunOptions, pagesDir?: string): Check[] {
  const checks: Check[] = [];
  // The texts of flag handling whose bad ports a cli check runs already.
  const portsChecked = new Set<string>();
  // Each program's shared helpers, found once: [name, text] pairs.
  const helpersOf = new Map<string, [string, string][]>();
  /** The shared helper a mutation changes, with its text and the change, if it changes one. */
  const sharedChangeOf = (mutation: CaseMutation): string | undefined => {
    if (!helpersOf.has(mutation.program)) {
      helpersOf.set(mutation.program, sharedHelpersIn(options.programsDir, mutation.program));
    }
    const found = helpersOf.get(mutation.program)!.find(([, text]) => text.includes(mutation.from));
    if (found === undefined) return undefined;
    return JSON.stringify([found[1], mutation.from, mutation.to, mutation.shows]);
  };
  for (const lesson of lessons) {
    for (const testCase of lesson.cases) {
      // The main case, and the cases drawn besides it, check their diagrams on the page.
      const drawn = pagesDir !== undefined &&
        (testCase === mainCase(lesson) ||
          (lesson.drawnToo ?? []).some(({ id }) => id === testCase.id));
      checks.push({
        name: `${testCase.id}: ${testCase.title}`,
        cost: caseCost(testCase, false),
        crowd: isCrowd(testCase),
        run: async () => {
          const result = await runCase(testCase, options);
          // Only traffic that passed the case is the lesson's to draw.
          if (!drawn || result.status !== "passed") return result;
          const found = await checkLessonPage(lesson, result.traffic ?? [], {
            pagesDir,
            programsDir: options.programsDir,
            transcriptsDir: `${options.fixturesDir}/transcripts`,
            update: options.update,
          }, testCase);
          const failures = [...result.failures, ...found.failures];
          return {
            ...result,
            status: failures.length ? "failed" : "passed",
            failures,
            notes: [...result.notes, ...found.notes],
          };
        },
      });
      for (const mutation of testCase.mutations ?? []) {
        checks.push({
          mutant: true,
          cost: caseCost(testCase, true),
          crowd: isCrowd(testCase),
          sharedChange: sharedChangeOf(mutation),
          name: `${testCase.id}: catches ${mutation.program} ${oneLine(mutation.from)} → ${
            oneLine(mutation.to)
          }`,
          run: async () => {
            // A mutant need not wait long: every bound it hits is a failure, which is the goal
            // (but a crowd of 1,000 clients, or tens of MiB, needs its time even when the
            // mutant is caught: on a loaded machine a 3 s bound cut a 64 MiB upload short).
            // And it must never write a golden: its output is wrong by construction.
            const bound = isCrowd(testCase) || isBulky(testCase) ? 10_000 : 3000;
            const runMutant = (stepTimeoutMs: number) =>
              runCase(testCase, { ...options, update: false, mutation, stepTimeoutMs });
            let result = await runMutant(bound);
            // A case skipped for a missing tool skips its mutants too: nothing absent fails.
            if (result.status === "skipped") return result;
            if (result.status !== "failed") {
              return { ...result, status: "failed", failures: ["the mutant passed the case"] };
            }
            let report = result.failures.join("\n");
            // A bound hit on a loaded machine may come before the mutant's own symptom: then
            // the mutant runs once more with twice the crowds' bound, and that run is judged.
            if (!showsAny(report, mutation.shows) && HIT_BOUND.test(report)) {
              result = await runMutant(20_000);
              if (result.status !== "failed") {
                return { ...result, status: "failed", failures: ["the mutant passed the case"] };
              }
              report = result.failures.join("\n");
            }
            if (!showsAny(report, mutation.shows)) {
              return {
                ...result,
                status: "failed",
                failures: [
                  `the case failed without showing ${
                    [mutation.shows].flat().join(" or ")
                  }:\n${report}`,
                ],
              };
            }
            return { ...result, status: "passed", failures: [] };
          },
        });
      }
    }
    for (const script of lesson.scripts) {
      const network = lesson.transport !== "none";
      // The bad ports go through readFlags and NUMBER_FLAGS alone: once per text of the two.
      const flagHandling = flagHandlingOf(options.programsDir, script);
      const badPorts = network && (flagHandling === undefined || !portsChecked.has(flagHandling));
      if (badPorts && flagHandling !== undefined) portsChecked.add(flagHandling);
      checks.push({
        name: `cli: ${script}`,
        run: async () => {
          const started = performance.now();
          const failures = await checkCli(options.programsDir, script, options.tag ?? "cli", {
            network,
            badPorts,
            ...serverSetup(lesson, script),
            fixturesDir: options.fixturesDir,
          });
          const status = failures.length ? "failed" : "passed";
          return { status, failures, notes: [], ms: performance.now() - started };
        },
      });
    }
  }
  return checks;
}

/**
 * For a lesson's server script: its transport, for the port-in-use check, and the files and
 * arguments its main case starts it with, so that it gets as far as listening. Nothing for
 * clients and demos.
 */
function serverSetup(lesson: Lesson, script: string): Partial<CliCheckOptions> {
  if (lesson.transport === "none" || !script.endsWith("_server.ts")) return {};
  const main = lesson.cases.find((each) =>
    each.server && "program" in each.server.peer && each.server.peer.program === script
  );
  const peer = main?.server?.peer;
  return {
    listens: lesson.transport,
    files: main?.files?.filter((file) => file.at === "server"),
    args: peer && "program" in peer ? peer.args : undefined,
  };
}

/** The checks, costliest first (in their own order otherwise). */
const costliestFirst = (checks: Check[]) =>
  checks.toSorted((a, b) => (b.cost ?? 0) - (a.cost ?? 0));

/**
 * The checks in lanes, costliest first in each: crowds `jobs` + 2 at a time (each holds 2,000
 * of the runner's descriptors; with `jobs` alone they were the suite's tail), other checks
 * `jobs` at a time, and mutants, which mostly wait out a bound, three times as many.
 */
function lanes(checks: Check[], jobs: number): Lane<Check>[] {
  const of = (keep: (check: Check) => boolean) => costliestFirst(checks.filter(keep));
  return [
    { items: of((check) => check.crowd === true), atMost: jobs + 2 },
    { items: of((check) => !check.crowd && !check.mutant), atMost: jobs },
    { items: of((check) => !check.crowd && check.mutant === true), atMost: jobs * 3 },
  ];
}

/**
 * Runs the checks of every lane, at most `total` at once and each lane within its bound,
 * reporting each as it finishes.
 */
async function runAll(
  lanes: Lane<Check>[],
  total: number,
  report: (check: Check, result: CaseResult) => void,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  await forEachInLanes(lanes, total, async (check) => {
    const result = await check.run().catch((error): CaseResult => ({
      status: "failed",
      failures: [`harness error: ${(error as Error).stack ?? error}`],
      notes: [],
      ms: 0,
    }));
    results.push(result);
    report(check, result);
  });
  return results;
}

/**
 * A report indented under its check, with control characters other than newline and tab shown
 * as `\xNN`: a transcript of binary bytes must not drive the terminal (or make a log "binary").
 */
export const indent = (text: string) =>
  text.replace(/^/gm, "     ").replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x08\x0b-\x1f\x7f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );

async function main(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: {
        filter: { type: "string", multiple: true },
        update: { type: "boolean" },
        jobs: { type: "string" },
        verbose: { type: "boolean" },
        cases: { type: "string" },
        programs: { type: "string" },
        fixtures: { type: "string" },
        pages: { type: "string" },
        chaos: { type: "boolean" },
        modes: { type: "string" },
        seed: { type: "string" },
        sample: { type: "string" },
        "all-mutants": { type: "boolean" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    console.error(`conformance: ${(error as Error).message} (see --help)`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const jobs = parseJobs(flags.jobs, "conformance");
  if (jobs === null) return 2;

  killChildrenOnInterrupt();
  const here = new URL(".", import.meta.url);
  const path = (url: URL) => decodeURIComponent(url.pathname);
  const casesModule = flags.cases
    ? new URL(flags.cases, `file://${Deno.cwd()}/`)
    : new URL("cases/mod.ts", here);
  const { lessons } = await import(casesModule.href) as { lessons: Lesson[] };
  const options: RunOptions = {
    programsDir: flags.programs ?? path(new URL("../programs", here)),
    fixturesDir: flags.fixtures ?? path(new URL("../fixtures", here)),
    update: flags.update ?? false,
    // A tag given from outside lets a caller find this run's processes afterwards.
    tag: Deno.env.get(RUN_TAG_VARIABLE) ?? crypto.randomUUID(),
    onSpawn: flags.verbose
      ? (child, command) =>
        console.log(`  spawned pid ${child.pid} (${child.label}): ${command.args.join(" ")}`)
      : undefined,
  };

  const filters = flags.filter ?? [];
  // Another project's lessons (--cases) have no pages here unless told where.
  const pagesDir = flags.pages ?? (flags.cases ? undefined : LESSON_PAGES_DIR);
  let all: Check[];
  if (flags.chaos) {
    const plan = parseChaosPlan(flags);
    if (typeof plan === "string") {
      console.error(`conformance: ${plan} (see --help)`);
      return 2;
    }
    console.log(`chaos: modes ${plan.modes.join(", ")}; seed ${plan.seed}`);
    all = buildChaosChecks(lessons, options, plan);
  } else {
    all = buildChecks(lessons, options, pagesDir);
  }
  const chosen = all.filter((check) =>
    filters.length === 0 || filters.some((text) => check.name.includes(text))
  );
  const { kept, left } = flags["all-mutants"]
    ? { kept: chosen, left: 0 }
    : oncePerSharedChange(chosen);
  const checks = kept;
  if (left > 0) {
    console.log(
      `${left} mutants of shared helpers left out: each makes the same change to the same ` +
        "helper as one that runs (--all-mutants runs them too)",
    );
  }
  const started = performance.now();
  const report = (check: Check, result: CaseResult) => {
    const seconds = (result.ms / 1000).toFixed(2);
    const mark = { passed: "ok  ", failed: "FAIL", skipped: "skip" }[result.status];
    console.log(`${mark} ${check.name} (${seconds} s)`);
    for (const note of result.notes) console.log(indent(note));
    for (const failure of result.failures) console.log(indent(failure));
  };
  // The lanes' bounds add up to five times `jobs`; four times `jobs` in all keeps both cores
  // busy while crowds and mutants wait on sockets and bounds.
  const total = jobs * 4;
  const results = flags.update
    // Under --update a mutant needs its case's goldens, so every plain check goes first.
    ? [
      ...await runAll(lanes(checks.filter((check) => !check.mutant), jobs), total, report),
      ...await runAll(lanes(checks.filter((check) => check.mutant), jobs), total, report),
    ]
    : await runAll(lanes(checks, jobs), total, report);

  const count = (status: CaseResult["status"]) => results.filter((r) => r.status === status).length;
  const skipped = count("skipped");
  console.log(
    `\n${checks.length} checks in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(
    `${count("passed")} passed, ${count("failed")} failed` +
      (skipped ? `, ${skipped} skipped` : ""),
  );
  const missing = [...new Set(results.flatMap((r) => r.missingTools ?? []))].sort();
  if (missing.length) console.log(installHint(missing));
  return count("failed") ? 1 : 0;
}

/** Debian packages that bring the tools the cases can require. */
const PACKAGE_OF: Record<string, string> = {
  python3: "python3",
  nc: "netcat-openbsd",
  socat: "socat",
  ip: "iproute2",
  lftp: "lftp",
  curl: "curl",
};

/** The line after the counts when checks were skipped: what to install to run them all. */
export function installHint(missingTools: string[]): string {
  const packages = [...new Set(missingTools.map((tool) => PACKAGE_OF[tool] ?? tool))];
  return `for full coverage: apt-get install ${packages.join(" ")} (${
    missingTools.join(", ")
  } not found)`;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
