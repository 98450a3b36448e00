#!/usr/bin/env -S deno run -A
/**
 * `deno task lab [--port 8000]`: the socket lab, a local web app on 127.0.0.1 where a learner
 * runs any lesson and watches its bytes cross the wire (server.ts). Once it accepts it prints
 *
 * ```
 * listening on http://127.0.0.1:8000/?token=SECRET
 * ```
 *
 * on stderr: the address to open, with the secret every request must carry (a fresh one each
 * start, as Jupyter does). Ctrl-C (or SIGTERM) stops it and every process its runs started,
 * with exit status 0. Exit status 2 on a usage error, 1 if it cannot listen.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { killByEnvironment, RUN_TAG_VARIABLE } from "../harness/children.ts";
import { waitAtMost } from "../harness/wait_at_most.ts";
import { LESSON_PAGES_DIR } from "../lesson_page.ts";
import { type Lab, startLab } from "./server.ts";

/** How long a stopping lab waits for its runs to clean up before it exits anyway. */
const STOP_BOUND_MS = 5000;

const USAGE = `Usage: deno task lab [--port PORT]

Serves the socket lab on http://127.0.0.1:PORT and prints the address to open, with its
secret. Ctrl-C stops it and every process it started.

Options:
  --port PORT  port on 127.0.0.1 (default 8000; 0 = any free port)
  --help       show this help`;

/** Starts the lab; resolves with an exit status, or `undefined` once it serves. */
async function main(args: string[]): Promise<number | undefined> {
  let values;
  try {
    values = parseArgs({
      args,
      strict: true,
      options: { port: { type: "string", default: "8000" }, help: { type: "boolean" } },
    }).values;
  } catch (error) {
    console.error(`lab: ${(error as Error).message} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!/^\d{1,5}$/.test(values.port) || port > 65535) {
    console.error(
      `lab: --port takes a port number, not ${JSON.stringify(values.port)} (see --help)`,
    );
    return 2;
  }
  const path = (url: URL) => decodeURIComponent(url.pathname);
  // A tag of its own for every process its runs start, so that a signal can end them all.
  const tag = crypto.randomUUID();
  let lab: Lab;
  try {
    lab = await startLab({
      port,
      programsDir: path(new URL("../../programs", import.meta.url)),
      fixturesDir: path(new URL("../../fixtures", import.meta.url)),
      lessonPagesDir: LESSON_PAGES_DIR,
      tag,
    });
  } catch (error) {
    console.error(`lab: cannot listen on 127.0.0.1:${port}: ${(error as Error).message}`);
    return 1;
  }
  // Ctrl-C, SIGTERM or a closed terminal: every process of every run is killed at once, then
  // each run ends (its folder removed) and the server closes, within a bound; exit 0.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    Deno.addSignalListener(signal, async () => {
      await killByEnvironment(RUN_TAG_VARIABLE, tag);
      await waitAtMost(lab.close(), STOP_BOUND_MS);
      Deno.exit(0);
    });
  }
  console.error(`listening on ${lab.url}`);
  // It serves until a signal ends the process.
  return undefined;
}

if (import.meta.main) {
  const status = await main(Deno.args);
  if (status !== undefined) Deno.exit(status);
}
