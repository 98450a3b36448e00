/**
 * The command-line contract every script keeps, checked on a copy alone in an empty folder:
 * `--help` prints usage and exits 0; a bad port (for a script that uses the network, unless
 * its flag handling is that of one checked already) or an unknown option prints one line on
 * stderr and exits 2 without starting anything; a server
 * given a port already in use prints one line on stderr and exits 1 (no stack trace).
 *
 * @module
 */

import type { InputFile } from "./case.ts";
import { ChildScope } from "./children.ts";
import { writeContent } from "./files.ts";
import { stagedCommand, stageProgram } from "./standalone.ts";

/** What {@linkcode checkCli} needs to know of a script beyond its name. */
export interface CliCheckOptions {
  /** False for demos that use no network and so take no host or port (default true). */
  network?: boolean;
  /** For a server: the transport it listens on, to check the port-in-use error. */
  listens?: "tcp" | "udp";
  /**
   * What a server needs in its folder to get as far as listening (e.g. a users file), as its
   * lesson's main case puts it there; `at` is ignored. Requires `fixturesDir`.
   */
  files?: readonly InputFile[];
  /** Arguments a server is started with besides host and port, as in its main case. */
  args?: readonly string[];
  /** Folder of the fixtures that `files` may name. */
  fixturesDir?: string;
  /**
   * False to leave out `--port nope`, `--port 70000` and `--port -1` for a networked script
   * whose flag handling is, text for text, that of a script checked with them (default true).
   */
  badPorts?: boolean;
}

/** Checks `name` from `programsDir`; returns the problems found (empty when it keeps the contract). */
export async function checkCli(
  programsDir: string,
  name: string,
  tag: string,
  options: CliCheckOptions = {},
): Promise<string[]> {
  const { network = true, listens, badPorts = true } = options;
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
    const bads = network && badPorts
      ? [["--port", "nope"], ["--port", "70000"], ["--port", "-1"], ["--no-such-option"]]
      : [["--no-such-option"]];
    // A timer of 24.8 days or more fires at once: every flag that sets one has a bound.
    for (
      const flag of ["--idle-timeout", "--timeout", "--delay", "--fail-delay", "--max-fail-delay"]
    ) {
      if (help.stdout.includes(`${flag} `)) bads.push([flag, "9000000"]);
    }
    // Counts are digits: Number() alone would take "0x10" as 16 and "" as 0.
    for (const flag of ["--max-message", "--max-frame", "--max-output", "--retries", "--conns"]) {
      if (help.stdout.includes(`${flag} `)) bads.push([flag, "0x10"], [flag, ""]);
    }
    for (const bad of bads) {
      const out = await run(bad);
      const lines = out.stderr.trimEnd().split("\n");
      if (out.code !== 2) problems.push(`${bad.join(" ")}: exit ${out.code}, expected 2`);
      if (lines.length !== 1 || lines[0] === "") {
        problems.push(`${bad.join(" ")}: stderr should be one line, was:\n${out.stderr}`);
      }
      if (out.stdout !== "") problems.push(`${bad.join(" ")}: printed to stdout: ${out.stdout}`);
    }
    if (listens) {
      // Hold a port, then ask the server for exactly that one.
      const busy = listens === "tcp"
        ? Deno.listen({ hostname: "127.0.0.1", port: 0 })
        : Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
      try {
        const port = String((busy.addr as Deno.NetAddr).port);
        for (const input of options.files ?? []) {
          const path = `${work}/empty/${input.path}`;
          await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
          if ("content" in input) await writeContent(input.content, path, options.fixturesDir!);
          else if ("folder" in input) await Deno.mkdir(path, { recursive: true });
        }
        const out = await run(["--host", "127.0.0.1", "--port", port, ...(options.args ?? [])]);
        const lines = out.stderr.trimEnd().split("\n");
        if (out.code !== 1) problems.push(`port in use: exit ${out.code}, expected 1`);
        if (lines.length !== 1 || !lines[0].includes(port)) {
          problems.push(
            `port in use: stderr should be one line naming the port, was:\n${out.stderr}`,
          );
        }
      } finally {
        busy.close();
      }
    }
  } finally {
    await scope.killAll();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  return problems;
}
