#!/usr/bin/env -S deno run -A
/**
 * `deno task bench jail [--seconds 30]`: the symlink swap race of issue #20 against
 * `programs/ftp_server.ts`, run twice: with `-A` (the jail by descriptor, openat2 beneath the
 * root) and with its `@run` line's narrow flags (the checks by path alone). A second process
 * swaps a served folder for a link out and back as fast as it can while gets and puts go
 * through it (`jail_race.py`); each run prints what was read from outside and written there.
 * Needs Linux and python3.
 *
 * @module
 */

import { BenchUsageError, readBenchFlags, runBench } from "./cli.ts";

const PROGRAM = new URL("../programs/ftp_server.ts", import.meta.url).pathname;
const RACER = new URL("jail_race.py", import.meta.url).pathname;
const RUNS: [string, string[]][] = [
  ["-A (openat2 beneath the root)", ["-A"]],
  ["run line (checks by path)", [
    "--allow-net=127.0.0.1",
    "--allow-read=./root",
    "--allow-write=./root",
  ]],
];

/** One race against a fresh folder with the server started with `flags`; its report line. */
async function race(flags: string[], seconds: number): Promise<string> {
  const base = await Deno.makeTempDir({ prefix: "jail-race-" });
  try {
    await Deno.mkdir(`${base}/root/d`, { recursive: true });
    await Deno.mkdir(`${base}/outside`);
    await Deno.writeTextFile(`${base}/root/d/secret.txt`, "inside\n");
    await Deno.writeTextFile(`${base}/outside/secret.txt`, "outside the root\n");
    await Deno.symlink("../outside", `${base}/root/dlink`);
    const server = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", ...flags, PROGRAM, "--root", "root", "--port", "0"],
      cwd: base,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      const port = await readinessPort(server.stderr);
      const racer = new Deno.Command("python3", {
        args: [RACER, base, String(port), String(seconds)],
        stderr: "inherit",
      });
      const { stdout } = await racer.output();
      return new TextDecoder().decode(stdout).trim();
    } finally {
      server.kill();
      await server.status;
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

/** The port of the server's `listening on tcp://HOST:PORT` line. */
async function readinessPort(stderr: ReadableStream<Uint8Array>): Promise<number> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stderr) {
    text += decoder.decode(chunk, { stream: true });
    const match = /listening on tcp:\/\/\S+:(\d+)/.exec(text);
    if (match) {
      // Keep draining stderr so the server never blocks on a full pipe.
      stderr.pipeTo(new WritableStream()).catch(() => {});
      return Number(match[1]);
    }
  }
  throw new Error(`the server ended before its readiness line:\n${text}`);
}

const USAGE = `Usage: deno task bench jail [--seconds S]

The symlink swap race against ftp_server.ts's jail: a second process swaps root/d for a link out
and back as fast as it can while gets and puts go through d, first with the server run with -A
(openat2 beneath the root), then with its @run line (checks by path only).

Options:
  --seconds S   how long each race runs (default 30)`;

async function main(): Promise<void> {
  const values = readBenchFlags(Deno.args, { seconds: { type: "string", default: "30" } }, USAGE);
  if (!/^\d+(\.\d+)?$/.test(values.seconds) || Number(values.seconds) <= 0) {
    throw new BenchUsageError(`--seconds takes seconds, not ${JSON.stringify(values.seconds)}`);
  }
  const seconds = Number(values.seconds);
  for (const [label, flags] of RUNS) {
    console.log(`${label}, ${seconds} s: ${await race(flags, seconds)}`);
  }
}

if (import.meta.main) await runBench("jail", main);
