/**
 * Running one case and recording what happened, without judging it: put the case's input
 * files in place, stage the programs alone in empty folders, start the server on a free port
 * and read its readiness lines, put a recording proxy in front of each listener, drive the
 * clients group after group (expect-style dialogues, raw byte scripts), stop the server. The
 * result is an {@linkcode Observation} for the judge (judge.ts). Every child is killed when the
 * run ends, whether it went through, stopped at an error, or ran out of time.
 *
 * @module
 */

import { Barriers } from "./barriers.ts";
import type { ClientRole, ConformanceCase, Peer, ProcessClient, RawClient } from "./case.ts";
import { startCaseProxies } from "./case_proxies.ts";
import { clientSignalsServer, serverIsOurs } from "./case_traits.ts";
import { type Child, ChildScope, type Command } from "./children.ts";
import { ExpectSession } from "./expect.ts";
import { writeContent } from "./files.ts";
import { clientGolden } from "./golden_names.ts";
import { type FolderSnapshot, snapshotChanges, snapshotFolder } from "./folder_snapshot.ts";
import { jailExemptions } from "./jail.ts";
import type {
  ClientObservation,
  Observation,
  ProcessClientObservation,
  RawClientObservation,
  ServerObservation,
} from "./observation.ts";
import { runRawPeer } from "./raw_peer.ts";
import { awaitReadiness, type ListenAddress, readinessLines } from "./readiness.ts";
import type { RunOptions } from "./run_options.ts";
import { netFlagsFor, stagedCommand, stageProgram } from "./standalone.ts";
import type { TcpProxy } from "./tcp_proxy.ts";
import type { UdpRelay } from "./udp_relay.ts";
import { waitAtMost } from "./wait_at_most.ts";

/** The host a case runs on unless it names another (e.g. `::1`). */
const HOST = "127.0.0.1";

/**
 * Runs `testCase` and records what happened; a failing program or a failed step is recorded,
 * never thrown. The case's folder (`workDir`) is left for the judge: the caller removes it.
 */
export async function executeCase(
  testCase: ConformanceCase,
  options: RunOptions,
): Promise<Observation> {
  const started = performance.now();
  const run = new CaseRun(testCase, options, await Deno.makeTempDir({ prefix: "socket-lessons-" }));
  const boundMs = caseBoundMs(testCase, options);
  let hit = false;
  const timer = setTimeout(() => {
    hit = true;
    run.abort();
  }, boundMs);
  const stop = () => run.abort();
  options.signal?.addEventListener("abort", stop);
  let runError: string | undefined;
  try {
    if (options.signal?.aborted) throw new Error("stopped before it started");
    await run.go();
  } catch (error) {
    runError = (error as Error).message;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", stop);
    await run.close();
  }
  return {
    workDir: run.workDir,
    // Copies: a client of a group cut short may still record its end after the run stopped.
    clients: run.clients.map((client) => ({
      ...client,
      toleratedErrors: [...client.toleratedErrors],
    })),
    server: run.server,
    proxies: run.proxies.map((proxy) => ({
      log: proxy.log,
      ports: [...proxy.ports()],
      connections: proxy.connections.length,
    })),
    outsideChanges: run.outsideChanges,
    runError,
    bound: { ms: boundMs, hit },
    ms: performance.now() - started,
  };
}

/**
 * The bound of the whole case: its own or 30 s, plus 300 ms for each group of clients after the
 * first (they add up one after another), doubled under chaos (one byte at a time, paced).
 */
function caseBoundMs(testCase: ConformanceCase, options: RunOptions): number {
  const defaultMs = 30_000 + 300 * Math.max(0, testCase.clients.length - 1);
  return (testCase.timeoutMs ?? defaultMs) * (options.chaos ? 2 : 1);
}

/** The arguments that point a program at the server (none for a program that runs alone). */
function addressArgs(host: string, port: number | undefined): string[] {
  return port === undefined ? [] : ["--host", host, "--port", String(port)];
}

