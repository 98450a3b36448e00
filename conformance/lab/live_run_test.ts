import assert from "node:assert/strict";
import { lessons } from "../cases/mod.ts";
import type { Lesson } from "../harness/case.ts";
import type { Child } from "../harness/children.ts";
import type { RunChoice } from "./choices.ts";
import { LineQueue } from "./line_queue.ts";
import { type LabEvent, runLessonLive } from "./live_run.ts";

const root = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const folders = { programsDir: `${root}programs`, fixturesDir: `${root}fixtures` };

/** The lesson with `id` from the catalog. */
function lesson(id: string): Lesson {
  const found = lessons.find((each) => each.id === id);
  if (!found) throw new Error(`no lesson ${id}`);
  return found;
}

/** Runs `id` live under `choice` and returns every event. */
async function runLive(id: string, choice: Partial<RunChoice> = {}): Promise<LabEvent[]> {
  const events: LabEvent[] = [];
  await runLessonLive(
    lesson(id),
    { delivery: "as-sent", reader: "lesson", typed: false, ...choice },
    { ...folders, emit: (event) => events.push(event) },
  );
  return events;
}

/** Everything `label` printed on stdout in `events`. */
function stdoutOf(events: LabEvent[], label: string): string {
  let text = "";
  for (const event of events) {
    if (event.type === "output" && event.label === label && event.stream === "stdout") {
      text += event.text;
    }
  }
  return text;
}

Deno.test("chat live: start, each process, each typed line and chunk as it happens, then the verdict", async () => {
  const events = await runLive("chat");
  assert.equal(events[0].type, "start");
  const verdict = events.at(-1);
  assert.ok(verdict?.type === "verdict");
  assert.equal(verdict.status, "passed", verdict.failures.join("\n"));
  assert.deepEqual(verdict.bytes, { expected: { c2s: 10, s2c: 38 }, actual: { c2s: 10, s2c: 38 } });
  const sizes: number[] = [];
  const typed: string[] = [];
  const exits: string[] = [];
  for (const event of events) {
    if (event.type === "chunk") sizes.push(event.size);
    if (event.type === "typed") typed.push(event.line);
    if (event.type === "exit") exits.push(`${event.label} ${event.code}`);
  }
  assert.deepEqual(sizes, [20, 3, 6, 3, 6, 3, 6, 1]);
  assert.deepEqual(typed, ["我", "你", "他", "q"]);
  assert.deepEqual(exits.sort(), ["client 0", "server 0"]);
  // The reply to 我 is drawn after 我 was typed and before 你 was: live, not at the end.
  const index = (match: (event: LabEvent) => boolean) => events.findIndex(match);
  const typedMe = index((event) => event.type === "typed" && event.line === "我");
  const reply = index((event) => event.type === "chunk" && event.text === "我好");
  const typedYou = index((event) => event.type === "typed" && event.line === "你");
  assert.ok(typedMe < reply && reply < typedYou, `${typedMe} ${reply} ${typedYou}`);
  assert.match(stdoutOf(events, "client"), /欢迎致电babyshen\n请输入要发送的内容>>>：我好\n/);
});

Deno.test("粘包 live: the seed's reader prints differently byte by byte and glued; the lesson's the same", async () => {
  const seedOneByte = stdoutOf(
    await runLive("sticky", { delivery: "one-byte", reader: "seed" }),
    "server",
  );
  const seedGlued = stdoutOf(
    await runLive("sticky", { delivery: "glued", reader: "seed" }),
    "server",
  );
  assert.equal(seedGlued, "kinght love aym\n");
  assert.notEqual(seedOneByte, seedGlued);
  assert.ok("kinght love aym\n".startsWith(seedOneByte.slice(0, -1)), seedOneByte);
  for (const delivery of ["one-byte", "glued"] as const) {
    const events = await runLive("sticky", { delivery });
    assert.equal(stdoutOf(events, "server"), "kinght love aym\n", delivery);
    const verdict = events.at(-1);
    assert.ok(verdict?.type === "verdict" && verdict.status === "passed", delivery);
  }
});

Deno.test("stopping a run kills every process and ends it with a stopped verdict", async () => {
  const controller = new AbortController();
  const children: Child[] = [];
  const events: LabEvent[] = [];
  const lines = new LineQueue();
  // Should the prompt never come, the test still ends.
  const bound = setTimeout(() => controller.abort(), 20_000);
  await runLessonLive(lesson("chat"), { delivery: "as-sent", reader: "lesson", typed: true }, {
    ...folders,
    typedLines: lines,
    signal: controller.signal,
    emit: (event) => {
      events.push(event);
      // The client is waiting for the learner's first line: the page goes away.
      if (event.type === "output" && event.label === "client" && event.text.includes(">>>")) {
        controller.abort();
      }
    },
    onSpawn: (child) => children.push(child),
  });
  clearTimeout(bound);
  const verdict = events.at(-1);
  assert.ok(verdict?.type === "verdict" && verdict.status === "stopped");
  assert.match(stdoutOf(events, "client"), />>>：$/);
  assert.equal(children.length, 2);
  for (const child of children) assert.ok(child.exited, child.label);
});
