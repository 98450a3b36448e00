/**
 * What follows from a case's data without being written in it, for both running a case and
 * judging it.
 *
 * @module
 */

import type { ConformanceCase } from "./case.ts";

/**
 * True if the case's server is one of our programs: it closes a finished conversation, has a
 * golden by default, and its exit status and stderr are judged (a foreign server's are its own).
 */
export function serverIsOurs(testCase: ConformanceCase): boolean {
  return testCase.server !== undefined && "program" in testCase.server.peer;
}

/** True if a raw client of the case signals the server (a `signalServer` step). */
export function clientSignalsServer(testCase: ConformanceCase): boolean {
  for (const role of testCase.clients.flat()) {
    if (role.raw?.some((step) => "signalServer" in step)) return true;
  }
  return false;
}
