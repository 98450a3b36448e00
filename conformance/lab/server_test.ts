import assert from "node:assert/strict";
import { lessons } from "../cases/mod.ts";
import {
  chunksOf,
  openRun,
  processAlive,
  rawRequest,
  upgradeHeaders,
  withLab,
} from "./_test_util.ts";

// --- Refused, and nothing started ---
//
// Each refusal is shown next to the same request with the one header or parameter put right,
// which does start a run: a check that is missing lets the "refused" request through, the run
// starts, and the test fails.

/** The run path of the chat lesson, with `token`. */
const runPath = (token: string) => `/lessons/chat/run?token=${token}`;

Deno.test("without the secret, no request and no WebSocket is served, and nothing starts", async () => {
  await withLab(async ({ lab, spawned }) => {
    const port = lab.port;
    const host = { host: `127.0.0.1:${port}` };
    for (const path of ["/", "/lessons/chat", "/assets/mermaid.min.js", "/assets/lab.js"]) {
      const { status, conn } = await rawRequest(port, path, host);
      conn.close();
      assert.equal(status, 403, path);
    }
    for (const token of ["", "0".repeat(48), lab.secret.slice(0, -1)]) {
      const { status, conn } = await rawRequest(port, runPath(token), upgradeHeaders(port));
      conn.close();
      assert.equal(status, 403, `token ${JSON.stringify(token)}`);
    }
    const { status, conn } = await rawRequest(port, "/lessons/chat/run", upgradeHeaders(port));
    conn.close();
    assert.equal(status, 403);
    assert.equal(spawned.length, 0);
    assert.deepEqual(lab.running(), []);
  });
});

Deno.test("with a foreign Origin, or none, no WebSocket or POST is served, and nothing starts", async () => {
  await withLab(async ({ lab, spawned }) => {
    const port = lab.port;
    const origins = ["http://evil.example", `http://localhost:${port}`, "null", undefined];
    for (const origin of origins) {
      const headers = upgradeHeaders(port);
      if (origin === undefined) delete headers.origin;
      else headers.origin = origin;
      const { status, conn } = await rawRequest(port, runPath(lab.secret), headers);
      conn.close();
      assert.equal(status, 403, `Origin ${origin}`);
    }
    const post = await rawRequest(port, runPath(lab.secret), {
      host: `127.0.0.1:${port}`,
      origin: "http://evil.example",
    }, "POST");
    post.conn.close();
    assert.equal(post.status, 403);
    // A page of another origin gets nothing either, not even a page.
    const page = await rawRequest(port, `/?token=${lab.secret}`, {
      host: `127.0.0.1:${port}`,
      origin: "http://evil.example",
    });
    page.conn.close();
    assert.equal(page.status, 403);
    assert.equal(spawned.length, 0);
    assert.deepEqual(lab.running(), []);
  });
});

Deno.test("with a foreign Host (DNS rebinding), no request or WebSocket is served, and nothing starts", async () => {
  await withLab(async ({ lab, spawned }) => {
    const port = lab.port;
    for (const host of [`evil.example:${port}`, `localhost:${port}`, "127.0.0.1", "127.0.0.1:1"]) {
      const headers = { ...upgradeHeaders(port), host };
      const { status, conn } = await rawRequest(port, runPath(lab.secret), headers);
      conn.close();
      assert.equal(status, 421, `Host ${host}`);
      const page = await rawRequest(port, `/?token=${lab.secret}`, { host });
      page.conn.close();
      assert.equal(page.status, 421, `Host ${host}`);
    }
    assert.equal(spawned.length, 0);
    assert.deepEqual(lab.running(), []);
  });
});

Deno.test("the same WebSocket with the secret, the lab's Host and Origin starts the run; closing it kills every process", async () => {
  await withLab(async ({ lab, spawned, spawnedAtLeast }) => {
    const port = lab.port;
    const { status, conn } = await rawRequest(
      port,
      `${runPath(lab.secret)}&input=typed`,
      upgradeHeaders(port),
    );
    assert.equal(status, 101);
    // The typed run waits for lines: its server and client stay up until the page leaves.
    await spawnedAtLeast(2);
    assert.deepEqual(lab.running(), ["chat"]);
    const pids = spawned.map((child) => child.pid);
    conn.close();
    await Promise.all(spawned.map((child) => child.status));
    for (const pid of pids) assert.equal(processAlive(pid), false);
  });
});

