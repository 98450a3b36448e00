/**
 * Child processes of a conformance run. Every process is spawned through a {@linkcode ChildScope};
 * a scope kills what it started when the case ends, however it ends, and a process-wide registry
 * lets an interrupted run (SIGINT, SIGTERM, SIGHUP) kill everything still alive before it exits.
 *
 * @module
 */

import { TextCapture } from "./text_capture.ts";

/** What to run: an executable, its arguments, where, and any extra environment. */
export interface Command {
  /** Executable path or name on PATH. */
  cmd: string;
  /** Arguments after the executable. */
  args: string[];
  /** Working directory. */
  cwd?: string;
  /** Extra environment variables (the parent's are inherited). */
  env?: Record<string, string>;
  /**
   * True for a program that cannot start processes of its own (a lesson script that never
   * calls `Deno.Command`): once it has exited, nothing of it is left for
   * {@linkcode ChildScope.killAll} to look for.
   */
  startsNoOthers?: boolean;
}

/** A spawned child with its stdout and stderr captured as text and its stdin kept open. */
export class Child {
  /** Short name used in messages, e.g. `server` or `client`. */
  readonly label: string;
  /** Operating-system process id. */
  readonly pid: number;
  /** Captured standard output. */
  readonly stdout: TextCapture;
  /** Captured standard error. */
  readonly stderr: TextCapture;
  /** Resolves with the exit status; never rejects. */
  readonly status: Promise<Deno.CommandStatus>;
  #process: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #exited = false;

  /** Wraps a spawned process; use {@linkcode ChildScope.spawn} rather than this. */
  constructor(label: string, process: Deno.ChildProcess) {
    this.label = label;
    this.#process = process;
    this.pid = process.pid;
    this.stdout = new TextCapture(process.stdout);
    this.stderr = new TextCapture(process.stderr);
    this.#stdin = process.stdin.getWriter();
    this.status = process.status.then((status) => {
      this.#exited = true;
      return status;
    });
  }

  /** True once the process has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Writes text to the child's stdin; a child that already closed its stdin is not an error. */
  async write(text: string): Promise<void> {
    try {
      await this.#stdin.write(new TextEncoder().encode(text));
    } catch {
      // The child exited or closed stdin; what it did with the input shows in its output.
    }
  }

  /** Closes the child's stdin, which a client reads as the user ending input. */
  async closeInput(): Promise<void> {
    try {
      await this.#stdin.close();
    } catch {
      // Already closed.
    }
  }

  /** Sends a signal; a process that has already exited is left alone. */
  signal(signal: Deno.Signal): void {
    if (this.#exited) return;
    try {
      this.#process.kill(signal);
    } catch {
      // It exited between the check and the kill.
    }
  }

  /**
   * Waits for the child to exit by itself, at most `timeoutMs`, and for its output to be read
   * to the end. Rejects when the bound passes (the child is left running for the scope to kill).
   */
  async waitExit(timeoutMs: number): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.label} did not exit within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      const status = await Promise.race([this.status, late]);
      await Promise.all([this.stdout.done, this.stderr.done]);
      return status;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Asks the child to stop with `signal`, waits up to `graceMs`, then kills it with SIGKILL.
   * Resolves when the process is gone and its output has been read to the end.
   */
  async stop(signal: Deno.Signal = "SIGTERM", graceMs = 3000): Promise<Deno.CommandStatus> {
    this.signal(signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), graceMs);
    });
    const first = await Promise.race([this.status, graceOver]);
    clearTimeout(timer);
    if (first === "late") this.signal("SIGKILL");
    const status = await this.status;
    await this.closeInput();
    await Promise.all([this.stdout.done, this.stderr.done]);
    return status;
  }
}

/** Every child alive in this process, for cleanup on interrupt. */
const live = new Set<Child>();

/** Environment variable carried by every child, so leftovers can be found by tag. */
export const RUN_TAG_VARIABLE = "SOCKET_LESSONS_RUN";

/** Environment variable naming the scope a child (and whatever it starts) belongs to. */
const SCOPE_VARIABLE = "SOCKET_LESSONS_SCOPE";

/** Scopes with children that may still run, for cleanup on interrupt. */
const liveScopes = new Set<string>();

/**
 * SIGKILLs every process (other than this one) whose environment carries `name=value`: the
 * children of a scope and anything they started, such as the two ends of a shell pipeline,
 * which a kill of the shell alone would leave running and holding the pipes. A process may
 * start another while the scan runs, so scans repeat until three in a row, 10 ms apart, find no
 * process they have not killed already (a killed process stays in /proc as a zombie until it
 * is reaped, and must not count as new). The waits are timers, not a blocked thread: the other
 * cases' proxies and clients go on meanwhile. Linux only; a no-op where /proc cannot be read.
 */
