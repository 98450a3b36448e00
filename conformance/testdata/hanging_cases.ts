/**
 * A lesson whose client waits for a prompt that never comes, for testing that an interrupted
 * run kills its children. Not part of the suite.
 *
 * @module
 */

import type { Lesson } from "../harness/case.ts";

/** One lesson with one case that hangs until interrupted. */
export const lessons: Lesson[] = [{
  id: "hanging",
  title: "hanging",
  titleEn: "Hanging",
  seed: { file: "-", section: "-" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 9999,
  scripts: [],
  cases: [{
    id: "hanging",
    title: "waits for a prompt that never comes",
    server: { peer: { program: "chat_server.ts" } },
    clients: [{ peer: { program: "chat_client.ts" }, dialogue: [{ wait: "never", type: "x" }] }],
    timeoutMs: 120_000,
  }],
}];
