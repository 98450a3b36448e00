import assert from "node:assert/strict";
import { ChildScope } from "./children.ts";
import { ExpectFailure, ExpectSession } from "./expect.ts";
import { evalCommand } from "./_test_util.ts";

/** A client that prints a welcome, then prompts twice like Python's input(). */
const PROMPTING = evalCommand(`
  const enc = new TextEncoder();
  console.log("欢迎");
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream())[Symbol.asyncIterator]();
  let buffered = "";
  async function ask(prompt) {
    Deno.stdout.writeSync(enc.encode(prompt));
    while (!buffered.includes("\\n")) {
      const next = await lines.next();
      if (next.done) return null;
      buffered += next.value;
    }
    const line = buffered.slice(0, buffered.indexOf("\\n"));
    buffered = buffered.slice(line.length + 1);
    return line;
  }
  for (let i = 0; i < 2; i++) console.log((await ask(">>>：")) + "好");
`);

Deno.test("the transcript shows prompts, typed lines and replies as a terminal does", async () => {
  const scope = new ChildScope("test-expect");
  const child = scope.spawn("client", PROMPTING);
  const session = new ExpectSession(child);
  await session.run([{ wait: ">>>：", type: "我" }, { wait: ">>>：", type: "你" }], 5000);
  await child.closeInput();
  await child.waitExit(5000);
  assert.equal(session.transcript, "欢迎\n>>>：我\n我好\n>>>：你\n你好\n");
  await scope.killAll();
});

Deno.test("a prompt that never comes fails in bounded time with the transcript so far", async () => {
  const scope = new ChildScope("test-expect-timeout");
  const child = scope.spawn("client", PROMPTING);
  const session = new ExpectSession(child);
  const started = performance.now();
  await assert.rejects(
    session.expect("请输入：", 200),
    (error: Error) =>
      error instanceof ExpectFailure &&
      error.message.includes(`no prompt "请输入："`) &&
      error.message.includes("--- transcript so far ---\n欢迎\n>>>："),
  );
  assert.ok(performance.now() - started < 5000);
  await scope.killAll();
});

Deno.test("a client that exits while a prompt is awaited fails at once", async () => {
  const scope = new ChildScope("test-expect-exit");
  const child = scope.spawn("client", evalCommand(`console.log("bye"); console.error("boom")`));
  const session = new ExpectSession(child);
  await assert.rejects(session.expect(">>>：", 10_000), /output ended[\s\S]*bye[\s\S]*boom/);
  await scope.killAll();
});

Deno.test("the same prompt twice needs new output after the typed line", async () => {
  const scope = new ChildScope("test-expect-twice");
  const child = scope.spawn(
    "client",
    evalCommand(`Deno.stdout.writeSync(new TextEncoder().encode(">"));
    await new Response(Deno.stdin.readable).text();`),
  );
  const session = new ExpectSession(child);
  await session.expect(">", 5000);
  await session.type("x");
  // The old prompt is still the end of the output, but it was answered already.
  await assert.rejects(session.expect(">", 100), ExpectFailure);
  await scope.killAll();
});

Deno.test("a signal step sends the signal and shows its echo where it was sent", async () => {
  const scope = new ChildScope("test-expect-signal");
  const child = scope.spawn(
    "client",
    evalCommand(`Deno.addSignalListener("SIGINT", () => {
      console.log("");
      console.log("interrupted");
      Deno.exit(130);
    });
    Deno.stdout.writeSync(new TextEncoder().encode(">"));
    await new Response(Deno.stdin.readable).text();`),
  );
  const session = new ExpectSession(child);
  await session.run([{ wait: ">", type: "^C", signal: "SIGINT" }], 5000);
  const status = await child.waitExit(5000);
  assert.equal(status.code, 130);
  assert.equal(session.transcript, ">^C\ninterrupted\n");
  await scope.killAll();
});