/** `command` run by `sh` after `ulimit -n limit`, which `exec`s it (same process id). */
function limitingFiles(command: Command, limit: number): Command {
  return {
    ...command,
    cmd: "sh",
    args: ["-c", `ulimit -n ${limit} && exec "$0" "$@"`, command.cmd, ...command.args],
  };
}

/** The first line of an error's message, for a one-line difference. */
function firstLine(error: unknown): string {
  return (error as Error).message.split("\n")[0];
}

/** One run of a case: its children, proxies and what they showed so far. */
class CaseRun {
  /** The case's folder, holding one folder per role. */
  readonly workDir: string;
  /** Every client started so far, in the order the case declares them. */
  readonly clients: ClientObservation[] = [];
  /** One proxy or relay per listener, the main one first. */
  readonly proxies: (TcpProxy | UdpRelay)[] = [];
  /** The server once stopped. */
  server?: ServerObservation;
  /** Changes outside what the server may change, once it stopped (with `mayChange` only). */
  outsideChanges?: string[];

  readonly #testCase: ConformanceCase;
  readonly #options: RunOptions;
  readonly #host: string;
  readonly #stepMs: number;
  readonly #scope: ChildScope;
  #serverChild?: Child;
  /** The port the server listens on (its first listener), once it has said so. */
  #serverPort?: number;
  // Whether a raw peer has signalled the server (a server expected to exit on a signal).
  #signalled = false;
  // Raw peers that stay connected (stalled clients) until every other client is done.
  readonly #heldOpen: Deno.Conn[] = [];
  // The meeting points of the group of clients running now.
  #barriers = new Barriers([]);

  constructor(testCase: ConformanceCase, options: RunOptions, workDir: string) {
    this.#testCase = testCase;
    this.#options = options;
    this.workDir = workDir;
    this.#host = testCase.host ?? HOST;
    // A crowd's clients may take longer than 10 s to finish on a loaded machine (1,000 UDP
    // senders, their lost datagrams sent again, took 10–11 s with two suites at once).
    this.#stepMs = options.stepTimeoutMs ?? (testCase.crowd ? 20_000 : 10_000);
    this.#scope = new ChildScope(options.tag ?? crypto.randomUUID(), options.onSpawn);
  }

