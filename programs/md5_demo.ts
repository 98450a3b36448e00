#!/usr/bin/env -S deno run --allow-read
/**
 * @title MD5实现 / 中文的长度问题 / 获取文件大小 — MD5, UTF-8 lengths and file sizes
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现FTP-上传功能(MD5)": MD5实现, 中文的长度问题, 获取文件大小
 * @run deno run --allow-read md5_demo.ts [FILE]
 *
 * The three facts the FTP lesson stands on, each as the seed shows it: the MD5 of a string
 * (`md5("wangzy")` = `2ea763badcd027b0087306a3ef3ef95f`); characters are not bytes (`"神"` is 1
 * character but 3 bytes in UTF-8, and a size sent over a socket must count bytes); and the size
 * of a file. It uses no network, so it takes no `--host` or `--port`.
 *
 * Python → Deno: `hashlib.md5()` is `createHash("md5")` from `node:crypto`; `len(a.encode())`
 * is `new TextEncoder().encode(a).length`; `os.stat(path).st_size` is
 * `(await Deno.stat(path)).size`.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parseArgs, type ParseArgsConfig } from "node:util";

const NAME = "md5_demo.ts";
const WORD = "wangzy";
const CHARACTER = "神";

async function main(): Promise<void> {
  // The only word it takes: a file whose size to show.
  const [path, ...extra] = readFlags({}, USAGE, true).positionals;
  if (extra.length > 0) {
    throw new UsageError(`one FILE at most, not also ${JSON.stringify(extra[0])}`);
  }

  // MD5实现: h = hashlib.md5(); h.update("wangzy".encode("utf-8")); print(h.hexdigest())
  const hash = createHash("md5");
  hash.update(encoder.encode(WORD));
  console.log(`md5("${WORD}") = ${hash.digest("hex")}`);

  // 中文的长度问题: len(a) is 1 character, len(a.encode()) is 3 bytes.
  const characters = [...CHARACTER].length;
  const bytes = encoder.encode(CHARACTER).length;
  console.log(`"${CHARACTER}": ${characters} character, ${bytes} bytes in UTF-8`);

  // 获取文件大小: os.stat('demo1.txt').st_size
  if (path !== undefined) {
    let size: number;
    try {
      size = (await Deno.stat(path)).size;
    } catch (error) {
      throw new Error(`cannot stat ${path}: ${(error as Error).message}`);
    }
    console.log(`Deno.stat("${path}").size = ${size}`);
  }
}

/**
 * Differences from the seed: the seed shows three Python sessions; this runs all three in one
 * script, prints what each computes with a label, and takes the file to measure as its one
 * argument (the seed's `os.chdir` and `demo1.txt` are its own disk's).
 */

// ─── Plumbing: flags, usage errors (the same in every script) ───

const USAGE = `Usage: ${NAME} [FILE]

Prints md5("${WORD}"), the length of "${CHARACTER}" in characters and in UTF-8 bytes, and the size
of FILE if one is given.

Options:
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
