/**
 * The command line of every benchmark: `--help` prints its usage, and a bad option or value is
 * one line on stderr with exit status 2, never a stack trace.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/** A command line the benchmark cannot take: one line, exit status 2. */
export class BenchUsageError extends Error {}

/** The option descriptions `parseArgs` takes. */
type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `parseArgs` over `args` with `options` and `--help`/`-h`: on `--help` prints `usage` and
 * exits 0; an unknown option or a missing value is a {@linkcode BenchUsageError}.
 */
export function readBenchFlags<T extends Options>(args: string[], options: T, usage: string) {
  const all = { ...options, help: { type: "boolean", short: "h" } } as const;
  let parsed;
  try {
    parsed = parseArgs({ args, options: all, strict: true });
  } catch (error) {
    // parseArgs may explain over several lines; the first says what is wrong.
    throw new BenchUsageError((error as Error).message.split("\n")[0]);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    Deno.exit(0);
  }
  return parsed.values;
}

/**
 * Runs a benchmark's `main` as a program: a {@linkcode BenchUsageError} is one line and exit 2,
 * any other failure one line and exit 1; `name` starts each such line.
 */
export async function runBench(name: string, main: () => Promise<unknown>): Promise<never> {
  try {
    await main();
  } catch (error) {
    const usage = error instanceof BenchUsageError;
    console.error(`bench ${name}: ${(error as Error).message}${usage ? " (see --help)" : ""}`);
    Deno.exit(usage ? 2 : 1);
  }
  Deno.exit(0);
}
