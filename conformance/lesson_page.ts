/**
 * A lesson's page, `docs/lessons/<lesson id>.md`: its titles, seed, scripts and run commands;
 * what each terminal of its main conformance case showed (from the goldens); the sequence
 * diagram of that case's traffic; and the list of the lesson's cases. The page is generated
 * (`deno task docs`); the suite reads the diagram back out of it to check it against each run's
 * traffic, and compares the rest with what the goldens and cases give now.
 *
 * @module
 */

import { type DiagramCast, sequenceDiagram } from "./diagram.ts";
import type { ConformanceCase, Lesson, Peer } from "./harness/case.ts";
import type { ChunkRecord } from "./harness/chunk_log.ts";
import { formatMarkdown } from "./index.ts";
import {
  readRunLine,
  sessionMarkdown,
  type SessionSources,
  type TerminalSession,
  terminalSessions,
} from "./terminal_session.ts";

/** The folder of the lesson pages in this project. */
export const LESSON_PAGES_DIR = decodeURIComponent(
  new URL("../docs/lessons", import.meta.url).pathname,
);

/** The path of `lesson`'s page inside the repository, for links. */
export function lessonPagePath(lesson: Pick<Lesson, "id">): string {
  return `docs/lessons/${lesson.id}.md`;
}

/**
 * The case a lesson's diagram is drawn from: the one whose id is the lesson's, else its first.
 * Every lesson's main case runs its clients one after another, so its traffic has one order.
 */
export function mainCase(lesson: Lesson): ConformanceCase {
  return lesson.cases.find((each) => each.id === lesson.id) ?? lesson.cases[0];
}

/** A peer's name in a diagram: its script, or the file a foreign command runs. */
function peerName(peer: Peer): string {
  if ("program" in peer) return peer.program;
  const file = peer.command.findLast((word) => /\.\w+$/.test(word)) ?? peer.command[0];
  return file.split("/").at(-1)!;
}

/** Who takes part in `testCase`: the server's name, and each listener's clients in turn. */
export function castOf(testCase: ConformanceCase): DiagramCast {
  const clients: string[][] = [];
  for (const role of testCase.clients.flat()) {
    const listener = role.listener ?? 0;
    while (clients.length <= listener) clients.push([]);
    clients[listener].push(role.peer ? peerName(role.peer) : role.role ?? "raw client");
  }
  return { server: testCase.server ? peerName(testCase.server.peer) : "server", clients };
}

/**
 * Lessons whose client sends on a connection without waiting for the replies (the selectors
 * client writes both its messages as soon as the socket is writable), so how the two directions
 * interleave changes from run to run: their connections are drawn one message each way.
 */
export const SENDS_WITHOUT_WAITING: ReadonlySet<string> = new Set(["multiconn"]);

/** The diagram of `lesson`'s main case from its traffic (one log per listener), if any. */
export function lessonDiagram(
  lesson: Lesson,
  traffic: readonly (readonly ChunkRecord[])[],
): string | undefined {
  return caseDiagram(lesson, mainCase(lesson), traffic);
}

/** The diagram of one of `lesson`'s cases from its traffic (one log per listener), if any. */
export function caseDiagram(
  lesson: Lesson,
  testCase: ConformanceCase,
  traffic: readonly (readonly ChunkRecord[])[],
): string | undefined {
  return sequenceDiagram(traffic, castOf(testCase), {
    datagrams: lesson.transport === "udp",
    oneMessageEachWay: SENDS_WITHOUT_WAITING.has(lesson.id),
  });
}

/** The cases `lesson`'s page draws besides its main case (see `Lesson.drawnToo`), in order. */
export function drawnToo(lesson: Lesson): { testCase: ConformanceCase; note: string }[] {
  return (lesson.drawnToo ?? []).map(({ id, note }) => {
    const testCase = lesson.cases.find((each) => each.id === id);
    if (!testCase) throw new Error(`${lesson.id}: drawnToo names no case ${id}`);
    return { testCase, note };
  });
}

/** The diagrams of the cases a page draws besides its main case, by case id. */
export type MoreDiagrams = Record<string, string | undefined>;

/** The `@run` line of each script's header, in the lesson's order. */
export async function runCommands(programsDir: string, scripts: string[]): Promise<string[]> {
  const commands: string[] = [];
  for (const script of scripts) commands.push(await readRunLine(programsDir, script));
  return commands;
}

/** What a page is written from besides its diagram: nothing here is run. */
export interface PageSources {
  /** The `@run` line of each script (see {@linkcode runCommands}). */
  commands: string[];
  /** The main case's terminals (see {@linkcode terminalSessions}). */
  sessions: TerminalSession[];
}

/** Reads the page sources of `lesson` from the scripts and the goldens. */
export async function readPageSources(
  lesson: Lesson,
  sources: SessionSources,
): Promise<PageSources> {
  return {
    commands: await runCommands(sources.programsDir, lesson.scripts),
    sessions: await terminalSessions(lesson, mainCase(lesson), sources),
  };
}

/** The fence that opens a diagram on a page. */
const MERMAID_FENCE = "```mermaid\n";

/** The heading over the diagram of a case drawn besides the main one. */
const drawnHeading = (id: string) => `### \`${id}\``;

/** What one arrow stands for, beyond the obvious. */
function unitNote(lesson: Lesson): string {
  if (lesson.transport === "udp") return "";
  if (SENDS_WITHOUT_WAITING.has(lesson.id)) {
    return " (all a connection sent, or all it got back: the client sends without waiting " +
      "for replies, so how the two ways interleave varies from run to run)";
  }
  return " (the consecutive chunks of one connection in one direction)";
}

