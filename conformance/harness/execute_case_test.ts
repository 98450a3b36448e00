import assert from "node:assert/strict";
import type { ConformanceCase } from "./case.ts";
import { executeCase } from "./execute_case.ts";

const root = new URL("../../", import.meta.url).pathname;
const options = { programsDir: `${root}programs`, fixturesDir: `${root}fixtures` };
const PROMPT = "请输入要发送的内容>>>：";

/** The chat lesson's seed run: one client says 我, then quits. */
const chat: ConformanceCase = {
  id: "chat",
  title: "one line to the chat bot",
  server: { peer: { program: "chat_server.ts" } },
  clients: [{
    peer: { program: "chat_client.ts" },
    dialogue: [{ wait: PROMPT, type: "我" }, { wait: PROMPT, type: "q" }],
  }],
};

Deno.test("a run records each client, the server and the traffic, and leaves its folder", async () => {
  const observation = await executeCase(chat, options);
  try {
    assert.equal(observation.runError, undefined);
    assert.equal(observation.clients.length, 1);
    const [client] = observation.clients;
    assert.equal(client.kind, "process");
    if (client.kind !== "process") return;
    assert.equal(client.golden, "chat.client");
    assert.equal(client.transcript, `欢迎致电babyshen\n${PROMPT}我\n我好\n${PROMPT}q\n`);
    assert.deepEqual(client.exit, { code: 0, stderr: "" });
    assert.equal(observation.server?.exitCode, 0);
    assert.deepEqual(observation.server?.stderrLines, []);
    assert.equal(observation.proxies.length, 1);
    assert.equal(observation.proxies[0].connections, 1);
    assert.ok(observation.proxies[0].ports.length >= 2);
    assert.ok((await Deno.stat(`${observation.workDir}/server/chat_server.ts`)).isFile);
  } finally {
    await Deno.remove(observation.workDir, { recursive: true });
  }
});

Deno.test("a prompt that never comes stops the run: recorded as its error, never thrown", async () => {
  const stuck: ConformanceCase = {
    ...chat,
    clients: [{ peer: { program: "chat_client.ts" }, dialogue: [{ wait: "never", type: "x" }] }],
  };
  const observation = await executeCase(stuck, { ...options, stepTimeoutMs: 300 });
  try {
    assert.match(observation.runError ?? "", /prompt "never"/);
    assert.equal(observation.bound.hit, false);
    assert.equal(observation.server, undefined);
    const [client] = observation.clients;
    assert.ok(client.kind === "process" && client.exit === undefined);
  } finally {
    await Deno.remove(observation.workDir, { recursive: true });
  }
});
