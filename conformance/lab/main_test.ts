import assert from "node:assert/strict";
import { lessons } from "../cases/mod.ts";
import { labTaskArgs, openRun, processAlive, withLabProcess } from "./_test_util.ts";

const root = decodeURIComponent(new URL("../../", import.meta.url).pathname);

Deno.test("deno task lab prints its address with a fresh secret and serves every lesson there", async () => {
  await withLabProcess(async (_lab, { port, secret }) => {
    const html = await (await fetch(`http://127.0.0.1:${port}/?token=${secret}`)).text();
    for (const lesson of lessons) assert.ok(html.includes(`/lessons/${lesson.id}?`), lesson.id);
    const refused = await fetch(`http://127.0.0.1:${port}/`);
    await refused.body?.cancel();
    assert.equal(refused.status, 403);
  });
});

Deno.test("Ctrl-C stops the lab and every process its runs started", async () => {
  await withLabProcess(async (lab, address) => {
    const run = openRun(address, "chat", "input=typed");
    await run.next((message) => message.type === "output" && message.label === "client");
    const pids: number[] = [];
    for (const message of run.messages) if (message.type === "spawn") pids.push(message.pid);
    assert.equal(pids.length, 2);
    for (const pid of pids) assert.ok(processAlive(pid));
    lab.signal("SIGINT");
    assert.equal((await lab.waitExit(10_000)).code, 0);
    await run.closed;
    for (const pid of pids) assert.equal(processAlive(pid), false, `pid ${pid} outlived the lab`);
  });
});

Deno.test("deno task lab: a bad port is a usage error (2), --help exits 0", async () => {
  const run = async (args: string[]) =>
    await new Deno.Command(Deno.execPath(), {
      args: [...await labTaskArgs(), ...args],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
  const bad = await run(["--port", "eighty"]);
  assert.equal(bad.code, 2);
  assert.match(
    new TextDecoder().decode(bad.stderr),
    /^lab: --port takes a port number.*\(see --help\)\n$/,
  );
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(new TextDecoder().decode(help.stdout), /^Usage: deno task lab/);
});
