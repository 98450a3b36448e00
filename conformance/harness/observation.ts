/**
 * What one run of a case saw, as plain data: what each client printed and how it ended, what
 * the server printed and how it ended, what crossed the proxies, what changed where nothing
 * may change, and what went wrong with the run itself. The runner records it (execute_case.ts)
 * and judges it against the case afterwards (judge.ts), so either can change alone and the
 * judging can be tested on hand-made observations.
 *
 * @module
 */

import type { ProcessClient } from "./case.ts";
import type { ChunkRecord } from "./chunk_log.ts";

/** What a client that runs as a process did. */
export interface ProcessClientObservation {
  /** A process (see {@linkcode ProcessClient}). */
  kind: "process";
  /** The client as the case declares it: its expected exit status, stderr and transcript. */
  role: ProcessClient;
  /** Its role name (`client` by default), as messages show it. */
  name: string;
  /** The golden its transcript is compared with (`<case>.<role>` unless named), or none. */
  golden: string | false;
  /** Its session as a terminal shows it: stdout with each typed line where it was typed. */
  transcript: string;
  /** How it ended; absent if the run stopped before it exited. */
  exit?: { code: number; stderr: string };
  /**
   * What went wrong while it ran that a fault may cause (a fault-tolerant run goes on): the
   * server line it waited for never came, its dialogue ended early.
   */
  toleratedErrors: string[];
}

/** What a raw client (a byte script the harness plays, in one or more copies) did. */
export interface RawClientObservation {
  /** A raw byte script (see `RawClient`). */
  kind: "raw";
  /** Its role name (`client` by default), as messages show it. */
  name: string;
  /** Its script failed in a way a fault may cause (a fault-tolerant run goes on). */
  toleratedErrors: string[];
}

/** What one client did. */
export type ClientObservation = ProcessClientObservation | RawClientObservation;

/** What the server did, once it has stopped. */
export interface ServerObservation {
  /** Everything it printed on stdout. */
  stdout: string;
  /** The lines it printed on stderr, without readiness lines and blank lines. */
  stderrLines: string[];
  /** Its exit status. */
  exitCode: number;
  /** A raw client sent it a signal (a `signalServer` step). */
  signalledByClient: boolean;
}

/** What one recording proxy (TCP) or relay (UDP) carried. */
export interface ProxyObservation {
  /** Every chunk, in the order it was delivered. */
  log: readonly ChunkRecord[];
  /** Every port its connections used on either side, to be masked in transcripts. */
  ports: number[];
  /** How many connections (or UDP peers) it saw. */
  connections: number;
}

/** What one run of a case saw. */
export interface Observation {
  /**
   * The case's folder: one folder per role (`server`, or a client's role), where the file
   * checks look. It outlives the run, for the judge; whoever ran the case removes it.
   */
  workDir: string;
  /**
   * Every client started, in the order the case declares them (a client of a group that was
   * still running when the run stopped has no exit).
   */
  clients: ClientObservation[];
  /** The server once stopped; absent without a server, or if the run stopped before. */
  server?: ServerObservation;
  /** Each listener's proxy, the main listener's first. */
  proxies: ProxyObservation[];
  /**
   * What changed under the case's folder outside what the server may change (one line each);
   * absent when the case sets no `mayChange` or the run stopped before the server did.
   */
  outsideChanges?: string[];
  /**
   * The error that stopped the run early: a step past its bound, a barrier not met, a raw
   * peer's failure no fault excuses, a server that never got ready. Always a failure.
   */
  runError?: string;
  /** The bound of the whole case, and whether the run hit it (every child was then killed). */
  bound: { ms: number; hit: boolean };
  /** Wall time of the run in milliseconds, without judging. */
  ms: number;
}
