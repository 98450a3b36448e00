/**
 * Judging a run of a case: the observation of what happened (observation.ts) against what the
 * case expects. Crashes, exit statuses, stderr, transcripts against goldens (ports masked),
 * byte counts, files, and what changed where nothing may change. Nothing here starts a
 * process; goldens are read, and written under `update`.
 *
 * A fault-tolerant run (see `RunOptions.faultTolerant`) fails only on what no fault may cause;
 * everything else it finds is a "difference", summed up in a note.
 *
 * @module
 */

import { serverGolden } from "./golden_names.ts";
import type { ConformanceCase } from "./case.ts";
import { clientSignalsServer, serverIsOurs } from "./case_traits.ts";
import type { Chaos } from "./chaos.ts";
import { compareGolden } from "./golden.ts";
import { applyMasks, type Mask, portMasks } from "./mask.ts";
import type {
  ClientObservation,
  Observation,
  ProxyObservation,
  ServerObservation,
} from "./observation.ts";
import { verifyFiles, verifyFilesAfterFault, verifyTraffic } from "./verify.ts";

/** What judging depends on besides the case and the observation (a part of `RunOptions`). */
export interface JudgeOptions {
  /** Folder holding `transcripts/` and the inputs file checks name. */
  fixturesDir: string;
  /** Rewrite goldens that differ or are missing instead of failing (never when fault-tolerant). */
  update?: boolean;
  /** Fail only on what no fault may cause; count the rest as differences. */
  faultTolerant?: boolean;
  /** The chaos the run went through: holding writes back excuses the order of answers. */
  chaos?: Chaos;
}

/** The verdict on one run. */
export interface Judgement {
  /** One paragraph per failure, with diffs and transcripts; none means the case passed. */
  failures: string[];
  /** Under `faultTolerant`: what a fault may cause and so does not fail the case. */
  differences: string[];
  /** Remarks that are not failures: goldens written, differences summed up. */
  notes: string[];
}

/** A stack trace or an uncaught error in a program's stderr: a crash, whatever the input. */
const CRASH = /^\s+at .*(:\d+:\d+\)?|<anonymous>)$|\bUncaught\b|^thread '.*' panicked/m;

/** The problems found so far, each where the run's tolerance puts it. */
class Findings {
  readonly failures: string[] = [];
  readonly differences: string[] = [];
  readonly #faultTolerant: boolean;

  constructor(faultTolerant: boolean) {
    this.#faultTolerant = faultTolerant;
  }

  /** A problem no fault excuses: a crash, a hang, a partial file, a change outside the jail. */
  fail(problem: string): void {
    this.failures.push(problem);
  }

