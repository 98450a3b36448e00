import assert from "node:assert/strict";
import type { ConformanceCase, Lesson } from "./harness/case.ts";
import { sessionMarkdown, shellWord, terminalSessions, typedCommand } from "./terminal_session.ts";

const programsDir = new URL("../programs", import.meta.url).pathname;

/** Runs `test` with a goldens folder holding `goldens` (name → text). */
async function withGoldens(
  goldens: Record<string, string>,
  test: (transcriptsDir: string) => Promise<void>,
): Promise<void> {
  const transcriptsDir = await Deno.makeTempDir();
  try {
    for (const [name, text] of Object.entries(goldens)) {
      await Deno.writeTextFile(`${transcriptsDir}/${name}.txt`, text);
    }
    await test(transcriptsDir);
  } finally {
    await Deno.remove(transcriptsDir, { recursive: true });
  }
}

const lesson = (cases: ConformanceCase[]): Lesson => ({
  id: "x",
  title: "x",
  titleEn: "x",
  seed: { file: "f", section: "s" },
  transport: "tcp",
  host: "127.0.0.1",
  port: 8001,
  scripts: [],
  cases,
});

Deno.test("the typed command is the @run line without its optional parts, plus the case's args", () => {
  const run = "deno run --allow-net=127.0.0.1 madongmei_server.ts [--host 127.0.0.1] [--seed N]";
  assert.equal(typedCommand(run), "deno run --allow-net=127.0.0.1 madongmei_server.ts");
  assert.equal(
    typedCommand(run, ["--seed", "1", "a b", "it's"]),
    `deno run --allow-net=127.0.0.1 madongmei_server.ts --seed 1 'a b' 'it'\\''s'`,
  );
  assert.equal(shellWord("前"), "前");
  assert.equal(shellWord(""), "''");
});

Deno.test("server first, then clients; named goldens read; raw clients have no terminal", async () => {
  const testCase: ConformanceCase = {
    id: "c",
    title: "t",
    server: { peer: { program: "madongmei_server.ts", args: ["--seed", "1"] } },
    clients: [
      { role: "crowd", raw: [] },
      { peer: { program: "madongmei_client.ts" }, golden: "other.client" },
    ],
  };
  await withGoldens({ "c.server": "up\n", "other.client": "hi <PORT>\n" }, async (dir) => {
    const sessions = await terminalSessions(lesson([testCase]), testCase, {
      programsDir,
      transcriptsDir: dir,
    });
    assert.deepEqual(sessions, [
      {
        label: "The server's terminal",
        command: "deno run --allow-net=127.0.0.1 madongmei_server.ts --seed 1",
        golden: "c.server",
        text: "up\n",
      },
      {
        label: "The client's terminal",
        command: "deno run --allow-net=127.0.0.1 madongmei_client.ts",
        golden: "other.client",
        text: "hi <PORT>\n",
      },
    ]);
  });
});

Deno.test("clients with one command and golden are one terminal; a second listener's gets its port", async () => {
  const hello = { program: "select_hello_client.ts" };
  const testCase: ConformanceCase = {
    id: "c",
    title: "t",
    server: { peer: { program: "select_multiport_server.ts" }, golden: false, listeners: 2 },
    clients: [
      { peer: hello },
      { peer: hello },
      { role: "two", listener: 1, peer: hello, golden: "c.client" },
      { role: "quiet", peer: hello, golden: false, transcriptMatches: /x/ },
    ],
  };
  await withGoldens({ "c.client": "hello\n" }, async (dir) => {
    const sessions = await terminalSessions(lesson([testCase]), testCase, {
      programsDir,
      transcriptsDir: dir,
    });
    assert.deepEqual(sessions.map((session) => [session.label, session.command, session.golden]), [
      [
        "The server's terminal",
        "deno run --allow-net=127.0.0.1 select_multiport_server.ts",
        undefined,
      ],
      [
        "Each of the 2 clients' terminals",
        "deno run --allow-net=127.0.0.1 select_hello_client.ts",
        "c.client",
      ],
      [
        "The terminal of `two`",
        "deno run --allow-net=127.0.0.1 select_hello_client.ts --port 8002",
        "c.client",
      ],
      [
        "The terminal of `quiet`",
        "deno run --allow-net=127.0.0.1 select_hello_client.ts",
        undefined,
      ],
    ]);
    assert.match(sessions[3].noGolden!, /varies from run to run/);
  });
});

Deno.test("a session is a console block: $ command, then the golden, fenced past its backticks", () => {
  assert.deepEqual(
    sessionMarkdown({
      label: "The terminal",
      command: "deno run a.ts",
      golden: "a",
      text: "x\n```\n\x07\n",
    }),
    ["The terminal:", "", "````console", "$ deno run a.ts", "x\n```\n\\x07", "````"],
  );
  assert.deepEqual(
    sessionMarkdown({ label: "The terminal", command: "deno run a.ts", noGolden: "not compared" }),
    ["The terminal (not shown: not compared):", "", "```console", "$ deno run a.ts", "```"],
  );
  assert.equal(
    sessionMarkdown({ label: "The terminal", command: "deno run a.ts", golden: "a", text: "" })[0],
    "The terminal (it prints nothing):",
  );
});