/** Why a lesson without traffic has no diagram. */
function noDiagramReason(lesson: Lesson, testCase: ConformanceCase): string {
  if (lesson.transport === "none") {
    return "Its program uses no network, so there is no traffic to draw.";
  }
  return `The case \`${testCase.id}\` runs the program alone: it talks to itself inside one ` +
    "process, where no recording proxy sits, so there is no traffic to draw.";
}

/** The paragraph that introduces the main case's terminals. */
function sessionsIntro(testCase: ConformanceCase, sessions: TerminalSession[]): string {
  const stderr = testCase.server
    ? "; a server's `listening on …` line goes to stderr, which goldens leave out"
    : "";
  return `What ${sessions.length > 1 ? "each terminal" : "the terminal"} showed in the ` +
    `conformance case \`${testCase.id}\` (${testCase.title}), from its goldens in ` +
    `\`fixtures/transcripts/\` (ports masked as \`<PORT>\`${stderr}):`;
}

/** The list of the lesson's cases, `id` — title, in the lesson's order. */
function caseList(lesson: Lesson): string[] {
  return [
    `The lesson's conformance cases (${lesson.cases.length}; \`deno task conformance\` runs ` +
    "each, with the mutations it must catch):",
    "",
    ...lesson.cases.map((each) => `- \`${each.id}\` — ${each.title}`),
  ];
}

/**
 * The page of `lesson` (formatted as `deno fmt` formats Markdown), from its `sources` and
 * `diagram` (from {@linkcode lessonDiagram}) or, without one, a line saying why there is none.
 */
export async function lessonPage(
  lesson: Lesson,
  diagram: string | undefined,
  sources: PageSources,
  more: MoreDiagrams = {},
): Promise<string> {
  const testCase = mainCase(lesson);
  const scripts = lesson.scripts.map((script) => `[\`${script}\`](../../programs/${script})`);
  const transport = lesson.transport === "none"
    ? "none (no network)"
    : `${lesson.transport.toUpperCase()}, by default on ${lesson.host}:${lesson.port}`;
  const unit = lesson.transport === "udp" ? "datagram" : "message";
  const lines = [
    `# ${lesson.title} · ${lesson.titleEn}`,
    "",
    `- Seed: \`${lesson.seed.file}\`, section ${lesson.seed.section}`,
    `- Scripts: ${scripts.join(", ")}`,
    `- Transport: ${transport}`,
    "",
    "## Run it",
    "",
    lesson.scripts.length > 1
      ? "Each script runs alone, from the folder it is in (start the server first):"
      : "The script runs alone, from the folder it is in:",
    "",
    "```sh",
    ...sources.commands,
    "```",
    "",
    sessionsIntro(testCase, sources.sessions),
    ...sources.sessions.flatMap((session) => ["", ...sessionMarkdown(session)]),
    "",
    "## On the wire",
    "",
    ...(diagram
      ? [
        `The conformance case \`${testCase.id}\`, as the recording proxy ` +
        `between client and server saw it. One arrow per ${unit}` + unitNote(lesson) +
        ", with its size in bytes and the start of its text. Each client " +
        (lesson.transport === "udp" ? "address" : "connection") + " is a participant of its " +
        "own, drawn one after another in the order they began (connections one client opens at " +
        "once: in the order of what they carried).",
        "",
        MERMAID_FENCE + diagram + "```",
      ]
      : [noDiagramReason(lesson, testCase)]),
    ...drawnToo(lesson).flatMap(({ testCase: drawn, note }) => [
      "",
      drawnHeading(drawn.id),
      "",
      `The conformance case \`${drawn.id}\` (${drawn.title}), drawn the same way. ${note}`,
      "",
      more[drawn.id] ? MERMAID_FENCE + more[drawn.id] + "```" : "(no traffic drawn yet)",
    ]),
    "",
    "## Cases",
    "",
    ...caseList(lesson),
    "",
    `Generated by \`deno task docs\` from the lesson's cases and the goldens and traffic of ` +
    `\`${testCase.id}\`. \`deno task conformance\` fails when this page no longer matches them ` +
    "(`--update` rewrites it); `deno task test` checks all of it but the diagram.",
  ];
  return await formatMarkdown(lines.join("\n") + "\n");
}

/** The diagram on a page (the text inside its `mermaid` fence), or `undefined` if it has none. */
export function diagramInPage(page: string): string | undefined {
  const onTheWire = page.indexOf("\n## On the wire\n");
  const first = page.indexOf("\n### ", onTheWire < 0 ? 0 : onTheWire);
  return fencedIn(first < 0 ? page : page.slice(0, first));
}

/** The diagrams a page shows of the cases it draws besides its main one (see `drawnToo`). */
export function moreDiagramsInPage(lesson: Lesson, page: string): MoreDiagrams {
  const more: MoreDiagrams = {};
  for (const { testCase } of drawnToo(lesson)) {
    const heading = page.indexOf(`\n${drawnHeading(testCase.id)}\n`);
    if (heading < 0) continue;
    const from = heading + 1;
    const next = page.slice(from).search(/\n##/);
    more[testCase.id] = fencedIn(page.slice(from, next < 0 ? undefined : from + next + 1));
  }
  return more;
}

/** The text inside the first `mermaid` fence of `text`, if there is one. */
function fencedIn(text: string): string | undefined {
  const start = text.indexOf(MERMAID_FENCE);
  if (start < 0) return undefined;
  const from = start + MERMAID_FENCE.length;
  const end = text.indexOf("\n```", from - 1);
  return end < 0 ? text.slice(from) : text.slice(from, end + 1);
}
