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
import { utf8 } from "./_helpers.ts";
import { chat } from "./chat.ts";
import { selectEcho, udp, welcome } from "./lessons_part1.ts";

type Tool = "nc" | "socat";

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
function toolClient(
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

/** The same exchange with `nc` and with `socat`. */
function withEachTool(
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

chat.cases.push(...withEachTool("chat", "a third-party client: 我 → 我好, 你 → 你好", (tool) => ({
  // It ends with the end of the stream, not with the seed client's `q`: a golden of its own.
  server: { peer: { program: "chat_server.ts" }, golden: "chat-third-party.server" },
  clients: [toolClient(tool, "tcp", ["我", "你"], ["我好", "你好"])],
  bytes: { c2s: utf8("我你"), s2c: utf8("欢迎致电babyshen我好你好") },
  mutations: [{ program: "chat_server.ts", from: `"好"`, to: `"了"`, shows: "我了" }],
})));

welcome.cases.push(...withEachTool("welcome", "a third-party client reads the welcome", (tool) => ({
  server: { peer: { program: "welcome_server.ts" }, golden: false },
  clients: [{ ...toolClient(tool, "tcp", [], []), dialogue: undefined }],
  bytes: { c2s: 0, s2c: utf8("welcome kudingcha Tea Garden") },
  mutations: [{
    program: "welcome_server.ts",
    from: "kudingcha",
    to: "kudingchá",
    shows: "welcome kudingchá",
  }],
})));

selectEcho.cases.push(
  ...withEachTool("select_echo", "a third-party client: 你好 → 你好好", (tool) => ({
    server: { peer: { program: "select_echo_server.ts" }, golden: false },
    clients: [toolClient(tool, "tcp", ["你好", "hello"], ["你好好", "hello好"])],
    bytes: { c2s: utf8("你好hello"), s2c: utf8("你好好hello好") },
    mutations: [{
      program: "select_echo_server.ts",
      from: `const REPLY_SUFFIX = "好";`,
      to: `const REPLY_SUFFIX = "了";`,
      shows: "你好了",
    }],
  })),
);

udp.cases.push(...withEachTool("udp", "a third-party client: 你好 → 已收到", (tool) => ({
  server: { peer: { program: "udp_server.ts" }, golden: false },
  clients: [toolClient(tool, "udp", ["你好", "hello"], ["已收到", "已收到"])],
  bytes: { c2s: utf8("你好hello"), s2c: 2 * utf8("已收到") },
  mutations: [{
    program: "udp_server.ts",
    from: `const REPLY = "已收到";`,
    to: `const REPLY = "收到了";`,
    shows: "收到了",
  }],
})));

/**
 * `tool` as a TCP server on `{host}`, any free port, that sends `text` to its one client and
 * closes. Its log line about the port it got is turned into the readiness line the harness
 * reads (`listening on tcp://HOST:PORT`); its other log lines are dropped.
 */
function toolServer(tool: Tool, text: string): ServerRole["peer"] {
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

welcome.cases.push(
  ...withEachTool("welcome-client", "welcome_client.ts against a third-party server", (tool) => ({
    server: { peer: toolServer(tool, "welcome kudingcha Tea Garden"), exitsByItself: true },
    clients: [{ peer: { program: "welcome_client.ts" }, golden: "welcome.client" }],
    bytes: { c2s: 0, s2c: utf8("welcome kudingcha Tea Garden") },
    mutations: [{
      program: "welcome_client.ts",
      from: `console.log("Received", data ?? "");`,
      to: `console.log("Got", data ?? "");`,
      shows: "+Got welcome kudingcha Tea Garden",
    }],
  })),
);
