import assert from "node:assert/strict";
import {
  netFlagsFor,
  runLineFlags,
  shebangFlags,
  stagedCommand,
  stageProgram,
} from "./standalone.ts";

Deno.test("shebang flags are read from the first line", () => {
  assert.deepEqual(shebangFlags("#!/usr/bin/env -S deno run -A\nx"), ["-A"]);
  assert.deepEqual(
    shebangFlags("#!/usr/bin/env -S deno run -A --unstable-net\n"),
    ["-A", "--unstable-net"],
  );
  assert.throws(() => shebangFlags("// no shebang\n"), /not "#!\/usr\/bin\/env -S deno run/);
});

Deno.test("a staged program is alone in its folder and runs there without config", async () => {
  const parent = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${parent}/hello.ts`,
      `#!/usr/bin/env -S deno run -A\nconsole.log([...Deno.readDirSync(".")].map((e) => e.name).join(","), "好");\n`,
    );
    const staged = await stageProgram(parent, "hello.ts", `${parent}/alone`, {
      program: "hello.ts",
      from: `"好"`,
      to: `"了"`,
    });
    assert.deepEqual([...Deno.readDirSync(staged.dir)].map((e) => e.name), ["hello.ts"]);
    const command = stagedCommand(staged, []);
    assert.ok(command.args.includes("--no-config"));
    const output = await new Deno.Command(command.cmd, { args: command.args, cwd: command.cwd })
      .output();
    assert.equal(new TextDecoder().decode(output.stdout), "hello.ts 了\n");
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("a mutation whose text is absent is an error, never a silent no-op", async () => {
  const parent = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${parent}/p.ts`, "#!/usr/bin/env -S deno run -A\n");
    await assert.rejects(
      stageProgram(parent, "p.ts", `${parent}/alone`, { program: "p.ts", from: "absent", to: "x" }),
      /"absent" is not in p.ts/,
    );
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("a header's run line gives the narrowest flags, narrowed to a case's host", () => {
  const source = [
    "#!/usr/bin/env -S deno run -A",
    "/**",
    " * @run deno run --allow-net=127.0.0.1 --allow-read=./ftp_root ftp_server.ts [--root DIR]",
    " */",
  ].join("\n");
  assert.deepEqual(runLineFlags(source), ["--allow-net=127.0.0.1", "--allow-read=./ftp_root"]);
  assert.equal(runLineFlags("#!/usr/bin/env -S deno run -A\n"), undefined);
  assert.deepEqual(netFlagsFor(["--allow-net=0.0.0.0", "--allow-run=sh"], "::1"), [
    "--allow-net=[::1]",
    "--allow-run=sh",
  ]);
});
