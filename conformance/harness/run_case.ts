/**
 * Runs one conformance case end to end: stage the programs alone in empty folders, start the
 * server on a free port and read its readiness line, put the recording proxy in front of it,
 * drive each client expect-style, stop the server, then compare transcripts with goldens
 * (ports masked) and byte counts with the proxy's log. Every child is killed when the case
 * ends, whether it passed, failed or ran out of time.
 *
 * @module
 */

import type { ClientRole, ConformanceCase, Peer } from "./case.ts";
import type { ChunkRecord } from "./chunk_log.ts";
import { Child, ChildScope, type Command } from "./children.ts";
import { writeContent } from "./files.ts";
import { snapshotChanges, snapshotFolder } from "./folder_snapshot.ts";
import { ExpectSession } from "./expect.ts";
import { compareGolden } from "./golden.ts";
import { applyMasks, portMasks } from "./mask.ts";
import { runRawPeer } from "./raw_peer.ts";
import { awaitReadiness, readinessLines } from "./readiness.ts";
import { type Chaos, chaosShaper, composeShapers } from "./chaos.ts";
import { cutAfter, holdBackUntilAnswered, SHAPERS } from "./shapers.ts";
import { type Mutation, netFlagsFor, stagedCommand, stageProgram } from "./standalone.ts";
import { startTcpProxy, type TcpProxy } from "./tcp_proxy.ts";
import { startUdpRelay, type UdpRelay } from "./udp_relay.ts";
import { verifyFiles, verifyFilesAfterFault, verifyTraffic } from "./verify.ts";

/** Where things are and how to run. */
export interface RunOptions {
  /** Folder holding the scripts that `{ program }` peers name. */
  programsDir: string;
  /** Folder holding `transcripts/` and the inputs foreign peers use. */
  fixturesDir: string;
  /** Rewrite goldens that differ or are missing instead of failing. */
  update?: boolean;
  /** Run with this deliberate breakage applied to one program's copy. */
  mutation?: Mutation;
  /** Tag given to every child (see `RUN_TAG_VARIABLE`). */
  tag?: string;
  /** Called after each spawn. */
  onSpawn?: (child: Child, command: Command) => void;
  /** Bound for each prompt, readiness line and exit (default 10 s). */
  stepTimeoutMs?: number;
  /** Re-chunk, hold back or cut what crosses the proxy (see chaos.ts). */
  chaos?: Chaos;
  /**
   * Judge only what no fault may ever cause: a crash or stack trace, a hang past a bound, a
   * partial file under a final name, a change outside the server's folder. Transcripts, byte
   * counts, exit statuses and one-line errors may then differ (they are summed up in a note):
   * for a cut connection, or a mode that breaks a protocol without boundaries.
   */
  faultTolerant?: boolean;
  /**
   * With `faultTolerant`, for a protocol a fault knocks out of step: both sides may then wait
   * for each other until the server's idle timeout, so a raw peer's wait for the server to let
   * go is no hang.
   */
  stallsTolerated?: boolean;
}

/** A stack trace or an uncaught error in a program's stderr: a crash, whatever the input. */
const CRASH = /^\s+at .*(:\d+:\d+\)?|<anonymous>)$|\bUncaught\b|^thread '.*' panicked/m;

/** What happened in one case. */
export interface CaseResult {
  /** `passed`, `failed`, or `skipped` (a required tool is missing). */
  status: "passed" | "failed" | "skipped";
  /** One paragraph per problem found, with diffs and transcripts. */
  failures: string[];
  /** Remarks that are not failures: goldens written, why it was skipped. */
  notes: string[];
  /** For a skipped case: the tools it requires that are not on PATH. */
  missingTools?: string[];
  /** Wall time in milliseconds. */
  ms: number;
  /** Each listener's chunk log (main listener first), for sequence diagrams; absent if skipped. */
  traffic?: (readonly ChunkRecord[])[];
}

/** The host a case runs on unless it names another (e.g. `::1`). */
const HOST = "127.0.0.1";

/** A client's output, kept until every port is known and goldens can be compared. */
interface ClientOutcome {
  name: string;
  golden: string | false;
  transcript: string;
}