Deno.test("a choice the lesson does not offer, or an unknown lesson, is refused and starts nothing", async () => {
  await withLab(async ({ lab, spawned }) => {
    const port = lab.port;
    const paths = [
      `${runPath(lab.secret)}&delivery=glued`, // chat waits for answers: gluing would hang
      `${runPath(lab.secret)}&reader=seed`, // chat declares no one-read reader
      `${runPath(lab.secret)}&delivery=../../x`,
      `/lessons/sticky/run?token=${lab.secret}&input=typed`, // sticky's client takes no input
      `/lessons/nope/run?token=${lab.secret}`,
    ];
    for (const path of paths) {
      const { status, conn } = await rawRequest(port, path, upgradeHeaders(port));
      conn.close();
      assert.ok(status === 400 || status === 404, `${path}: ${status}`);
    }
    assert.equal(spawned.length, 0);
  });
});

// --- Pages ---

Deno.test("/ lists every lesson, each linking to its page with the secret", async () => {
  await withLab(async ({ lab }) => {
    const response = await fetch(lab.url);
    const html = await response.text();
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    for (const lesson of lessons) {
      assert.ok(
        html.includes(`href="/lessons/${lesson.id}?token=${lab.secret}"`),
        `no link to ${lesson.id}`,
      );
      assert.ok(html.includes(lesson.title.replaceAll("'", "&#39;")), lesson.title);
    }
  });
});

Deno.test("a lesson's page, its script and Mermaid are served; Mermaid is the npm package's", async () => {
  await withLab(async ({ lab }) => {
    const token = `?token=${lab.secret}`;
    const page = await (await fetch(`http://127.0.0.1:${lab.port}/lessons/chat${token}`)).text();
    assert.match(page, /<pre class="mermaid">sequenceDiagram/);
    assert.match(page, /请输入要发送的内容&gt;&gt;&gt;：我/);
    const mermaid = await fetch(`http://127.0.0.1:${lab.port}/assets/mermaid.min.js${token}`);
    assert.equal(mermaid.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.ok((await mermaid.text()).length > 1_000_000);
    const missing = await fetch(`http://127.0.0.1:${lab.port}/lessons/nope${token}`);
    await missing.body?.cancel();
    assert.equal(missing.status, 404);
  });
});

// --- Runs ---

Deno.test("a run of chat streams 8 chunks of 20, 3, 6, 3, 6, 3, 6, 1 bytes, then a passing verdict", async () => {
  await withLab(async ({ lab }) => {
    const run = openRun(lab, "chat");
    const verdict = await run.next((message) => message.type === "verdict");
    await run.closed;
    assert.ok(verdict.type === "verdict");
    assert.equal(verdict.status, "passed", verdict.failures.join("\n"));
    const chunks = chunksOf(run.messages);
    assert.deepEqual(chunks.map((chunk) => chunk.size), [20, 3, 6, 3, 6, 3, 6, 1]);
    assert.equal(chunks[0].text, "欢迎致电babyshen");
    assert.equal(chunks[1].hex, "e6 88 91");
    // Each chunk was reported before the verdict, as it crossed.
    const last = run.messages.findLastIndex((message) => message.type === "chunk");
    assert.ok(last < run.messages.indexOf(verdict));
    assert.deepEqual(lab.running(), []);
  });
});

Deno.test("one run per lesson: a second page gets busy and starts nothing", async () => {
  await withLab(async ({ lab, spawned }) => {
    const first = openRun(lab, "chat", "input=typed");
    await first.next((message) => message.type === "output" && message.label === "client");
    const before = spawned.length;
    const second = openRun(lab, "chat");
    const busy = await second.next((message) => message.type === "busy");
    assert.ok(busy.type === "busy");
    await second.closed;
    assert.equal(spawned.length, before);
    first.socket.close();
    await first.closed;
  });
});

Deno.test("typed lines reach the client: 你好 comes back as 你好好", async () => {
  await withLab(async ({ lab }) => {
    const run = openRun(lab, "chat", "input=typed");
    await run.next((message) =>
      message.type === "output" && message.label === "client" && message.text.includes("内容>>>")
    );
    // What is no message of the page's is ignored, and the run goes on.
    for (
      const junk of ["null", "5", "{", '{"type":"line","text":7}', '{"type":"line","text":"a\nb"}']
    ) {
      run.socket.send(junk);
    }
    run.socket.send(JSON.stringify({ type: "line", text: "你好" }));
    const reply = await run.next((message) =>
      message.type === "output" && message.label === "client" && message.text.includes("你好好")
    );
    assert.ok(reply);
    run.socket.send(JSON.stringify({ type: "end" }));
    const verdict = await run.next((message) => message.type === "verdict");
    assert.ok(verdict.type === "verdict" && verdict.status === "typed");
    // At the end of its input the client quits as if q was typed: 你好 and q, 6 + 1 bytes.
    assert.deepEqual(verdict.bytes.actual, { c2s: 6 + 1, s2c: 20 + 9 });
    await run.closed;
  });
});
