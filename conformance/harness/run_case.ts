/**
 * Runs one conformance case end to end: execute it (execute_case.ts: stage the programs, start
 * the server and the recording proxies, drive the clients, stop the server), then judge what
 * was observed against the case (judge.ts: transcripts against goldens with ports masked, byte
 * counts against the proxies' logs, files, exit statuses, crashes).
 *
 * @module
 */

import type { ConformanceCase } from "./case.ts";
import type { ChunkRecord } from "./chunk_log.ts";
import { executeCase } from "./execute_case.ts";
import { judge, type Judgement } from "./judge.ts";
import type { RunOptions } from "./run_options.ts";

export type { RunOptions } from "./run_options.ts";

/** What happened in one case. */
export interface CaseResult {
  /** `passed`, `failed`, or `skipped` (a required tool is missing). */
  status: "passed" | "failed" | "skipped";
  /** One paragraph per problem found, with diffs and transcripts. */
  failures: string[];
  /** Remarks that are not failures: goldens written, why it was skipped. */
  notes: string[];
  /** For a skipped case: the tools it requires that are not on PATH. */
  missingTools?: string[];
  /** Wall time in milliseconds. */
  ms: number;
  /** Each listener's chunk log (main listener first), for sequence diagrams; absent if skipped. */
  traffic?: (readonly ChunkRecord[])[];
}

/** True if `tool` is an executable file in a PATH folder. */
async function onPath(tool: string): Promise<boolean> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const info = await Deno.stat(`${dir}/${tool}`);
      if (info.isFile && (info.mode ?? 0o111) & 0o111) return true;
    } catch { /* not here */ }
  }
  return false;
}

/** Tools the case's foreign peers require that are not on PATH. */
async function missingTools(testCase: ConformanceCase): Promise<string[]> {
  const peers = [testCase.server?.peer, ...testCase.clients.flat().map((c) => c.peer)];
  const tools = peers.flatMap((peer) => peer && "requires" in peer && peer.requires || []);
  const missing = [];
  for (const tool of new Set(tools)) if (!(await onPath(tool))) missing.push(tool);
  return missing;
}

/** Runs `testCase` and reports what it found; never throws for a failing program. */
export async function runCase(
  testCase: ConformanceCase,
  options: RunOptions,
): Promise<CaseResult> {
  const started = performance.now();
  const missing = await missingTools(testCase);
  if (missing.length) {
    const notes = [`skipped: ${missing.join(", ")} not found`];
    const ms = performance.now() - started;
    return { status: "skipped", failures: [], notes, missingTools: missing, ms };
  }
  const observation = await executeCase(testCase, options);
  let judgement: Judgement;
  try {
    judgement = await judge(testCase, observation, options);
  } catch (error) {
    // A golden or file that cannot be read is the case's failure, not the runner's.
    judgement = { failures: [(error as Error).message], differences: [], notes: [] };
  } finally {
    // The judge has looked at the files: the case's folder has served.
    await Deno.remove(observation.workDir, { recursive: true }).catch(() => {});
  }
  return {
    status: judgement.failures.length ? "failed" : "passed",
    failures: judgement.failures,
    notes: judgement.notes,
    ms: performance.now() - started,
    traffic: observation.proxies.map((proxy) => proxy.log),
  };
}