/** The arguments that point a program at the server (none for a program that runs alone). */
function addressArgs(host: string, port: number | undefined): string[] {
  return port === undefined ? [] : ["--host", host, "--port", String(port)];
}

/** True if `tool` is an executable file in a PATH folder. */
async function onPath(tool: string): Promise<boolean> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const info = await Deno.stat(`${dir}/${tool}`);
      if (info.isFile && (info.mode ?? 0o111) & 0o111) return true;
    } catch { /* not here */ }
  }
  return false;
}

/** Tools the case's foreign peers require that are not on PATH. */
async function missingTools(testCase: ConformanceCase): Promise<string[]> {
  const peers = [testCase.server?.peer, ...testCase.clients.flat().map((c) => c.peer)];
  const tools = peers.flatMap((peer) => peer && "requires" in peer && peer.requires || []);
  const missing = [];
  for (const tool of new Set(tools)) if (!(await onPath(tool))) missing.push(tool);
  return missing;
}

/** Runs `testCase` and reports what it found; never throws for a failing program. */
export async function runCase(
  testCase: ConformanceCase,
  options: RunOptions,
): Promise<CaseResult> {
  const started = performance.now();
  const result = (status: CaseResult["status"], failures: string[], notes: string[]) => ({
    status,
    failures,
    notes,
    ms: performance.now() - started,
  });
  const missing = await missingTools(testCase);
  if (missing.length) {
    const notes = [`skipped: ${missing.join(", ")} not found`];
    return { ...result("skipped", [], notes), missingTools: missing };
  }

  const failures: string[] = [];
  const notes: string[] = [];
  // What a fault may change: a failure normally, only counted when the run is fault-tolerant.
  const differences: string[] = [];
  const differ = (problem: string) =>
    (options.faultTolerant ? differences : failures).push(problem);
  const stepMs = options.stepTimeoutMs ?? 10_000;
  const host = testCase.host ?? HOST;
  const work = await Deno.makeTempDir({ prefix: "socket-lessons-" });
  const scope = new ChildScope(options.tag ?? crypto.randomUUID(), options.onSpawn);
  // One recording proxy (TCP) or relay (UDP) per listener the server announced; the first is
  // the main one.
  const proxies: (TcpProxy | UdpRelay)[] = [];
  // Chaos slows a case down (one byte at a time, paced), so its bound grows with it.
  // Clients one after another add up: each group after the first adds 300 ms to the default.
  const defaultMs = 30_000 + 300 * Math.max(0, testCase.clients.length - 1);
  const caseMs = (testCase.timeoutMs ?? defaultMs) * (options.chaos ? 2 : 1);
  let timedOut = false;
  const caseTimer = setTimeout(() => {
    // Ending every process and socket makes every pending wait fail at once.
    timedOut = true;
    for (const proxy of proxies) proxy.close();
    scope.killAll();
  }, caseMs);

  // Each role has a folder of its own, which is also its working directory.
  const folderOf = (role: string) => `${work}/${role}`;

  const launch = async (peer: Peer, label: string, port?: number): Promise<Child> => {
    const folder = folderOf(label);
    if ("program" in peer) {
      const staged = await stageProgram(options.programsDir, peer.program, folder, [
        ...(testCase.patches ?? []),
        ...(options.mutation ? [options.mutation] : []),
      ]);
      const args = [...addressArgs(host, port), ...(peer.args ?? [])];
      // A server runs with exactly the permissions its header's run line names (on this
      // case's address), so a jail bug would also meet the runtime's refusal.
      const flags = label === "server" && staged.runLine
        ? netFlagsFor(staged.runLine, host)
        : staged.flags;
      return scope.spawn(label, stagedCommand(staged, args, flags));
    }
    await Deno.mkdir(folder, { recursive: true });
    const words = peer.command.map((word) =>
      word.replaceAll("{host}", host).replaceAll("{port}", String(port ?? ""))
        .replaceAll("{fixtures}", options.fixturesDir)
    );
    return scope.spawn(label, { cmd: words[0], args: words.slice(1), cwd: folder });
  };

  // Raw peers that stay connected (stalled clients) until every other client is done.
  const heldOpen: Deno.Conn[] = [];

  let server: Child | undefined;
  // Whether a raw peer has signalled the server (a server expected to exit on a signal).
  let signalled = false;

  // Barriers of the phase running now: how many clients must meet, and who has arrived.
  let barriers = new Map<
    string,
    { needed: number; arrived: number; all: PromiseWithResolvers<void> }
  >();
  const meet = async (barrier: string) => {
    const state = barriers.get(barrier)!;
    if (++state.arrived === state.needed) state.all.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() =>
        reject(
          new Error(
            `only ${state.arrived} of ${state.needed} clients reached "${barrier}" within ${stepMs} ms ` +
              "(are they served at the same time?)",
          ),
        ), stepMs);
    });
    try {
      await Promise.race([state.all.promise, late]);
    } finally {
      clearTimeout(timer);
    }
  };

  // Waits until the server has printed `text` (counting from its first line), as a person
  // watching its terminal would before going on.
  const serverShows = async (name: string, text: string) => {
    await server!.stdout.waitFor(
      (out) => out.includes(text) || undefined,
      stepMs,
      `server line ${JSON.stringify(text)}`,
    ).catch((error) => {
      throw new Error(
        `${name}: ${(error as Error).message}; server printed:\n${server!.stdout.text}`,
      );
    });
  };

  const runClient = async (role: ClientRole, proxyPort?: number): Promise<ClientOutcome[]> => {
    const name = role.role ?? "client";
    if (role.startsAfterServerShows) {
      await serverShows(name, role.startsAfterServerShows).catch((error) => {
        // After a fault the server may never get that far; the client still runs.
        if (!options.faultTolerant) throw error;
        differ((error as Error).message.split("\n")[0]);
      });
    }
    if (role.raw) {
      const hooks = {
        signalServer: (signal: Deno.Signal) => {
          signalled = true;
          server!.signal(signal);
        },
      };
      const play = () =>
        runRawPeer(host, proxyPort!, role.raw!, stepMs, hooks).then((open) => {
          if (open) heldOpen.push(open);
        });
      const copies = Array.from({ length: role.copies ?? 1 }, play);
      // Every copy runs to its end before the first failure is reported: none is left behind.
      const outcomes = await Promise.allSettled(copies);
      const failed = outcomes.filter((outcome) => outcome.status === "rejected");
      if (failed.length) {
        const first = (failed[0] as PromiseRejectedResult).reason as Error;
        const of = copies.length > 1 ? ` (${failed.length} of ${copies.length} copies)` : "";
        const problem = `${name}${of}: ${first.message}`;
        // A server that never lets go is a hang under any fault (unless a protocol knocked out
        // of step leaves both sides waiting); other surprises are the fault's.
        const hang = /never closed/.test(first.message) && !options.stallsTolerated;
        if (!options.faultTolerant || hang) throw new Error(problem);
        differ(problem);
      }
      return [];
    }
    const child = await launch(role.peer!, name, proxyPort);
    const session = new ExpectSession(child);
    await session.run(role.dialogue ?? [], stepMs, async (step) => {
      if (step.together) await meet(step.together);
      if (step.serverShows) await serverShows(name, step.serverShows);
    }).catch((error) => {
      // After a fault a client may end before its dialogue does; if it is still there, its
      // exit below is bounded and a hang shows as one.
      if (!options.faultTolerant) throw error;
      differ(`${name}: ${(error as Error).message.split("\n")[0]}`);
    });
    await child.closeInput();
    const status = await child.waitExit(stepMs).catch((error) => {
      throw new Error(`${(error as Error).message}\n--- transcript ---\n${session.transcript}`);
    });
    const stderr = child.stderr.text.trim();
    if (CRASH.test(stderr)) failures.push(`${name} crashed:\n${stderr}`);
    if (status.code !== (role.exitCode ?? 0)) {
      differ(
        `${name} exited with ${status.code}, expected ${role.exitCode ?? 0}` +
          (stderr ? `; stderr:\n${stderr}` : ""),
      );
    } else if (role.stderr ? !role.stderr.test(stderr) : stderr) {
      differ(
        `${name} wrote to stderr${role.stderr ? `, expected ${role.stderr}` : ""}:\n${stderr}`,
      );
    }
    if (role.transcriptMatches && !role.transcriptMatches.test(session.transcript)) {
      differ(
        `${name}'s transcript does not match ${role.transcriptMatches}:\n${session.transcript}`,
      );
    }
    const golden = role.golden ?? `${testCase.id}.${name}`;
    return [{ name, golden, transcript: session.transcript }];
  };

  try {
    for (const input of testCase.files ?? []) {
      const path = `${folderOf(input.at)}/${input.path}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      if ("content" in input) await writeContent(input.content, path, options.fixturesDir);
      else if ("symlinkTo" in input) await Deno.symlink(input.symlinkTo, path);
      else await Deno.mkdir(path, { recursive: true });
    }
    // A jailed server may change its own files only: everything else is compared afterwards.
    const mayChange = testCase.server?.mayChange;
    const serverPeer = testCase.server?.peer;
    const serverScript = serverPeer && "program" in serverPeer ? serverPeer.program : undefined;
    const clientFolders = new Set(testCase.clients.flat().map((role) => role.role ?? "client"));
    const untouchable = (path: string) => {
      const [top, ...rest] = path.split("/");
      if (top !== "server") return clientFolders.has(top);
      const inside = rest.join("/");
      return inside === serverScript || (inside !== "" && mayChange!.test(inside));
    };
    // The server's folder exists before it starts, with or without input files in it.
    await Deno.mkdir(folderOf("server"), { recursive: true });
    const outsideBefore = mayChange ? await snapshotFolder(work, untouchable) : undefined;
    if (testCase.server) server = await launch(testCase.server.peer, "server", 0);
    const listening = server
      ? await awaitReadiness(server, testCase.server?.listeners ?? 1, stepMs)
      : [];
    // A case on another host (IPv6) must find the server there, not where it would be anyway.
    const elsewhere = listening.filter((address) => testCase.host && address.hostname !== host);
    if (elsewhere.length) {
      throw new Error(`the server listens on ${elsewhere[0].hostname}, not on ${host}`);
    }
    const cut = testCase.cut;
    for (const [index, upstream] of listening.entries()) {
      if (upstream.transport === "udp") {
        proxies.push(startUdpRelay({ upstream, drop: index === 0 ? testCase.drop : undefined }));
        continue;
      }
      const chaos = options.chaos;
      // One instance for both directions of the first connection: it watches for the answer.
      const held = index === 0 && testCase.holdBack
        ? holdBackUntilAnswered(testCase.holdBack.dir, testCase.holdBack.after)
        : undefined;
      proxies.push(startTcpProxy({
        upstream,
        // The case's own shaping first (a cut applies to the main listener's connections),
        // then chaos on top of it.
        shaperFor: (conn) =>
          composeShapers(
            index === 0 && cut?.conn === conn
              ? cutAfter(cut.dir, cut.after)
              : held && conn === 0
              ? held
              : testCase.shaping
              ? SHAPERS[testCase.shaping]
              : undefined,
            chaos && chaosShaper(chaos, conn),
          ),
      }));
    }
    const proxy = proxies[0] as TcpProxy | UdpRelay | undefined;
    const outcomes: ClientOutcome[] = [];
    for (const phase of testCase.clients) {
      const group = Array.isArray(phase) ? phase : [phase];
      barriers = new Map();
      for (const step of group.flatMap((role) => role.raw ? [] : role.dialogue ?? [])) {
        if (!step.together) continue;
        const state = barriers.get(step.together) ??
          { needed: 0, arrived: 0, all: Promise.withResolvers<void>() };
        state.needed++;
        barriers.set(step.together, state);
      }
      const done = await Promise.all(
        group.map((role) => runClient(role, proxies[role.listener ?? 0]?.addr.port)),
      );
      outcomes.push(...done.flat());
    }
    // Our servers close a finished conversation after logging it, so waiting for every
    // connection to close orders their last line before the stop; foreign servers may never
    // close (the seed's chat server keeps `conn` open), so for them the clients' end suffices.
    for (const conn of heldOpen.splice(0)) conn.close();
    const ours = testCase.server !== undefined && "program" in testCase.server.peer;
    // A crowd of connections takes the server a while to let go of: 10 ms more for each.
    for (const each of proxies) {
      await each.settled(stepMs + 10 * each.connections.length, !ours);
    }
    const signalExpected = testCase.clients.flat().some((role) =>
      role.raw?.some((step) => "signalServer" in step)
    );
    // After a fault, a client meant to signal the server may have failed before it could.
    const neverToldToExit = options.faultTolerant && signalExpected && !signalled;
    if (neverToldToExit) differ("the client that signals the server failed before it could");
    const serverStatus = !server
      ? undefined
      : testCase.server?.exitsByItself && !neverToldToExit
      ? await server.waitExit(stepMs)
      : await server.stop(testCase.server?.stopSignal ?? "SIGTERM");

    // Compare only now: every port the proxy saw is known, so all of them can be masked.
    const ports = proxies.flatMap((each) => [...each.ports()]);
    const masks = [...portMasks(ports), ...(testCase.masks ?? [])];
    const transcriptsDir = `${options.fixturesDir}/transcripts`;
    const check = async (golden: string, text: string) => {
      const outcome = await compareGolden(
        `${transcriptsDir}/${golden}.txt`,
        applyMasks(text, masks),
        (options.update && !options.faultTolerant) ?? false,
      );
      if (outcome.status === "mismatch") differ(`transcript differs:\n${outcome.diff}`);
      if (outcome.status === "missing") {
        differ(`no golden ${outcome.path} (run with --update to write it)`);
      }
      if (outcome.status === "updated") notes.push(`wrote ${golden}.txt`);
    };
    for (const outcome of outcomes) {
      if (outcome.golden !== false) await check(outcome.golden, outcome.transcript);
    }

    const serverGolden = testCase.server?.golden ?? ours;
    if (server && serverGolden !== false) {
      const name = serverGolden === true ? `${testCase.id}.server` : serverGolden;
      await check(name, server.stdout.text);
    }
    if (ours && server && serverStatus) {
      const expected = testCase.server?.exitCode ?? 0;
      if (serverStatus.code !== expected) {
        differ(`server exited with ${serverStatus.code}, expected ${expected}`);
      }
      const extra = server.stderr.text.split("\n").filter((line) =>
        line.trim() && readinessLines(`${line}\n`).length === 0
      );
      if (CRASH.test(extra.join("\n"))) failures.push(`server crashed:\n${extra.join("\n")}`);
      const expectation = testCase.server?.stderr;
      if (expectation ? !expectation.test(extra.join("\n")) : extra.length) {
        differ(
          `server wrote to stderr${expectation ? `, expected ${expectation}` : ""}:\n${
            extra.join("\n")
          }`,
        );
      }
    }

    if (outsideBefore) {
      const changes = snapshotChanges(outsideBefore, await snapshotFolder(work, untouchable));
      if (changes.length) {
        failures.push(
          `changed outside what the server may change (${mayChange}):\n${changes.join("\n")}`,
        );
      }
    }
    if (options.faultTolerant) {
      failures.push(...await verifyFilesAfterFault(testCase, folderOf, options.fixturesDir));
    }
    for (const problem of await verifyFiles(testCase, folderOf, options.fixturesDir)) {
      differ(problem);
    }
    // Holding writes back reorders what different connections deliver, not what one does.
    const heldBack = options.chaos?.mode === "delays" || options.chaos?.mode === "coalesced";
    for (
      const problem of verifyTraffic(heldBack ? { ...testCase, replyOrder: undefined } : testCase, {
        main: proxy?.log ?? [],
        all: proxies.flatMap((each) => each.log),
        connections: proxy?.connections.length ?? 0,
      })
    ) differ(problem);
  } catch (error) {
    const message = (error as Error).message;
    failures.push(timedOut ? `case ran past its ${caseMs} ms bound: ${message}` : message);
  } finally {
    clearTimeout(caseTimer);
    for (const conn of heldOpen) conn.close();
    for (const proxy of proxies) proxy.close();
    await scope.killAll();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  if (differences.length) {
    const example = differences[0].length > 300
      ? `${differences[0].slice(0, 300)}…`
      : differences[0];
    notes.push(`${differences.length} difference(s) a fault may cause, e.g. ${example}`);
  }
  const traffic = proxies.map((each) => each.log);
  return { ...result(failures.length ? "failed" : "passed", failures, notes), traffic };
}
