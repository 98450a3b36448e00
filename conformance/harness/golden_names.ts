/**
 * Which golden each role of a case is compared with, resolved as the runner resolves it: a
 * client's is `<case id>.<role>` (role `client` by default) unless the case names another
 * (`golden: "chat.client"`) or none (`golden: false`); a raw client has none. The server's is
 * `<case id>.server` when the server is one of our scripts, unless the case names another or
 * none; a foreign server has none unless named.
 *
 * @module
 */

import type { ClientRole, ConformanceCase } from "./case.ts";

/** The golden (name without `.txt`) `role`'s terminal is compared with, if any. */
export function clientGolden(testCase: ConformanceCase, role: ClientRole): string | undefined {
  if (role.raw || role.golden === false) return undefined;
  return role.golden ?? `${testCase.id}.${role.role ?? "client"}`;
}

/** The golden (name without `.txt`) the server's stdout is compared with, if any. */
export function serverGolden(testCase: ConformanceCase): string | undefined {
  if (!testCase.server) return undefined;
  const ours = "program" in testCase.server.peer;
  const golden = testCase.server.golden ?? ours;
  if (golden === false) return undefined;
  return golden === true ? `${testCase.id}.server` : golden;
}

/** Every golden `testCase` compares with: the server's, then its clients' in order, once each. */
export function goldensOf(testCase: ConformanceCase): string[] {
  const names = [
    serverGolden(testCase),
    ...testCase.clients.flat().map((role) => clientGolden(testCase, role)),
  ];
  return [...new Set(names.filter((name) => name !== undefined))];
}