  /** A problem a fault may cause: a failure, unless the run is fault-tolerant. */
  differ(problem: string): void {
    (this.#faultTolerant ? this.differences : this.failures).push(problem);
  }
}

/** Judges what `observation` saw against `testCase`. */
export async function judge(
  testCase: ConformanceCase,
  observation: Observation,
  options: JudgeOptions,
): Promise<Judgement> {
  const findings = new Findings(options.faultTolerant ?? false);
  const notes: string[] = [];
  for (const client of observation.clients) judgeClient(client, findings);
  const server = observation.server;
  // After a fault, a client meant to signal the server may have failed before it could.
  if (
    options.faultTolerant && server && clientSignalsServer(testCase) && !server.signalledByClient
  ) {
    findings.differ("the client that signals the server failed before it could");
  }
  if (observation.runError !== undefined) {
    // The run stopped early: what it left is no transcript, file or count to judge.
    const { ms, hit } = observation.bound;
    findings.fail(
      hit ? `case ran past its ${ms} ms bound: ${observation.runError}` : observation.runError,
    );
  } else {
    notes.push(...await compareGoldens(testCase, observation, options, findings));
    if (server && serverIsOurs(testCase)) judgeServer(testCase, server, findings);
    if (observation.outsideChanges?.length) {
      findings.fail(
        `changed outside what the server may change (${testCase.server?.mayChange}):\n` +
          observation.outsideChanges.join("\n"),
      );
    }
    await judgeFiles(testCase, observation.workDir, options, findings);
    judgeTraffic(testCase, observation.proxies, options.chaos, findings);
  }
  const differences = findings.differences;
  if (differences.length) {
    const example = differences[0].length > 300
      ? `${differences[0].slice(0, 300)}…`
      : differences[0];
    notes.push(`${differences.length} difference(s) a fault may cause, e.g. ${example}`);
  }
  return { failures: findings.failures, differences, notes };
}

/** A client's crash, exit status, stderr and transcript pattern. */
function judgeClient(client: ClientObservation, findings: Findings): void {
  for (const error of client.toleratedErrors) findings.differ(error);
  if (client.kind === "raw" || !client.exit) return;
  const { role, name } = client;
  const stderr = client.exit.stderr.trim();
  const expectedCode = role.exitCode ?? 0;
  if (CRASH.test(stderr)) findings.fail(`${name} crashed:\n${stderr}`);
  if (client.exit.code !== expectedCode) {
    findings.differ(
      `${name} exited with ${client.exit.code}, expected ${expectedCode}` +
        (stderr ? `; stderr:\n${stderr}` : ""),
    );
  } else if (role.stderr ? !role.stderr.test(stderr) : stderr) {
    findings.differ(
      `${name} wrote to stderr${role.stderr ? `, expected ${role.stderr}` : ""}:\n${stderr}`,
    );
  }
  if (role.transcriptMatches && !role.transcriptMatches.test(client.transcript)) {
    findings.differ(
      `${name}'s transcript does not match ${role.transcriptMatches}:\n${client.transcript}`,
    );
  }
}

/** Our server's exit status, crash and stderr. */
function judgeServer(
  testCase: ConformanceCase,
  server: ServerObservation,
  findings: Findings,
): void {
  const expected = testCase.server?.exitCode ?? 0;
  if (server.exitCode !== expected) {
    findings.differ(`server exited with ${server.exitCode}, expected ${expected}`);
  }
  const extra = server.stderrLines.join("\n");
  if (CRASH.test(extra)) findings.fail(`server crashed:\n${extra}`);
  const expectation = testCase.server?.stderr;
  if (expectation ? !expectation.test(extra) : server.stderrLines.length) {
    findings.differ(
      `server wrote to stderr${expectation ? `, expected ${expectation}` : ""}:\n${extra}`,
    );
  }
}

/**
 * Every transcript against its golden, clients first, then the server's stdout, with every
 * port the proxies saw masked; returns the notes of goldens written under `update`.
 */
async function compareGoldens(
  testCase: ConformanceCase,
  observation: Observation,
  options: JudgeOptions,
  findings: Findings,
): Promise<string[]> {
  const ports = observation.proxies.flatMap((proxy) => proxy.ports);
  const masks: Mask[] = [...portMasks(ports), ...(testCase.masks ?? [])];
  // What a fault made is never a golden.
  const update = options.update === true && !options.faultTolerant;
  const written: string[] = [];
  const check = async (golden: string, text: string) => {
    const path = `${options.fixturesDir}/transcripts/${golden}.txt`;
    const outcome = await compareGolden(path, applyMasks(text, masks), update);
    if (outcome.status === "mismatch") findings.differ(`transcript differs:\n${outcome.diff}`);
    if (outcome.status === "missing") {
      findings.differ(`no golden ${outcome.path} (run with --update to write it)`);
    }
    if (outcome.status === "updated") written.push(`wrote ${golden}.txt`);
  };
  for (const client of observation.clients) {
    if (client.kind === "process" && client.golden !== false) {
      await check(client.golden, client.transcript);
    }
  }
  const golden = serverGolden(testCase);
  if (observation.server && golden !== undefined) await check(golden, observation.server.stdout);
  return written;
}

/** The files the case expects in the peers' folders (and, after a fault, no partial ones). */
async function judgeFiles(
  testCase: ConformanceCase,
  workDir: string,
  options: JudgeOptions,
  findings: Findings,
): Promise<void> {
  const folderOf = (role: string) => `${workDir}/${role}`;
  if (options.faultTolerant) {
    for (const problem of await verifyFilesAfterFault(testCase, folderOf, options.fixturesDir)) {
      findings.fail(problem);
    }
  }
  for (const problem of await verifyFiles(testCase, folderOf, options.fixturesDir)) {
    findings.differ(problem);
  }
}

/** Byte counts and the order of answers, from the proxies' chunk logs. */
function judgeTraffic(
  testCase: ConformanceCase,
  proxies: ProxyObservation[],
  chaos: Chaos | undefined,
  findings: Findings,
): void {
  // Holding writes back reorders what different connections deliver, not what one does.
  const heldBack = chaos?.mode === "delays" || chaos?.mode === "coalesced";
  const expected = heldBack ? { ...testCase, replyOrder: undefined } : testCase;
  const main = proxies[0];
  const logs = {
    main: main?.log ?? [],
    all: proxies.flatMap((proxy) => proxy.log),
    connections: main?.connections ?? 0,
  };
  for (const problem of verifyTraffic(expected, logs)) findings.differ(problem);
}
