#!/usr/bin/env -S deno run
/**
 * @title 断言 — assert
 * @seed 000_84409504fdc3648b.txt, "断言"
 * @run deno run assert_demo.ts [--int]
 *
 * Reads one line at `PLZ inpuet>>: ` (the seed's spelling) and asserts what it is. What is
 * typed is always text, so asserting a string passes and `True` is printed; with `--int` it
 * asserts a number instead, as the seed's second run does, and the failed assertion stops the
 * program there: nothing after it runs. It needs no permissions and uses no network.
 *
 * Python → Deno: `assert type(choice) is str` is `assert.ok(typeof choice === "string")` from
 * `node:assert/strict`, which throws an `AssertionError` as Python's `assert` raises one.
 *
 * @module
 */

import assert, { AssertionError } from "node:assert/strict";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "assert_demo.ts";
const PROMPT = "PLZ inpuet>>: ";

async function main(): Promise<void> {
  const flags = readFlags({ int: { type: "boolean" } }, USAGE).values;

  // choice = input("PLZ inpuet>>: "); the end of input reads as an empty line.
  const choice = await input(PROMPT) ?? "";
  try {
    // Whatever is typed is text: keyboard input is always a string.
    if (flags.int) {
      // assert type(choice) is int
      assert.ok(
        typeof choice === "number",
        `type of ${JSON.stringify(choice)} is ${typeof choice}, not number`,
      );
    } else {
      // assert type(choice) is str
      assert.ok(typeof choice === "string", "keyboard input is not a string?");
    }
  } catch (error) {
    if (!(error instanceof AssertionError)) throw error;
    // A failed assertion stops here, as in Python; the print below never runs.
    throw new Error(`AssertionError: ${error.message}`);
  }
  // print("True")
  console.log("True");
}

/**
 * Differences from the seed: Python prints a traceback ending in `AssertionError`; this prints
 * the failure in one line, `assert_demo.ts: AssertionError: …`, and exits with status 1. The
 * seed's two runs are one script here: `--int` picks the second.
 */

// ─── Plumbing: flags, usage errors, standard input (the same in every script) ───

const USAGE = `Usage: ${NAME} [--int]

Reads a line and asserts it is a string (it always is) and prints True; with --int asserts
it is a number, which fails and stops the program.

Options:
  --int    assert a number instead (the seed's second run)
  --help   show this help`;

const encoder = new TextEncoder();

/** A command line the script cannot take: reported in one line, exit status 2. */
class UsageError extends Error {}

/** `parseArgs` on the command line, with `--help`, and the shared flags' numbers checked. */
function readFlags<T extends FlagOptions>(options: T, usage: string, words = false) {
  const all = { ...options, help: { type: "boolean", short: "h" } } as const;
  const parsed = parseArgs({ args: Deno.args, options: all, allowPositionals: words });
  const values = parsed.values as Record<string, unknown>;
  if (values.help) {
    console.log(usage);
    Deno.exit(0);
  }
  for (const [flag, [isValid, what]] of Object.entries(NUMBER_FLAGS)) {
    const value = values[flag];
    if (typeof value === "string" && !isValid(value)) {
      throw new UsageError(`--${flag} takes ${what}, not ${JSON.stringify(value)}`);
    }
  }
  return parsed;
}

/** The numbers the shared flags take, and how a wrong one is told. */
const NUMBER_FLAGS: Record<string, [(text: string) => boolean, string]> = {
  port: [(text) => /^\d{1,5}$/.test(text) && Number(text) <= 65535, "a number from 0 to 65535"],
  // Under 1,000,000 s: a timer longer than 24.8 days would fire at once.
  "idle-timeout": [(text) => /^\d{1,6}(\.\d+)?$/.test(text), "seconds, 0 (never) to 999999"],
  "max-connections": [(text) => /^[1-9]\d{0,8}$/.test(text), "a whole number from 1"],
};

/** The option descriptions `parseArgs` takes. */
type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(conn: Pick<Deno.Conn, "write">, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await conn.write(data.subarray(written));
}

/** Standard input a line at a time; as for Python's `input`, `\r\n` and `\r` end lines too. */
const lines = linesOf(Deno.stdin.readable);

/** Python's `input(prompt)`: the prompt without a newline, then one line; null at end of input. */
async function input(prompt: string): Promise<string | null> {
  await writeAll(Deno.stdout, encoder.encode(prompt));
  const next = await lines.next();
  return next.done ? null : next.value;
}

/** The lines of `stream` as Python's universal newlines read them; the last may lack an end. */
async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    // A "\r" last in the text may be the first half of a "\r\n": it waits for what follows.
    const found = text.split(/\r\n|\r(?!$)|\n/);
    text = found.pop()!;
    yield* found;
  }
  if (text !== "") yield text.replace(/\r$/, "");
}

if (import.meta.main) {
  // Exit when main is done, whatever still waits (standard input, timers).
  main().then(() => Deno.exit(0), (error) => {
    const usage = error instanceof UsageError || /^ERR_PARSE_ARGS/.test(error.code);
    // One line, always: parseArgs explains a value that starts with a dash in three.
    const message = (error as Error).message.replaceAll("\n", " ");
    console.error(`${NAME}: ${message}${usage ? " (see --help)" : ""}`);
    Deno.exit(usage ? 2 : 1);
  });
}
