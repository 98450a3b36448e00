/**
 * What a reader without framing makes of half a message, shown deterministically: the proxy
 * splits one message and holds its second half back until the other side has answered the
 * first (`holdBack`), so the half is all the reader can have seen. These cases expect the
 * breakage the README's table describes ("may break"); their goldens are the broken outcome.
 * A lesson that gained framing would wait for the whole message and fail them.
 *
 * @module
 */

import type { ConformanceCase } from "../harness/case.ts";

const ON_TOP = "the case stages one split on purpose; more faults on top of it change what " +
  "the reader without framing makes of it";

/**
 * A split case built on the lesson's main case `main`: its peers and files, no goldens of
 * its clients, no byte counts, mutations or file checks unless `fields` gives them, and every
 * chaos mode allowed to break it. `fields` names the split (`holdBack`) and the rest.
 */
export function splitMessageCase(
  main: ConformanceCase,
  fields: Partial<ConformanceCase> & Pick<ConformanceCase, "id" | "title" | "holdBack">,
): ConformanceCase {
  const clients = main.clients.map((phase) =>
    (Array.isArray(phase) ? phase : [phase]).map((role) => ({ ...role, golden: undefined }))
  ).flat();
  return {
    ...main,
    // The case stages one particular split; chaos on top of it changes what the reader sees.
    chaosMayBreak: {
      "one-byte": ON_TOP,
      "random-splits": ON_TOP,
      "coalesced": ON_TOP,
      "delays": ON_TOP,
    },
    bytes: undefined,
    connectionBytes: undefined,
    mutations: undefined,
    expectFiles: undefined,
    clients,
    ...fields,
  };
}
