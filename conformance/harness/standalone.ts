/**
 * Runs programs the way a user who copied one script would: the script alone in an empty
 * folder, no deno.json, no import map, with exactly the flags of its own shebang line. Every
 * conformance exchange goes through here, so every case is also a proof that its programs are
 * standalone. A mutation (one text replacement in the copy) lets the suite prove that a case
 * fails when the program is broken.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Command } from "./children.ts";

/** One deliberate change to a program's copy, to show that a case notices it. */
export interface Mutation {
  /** File name in `programs/`, e.g. `chat_server.ts`. */
  program: string;
  /** Text to find in the program (every occurrence is replaced). */
  from: string;
  /** Replacement text; a caught mutation shows it in the failure's diff. */
  to: string;
}

/**
 * The deno flags of a `#!/usr/bin/env -S deno run …` shebang, e.g. `["-A", "--unstable-net"]`.
 * Throws if the first line is not such a shebang.
 */
export function shebangFlags(source: string): string[] {
  const first = source.slice(0, source.indexOf("\n"));
  const match = /^#!\/usr\/bin\/env -S deno run((?: +\S+)*) *$/.exec(first);
  if (!match) throw new Error(`first line is not "#!/usr/bin/env -S deno run …": ${first}`);
  return match[1].trim().split(/ +/).filter(Boolean);
}

/**
 * The flags of the `@run deno run …` line in a program's header comment: the narrowest
 * permissions the program documents, e.g. `["--allow-net=127.0.0.1", "--allow-read=./ftp_root"]`.
 * `undefined` if the header has no such line.
 */
export function runLineFlags(source: string): string[] | undefined {
  const match = /^ \* @run deno run((?: +-\S+)*) +\S+\.ts\b/m.exec(source);
  return match ? match[1].trim().split(/ +/).filter(Boolean) : undefined;
}

/**
 * `flags` with every `--allow-net=…` narrowed to `host` alone (IPv6 in brackets): a case runs
 * its server on one address, and the server needs the network there and nowhere else.
 */
export function netFlagsFor(flags: readonly string[], host: string): string[] {
  const address = host.includes(":") ? `[${host}]` : host;
  return flags.map((flag) => flag.startsWith("--allow-net=") ? `--allow-net=${address}` : flag);
}

/** A program copied alone into a folder of its own, ready to run in a peer's folder. */
export interface StagedProgram {
  /** The peer's folder: the program's working directory, holding the case's files only. */
  dir: string;
  /** Path of the copy, alone in its folder. */
  path: string;
  /** Flags from its shebang. */
  flags: string[];
  /** Flags from its header's `@run` line, if it has one (see {@linkcode runLineFlags}). */
  runLine?: string[];
  /** True if its text never starts a process (see {@linkcode startsProcesses}). */
  startsNoOthers: boolean;
}

/**
 * Whether a script's text may start processes: `Deno.Command`, the old `Deno.run`, or Node's
 * `child_process`. A script without them leaves nothing running once it has exited.
 */
export function startsProcesses(source: string): boolean {
  return /\bDeno\.(Command|run)\b|child_process/.test(source);
}

/**
 * Copies `programsDir/name`, with each of `mutations` that names it applied, alone into a
 * folder of its own, to run in `dir` (created if needed; a case gives each peer a folder of its
 * own, holding nothing but the files the case puts there). Throws if a mutation's text is not
 * in the program, so a mutation that changes nothing can never pass as "caught".
 *
 * The copy's folder is named by its text and kept from run to run (see {@linkcode copiesHome}):
 * every case that runs the same text runs the same file, which Deno compiles once and then
 * takes from its caches, keyed by path (a new path is a new module to them: a copy per run left
 * 41 MB more in Deno's cache each time and cost a third of a large script's start).
 */
export async function stageProgram(
  programsDir: string,
  name: string,
  dir: string,
  mutations: Mutation | readonly Mutation[] = [],
): Promise<StagedProgram> {
  let source = await Deno.readTextFile(`${programsDir}/${name}`);
  for (const mutation of [mutations].flat()) {
    if (mutation.program !== name) continue;
    if (!source.includes(mutation.from)) {
      throw new Error(`mutation: ${JSON.stringify(mutation.from)} is not in ${name}`);
    }
    source = source.replaceAll(mutation.from, mutation.to);
  }
  await Deno.mkdir(dir, { recursive: true });
  const path = await copyOnce(name, source);
  return {
    dir,
    path,
    flags: shebangFlags(source),
    runLine: runLineFlags(source),
    startsNoOthers: !startsProcesses(source),
  };
}

/**
 * The folder of the copies: `$XDG_CACHE_HOME/socket-lessons/staged` (or `~/.cache/…`), the
 * user's own, since a copy found there is run; in a temporary folder of this run (removed at
 * exit) when there is no home.
 */
