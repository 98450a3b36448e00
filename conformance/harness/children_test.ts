import assert from "node:assert/strict";
import { ChildScope, RUN_TAG_VARIABLE } from "./children.ts";
import { evalCommand } from "./_test_util.ts";

Deno.test("killAll ends every child still running", async () => {
  const scope = new ChildScope("test-kill");
  const a = scope.spawn("a", evalCommand("setInterval(() => {}, 1000)"));
  const b = scope.spawn("b", evalCommand("setInterval(() => {}, 1000)"));
  await scope.killAll();
  assert.equal((await a.status).signal, "SIGKILL");
  assert.equal((await b.status).signal, "SIGKILL");
});

Deno.test("killAll also ends what the children started, which hold their pipes", async () => {
  const scope = new ChildScope("test-grandchildren");
  // The shell starts a pipeline in the background and reports it; both ends hold stdout.
  const shell = scope.spawn("shell", {
    cmd: "bash",
    args: ["-c", "sleep 60 | cat & echo started; wait"],
  });
  await shell.stdout.waitFor((t) => t.includes("started") || undefined, 5000, "started");
  // stdout ends only once every process holding it is gone.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((resolve) => timer = setTimeout(() => resolve("late"), 5000));
  const killed = scope.killAll().then(() => shell.stdout.done).then(() => "ended");
  const ended = await Promise.race([killed, late]);
  clearTimeout(timer);
  assert.equal(ended, "ended", "a process the shell started still holds its output");
});

Deno.test("stop escalates to SIGKILL when the child ignores SIGTERM", async () => {
  const scope = new ChildScope("test-stop");
  const stubborn = scope.spawn(
    "stubborn",
    evalCommand(`Deno.addSignalListener("SIGTERM", () => {}); console.error("armed");
      setInterval(() => {}, 1000)`),
  );
  await stubborn.stderr.waitFor((t) => t.includes("armed") || undefined, 5000, "armed");
  const status = await stubborn.stop("SIGTERM", 100);
  assert.equal(status.signal, "SIGKILL");
});

Deno.test("waitExit returns the status and the whole output", async () => {
  const scope = new ChildScope("test-exit");
  const child = scope.spawn("c", evalCommand(`console.log("done"); Deno.exit(3)`));
  const status = await child.waitExit(5000);
  assert.equal(status.code, 3);
  assert.equal(child.stdout.text, "done\n");
  await scope.killAll();
});

Deno.test("waitExit rejects after its bound, leaving the child for the scope to kill", async () => {
  const scope = new ChildScope("test-late");
  const child = scope.spawn("late", evalCommand("setInterval(() => {}, 1000)"));
  await assert.rejects(child.waitExit(50), /late did not exit within 50 ms/);
  await scope.killAll();
  assert.equal(child.exited, true);
});

Deno.test("children carry the run tag and read what is written to stdin", async () => {
  const scope = new ChildScope("tag-123");
  const child = scope.spawn(
    "echo",
    evalCommand(`const t = await new Response(Deno.stdin.readable).text();
      console.log(Deno.env.get("${RUN_TAG_VARIABLE}"), t.trim())`),
  );
  await child.write("hello\n");
  await child.closeInput();
  await child.waitExit(5000);
  assert.equal(child.stdout.text, "tag-123 hello\n");
});
