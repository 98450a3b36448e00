/**
 * The command-line contract every script keeps, checked on a copy alone in an empty folder:
 * `--help` prints usage and exits 0; a bad port (for a script that uses the network) or an
 * unknown option prints one line on stderr and exits 2 without starting anything.
 *
 * @module
 */

import { ChildScope } from "./children.ts";
import { stagedCommand, stageProgram } from "./standalone.ts";

/**
 * Checks `name` from `programsDir`; returns the problems found (empty when it keeps the
 * contract). `network: false` is for demos that use no network and so take no host or port.
 */
export async function checkCli(
  programsDir: string,
  name: string,
  tag: string,
  network = true,
): Promise<string[]> {
  const problems: string[] = [];
  const work = await Deno.makeTempDir({ prefix: "socket-lessons-cli-" });
  const scope = new ChildScope(tag);
  try {
    const staged = await stageProgram(programsDir, name, `${work}/empty`);
    const run = async (args: string[]) => {
      const child = scope.spawn(name, stagedCommand(staged, args));
      await child.closeInput();
      const status = await child.waitExit(10_000);
      return { code: status.code, stdout: child.stdout.text, stderr: child.stderr.text };
    };
    const help = await run(["--help"]);
    if (help.code !== 0) problems.push(`--help exited with ${help.code}: ${help.stderr.trim()}`);
    const words = network
      ? ["Usage:", name, "--host", "--port", "--help"]
      : ["Usage:", name, "--help"];
    for (const word of words) {
      if (!help.stdout.includes(word)) problems.push(`--help does not mention ${word}`);
    }
    const bads = network
      ? [["--port", "nope"], ["--port", "70000"], ["--no-such-option"]]
      : [["--no-such-option"]];
    for (const bad of bads) {
      const out = await run(bad);
      const lines = out.stderr.trimEnd().split("\n");
      if (out.code !== 2) problems.push(`${bad.join(" ")}: exit ${out.code}, expected 2`);
      if (lines.length !== 1 || lines[0] === "") {
        problems.push(`${bad.join(" ")}: stderr should be one line, was:\n${out.stderr}`);
      }
      if (out.stdout !== "") problems.push(`${bad.join(" ")}: printed to stdout: ${out.stdout}`);
    }
  } finally {
    await scope.killAll();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  return problems;
}
