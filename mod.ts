/**
 * socket-lessons: the classic Chinese Python socket tutorials as standalone Deno scripts, and
 * the conformance harness that proves them.
 *
 * Three things are public, and nothing else (the harness's other modules are its own):
 *
 * - The **catalog** of programs: every lesson with its title as in the seed, seed file and
 *   section, scripts, default host and port, transport and conformance cases.
 * - **Running a case**, for any client/server pair: {@linkcode runCase} starts the server and
 *   reads its readiness line, puts a recording proxy in front of it, drives each client
 *   expect-style, compares transcripts with goldens (ports masked), checks byte counts and file
 *   digests, and kills every child when done. It is {@linkcode executeCase} (what happened, an
 *   {@linkcode Observation}) then {@linkcode judge} (what is wrong with it), usable apart.
 * - The **recording proxy and its shapers**: {@linkcode startTcpProxy} logs every chunk with
 *   its direction and time, and can deliver each byte alone, glue writes together (粘包), hold
 *   a message back or cut a connection; {@linkcode startUdpRelay} does the same for datagrams.
 *
 * ```ts
 * import { runCase } from "./mod.ts";
 * const result = await runCase({
 *   id: "chat",
 *   title: "my chat pair",
 *   server: { peer: { program: "chat_server.ts" } },
 *   clients: [{ peer: { program: "chat_client.ts" }, dialogue: [{ wait: ">>>", type: "hi" }] }],
 *   bytes: { c2s: 2, s2c: 22 },
 * }, { programsDir: "./programs", fixturesDir: "./fixtures" });
 * console.log(result.status, result.failures);
 * ```
 *
 * @module
 */

// The catalog: every lesson and its cases.
export { catalog, type CatalogEntry } from "./conformance/catalog.ts";
export { lessons } from "./conformance/cases/mod.ts";

// The shape of a case.
export type {
  ClientBase,
  ClientRole,
  ConformanceCase,
  FileCheck,
  InputFile,
  Lesson,
  LessonChaos,
  Peer,
  PeerPath,
  ProcessClient,
  RawClient,
  ServerRole,
} from "./conformance/harness/case.ts";
export type { Step } from "./conformance/harness/expect.ts";
export type { RawStep } from "./conformance/harness/raw_peer.ts";
export type { FileContent } from "./conformance/harness/files.ts";
export type { Mask } from "./conformance/harness/mask.ts";
export type { Mutation } from "./conformance/harness/standalone.ts";
export { type Chaos, CHAOS_MODES, type ChaosMode } from "./conformance/harness/chaos.ts";

// Running a case: execute, then judge.
export { type CaseResult, runCase, type RunOptions } from "./conformance/harness/run_case.ts";
export { executeCase } from "./conformance/harness/execute_case.ts";
export { judge, type Judgement, type JudgeOptions } from "./conformance/harness/judge.ts";
export type {
  ClientObservation,
  Observation,
  ProcessClientObservation,
  ProxyObservation,
  RawClientObservation,
  ServerObservation,
} from "./conformance/harness/observation.ts";
export type { Child, Command } from "./conformance/harness/children.ts";
export type { TextCapture } from "./conformance/harness/text_capture.ts";

// The recording proxy, its shapers, and the UDP relay.
export {
  type ProxiedConnection,
  type Shaper,
  startTcpProxy,
  type TcpProxy,
  type TcpProxyOptions,
  type Upstream,
} from "./conformance/harness/tcp_proxy.ts";
export {
  ConnectionCut,
  cutAfter,
  glueUntilEnd,
  holdBackUntilAnswered,
  oneByteWrites,
  oneByteWritesIn,
  SHAPERS,
} from "./conformance/harness/shapers.ts";
export {
  startUdpRelay,
  type UdpRelay,
  type UdpRelayOptions,
} from "./conformance/harness/udp_relay.ts";
export type { ByteCounts, ChunkRecord, Direction } from "./conformance/harness/chunk_log.ts";
