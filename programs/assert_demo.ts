#!/usr/bin/env -S deno run -A
/**
 * @title 断言 — assert
 * @seed 000_84409504fdc3648b.txt, "断言"
 * @run deno run assert_demo.ts [--int]
 *
 * Reads one line at `PLZ inpuet>>: ` (the seed's spelling) and asserts what it is. What is
 * typed is always text, so asserting a string passes and `True` is printed; with `--int` it
 * asserts a number instead, as the seed's second run does, and the failed assertion stops the
 * program there: nothing after it runs.
 *
 * Python's `assert type(choice) is str` is `assert.ok(typeof choice === "string")` from
 * `node:assert/strict`. Python prints a traceback ending in `AssertionError`; this prints the
 * failure in one line, `assert_demo.ts: AssertionError: …`, and exits with status 1. It needs
 * no permissions and takes no `--host` or `--port`: it uses no network.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseArgs } from "node:util";

const NAME = "assert_demo.ts";
const PROMPT = "PLZ inpuet>>: ";

const USAGE = `Usage: ${NAME} [--int]

Reads a line and asserts it is a string (it always is) and prints True; with --int asserts
it is a number, which fails and stops the program.

Options:
  --int    assert a number instead (the seed's second run)
  --help   show this help`;

const encoder = new TextEncoder();

// --- small helpers (same name and shape in every script) ---

/** Prints a one-line usage error and exits with status 2. */
function usageError(message: string): never {
  console.error(`${NAME}: ${message} (see --help)`);
  Deno.exit(2);
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(
  conn: { write(data: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  let written = 0;
  while (written < data.length) {
    written += await conn.write(data.subarray(written));
  }
}

/** The lines of standard input, without their line endings. */
async function* stdinLines(): AsyncGenerator<string> {
  let pending = "";
  for await (const text of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    pending += text;
    let end = pending.indexOf("\n");
    while (end >= 0) {
      yield pending.slice(0, end).replace(/\r$/, "");
      pending = pending.slice(end + 1);
      end = pending.indexOf("\n");
    }
  }
  if (pending !== "") yield pending;
}

const lines = stdinLines();

/** Python's `input(prompt)`: the prompt without a newline, then one line; null at end of input. */
async function input(prompt: string): Promise<string | null> {
  await writeAll(Deno.stdout, encoder.encode(prompt));
  const next = await lines.next();
  return next.done ? null : next.value;
}
// --- the lesson ---

async function main(args: string[]): Promise<void> {
  let flags;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: { int: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    }).values;
  } catch (error) {
    usageError((error as Error).message);
  }
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const choice = await input(PROMPT) ?? "";
  try {
    // Whatever is typed is text: keyboard input is always a string.
    if (flags.int) {
      assert.ok(
        typeof choice === "number",
        `type of ${JSON.stringify(choice)} is ${typeof choice}, not number`,
      );
    } else assert.ok(typeof choice === "string", "keyboard input is not a string?");
  } catch (error) {
    // A failed assertion stops here, as in Python; the print below never runs.
    throw new Error(`AssertionError: ${(error as Error).message}`);
  }
  console.log("True");
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
