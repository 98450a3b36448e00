/**
 * The jail check of a case whose server names what it may change (`mayChange`): a snapshot of
 * the case's folder before the server starts and another after it stops must agree on every
 * path except the ones this module exempts. A write that escaped the server's folder (by `../`,
 * an absolute path, a symbolic link) shows up as a change.
 *
 * @module
 */

import type { ConformanceCase } from "./case.ts";

/**
 * The paths (relative to the case's folder) the jail check leaves alone: the clients' folders,
 * the server's own script, and what the server may change. Undefined when the case has no jail.
 */
export function jailExemptions(testCase: ConformanceCase): ((path: string) => boolean) | undefined {
  const mayChange = testCase.server?.mayChange;
  if (!mayChange) return undefined;
  const serverPeer = testCase.server?.peer;
  const serverScript = serverPeer && "program" in serverPeer ? serverPeer.program : undefined;
  const clientFolders = new Set(testCase.clients.flat().map((role) => role.role ?? "client"));
  return (path) => {
    const [top, ...rest] = path.split("/");
    if (top !== "server") return clientFolders.has(top);
    const inside = rest.join("/");
    return inside === serverScript || (inside !== "" && mayChange.test(inside));
  };
}
