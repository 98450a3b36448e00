import assert from "node:assert/strict";
import type { ConformanceCase } from "./case.ts";
import type { Child } from "./children.ts";
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
    // The server ran in a folder of its own, which holds the case's files, not the script.
    assert.ok((await Deno.stat(`${observation.workDir}/server`)).isDirectory);
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

Deno.test("a signal stops the run at once and kills every child", async () => {
  const controller = new AbortController();
  const pids: number[] = [];
  const waiting: ConformanceCase = {
    ...chat,
    clients: [{ peer: { program: "chat_client.ts" }, dialogue: [{ wait: "never", type: "x" }] }],
  };
  const running = executeCase(waiting, {
    ...options,
    signal: controller.signal,
    onSpawn: (child) => {
      pids.push(child.pid);
      // Once the client is up, the page goes away.
      if (child.label === "client") controller.abort();
    },
  });
  const observation = await running;
  try {
    assert.ok(observation.runError !== undefined);
    assert.equal(observation.bound.hit, false);
    assert.equal(pids.length, 2);
    for (const pid of pids) assert.equal(processExists(pid), false, `pid ${pid} still runs`);
  } finally {
    await Deno.remove(observation.workDir, { recursive: true });
  }
});

Deno.test("typed lines replace the dialogue; onType and onChunk see them as they happen", async () => {
  const events: string[] = [];
  const client = Promise.withResolvers<Child>();
  // As a person does: each line once the prompt is there.
  const prompted = async (count: number) => {
    const { stdout } = await client.promise;
    await stdout.waitFor((text) => text.split(PROMPT).length > count || undefined, 5000, PROMPT);
  };
  const observation = await executeCase(chat, {
    ...options,
    onSpawn: (child) => {
      if (child.label === "client") client.resolve(child);
    },
    typedLines: (async function* () {
      await prompted(1);
      yield "你好";
      await prompted(2);
      yield "q";
    })(),
    onType: (label, line) => events.push(`${label} typed ${line}`),
    onChunk: (listener, record) => events.push(`${listener} ${record.dir} ${record.size}`),
  });
  try {
    assert.equal(observation.runError, undefined);
    const [seen] = observation.clients;
    assert.ok(seen.kind === "process");
    assert.match(seen.transcript, /内容>>>：你好\n你好好\n/);
    assert.ok(events.includes("client typed 你好"));
    assert.ok(events.indexOf("client typed 你好") < events.indexOf("0 c2s 6"));
    assert.ok(events.includes("0 s2c 9"));
  } finally {
    await Deno.remove(observation.workDir, { recursive: true });
  }
});

Deno.test("typed lines stop when the client exits by itself", async () => {
  // The lines never end, but the client quits at q: the run must not wait for more.
  const never = Promise.withResolvers<void>();
  const observation = await executeCase(chat, {
    ...options,
    typedLines: (async function* () {
      yield "q";
      await never.promise;
    })(),
  });
  try {
    assert.equal(observation.runError, undefined);
    assert.equal(observation.server?.exitCode, 0);
  } finally {
    never.resolve();
    await Deno.remove(observation.workDir, { recursive: true });
  }
});

/** True if a process with `pid` exists (a zombie counts as gone). */
function processExists(pid: number): boolean {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}
