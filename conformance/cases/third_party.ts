/**
 * Software nobody here wrote: `nc` (netcat-openbsd) and `socat` as clients of the chat, welcome,
 * echo and UDP servers, sending the seeds' bytes exactly (no newline: `printf`, not `echo`).
 *
 * Each tool reads its input from a small shell pipeline, `{ printf MSG; read _; … } | TOOL`:
 * `printf` sends one message, and `read` holds the next one back until the harness has seen
 * the reply on the terminal and pressed Enter, so messages never arrive glued and nothing
 * waits on a timer. Closing the pipe ends the tool (`nc -N` / `-q 0`, `socat -t 0` for UDP).
 * The cases are skipped with a notice where the tool is missing; `.ci/run` installs both.
 *
 * @module
 */

import type { ClientRole, ConformanceCase } from "../harness/case.ts";
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