export async function killByEnvironment(name: string, value: string): Promise<void> {
  const killed = new Set<number>();
  const variable = `${name}=${value}`;
  let quietScans = 0;
  for (let pass = 0; pass < 100 && quietScans < 3; pass++) {
    if (killScan(variable, killed) > 0) {
      quietScans = 0;
      continue;
    }
    // Nothing killed, nothing to wait for. Else a process caught in the middle of starting
    // (its environment not yet readable) may show a moment later: look again, twice, 10 ms
    // apart, before calling it done.
    if (killed.size === 0) return;
    quietScans++;
    if (quietScans < 3) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * {@linkcode killByEnvironment} for a process about to exit (a signal handler): the same scans,
 * back to back, since no timer would fire before the exit.
 */
export function killByEnvironmentNow(name: string, value: string): void {
  const killed = new Set<number>();
  const variable = `${name}=${value}`;
  let quietScans = 0;
  for (let pass = 0; pass < 100 && quietScans < 3; pass++) {
    quietScans = killScan(variable, killed) > 0 ? 0 : quietScans + 1;
  }
}

/** One pass of {@linkcode killByEnvironment}: how many processes it killed that `killed` lacked. */
function killScan(variable: string, killed: Set<number>): number {
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync("/proc");
  } catch {
    return 0;
  }
  let newly = 0;
  for (const entry of entries) {
    const pid = Number(entry.name);
    if (!/^\d+$/.test(entry.name) || pid === Deno.pid || killed.has(pid)) continue;
    try {
      const environ = Deno.readTextFileSync(`/proc/${entry.name}/environ`);
      if (environ.split("\0").includes(variable)) {
        Deno.kill(pid, "SIGKILL");
        killed.add(pid);
        newly++;
      }
    } catch { /* gone meanwhile, or not ours to read */ }
  }
  return newly;
}

/** A group of children that end together. */
export class ChildScope {
  #children: Child[] = [];
  /** Whether a child may have started processes of its own, which may outlive it. */
  #mayHaveStartedOthers = false;
  #tag: string;
  #id = crypto.randomUUID();
  #onSpawn?: (child: Child, command: Command) => void;

  /**
   * A scope whose children all carry `tag` in {@linkcode RUN_TAG_VARIABLE}; `onSpawn` is called
   * after each spawn (the runner's `--verbose` uses it).
   */
  constructor(tag: string, onSpawn?: (child: Child, command: Command) => void) {
    this.#tag = tag;
    this.#onSpawn = onSpawn;
  }

  /** The children spawned so far. */
  get children(): readonly Child[] {
    return this.#children;
  }

  /** Spawns `command` with all three standard streams piped. */
  spawn(label: string, command: Command): Child {
    const process = new Deno.Command(command.cmd, {
      args: command.args,
      cwd: command.cwd,
      env: {
        NO_COLOR: "1",
        ...command.env,
        [RUN_TAG_VARIABLE]: this.#tag,
        [SCOPE_VARIABLE]: this.#id,
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const child = new Child(label, process);
    if (!command.startsNoOthers) this.#mayHaveStartedOthers = true;
    liveScopes.add(this.#id);
    this.#children.push(child);
    live.add(child);
    child.status.then(() => live.delete(child));
    this.#onSpawn?.(child, command);
    return child;
  }

  /**
   * Kills every child of this scope that is still running, and every process they started,
   * and waits until the children are gone. The scan of every process (see
   * {@linkcode killByEnvironment}) is skipped when no child could start one.
   */
  async killAll(): Promise<void> {
    if (this.#mayHaveStartedOthers) await killByEnvironment(SCOPE_VARIABLE, this.#id);
    await Promise.all(this.#children.map((child) => child.stop("SIGKILL", 0)));
    liveScopes.delete(this.#id);
  }
}

let cleanupInstalled = false;

/**
 * Makes SIGINT, SIGTERM and SIGHUP kill every live child before this process exits
 * (exit code 128 + signal number, as a shell reports it). Safe to call more than once.
 */
export function killChildrenOnInterrupt(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const codes: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  for (const [signal, code] of Object.entries(codes)) {
    Deno.addSignalListener(signal as Deno.Signal, () => {
      for (const child of live) child.signal("SIGKILL");
      for (const scope of liveScopes) killByEnvironmentNow(SCOPE_VARIABLE, scope);
      Deno.exit(code);
    });
  }
}