  /** Runs the case from its input files to the server's stop; throws at the first hard error. */
  async go(): Promise<void> {
    const testCase = this.#testCase;
    await this.#placeInputFiles();
    // The server's folder exists before it starts, with or without input files in it.
    await Deno.mkdir(this.#folderOf("server"), { recursive: true });
    // A jailed server may change its own files only: everything else is compared afterwards.
    const exempt = jailExemptions(testCase);
    const outsideBefore = exempt ? await snapshotFolder(this.workDir, exempt) : undefined;
    if (testCase.server) {
      const server = await this.#launch(
        testCase.server.peer,
        "server",
        0,
        testCase.server.fileLimit,
      );
      this.#serverChild = server;
      const listening = await awaitReadiness(server, testCase.server.listeners ?? 1, this.#stepMs);
      this.#checkHost(listening);
      this.#serverPort = listening[0]?.port;
      this.proxies.push(
        ...startCaseProxies(testCase, listening, this.#options.chaos, this.#options.onChunk),
      );
    }
    for (const [index, phase] of testCase.clients.entries()) {
      await this.#runGroup(Array.isArray(phase) ? phase : [phase]);
      if (index < testCase.clients.length - 1) await this.#awaitDepartedClosed();
    }
    await this.#awaitConnectionsClosed();
    await this.#stopServer();
    if (exempt && outsideBefore) await this.#compareOutside(outsideBefore, exempt);
  }

  /** Ends the run at once (its bound has passed): every pending wait then fails. */
  abort(): void {
    for (const proxy of this.proxies) proxy.close();
    this.#scope.killAll();
  }

  /** Closes what is still open and kills every child, however the run ended. */
  async close(): Promise<void> {
    for (const conn of this.#heldOpen) conn.close();
    for (const proxy of this.proxies) proxy.close();
    await this.#scope.killAll();
  }

  /** Each role has a folder of its own, which is also its working directory. */
  #folderOf(role: string): string {
    return `${this.workDir}/${role}`;
  }

  /** Puts the case's input files, links and folders in place. */
  async #placeInputFiles(): Promise<void> {
    for (const input of this.#testCase.files ?? []) {
      const path = `${this.#folderOf(input.at)}/${input.path}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      if ("content" in input) await writeContent(input.content, path, this.#options.fixturesDir);
      else if ("symlinkTo" in input) await Deno.symlink(input.symlinkTo, path);
      else await Deno.mkdir(path, { recursive: true });
    }
  }

  /**
   * Starts `peer` in the folder of `label`, pointed at `port` (a server gets port 0), under
   * `fileLimit` open files if given.
   */
  async #launch(peer: Peer, label: string, port?: number, fileLimit?: number): Promise<Child> {
    const folder = this.#folderOf(label);
    const host = this.#host;
    if ("program" in peer) {
      const staged = await stageProgram(this.#options.programsDir, peer.program, folder, [
        ...(this.#testCase.patches ?? []),
        ...(this.#options.mutation ? [this.#options.mutation] : []),
      ]);
      const args = [...addressArgs(host, port), ...(peer.args ?? [])];
      // Every program runs with exactly the permissions its header's run line names (on this
      // case's address): the line a reader copies is proven to work, and a server's jail bug
      // would also meet the runtime's refusal.
      const runLine = staged.runLine ? netFlagsFor(staged.runLine, host) : staged.flags;
      const flags = peer.flags ?? runLine;
      const command = stagedCommand(staged, args, [...flags, ...(peer.extraFlags ?? [])]);
      return this.#scope.spawn(label, fileLimit ? limitingFiles(command, fileLimit) : command);
    }
    await Deno.mkdir(folder, { recursive: true });
    const words = peer.command.map((word) =>
      word.replaceAll("{host}", host).replaceAll("{port}", String(port ?? ""))
        .replaceAll("{serverPort}", String(this.#serverPort ?? ""))
        .replaceAll("{fixtures}", this.#options.fixturesDir)
    );
    return this.#scope.spawn(label, { cmd: words[0], args: words.slice(1), cwd: folder });
  }

  /** A case on another host (IPv6) must find the server there, not where it would be anyway. */
  #checkHost(listening: ListenAddress[]): void {
    if (!this.#testCase.host) return;
    for (const address of listening) {
      if (address.hostname !== this.#host) {
        throw new Error(`the server listens on ${address.hostname}, not on ${this.#host}`);
      }
    }
  }

  /** Runs a group of clients at the same time, each recorded in declaration order. */
  async #runGroup(group: ClientRole[]): Promise<void> {
    this.#barriers = new Barriers(group);
    const running: Promise<void>[] = [];
    for (const role of group) {
      const name = role.role ?? "client";
      if (role.raw) {
        const client: RawClientObservation = { kind: "raw", name, toleratedErrors: [] };
        this.clients.push(client);
        running.push(this.#runRawClient(role, client));
      } else {
        const client: ProcessClientObservation = {
          kind: "process",
          role,
          name,
          golden: clientGolden(this.#testCase, role) ?? false,
          transcript: "",
          toleratedErrors: [],
        };
        this.clients.push(client);
        running.push(this.#runProcessClient(role, client));
      }
    }
    // Every role runs to its end before the first failure is reported: a crowd's raw peers
    // left connecting after the case closed its proxy could reach whatever listens on that
    // port next (seen: 976 callers of another case in ssh-disconnect-mid-output's server).
    const outcomes = await Promise.allSettled(running);
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
  }

  /** The port of the proxy in front of the listener `role` talks to (none without a server). */
  #proxyPortFor(role: ClientRole): number | undefined {
    return this.proxies[role.listener ?? 0]?.addr.port;
  }

  /**
   * Waits until the server has printed `text` (counting from its first line), as a person
   * watching its terminal would before going on.
   */
  async #serverShows(name: string, text: string): Promise<void> {
    const server = this.#serverChild;
    if (!server) throw new Error(`${name}: waits for the server, but the case has none`);
    await server.stdout.waitFor(
      (out) => out.includes(text) || undefined,
      this.#stepMs,
      `server line ${JSON.stringify(text)}`,
    ).catch((error) => {
      throw new Error(
        `${name}: ${(error as Error).message}; server printed:\n${server.stdout.text}`,
      );
    });
  }

  /** Waits for the server line a client starts after, if it names one. */
  async #awaitStart(role: ClientRole, client: ClientObservation): Promise<void> {
    if (!role.startsAfterServerShows) return;
    await this.#serverShows(client.name, role.startsAfterServerShows).catch((error) => {
      // After a fault the server may never get that far; the client still runs.
      if (!this.#options.faultTolerant) throw error;
      client.toleratedErrors.push(firstLine(error));
    });
  }

  /** Plays a raw client's script in each of its copies at once. */
  async #runRawClient(role: RawClient, client: RawClientObservation): Promise<void> {
    await this.#awaitStart(role, client);
    const port = this.#proxyPortFor(role);
    if (port === undefined) throw new Error(`${client.name}: the case has no server to talk to`);
    const hooks = {
      signalServer: (signal: Deno.Signal) => {
        if (!this.#serverChild) throw new Error("the case has no server to signal");
        this.#signalled = true;
        this.#serverChild.signal(signal);
      },
    };
    const copies: Promise<void>[] = [];
    for (let copy = 0; copy < (role.copies ?? 1); copy++) {
      copies.push(
        runRawPeer(this.#host, port, role.raw, this.#stepMs, hooks).then((open) => {
          if (open) this.#heldOpen.push(open);
        }),
      );
    }
    // Every copy runs to its end before the first failure is reported: none is left behind.
    const outcomes = await Promise.allSettled(copies);
    const failed: unknown[] = [];
    for (const outcome of outcomes) if (outcome.status === "rejected") failed.push(outcome.reason);
    if (failed.length === 0) return;
    const first = (failed[0] as Error).message;
    const of = copies.length > 1 ? ` (${failed.length} of ${copies.length} copies)` : "";
    const problem = `${client.name}${of}: ${first}`;
    // A server that never lets go is a hang under any fault (unless a protocol knocked out of
    // step leaves both sides waiting); other surprises are the fault's.
    const hang = /never closed/.test(first) && !this.#options.stallsTolerated;
    if (!this.#options.faultTolerant || hang) throw new Error(problem);
    client.toleratedErrors.push(problem);
  }

  /** Starts a process client, drives its dialogue, closes its input and waits for its exit. */
  async #runProcessClient(role: ProcessClient, client: ProcessClientObservation): Promise<void> {
    await this.#awaitStart(role, client);
    const name = client.name;
    const child = await this.#launch(role.peer, name, this.#proxyPortFor(role));
    const session = new ExpectSession(child);
    const typed = this.#options.typedLines;
    try {
      const talking = typed
        ? this.#typeLines(child, session, typed)
        : session.run(role.dialogue ?? [], this.#stepMs, async (step) => {
          if (step.together) await this.#barriers.meet(step.together, this.#stepMs);
          if (step.serverShows) await this.#serverShows(name, step.serverShows);
          this.#options.onType?.(name, step.type);
        });
      await talking.catch((error) => {
        // After a fault a client may end before its dialogue does; if it is still there, its
        // exit below is bounded and a hang shows as one.
        if (!this.#options.faultTolerant) throw error;
        client.toleratedErrors.push(`${name}: ${firstLine(error)}`);
      });
      await child.closeInput();
      const status = await child.waitExit(this.#stepMs).catch((error) => {
        throw new Error(`${(error as Error).message}\n--- transcript ---\n${session.transcript}`);
      });
      client.exit = { code: status.code, stderr: child.stderr.text };
    } finally {
      client.transcript = session.transcript;
    }
  }

  /**
   * Types each of `lines` into `child` as a person does, without waiting for a prompt, until
   * the lines end or the client exits (it quit, or the run was stopped and killed it).
   */
  async #typeLines(
    child: Child,
    session: ExpectSession,
    lines: AsyncIterable<string>,
  ): Promise<void> {
    const next = lines[Symbol.asyncIterator]();
    const exited = child.status.then(() => undefined);
    while (true) {
      const line = await Promise.race([next.next(), exited]);
      if (line === undefined || line.done) return;
      this.#options.onType?.(child.label, line.value);
      await session.type(line.value);
    }
  }

  /**
   * Before the next clients start: waits until our server has closed every connection whose
   * client has left (the raw peers held open aside), at most a step's bound and never failing.
   * Our servers log a departure before they close, so the next clients' lines come after it
   * in the server's output; on a loaded machine the next caller could otherwise be accepted
   * before the last one's leaving is read (seen: chat-disconnect, madongmei-oversize).
   */
  async #awaitDepartedClosed(): Promise<void> {
    if (!serverIsOurs(this.#testCase)) return;
    const held = new Set(this.#heldOpen.map((conn) => (conn.localAddr as Deno.NetAddr).port));
    const closing: Promise<void>[] = [];
    for (const proxy of this.proxies) {
      // A client that sent and left before the proxy accepted it would not be listed yet (seen
      // under load: upload_progress-names, its second client served before the first).
      if ("acceptedQueued" in proxy) await proxy.acceptedQueued(this.#stepMs).catch(() => {});
      for (const connection of proxy.connections) {
        if ("closed" in connection && !held.has(connection.clientPort)) {
          closing.push(connection.closed);
        }
      }
    }
    if (closing.length === 0) return;
    await waitAtMost(Promise.all(closing), this.#stepMs);
  }

  /**
   * Our servers close a finished conversation after logging it, so waiting for every
   * connection to close orders their last line before the stop; foreign servers may never
   * close (the seed's chat server keeps `conn` open), so for them the clients' end suffices.
   */
  async #awaitConnectionsClosed(): Promise<void> {
    for (const conn of this.#heldOpen.splice(0)) conn.close();
    const ours = serverIsOurs(this.#testCase);
    // A crowd of connections takes the server a while to let go of: 10 ms more for each.
    for (const proxy of this.proxies) {
      await proxy.settled(this.#stepMs + 10 * proxy.connections.length, !ours);
    }
  }

  /** Stops the server (or waits for it to end by itself) and records what it showed. */
  async #stopServer(): Promise<void> {
    const role = this.#testCase.server;
    const server = this.#serverChild;
    if (!role || !server) return;
    // After a fault, a client meant to signal the server may have failed before it could.
    const neverToldToExit = this.#options.faultTolerant &&
      clientSignalsServer(this.#testCase) && !this.#signalled;
    const status = role.exitsByItself && !neverToldToExit
      ? await server.waitExit(this.#stepMs)
      : await server.stop(role.stopSignal ?? "SIGTERM");
    const stderrLines: string[] = [];
    for (const line of server.stderr.text.split("\n")) {
      if (line.trim() && readinessLines(`${line}\n`).length === 0) stderrLines.push(line);
    }
    this.server = {
      stdout: server.stdout.text,
      stderrLines,
      exitCode: status.code,
      signalledByClient: this.#signalled,
    };
  }

  /** Records what changed outside what the server may change since `before`. */
  async #compareOutside(
    before: FolderSnapshot,
    exempt: (path: string) => boolean,
  ): Promise<void> {
    this.outsideChanges = snapshotChanges(before, await snapshotFolder(this.workDir, exempt));
  }
}
