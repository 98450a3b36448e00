/**
 * The terminal sessions a lesson page shows, as Go by Example shows a `.sh` session beside its
 * code: for the server and each client of the lesson's main case, the command a person would
 * type and what the terminal then showed, taken from the case's goldens (ports masked as
 * `<PORT>`). Nothing is run: the goldens are what the suite holds every run to.
 *
 * @module
 */

import type { ConformanceCase, Lesson, Peer, ProcessClient } from "./harness/case.ts";
import { clientGolden, serverGolden } from "./harness/golden_names.ts";

/** One terminal on a page: whose it is, the command that starts it, and what it showed. */
export interface TerminalSession {
  /** Whose terminal, as the page names it, e.g. `The client's terminal`. */
  label: string;
  /** What a person types, e.g. `deno run --allow-net=127.0.0.1 chat_client.ts`. */
  command: string;
  /** The golden it shows (name without `.txt`), or `undefined` if the case keeps none. */
  golden?: string;
  /** The golden's text (absent without a golden). */
  text?: string;
  /** Why the page cannot show what this terminal showed (absent with a golden). */
  noGolden?: string;
}

/** Where the scripts (for their `@run` lines) and the goldens are. */
export interface SessionSources {
  /** Folder of the scripts. */
  programsDir: string;
  /** Folder of the goldens, `<name>.txt`. */
  transcriptsDir: string;
}

/** The `@run` line of a script's header, e.g. `deno run --allow-net=127.0.0.1 chat_client.ts [--port 9999]`. */
export async function readRunLine(programsDir: string, script: string): Promise<string> {
  const source = await Deno.readTextFile(`${programsDir}/${script}`);
  return /^ \* @run (.+)$/m.exec(source)?.[1] ?? `deno run -A ${script}`;
}

/** `word` as a POSIX shell reads it back: bare when it is safe, else in single quotes. */
export function shellWord(word: string): string {
  if (word !== "" && !/[\s'"\\$`!*?&|;<>(){}[\]#~=]/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command a person types to start a script: its `@run` line without the optional parts in
 * brackets, then `args` (the ones the case gives it).
 */
export function typedCommand(runLine: string, args: readonly string[] = []): string {
  const bare = runLine.replace(/\s*\[[^\]]*\]/g, "").trim();
  return [bare, ...args.map(shellWord)].join(" ");
}

/**
 * The command for `peer`: a script's typed command (`runLine` is its `@run` line), or a foreign
 * program's words with the harness's placeholders filled in as a person would.
 */
function peerCommand(peer: Peer, runLine: string, lesson: Lesson, extra: string[]): string {
  if ("program" in peer) return typedCommand(runLine, [...(peer.args ?? []), ...extra]);
  return [
    ...peer.command.map((word) =>
      word.replaceAll("{host}", lesson.host).replaceAll("{port}", String(lesson.port))
        .replaceAll("{fixtures}", "fixtures")
    ),
    ...extra,
  ].map(shellWord).join(" ");
}

/** One role's terminal before terminals alike are merged and labelled. */
interface Terminal {
  /** The server's, or a client's. */
  server: boolean;
  /** The client's role name (`server` for the server). */
  who: string;
  /** What a person types. */
  command: string;
  /** Its golden, if the case keeps one. */
  golden?: string;
  /** Why there is none. */
  noGolden?: string;
}

/** Why a client's terminal has no golden. */
function noClientGolden(role: ProcessClient): string {
  return role.transcriptMatches
    ? "it varies from run to run, so the case matches it against a pattern, not a golden"
    : "the case keeps no golden of it";
}

/** The label of the server's terminal, or of `count` terminals of the client roles `names`. */
function labelOf(server: boolean, names: string[], count: number, hasServer: boolean): string {
  if (server) return "The server's terminal";
  if (count > 1) {
    const roles = names.length === 1 && names[0] === "client"
      ? ""
      : ` (${names.map((name) => `\`${name}\``).join(", ")})`;
    return `Each of the ${count} clients' terminals${roles}`;
  }
  if (names[0] !== "client") return `The terminal of \`${names[0]}\``;
  return hasServer ? "The client's terminal" : "The terminal";
}

