/**
 * socket-lessons: the classic Chinese Python socket tutorials as standalone Deno scripts, and
 * the conformance harness that proves them.
 *
 * Two things are public:
 *
 * - The **catalog** of programs: every lesson with its title as in the seed, seed file and
 *   section, scripts, default host and port, transport and conformance cases.
 * - The **harness**, usable for any client/server pair: start a server and read its readiness
 *   line, put a recording proxy in front of it, drive an interactive client expect-style,
 *   compare transcripts with goldens (ports masked), check byte counts and file digests, and
 *   kill every child when done.
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

export {
  catalog,
  type CatalogEntry,
  catalogEntry,
  lessonIndex,
  planned,
  type PlannedLesson,
} from "./conformance/catalog.ts";
export { lessons } from "./conformance/cases/mod.ts";
export type {
  ClientRole,
  ConformanceCase,
  FileCheck,
  InputFile,
  Lesson,
  LessonChaos,
  Peer,
  PeerPath,
  ServerRole,
} from "./conformance/harness/case.ts";
export { contentDigest, type FileContent, writeContent } from "./conformance/harness/files.ts";
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
  type Chaos,
  CHAOS_MODES,
  type ChaosMode,
  chaosShaper,
  coalesced,
  composeShapers,
  oneByteThenSmall,
  randomCut,
  randomDelays,
  randomSplits,
  seededRandom,
} from "./conformance/harness/chaos.ts";
export {
  type EntryState,
  type FolderSnapshot,
  snapshotChanges,
  snapshotFolder,
} from "./conformance/harness/folder_snapshot.ts";
export {
  startUdpRelay,
  type UdpRelay,
  type UdpRelayOptions,
} from "./conformance/harness/udp_relay.ts";
export { type CaseResult, runCase, type RunOptions } from "./conformance/harness/run_case.ts";
export {
  Child,
  ChildScope,
  type Command,
  killChildrenOnInterrupt,
  RUN_TAG_VARIABLE,
} from "./conformance/harness/children.ts";
export { StreamEnded, TextCapture, WaitTimeout } from "./conformance/harness/text_capture.ts";
export {
  awaitReadiness,
  formatListenAddress,
  type ListenAddress,
  parseReadinessLine,
  readinessLines,
} from "./conformance/harness/readiness.ts";
export {
  passThrough,
  type ProxiedConnection,
  type Shaper,
  startTcpProxy,
  type TcpProxy,
  type TcpProxyOptions,
  type Upstream,
} from "./conformance/harness/tcp_proxy.ts";
export {
  type ByteCounts,
  type ChunkRecord,
  countBytes,
  describeLog,
  type Direction,
  KEPT_BYTES,
} from "./conformance/harness/chunk_log.ts";
export { ExpectFailure, ExpectSession, type Step } from "./conformance/harness/expect.ts";
export { applyMasks, type Mask, portMasks, TIMESTAMP_MASK } from "./conformance/harness/mask.ts";
export { compareGolden, type GoldenOutcome } from "./conformance/harness/golden.ts";
export { unifiedDiff } from "./conformance/harness/diff.ts";
export { type FileDigest, fileDigest } from "./conformance/harness/file_digest.ts";
export {
  type Mutation,
  netFlagsFor,
  runLineFlags,
  shebangFlags,
  stagedCommand,
  type StagedProgram,
  stageProgram,
} from "./conformance/harness/standalone.ts";
export { type RawPeerHooks, type RawStep, runRawPeer } from "./conformance/harness/raw_peer.ts";
export { checkCli, type CliCheckOptions } from "./conformance/harness/cli_check.ts";
export { verifyFiles, verifyFilesAfterFault, verifyTraffic } from "./conformance/harness/verify.ts";
