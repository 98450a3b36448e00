/**
 * The terminal-injection row of every program that prints what its peer sent: the peer's text
 * holds ESC, a newline, a C1 control and a bidi override, and the program shows each as
 * `\u{…}` (its `printable`). A server meets a raw client; a client meets a fake server, plain
 * JavaScript under `deno eval`, that answers every read with that text.
 *
 * @module
 */

import type { ClientRole, ConformanceCase, Peer, ServerRole } from "../harness/case.ts";
import type { Mutation } from "../harness/standalone.ts";
import type { CaseMutation } from "./_bad_input.ts";

/** The threat the reliability rows of this fault name. */
export const TERMINAL_INJECTION = "a peer's text printed raw: escape sequences, newlines or " +
  "bidi controls that steer the terminal or forge a log line";

/**
 * A peer's text that clears the screen (ESC), forges a line (a newline), starts a C1 CSI
 * (which some terminals take as `ESC [`) and reverses what follows (a right-to-left override).
 */
export const INJECTED = "hi\u001b[2J\n\u009b31m\u202eend";

/** {@linkcode INJECTED} as `printable` shows it. */
export const INJECTED_SHOWN = "hi\\u{1b}[2J\\u{a}\\u{9b}31m\\u{202e}end";

/** The reliability row of a server that prints a client's text. */
const SERVER_ROW = {
  fault: "terminal control characters (ESC, newline, C1, bidi) in a client's text",
  outcome: "printed with each shown as `\\u{…}`: no cleared screen, no forged line",
  threat: TERMINAL_INJECTION,
};

/**
 * The server row: `clients` send {@linkcode INJECTED} where the lesson prints what it got,
 * and the server's golden shows it escaped. `undo` takes the server's `printable` away at the
 * print; `shows` is what its failure report must hold (usually the escaped line, missing: `-`
 * and the line). `extra.mutations`, if given, are checked too (a second print, say).
 */
export function escapedServerCase(
  id: string,
  server: ServerRole,
  clients: ConformanceCase["clients"],
  undo: Mutation,
  shows: string,
  extra: Partial<ConformanceCase> = {},
): ConformanceCase {
  return escapedCase(id, "a client's", server, clients, { ...undo, shows }, {
    reliability: SERVER_ROW,
    ...extra,
  });
}

/**
 * The mutation every escaped case makes: `program`'s `console.log(printable(EXPRESSION));`
 * printed raw, `console.log(EXPRESSION);`.
 */
export function unescapedLog(program: string, expression: string): Mutation {
  return {
    program,
    from: `console.log(printable(${expression}));`,
    to: `console.log(${expression});`,
  };
}

/** What {@linkcode hostileServer} sends: a greeting first, then an answer to each read. */
export interface HostileScript {
  /** Sent as soon as a client connects, if given. */
  greeting?: string;
  /** The answers to the first reads, in order; later reads are answered {@linkcode INJECTED}. */
  replies?: string[];
  /** How many reads are answered before the server hangs up (default 1,000). */
  answers?: number;
  /** After the last answer, neither read nor hang up: the connection stays open, silent. */
  holdsOn?: boolean;
}

/**
 * A fake server that sends what a hostile one could: `greeting` on every connection, then
 * `replies` and {@linkcode INJECTED} after every read (at most `answers` times, then it hangs
 * up, or with `holdsOn` goes silent).
 */
export function hostileServer(
  { greeting, replies = [], answers = 1000, holdsOn = false }: HostileScript,
): Peer {
  const code = `
    const encoder = new TextEncoder();
    const listener = Deno.listen({ hostname: "{host}", port: 0 });
    console.error("listening on tcp://{host}:" + listener.addr.port);
    async function send(conn, text) {
      const data = encoder.encode(text);
      for (let sent = 0; sent < data.length;) sent += await conn.write(data.subarray(sent));
    }
    async function answer(conn) {
      const buffer = new Uint8Array(4096);
      const greeting = ${JSON.stringify(greeting ?? null)};
      const replies = ${JSON.stringify(replies)};
      if (greeting !== null) await send(conn, greeting);
      for (let answered = 0; answered < ${answers}; answered++) {
        if ((await conn.read(buffer).catch(() => null)) === null) break;
        await send(conn, replies[answered] ?? ${JSON.stringify(INJECTED)});
      }
      // Left open and unread: the client sees a server that has stopped, not one that left.
      if (${holdsOn}) return;
      conn.close();
    }
    for await (const conn of listener) answer(conn).catch(() => conn.close());`;
  // Plain JavaScript: `--ext=js` leaves no compiled copy under the case's temporary folder.
  return { command: ["deno", "eval", "--ext=js", code] };
}

/**
 * The client row: `client` talks to {@linkcode hostileServer} playing `script`, and its
 * golden shows the server's text escaped. `undo` takes the client's `printable` away at the
 * print; `shows` is what its failure report must hold. No reliability row: `docs/RELIABILITY.md`
 * is about servers.
 */
export function escapedClientCase(
  id: string,
  script: HostileScript,
  client: ClientRole,
  undo: Mutation,
  shows: string,
  extra: Partial<ConformanceCase> = {},
): ConformanceCase {
  const server = { peer: hostileServer(script), golden: false };
  return escapedCase(id, "a server's", server, [client], { ...undo, shows }, extra);
}

/** Either row: `whose` text, escaped; `undo` and then `extra.mutations` must be caught. */
function escapedCase(
  id: string,
  whose: string,
  server: ServerRole,
  clients: ConformanceCase["clients"],
  undo: CaseMutation,
  extra: Partial<ConformanceCase>,
): ConformanceCase {
  return {
    id,
    title: `${whose} text holding ESC, a newline, a C1 control and a bidi override is printed ` +
      "with each escaped as \\u{…}",
    server,
    clients,
    ...extra,
    mutations: [undo, ...extra.mutations ?? []],
  };
}