/**
 * The terminals of `testCase` (a lesson's main case), server first, then its clients in order.
 * Clients that run the same command and show the same golden are one terminal, labelled with
 * how many there were. Raw clients (byte scripts the harness plays) have no terminal. A client
 * of a server's second listener or later gets `--port` of that listener (a server with several
 * listeners takes consecutive ports from its default).
 */
export async function terminalSessions(
  lesson: Lesson,
  testCase: ConformanceCase,
  sources: SessionSources,
): Promise<TerminalSession[]> {
  const runLines = new Map<string, string>();
  const runLineOf = async (peer: Peer) => {
    if (!("program" in peer)) return "";
    if (!runLines.has(peer.program)) {
      runLines.set(peer.program, await readRunLine(sources.programsDir, peer.program));
    }
    return runLines.get(peer.program)!;
  };

  const terminals: Terminal[] = [];
  if (testCase.server) {
    const peer = testCase.server.peer;
    const golden = serverGolden(testCase);
    terminals.push({
      server: true,
      who: "server",
      command: peerCommand(peer, await runLineOf(peer), lesson, []),
      golden,
      noGolden: golden ? undefined : "the case keeps no golden of it",
    });
  }
  for (const role of testCase.clients.flat()) {
    if (role.raw) continue;
    const listener = role.listener ?? 0;
    const extra = listener > 0 ? ["--port", String(lesson.port + listener)] : [];
    const golden = clientGolden(testCase, role);
    terminals.push({
      server: false,
      who: role.role ?? "client",
      command: peerCommand(role.peer, await runLineOf(role.peer), lesson, extra),
      golden,
      noGolden: golden ? undefined : noClientGolden(role),
    });
  }

  const groups = new Map<string, Terminal[]>();
  for (const terminal of terminals) {
    const { server, command, golden, noGolden } = terminal;
    const key = JSON.stringify([server, command, golden, noGolden]);
    groups.set(key, [...(groups.get(key) ?? []), terminal]);
  }
  const sessions: TerminalSession[] = [];
  for (const group of groups.values()) {
    const [first] = group;
    const names = [...new Set(group.map((terminal) => terminal.who))];
    const session: TerminalSession = {
      label: labelOf(first.server, names, group.length, testCase.server !== undefined),
      command: first.command,
    };
    if (first.golden === undefined) session.noGolden = first.noGolden;
    else {
      session.golden = first.golden;
      session.text = await Deno.readTextFile(`${sources.transcriptsDir}/${first.golden}.txt`);
    }
    sessions.push(session);
  }
  return sessions;
}

/** A code fence longer than any run of backticks in `text`. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  return "`".repeat(Math.max(3, longest + 1));
}

/** Control characters but newline and tab, as `\xNN`: a golden's bytes must not drive a viewer. */
const visible = (text: string) =>
  // deno-lint-ignore no-control-regex
  text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) =>
    `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);

/**
 * `session` as Markdown lines: its label, then a `console` block of `$ command` and what the
 * terminal showed (or, without a golden, the command alone and why).
 */
export function sessionMarkdown(session: TerminalSession): string[] {
  const shown = session.text === undefined ? "" : visible(session.text).replace(/\n$/, "");
  const label = session.noGolden !== undefined
    ? `${session.label} (not shown: ${session.noGolden}):`
    : shown === ""
    ? `${session.label} (it prints nothing):`
    : `${session.label}:`;
  const fence = fenceFor(shown);
  return [
    label,
    "",
    `${fence}console`,
    `$ ${session.command}`,
    ...(shown === "" ? [] : [shown]),
    fence,
  ];
}
