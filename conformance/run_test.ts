import assert from "node:assert/strict";
import { RUN_TAG_VARIABLE } from "./harness/children.ts";
import { TextCapture } from "./harness/text_capture.ts";
import { withChatFixtures } from "./harness/_test_util.ts";
import { type Check, flagHandlingOf, indent, installHint, oncePerSharedChange } from "./run.ts";

const runner = new URL("run.ts", import.meta.url).pathname;

/** Pids of live processes whose environment carries `tag` (Linux: /proc/PID/environ). */
async function processesTagged(tag: string): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const environ = await Deno.readTextFile(`/proc/${entry.name}/environ`);
      if (environ.split("\0").includes(`${RUN_TAG_VARIABLE}=${tag}`)) {
        found.push(Number(entry.name));
      }
    } catch { /* gone meanwhile, or not ours to read */ }
  }
  return found;
}

function startRunner(args: string[], tag: string) {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", runner, ...args],
    env: { [RUN_TAG_VARIABLE]: tag },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return {
    process,
    stdout: new TextCapture(process.stdout),
    stderr: new TextCapture(process.stderr),
  };
}

const linux = Deno.build.os === "linux";

Deno.test({
  name: "a finished run leaves no process behind and ends with the summary line",
  ignore: !linux,
  async fn() {
    const tag = `finished-${crypto.randomUUID()}`;
    const run = startRunner(["--filter", "chat: the seed"], tag);
    const status = await run.process.status;
    await Promise.all([run.stdout.done, run.stderr.done]);
    assert.equal(status.code, 0, run.stdout.text + run.stderr.text);
    assert.equal(run.stdout.text.trimEnd().split("\n").at(-1), "1 passed, 0 failed");
    assert.deepEqual(await processesTagged(tag), []);
  },
});

