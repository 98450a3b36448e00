/**
 * Software nobody here wrote: `nc` (netcat-openbsd) and `socat` as clients of the chat, welcome,
 * echo and UDP servers, sending the seeds' bytes exactly (no newline: `printf`, not `echo`), and
 * as the server of the welcome client, the one client whose server needs no logic (it sends a
 * text and closes). The chat and echo servers answer each message with a changed copy, which
 * neither tool can do, and socat does not say which UDP port it got, so those stop there.
 *
 * Each tool reads its input from a small shell pipeline, `{ printf MSG; read _; … } | TOOL`:
 * `printf` sends one message, and `read` holds the next one back until the harness has seen
 * the reply on the terminal and pressed Enter, so messages never arrive glued and nothing
 * waits on a timer. Closing the pipe ends the tool (`nc -N` / `-q 0`, `socat -t 0` for UDP).
 * The cases are skipped with a notice where the tool is missing; `.ci/run` installs both.
 *
 * @module
 */

import type { ClientRole, ConformanceCase, ServerRole } from "../harness/case.ts";
import type { Step } from "../harness/expect.ts";

/** A third-party tool that can stand in for a client (or a trivial server). */
export type Tool = "nc" | "socat";

/** The command that connects `tool` to the server over TCP (or UDP), reading stdin. */
function connect(tool: Tool, transport: "tcp" | "udp"): string {
  if (tool === "nc") {
    return transport === "tcp" ? "nc -N {host} {port}" : "nc -u -q 0 {host} {port}";
  }
  return transport === "tcp" ? "socat -t 10 - TCP:{host}:{port}" : "socat -t 0 - UDP:{host}:{port}";
}

/**
 * A client role: `tool` sends each message once the reply to the one before has been shown.
 * `replies[i]` is what appears after message `i`.
 */
export function toolClient(
  tool: Tool,
  transport: "tcp" | "udp",
  messages: string[],
  replies: string[],
): ClientRole {
  const feed = messages.map((message) => `printf '%s' '${message}'; read _;`).join(" ") || ":;";
  const dialogue: Step[] = replies.map((reply) => ({ wait: reply, type: "" }));
  return {
    role: tool,
    peer: {
      command: ["sh", "-c", `{ ${feed} } | ${connect(tool, transport)}`],
      requires: tool,
    },
    dialogue,
  };
}

/**
 * The same exchange with `nc` and with `socat`: cases `<id>-nc` and `<id>-socat`, titled
 * `title (nc)` and `title (socat)`, the rest made by `make(tool)`.
 */
export function withThirdPartyTools(
  id: string,
  title: string,
  make: (tool: Tool) => Omit<ConformanceCase, "id" | "title">,
): ConformanceCase[] {
  return (["nc", "socat"] as const).map((tool) => ({
    id: `${id}-${tool}`,
    title: `${title} (${tool})`,
    ...make(tool),
  }));
}

/**
 * `tool` as a TCP server on `{host}`, any free port, that sends `text` to its one client and
 * closes. Its log line about the port it got is turned into the readiness line the harness
 * reads (`listening on tcp://HOST:PORT`); its other log lines are dropped.
 */
export function toolServer(tool: Tool, text: string): ServerRole["peer"] {
  const serve = tool === "nc"
    ? `printf '%s' '${text}' | nc -l -N -v {host} 0`
    : `printf '%s' '${text}' | socat -d -d -u STDIN TCP-LISTEN:0,bind={host}`;
  const port = tool === "nc"
    ? String.raw`^Listening on \S+ ([0-9]+)$`
    : String.raw`.* listening on AF=2 \S*:([0-9]+)$`;
  return {
    command: [
      "bash",
      "-c",
      `${serve} 2> >(sed -Eun 's/${port}/listening on tcp:\\/\\/{host}:\\1/p' >&2)`,
    ],
    requires: tool,
  };
}
