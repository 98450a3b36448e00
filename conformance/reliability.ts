/**
 * `docs/RELIABILITY.md`, drawn from the cases: one table per server, a row for each bad input
 * or fault a case tries (its `reliability` entry), for the port already in use (the command-line
 * check every server gets), and for each chaos mode (how the server's lesson fares under it).
 * Each row names the command that reproduces it. Rows that defend against an attack (their
 * `threat`) are gathered first, under "Threats". `deno task index` rewrites the page; a unit
 * test fails when it is out of date.
 *
 * @module
 */

import type { ConformanceCase, Lesson } from "./harness/case.ts";
import { CHAOS_MODES } from "./harness/chaos.ts";

/** The server program a case runs, if it is one of ours. */
function serverOf(testCase: ConformanceCase): string | undefined {
  const peer = testCase.server?.peer;
  return peer && "program" in peer ? peer.program : undefined;
}

/** A table cell: one line, pipes escaped. */
const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** What each chaos mode does, in the words of the page. */
const MODE_TEXT: Record<(typeof CHAOS_MODES)[number], string> = {
  "one-byte": "chaos: every byte its own write",
  "random-splits": "chaos: random splits",
  "coalesced": "chaos: writes held back and merged",
  "delays": "chaos: random delays",
  "cut": "chaos: connection cut after N bytes",
};

/** The longest tail that all of `ids` share, from a `-` on (`chat-x`, `ftp-x` → `-x`). */
function sharedTail(ids: string[]): string {
  let tail = ids[0];
  for (const id of ids) {
    while (!id.endsWith(tail)) tail = tail.slice(1);
  }
  const dash = tail.indexOf("-");
  return dash < 0 ? tail : tail.slice(dash);
}

/**
 * The "Threats" section: every row with a `threat`, one line per threat and defence, naming
 * the servers whose cases show it.
 */
function threatsSection(lessons: Lesson[]): string[] {
  const groups = new Map<string, { threat: string; outcome: string; cases: ConformanceCase[] }>();
  for (const lesson of lessons) {
    for (const testCase of lesson.cases) {
      const row = testCase.reliability;
      if (!row?.threat) continue;
      const key = `${row.threat}\n${row.outcome}`;
      const group = groups.get(key) ?? { threat: row.threat, outcome: row.outcome, cases: [] };
      group.cases.push(testCase);
      groups.set(key, group);
    }
  }
  if (groups.size === 0) return [];
  const rows = [...groups.values()].map(({ threat, outcome, cases }) => {
    const servers = [...new Set(cases.map((each) => `\`${serverOf(each) ?? "-"}\``))];
    const filter = cases.length === 1 ? cases[0].id : sharedTail(cases.map((each) => each.id));
    return [threat, servers.join(", "), outcome, `\`deno task conformance --filter "${filter}:"\``];
  });
  return [
    "## Threats",
    "",
    "What a hostile peer was seen doing to these servers (issue #20), and the cases that show " +
    "each defence holding; every case also runs with a deliberate break of that defence, " +
    "which it must catch.",
    "",
    "| Threat | Servers | Defence | Reproduce |",
    "| --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
    "",
  ];
}

/** The page for `lessons`. */
export function reliabilityPage(lessons: Lesson[]): string {
  const sections: string[] = [];
  for (const lesson of lessons) {
    if (lesson.transport === "none") continue;
    const servers = lesson.scripts.filter((script) => script.endsWith("_server.ts"));
    for (const server of servers) {
      const rows: string[][] = [];
      for (const testCase of lesson.cases) {
        if (!testCase.reliability || serverOf(testCase) !== server) continue;
        rows.push([
          testCase.reliability.fault,
          testCase.reliability.outcome,
          `\`deno task conformance --filter "${testCase.id}:"\``,
        ]);
      }
      rows.push([
        "port already in use",
        "one line on stderr naming the port, exit 1, no stack trace",
        `\`deno task conformance --filter "cli: ${server}"\``,
      ]);
      if (lesson.transport === "tcp") {
        const ours = lesson.cases.filter((testCase) => serverOf(testCase) === server);
        for (const mode of CHAOS_MODES) {
          const lessonReason = lesson.chaos?.mayBreak?.[mode];
          const breaking = ours.filter((each) => each.chaosMayBreak?.[mode]);
          const same = "same transcripts, byte counts and files as the plain run";
          const outcome = mode === "cut"
            ? "no crash, no hang, no partial file under a final name, nothing outside its folder"
            : lessonReason
            ? `may break (${lessonReason}); never a crash, a hang or a partial file`
            : breaking.length
            ? `every case but ${breaking.map((each) => each.id).join(", ")}: ${same}; ` +
              `those may break (${breaking[0].chaosMayBreak![mode]}), never crash or hang`
            : `every case: ${same}`;
          rows.push([
            MODE_TEXT[mode],
            outcome,
            `\`deno task conformance --chaos --modes ${mode} --filter "${mode}: ${lesson.id}:" ` +
            `--filter "${mode}: ${lesson.id}-"\``,
          ]);
        }
      }
      sections.push(
        [
          `## \`${server}\` (${lesson.title})`,
          "",
          "| Input or fault | Outcome | Reproduce |",
          "| --- | --- | --- |",
          ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
        ].join("\n"),
      );
    }
  }
  return [
    "# Reliability: what each server was fed, and what it did",
    "",
    "Generated from the conformance cases by `deno task index`; every row is a check that runs " +
    "in `deno task conformance` (the chaos rows in `deno task conformance --chaos`), and its " +
    "command reproduces it alone. After every bad input the case goes on to serve a normal " +
    "client in full, unless the outcome says the lesson's server ends after one client. " +
    "File-writing servers and the login server run with exactly the permissions of their " +
    "header's run line, and their cases fail on any change outside the folder they may " +
    "write. Chaos seeds are printed at the start of a run; `--seed N` replays one.",
    "",
    ...threatsSection(lessons),
    ...sections.flatMap((section) => [section, ""]),
  ].join("\n");
}