Deno.test({
  name: "an interrupted run kills every child before it exits",
  ignore: !linux,
  async fn() {
    const tag = `interrupted-${crypto.randomUUID()}`;
    const cases = new URL("testdata/hanging_cases.ts", import.meta.url).pathname;
    const run = startRunner(["--cases", cases, "--verbose"], tag);
    // The client is spawned after the server is ready, so both are alive now.
    await run.stdout.waitFor(
      (t) => /spawned pid \d+ \(client\)/.test(t) || undefined,
      20_000,
      "client",
    );
    const pids = [...run.stdout.text.matchAll(/spawned pid (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(pids.length, 2);
    assert.deepEqual(
      (await processesTagged(tag)).filter((pid) => pids.includes(pid)).sort(),
      pids.sort(),
    );
    run.process.kill("SIGINT");
    const status = await run.process.status;
    await Promise.all([run.stdout.done, run.stderr.done]);
    assert.equal(status.code, 130);
    assert.deepEqual(await processesTagged(tag), []);
  },
});

Deno.test("a usage error is one line and exit status 2", async () => {
  const run = startRunner(["--jobs", "zero"], "usage");
  const status = await run.process.status;
  await Promise.all([run.stdout.done, run.stderr.done]);
  assert.equal(status.code, 2);
  assert.equal(run.stderr.text, "conformance: --jobs takes a whole number from 1 up, not zero\n");
});

Deno.test("with --update, mutants are still caught and never write a golden", async () => {
  const { buildChecks } = await import("./run.ts");
  const { chat } = await import("./cases/chat.ts");
  await withChatFixtures(async () => {}, async ({ programsDir, fixturesDir }) => {
    const before = await Deno.readTextFile(`${fixturesDir}/transcripts/chat.client.txt`);
    const seedCase = chat.cases.filter((c) => c.id === "chat");
    const checks = buildChecks([{ ...chat, cases: seedCase, scripts: [] }], {
      programsDir,
      fixturesDir,
      update: true,
    });
    const mutant = checks.find((check) => check.name.includes(`"好" → "了"`))!;
    const result = await mutant.run();
    assert.equal(result.status, "passed", result.failures.join("\n"));
    assert.equal(await Deno.readTextFile(`${fixturesDir}/transcripts/chat.client.txt`), before);
  });
});

Deno.test("a report is indented and shows control characters as escapes", () => {
  assert.equal(indent("a\x00b\tc\nd\x1b[31m\x7f"), "     a\\x00b\tc\n     d\\x1b[31m\\x7f");
});

Deno.test("a case skipped for a missing tool skips its mutants too", async () => {
  const { buildChecks } = await import("./run.ts");
  const { chat } = await import("./cases/chat.ts");
  await withChatFixtures(async () => {}, async ({ programsDir, fixturesDir }) => {
    const seedCase = chat.cases.find((c) => c.id === "chat")!;
    const needsTool = {
      ...seedCase,
      server: { peer: { command: ["no-such-tool-xyz"], requires: "no-such-tool-xyz" } },
    };
    const checks = buildChecks([{ ...chat, cases: [needsTool], scripts: [] }], {
      programsDir,
      fixturesDir,
    });
    assert.equal(checks.length, 1 + seedCase.mutations!.length);
    for (const check of checks) {
      const result = await check.run();
      assert.equal(result.status, "skipped", `${check.name}: ${result.failures.join("\n")}`);
      assert.deepEqual(result.missingTools, ["no-such-tool-xyz"]);
    }
  });
});

Deno.test("the install hint names the Debian package of each missing tool", () => {
  assert.equal(
    installHint(["nc", "python3", "socat"]),
    "for full coverage: apt-get install netcat-openbsd python3 socat (nc, python3, socat not found)",
  );
});

Deno.test("a shared helper's change runs once, for the first check that makes it", () => {
  const check = (name: string, sharedChange?: string): Check => ({
    name,
    mutant: true,
    sharedChange,
    run: () => Promise.reject(new Error("not run here")),
  });
  const { kept, left } = oncePerSharedChange([
    check("chat-sigint", "listenOn without handlers"),
    check("chat", undefined),
    check("ftp-sigint", "listenOn without handlers"),
    check("udp-sigint", "udp's listen without handlers"),
    check("ftp", undefined),
  ]);
  assert.deepEqual(kept.map((each) => each.name), ["chat-sigint", "chat", "udp-sigint", "ftp"]);
  assert.equal(left, 1);
});

Deno.test("a mutation inside a shared helper is marked with the helper's text", async () => {
  const { buildChecks } = await import("./run.ts");
  const { lessons } = await import("./cases/mod.ts");
  const programsDir = new URL("../programs", import.meta.url).pathname;
  const checks = buildChecks(lessons, { programsDir, fixturesDir: "", update: false });
  const named = (text: string) => checks.find((each) => each.name.startsWith(text))!;
  // SIGINT without listenOn's handler: the same change in chat_server.ts and ftp_server.ts.
  assert.equal(
    named("chat-sigint: catches").sharedChange,
    named("ftp-sigint: catches").sharedChange,
  );
  assert.notEqual(named("chat-sigint: catches").sharedChange, undefined);
  // 好 → 了 is the chat server's own text, in no shared helper.
  assert.equal(named("chat: catches").sharedChange, undefined);
});

Deno.test("bad ports are tried once per text of readFlags and NUMBER_FLAGS", async () => {
  const programsDir = new URL("../programs", import.meta.url).pathname;
  const chat = flagHandlingOf(programsDir, "chat_server.ts");
  assert.ok(chat?.includes("function readFlags") && chat.includes("const NUMBER_FLAGS"));
  assert.equal(flagHandlingOf(programsDir, "ftp_client.ts"), chat);
  const dir = await Deno.makeTempDir();
  try {
    const other = Deno.readTextFileSync(`${programsDir}/chat_server.ts`).replace("65535", "65534");
    await Deno.writeTextFile(`${dir}/chat_server.ts`, other);
    assert.notEqual(flagHandlingOf(dir, "chat_server.ts"), chat);
    assert.equal(flagHandlingOf(dir, "absent.ts"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
