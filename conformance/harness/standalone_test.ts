import assert from "node:assert/strict";
import {
  denoCompiledFolder,
  netFlagsFor,
  pruneCompiledCaseFolders,
  pruneCopies,
  runLineFlags,
  shebangFlags,
  stagedCommand,
  stageProgram,
  startsProcesses,
} from "./standalone.ts";

Deno.test("shebang flags are read from the first line", () => {
  assert.deepEqual(shebangFlags("#!/usr/bin/env -S deno run -A\nx"), ["-A"]);
  assert.deepEqual(
    shebangFlags("#!/usr/bin/env -S deno run -A --unstable-net\n"),
    ["-A", "--unstable-net"],
  );
  assert.throws(() => shebangFlags("// no shebang\n"), /not "#!\/usr\/bin\/env -S deno run/);
});

Deno.test("a staged program is alone in its folder and runs in the peer's without config", async () => {
  const parent = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${parent}/hello.ts`,
      `#!/usr/bin/env -S deno run -A\nconsole.log([...Deno.readDirSync(".")].map((e) => e.name).join(","), "好");\n`,
    );
    const mutation = { program: "hello.ts", from: `"好"`, to: `"了"` };
    const staged = await stageProgram(parent, "hello.ts", `${parent}/alone`, mutation);
    const home = staged.path.slice(0, staged.path.lastIndexOf("/"));
    assert.deepEqual([...Deno.readDirSync(home)].map((e) => e.name), ["hello.ts"]);
    await Deno.writeTextFile(`${staged.dir}/input.txt`, "");
    const command = stagedCommand(staged, []);
    assert.ok(command.args.includes("--no-config"));
    const output = await new Deno.Command(command.cmd, { args: command.args, cwd: command.cwd })
      .output();
    assert.equal(new TextDecoder().decode(output.stdout), "input.txt 了\n");
    // The same text is the same copy; another text, another.
    assert.equal(
      (await stageProgram(parent, "hello.ts", `${parent}/b`, mutation)).path,
      staged.path,
    );
    assert.notEqual((await stageProgram(parent, "hello.ts", `${parent}/c`)).path, staged.path);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("a copy kept from an earlier run is run only if it still holds the text", async () => {
  const parent = await Deno.makeTempDir();
  try {
    const text = `#!/usr/bin/env -S deno run -A\n// ${crypto.randomUUID()}\n`;
    await Deno.writeTextFile(`${parent}/p.ts`, text);
    const first = await stageProgram(parent, "p.ts", `${parent}/a`);
    await Deno.writeTextFile(first.path, "tampered");
    const second = await stageProgram(parent, "p.ts", `${parent}/b`);
    assert.equal(second.path, first.path);
    assert.equal(await Deno.readTextFile(second.path), text);
    await Deno.remove(first.path.slice(0, first.path.lastIndexOf("/")), { recursive: true });
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("copies no run has used for a while are pruned, with what Deno compiled of them", async () => {
  const folder = await Deno.makeTempDir();
  const compiled = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${folder}/old`);
    await Deno.mkdir(`${folder}/new`);
    await Deno.mkdir(`${compiled}${folder}/old`, { recursive: true });
    await Deno.mkdir(`${compiled}${folder}/new`, { recursive: true });
    const longAgo = new Date(Date.now() - 30 * 24 * 3600 * 1000);
    await Deno.utime(`${folder}/old`, longAgo, longAgo);
    pruneCopies(folder, Date.now() - 7 * 24 * 3600 * 1000, compiled);
    assert.deepEqual([...Deno.readDirSync(folder)].map((e) => e.name), ["new"]);
    assert.deepEqual([...Deno.readDirSync(`${compiled}${folder}`)].map((e) => e.name), ["new"]);
    pruneCopies(`${folder}/absent`, Date.now(), compiled);
  } finally {
    await Deno.remove(folder, { recursive: true });
    await Deno.remove(compiled, { recursive: true });
  }
});

Deno.test("compiled copies of case folders that are gone are removed, the rest stay", async () => {
  const temp = await Deno.makeTempDir();
  const compiled = await Deno.makeTempDir();
  try {
    // A case folder still there (a running case), one gone, and a folder that is not ours.
    await Deno.mkdir(`${temp}/socket-lessons-live`);
    for (const name of ["socket-lessons-live", "socket-lessons-gone", "other-gone"]) {
      await Deno.mkdir(`${compiled}${temp}/${name}/sender`, { recursive: true });
      await Deno.writeTextFile(`${compiled}${temp}/${name}/sender/$deno$eval.mts.js`, "");
    }
    pruneCompiledCaseFolders(temp, compiled);
    const left = [...Deno.readDirSync(`${compiled}${temp}`)].map((e) => e.name).sort();
    assert.deepEqual(left, ["other-gone", "socket-lessons-live"]);
    // Nothing compiled under that folder at all: nothing to do.
    pruneCompiledCaseFolders(`${temp}/absent`, compiled);
  } finally {
    await Deno.remove(temp, { recursive: true });
    await Deno.remove(compiled, { recursive: true });
  }
});

Deno.test("Deno's compiled files are found under DENO_DIR, else under the user's cache", () => {
  const saved = Deno.env.get("DENO_DIR");
  try {
    Deno.env.set("DENO_DIR", "/somewhere/deno");
    assert.equal(denoCompiledFolder(), "/somewhere/deno/gen/file");
    Deno.env.delete("DENO_DIR");
    assert.match(denoCompiledFolder(), /\/deno\/gen\/file$/);
  } finally {
    if (saved === undefined) Deno.env.delete("DENO_DIR");
    else Deno.env.set("DENO_DIR", saved);
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

Deno.test("a script that never starts a process is told from one that may", () => {
  assert.equal(startsProcesses(`const c = new Deno.Command("ls");`), true);
  assert.equal(startsProcesses(`import { spawn } from "node:child_process";`), true);
  assert.equal(startsProcesses(`const conn = await Deno.connect({ port: 1 });`), false);
});
