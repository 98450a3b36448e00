import assert from "node:assert/strict";
import { checkCli } from "./cli_check.ts";

const root = new URL("../../", import.meta.url).pathname;

Deno.test("a lesson script keeps the command-line contract", async () => {
  assert.deepEqual(
    await checkCli(`${root}programs`, "chat_server.ts", "test-cli", { listens: "tcp" }),
    [],
  );
});

Deno.test("a script that ignores bad options is reported", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/sloppy.ts`,
      `#!/usr/bin/env -S deno run -A\nconsole.log("Usage: sloppy.ts --host --port --help");\n`,
    );
    const problems = await checkCli(dir, "sloppy.ts", "test-cli", { listens: "tcp" });
    assert.ok(problems.includes("--port nope: exit 0, expected 2"), problems.join("\n"));
    assert.ok(problems.includes("port in use: exit 0, expected 1"), problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith("--no-such-option: stderr should be one line")));
    // Told that its flag handling was checked already, it is asked no bad port.
    const told = await checkCli(dir, "sloppy.ts", "test-cli", { badPorts: false });
    assert.ok(!told.some((p) => p.startsWith("--port")), told.join("\n"));
    assert.ok(told.some((p) => p.startsWith("--no-such-option")), told.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
