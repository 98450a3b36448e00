import assert from "node:assert/strict";

const main = new URL("main.ts", import.meta.url).pathname;

/** Runs `deno task bench ARGS` (bench/main.ts) and returns its status and output. */
async function bench(...args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", main, ...args] })
    .output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

Deno.test("bench --help names every benchmark and exits 0", async () => {
  const { code, stdout } = await bench("--help");
  assert.equal(code, 0);
  for (const word of ["ftp", "load", "jail", "--rounds", "--connections", "--seconds"]) {
    assert.ok(stdout.includes(word), `--help does not mention ${word}`);
  }
});

Deno.test("each benchmark's --help exits 0 without running it", async () => {
  for (const name of ["ftp", "load", "jail", "ls"]) {
    const { code, stdout } = await bench(name, "--help");
    assert.equal(code, 0, name);
    assert.match(stdout, /^Usage: deno task bench /, name);
  }
});

Deno.test("a bad option or value is one line on stderr and exit 2", async () => {
  for (
    const args of [
      ["ftp", "--no-such-option"],
      ["ftp", "--rounds", "zero"],
      ["load", "--connections", "ten"],
      ["jail", "--seconds", "-1"],
      ["ls", "--count", "0"],
      ["nonsense"],
    ]
  ) {
    const { code, stderr } = await bench(...args);
    assert.equal(code, 2, args.join(" "));
    assert.equal(stderr.trimEnd().split("\n").length, 1, `${args.join(" ")}: ${stderr}`);
  }
});