export function copiesHome(): string {
  const cache = userCacheHome();
  if (cache !== undefined) return `${cache}/socket-lessons/staged`;
  const folder = Deno.makeTempDirSync({ prefix: "socket-lessons-staged-" });
  globalThis.addEventListener("unload", () => Deno.removeSync(folder, { recursive: true }));
  return folder;
}

/** How long a copy no run has used stays: old versions of the scripts and their mutants. */
const COPY_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/** The folder of the copies, once found and pruned. */
let copiesFolder: string | undefined;

/** The path of the copy of `source` named `name`, written the first time it is asked for. */
async function copyOnce(name: string, source: string): Promise<string> {
  if (copiesFolder === undefined) {
    copiesFolder = copiesHome();
    pruneCopies(copiesFolder, Date.now() - COPY_LIFETIME_MS);
    pruneCompiledCaseFolders(tempFolder());
  }
  const digest = createHash("sha256").update(`${name}\n${source}`).digest("hex").slice(0, 24);
  const home = `${copiesFolder}/${digest}`;
  const path = `${home}/${name}`;
  try {
    // Run only a copy that holds this very text, whatever happened to the folder meanwhile.
    if (await Deno.readTextFile(path) === source) {
      const now = new Date();
      await Deno.utime(home, now, now);
      return path;
    }
  } catch {
    // Not there yet: written below. Two cases may race here; each renames a whole file in.
  }
  await Deno.mkdir(home, { recursive: true });
  const partial = `${home}/.${crypto.randomUUID()}`;
  await Deno.writeTextFile(partial, source);
  await Deno.rename(partial, path);
  return path;
}

/**
 * Removes the copies in `folder` whose folder was last used before `before` (ms since 1970),
 * and what Deno compiled from them under `compiled` (its `gen/file` folder, which mirrors the
 * paths of the modules it compiled): nothing else ever runs those paths again.
 */
export function pruneCopies(folder: string, before: number, compiled = denoCompiledFolder()): void {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(folder)];
  } catch {
    return;
  }
  for (const entry of entries) {
    try {
      const used = Deno.statSync(`${folder}/${entry.name}`).mtime?.getTime() ?? 0;
      if (used >= before) continue;
      Deno.removeSync(`${folder}/${entry.name}`, { recursive: true });
      Deno.removeSync(`${compiled}${folder}/${entry.name}`, { recursive: true });
    } catch { /* taken by another run meanwhile, or never compiled */ }
  }
}

/**
 * Removes what Deno compiled from case folders that are gone: `socket-lessons-*` folders under
 * `temp` whose mirror under `compiled` is all that is left of them. Earlier versions of the
 * suite ran programs (and `deno eval` peers) from those folders, and Deno kept a compiled copy
 * of each under its cache for good; a folder still there belongs to a running case and stays.
 */
export function pruneCompiledCaseFolders(temp: string, compiled = denoCompiledFolder()): void {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(`${compiled}${temp}`)];
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.name.startsWith("socket-lessons-")) continue;
    try {
      Deno.statSync(`${temp}/${entry.name}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) continue;
      try {
        Deno.removeSync(`${compiled}${temp}/${entry.name}`, { recursive: true });
      } catch { /* removed by another run meanwhile */ }
    }
  }
}

/** The folder temporary folders are made in: `$TMPDIR`, else `/tmp`, as `Deno.makeTempDir`. */
function tempFolder(): string {
  return (Deno.env.get("TMPDIR") ?? "/tmp").replace(/\/+$/, "");
}

/** Where Deno keeps the JavaScript it compiled from local files: `$DENO_DIR/gen/file`. */
export function denoCompiledFolder(): string {
  return `${Deno.env.get("DENO_DIR") ?? `${userCacheHome() ?? ""}/deno`}/gen/file`;
}

/** The user's cache folder, `$XDG_CACHE_HOME` or `~/.cache`; undefined without a home. */
function userCacheHome(): string | undefined {
  const home = Deno.env.get("HOME");
  return Deno.env.get("XDG_CACHE_HOME") ?? (home ? `${home}/.cache` : undefined);
}

/**
 * Environment variables a lesson reads (ssh's token), blanked for every staged program: a value
 * set where the suite runs must not change what a case sees. A blank one counts as unset.
 */
export const LESSON_VARIABLES: readonly string[] = ["SSH_LESSON_TOKEN"];

/**
 * The command that runs a staged program with `args`, in its own folder, ignoring any config,
 * with `flags` (default: its shebang's), and the {@linkcode LESSON_VARIABLES} blanked.
 */
export function stagedCommand(
  program: StagedProgram,
  args: string[],
  flags: readonly string[] = program.flags,
): Command {
  return {
    cmd: Deno.execPath(),
    args: ["run", "--no-config", ...flags, program.path, ...args],
    cwd: program.dir,
    env: Object.fromEntries(LESSON_VARIABLES.map((name) => [name, ""])),
    startsNoOthers: program.startsNoOthers,
  };
}
