#!/usr/bin/env -S deno run -A
/**
 * @title MD5实现 / 中文的长度问题 / 获取文件大小 — MD5, UTF-8 lengths and file sizes
 * @seed 000_84409504fdc3648b.txt, "使用Socket实现FTP-上传功能(MD5)": MD5实现, 中文的长度问题, 获取文件大小
 * @run deno run --allow-read md5_demo.ts [FILE]
 *
 * The three facts the FTP lesson stands on, each as the seed shows it in Python and as it is
 * done in Deno:
 * - MD5 of a string: `hashlib.md5(…).hexdigest()` is `createHash("md5")` from `node:crypto`
 *   (`md5("wangzy")` = `2ea763badcd027b0087306a3ef3ef95f`).
 * - Characters are not bytes: `"神"` is 1 character but 3 bytes in UTF-8, and a size sent over
 *   a socket must count bytes (`new TextEncoder().encode(text).length`, Python's
 *   `len(a.encode())`).
 * - A file's size: `os.stat(path).st_size` is `(await Deno.stat(path)).size`.
 *
 * It reads only FILE (when given), hence `--allow-read`; it uses no network, so it takes no
 * `--host` or `--port`.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";

const NAME = "md5_demo.ts";

const USAGE = `Usage: ${NAME} [FILE]

Prints md5("wangzy"), the length of "神" in characters and in UTF-8 bytes, and the size
of FILE if one is given.

Options:
  --help   show this help`;

// --- small helpers (same name and shape in every script) ---

/** Prints a one-line usage error and exits with status 2. */
function usageError(message: string): never {
  console.error(`${NAME}: ${message} (see --help)`);
  Deno.exit(2);
}
// --- the lesson ---

async function main(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    usageError((error as Error).message);
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return;
  }
  if (parsed.positionals.length > 1) usageError("give at most one file");

  // MD5实现: h = hashlib.md5(); h.update("wangzy".encode("utf-8")); h.hexdigest()
  const hash = createHash("md5");
  hash.update(new TextEncoder().encode("wangzy"));
  console.log(`md5("wangzy") = ${hash.digest("hex")}`);

  // 中文的长度问题: len("神") == 1, len("神".encode()) == 3
  const a = "神";
  console.log(
    `"${a}": ${[...a].length} character, ${new TextEncoder().encode(a).length} bytes in UTF-8`,
  );

  // 获取文件大小: os.stat(path).st_size
  const path = parsed.positionals[0];
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

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
