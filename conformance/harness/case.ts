/**
 * The declarative shape of a lesson and its conformance cases. A case names a server, the
 * clients that talk to it through the recording proxy (one after another, or several at once),
 * the dialogue each client has, and what crossed the wire. Goldens are found by name:
 * `fixtures/transcripts/<case id>.<role>.txt`.
 *
 * @module
 */

import type { ChaosMode } from "./chaos.ts";
import type { ByteCounts, Direction } from "./chunk_log.ts";
import type { FileContent } from "./files.ts";
import type { Step } from "./expect.ts";
import type { Mask } from "./mask.ts";
import type { RawStep } from "./raw_peer.ts";
import type { Mutation } from "./standalone.ts";
import type { SHAPERS } from "./shapers.ts";

/** Something that runs as a peer: one of our scripts, or a foreign program. */
export type Peer =
  /**
   * A script from `programs/`, staged alone in an empty folder. The harness adds
   * `--host 127.0.0.1 --port 0` for a server and `--host 127.0.0.1 --port <proxy>` for a client.
   */
  | {
    program: string;
    args?: string[];
    /** Permissions beyond its `@run` line's, e.g. `--allow-ffi` for a path only they open. */
    extraFlags?: string[];
    /** Permissions instead of its `@run` line's, e.g. `["-A"]`, as the README runs it. */
    flags?: string[];
  }
  /**
   * Any other command. `{host}` and `{port}` in its words are replaced as above,
   * `{serverPort}` by the port the server itself listens on (for a peer that must bypass the
   * recording proxy, e.g. to send from an address of its own), `{fixtures}`
   * by the fixtures folder. `requires` names a tool that must be on PATH, else the case is
   * skipped with a notice.
   */
  | { command: string[]; requires?: string };

/** The server of a case. */
export interface ServerRole {
  /** What runs. */
  peer: Peer;
  /**
   * Compare its stdout with `<case>.server.txt` (default: true for our programs), or with the
   * named golden instead, or not at all (false).
   */
  golden?: string | boolean;
  /** Exit status after SIGTERM or on its own (default 0; not checked for foreign servers). */
  exitCode?: number;
  /** It must end by itself once the clients are done (it is not sent SIGTERM). */
  exitsByItself?: boolean;
  /**
   * The signal that stops it once the clients are done (default SIGTERM): SIGINT is Ctrl-C,
   * for a server whose clients cannot send a signal step (a UDP server has no raw peer).
   */
  stopSignal?: "SIGINT" | "SIGTERM";
  /** How many listeners it announces (default 1); each gets a recording proxy of its own. */
  listeners?: number;
  /**
   * Start it with this soft limit on open files (`ulimit -n`), so that a few hundred callers
   * exhaust its descriptors (the runtime itself needs about 30).
   */
  fileLimit?: number;
  /** What its stderr must match besides readiness lines (default: nothing else on stderr). */
  stderr?: RegExp;
  /**
   * The paths (relative to its folder) the server may create or change, e.g. `/^ftp_root\//`.
   * When set, any other change under the case's folder outside the clients' own folders fails
   * the case: nothing outside the server's jail may change.
   */
  mayChange?: RegExp;
}

/** What every client of a case has, whatever runs it. */
export interface ClientBase {
  /** Names the golden `<case>.<role>.txt` and its folder, and appears in messages (default `client`). */
  role?: string;
  /**
   * Start only once the server has printed this: the client before may have left while the
   * server still works through what it sent, and the server's lines must come in one order.
   */
  startsAfterServerShows?: string;
  /** Which of the server's listeners it talks to, in announcement order (default 0). */
  listener?: number;
}

/** A client that runs as a process: one of our scripts or a foreign program, driven by its dialogue. */
export interface ProcessClient extends ClientBase {
  /** What runs. */
  peer: Peer;
  /** Prompts and typed lines, in order; stdin is closed after the last. */
  dialogue?: Step[];
  /** Use another golden, e.g. `chat.client` to prove a foreign client sees the same; false: none. */
  golden?: string | false;
  /** Also (or, with `golden: false`, instead) the transcript must match this. */
  transcriptMatches?: RegExp;
  /** Expected exit status (default 0). */
  exitCode?: number;
  /** What its stderr must match (default: it must be empty). */
  stderr?: RegExp;
  /** A process client has no raw script: what tells the two kinds apart. */
  raw?: never;
}

/** A client that is no process: a raw byte script the harness plays on a socket of its own. */
export interface RawClient extends ClientBase {
  /** The script: what to send, what to wait for, when to vanish or signal the server. */
  raw: RawStep[];
  /** How many copies play the script at the same time (default 1). */
  copies?: number;
  /** A raw client runs no process. */
  peer?: never;
}

/** One client of a case: a process ({@linkcode ProcessClient}) or a raw script ({@linkcode RawClient}). */
export type ClientRole = ProcessClient | RawClient;

/**
 * A place in a peer's folder. Each role has a folder of its own (`server`, or the client's
 * role name), which is also its working directory; runs of the same role share it.
 */
export interface PeerPath {
  /** `server` or a client's role. */
  at: string;
  /** Path inside that folder. */
  path: string;
}

/** Something a case puts in a folder before any peer starts. */
export type InputFile =
  & PeerPath
  & (
    /** A file with this content. */
    | { content: FileContent }
    /** A symbolic link to `symlinkTo` (relative to the link, or absolute). */
    | { symlinkTo: string }
    /** An empty folder. */
    | { folder: true }
  );

/** What must be true of a file when the case ends. */
export type FileCheck =
  & PeerPath
  & (
    /**
     * It exists with exactly this size and MD5. `partial` marks a temporary file kept for
     * resuming, not a final name: after a fault it may hold any part of the whole.
     */
    | { content: FileContent; partial?: true }
    /** Nothing is there. */
    | { absent: true }
    /** `path` is a folder holding no file whose name matches (a temporary file's random name). */
    | { holdsNone: RegExp }
    /** It exists and its text matches (for contents with timestamps). */
    | { matches: RegExp }
  );

/** One conformance case. */
export interface ConformanceCase {
  /** Unique id, also the goldens' prefix, e.g. `chat-disconnect`. */
  id: string;
  /** What it shows, one line. */
  title: string;
  /** The server; absent for a program that runs alone (a demo), which gets no host or port. */
  server?: ServerRole;
  /** Clients in order; an inner array runs its clients at the same time. */
  clients: (ClientRole | ClientRole[])[];
  /** Bytes per direction through the proxy, summed over all connections. */
  bytes?: ByteCounts;
  /** Bytes per direction of each connection, in accept order (for clients run in turn). */
  connectionBytes?: ByteCounts[];
  /** Files to put in place before the server starts. */
  files?: InputFile[];
  /** Files to check when the case ends. */
  expectFiles?: FileCheck[];
  /**
   * Re-chunk every TCP connection's bytes on the way: `one-byte` writes, `one-byte-to-server`
   * (only what clients send), or `glued` (all of a direction in one write when its sender
   * finishes; for one-way streams only).
   */
  shaping?: keyof typeof SHAPERS;
  /**
   * The address every peer uses (default `127.0.0.1`): the server gets `--host HOST`, the proxy
   * listens there, and clients get `--host HOST`. `::1` runs the case over IPv6.
   */
  host?: string;
  /**
   * On the first connection, split the first message travelling in `dir` after `after` bytes
   * and hold the rest until the other side answers: what a reader without framing makes of
   * half a message, shown deterministically.
   */
  holdBack?: { dir: Direction; after: number };
  /** Cut connection `conn` (accept order) after `after` bytes in direction `dir`. */
  cut?: { conn: number; dir: Direction; after: number };
  /**
   * Texts the server sent that must reach the clients in this order (any connections), as the
   * proxy delivered them: an order across clients, which no single transcript shows.
   */
  replyOrder?: string[];
  /** For a UDP server: drop the `nth` datagram (from 1) travelling in `dir`. */
  drop?: { dir: Direction; nth: number };
  /** Masks beyond the ports the harness masks itself, e.g. timestamps. */
  masks?: Mask[];
  /**
   * Deliberate breakages this case must catch, each run as its own check: the case has to fail
   * and its report has to contain `shows` (e.g. the changed line of a diff, `+我了`), or one of
   * them where the breakage surfaces first in one of two ways, whichever bound fires first.
   */
  mutations?: (Mutation & { shows: string | string[] })[];
  /**
   * Changes applied to a program's copy in every run of this case, e.g. a jail check taken out
   * to show that the runtime's permissions still stop the server.
   */
  patches?: Mutation[];
  /**
   * Bound for the whole case (default 30 s, and 300 ms more for each group of clients after
   * the first: a case of 90 clients one after another needs its time on a busy machine).
   */
  timeoutMs?: number;
  /**
   * For the robustness catalogue (`docs/RELIABILITY.md`, one table per server): the bad input
   * or fault this case tries, e.g. `size: negative`, and what the server does about it, e.g.
   * `one-line refusal, connection closed; next client served`.
   */
  reliability?: {
    fault: string;
    outcome: string;
    /**
     * The attack this row defends against, if it is one (a hostile peer, not bad luck): such
     * rows are also listed in the page's "Threats" section.
     */
    threat?: string;
  };
  /**
   * It puts a crowd (about 1,000 clients) on the server at once: the runner gives it a lane of
   * its own, and it and its mutants longer bounds.
   */
  crowd?: boolean;
  /** Chaos modes that may break this case beyond its lesson's (see {@linkcode LessonChaos}). */
  chaosMayBreak?: LessonChaos["mayBreak"];
}

/** How a lesson fares under `deno task conformance --chaos` (see chaos.ts). */
export interface LessonChaos {
  /**
   * Modes that may break the lesson's protocol, with the reason (a wire format without
   * boundaries): its cases then must fail only cleanly under them — no crash, no hang, no
   * partial file — instead of matching their goldens.
   */
  mayBreak?: Partial<Record<ChaosMode, string>>;
  /**
   * Changes that make a program's reader trust one read as one message: `--chaos` must catch
   * each (the lesson's main case fails under one-byte delivery).
   */
  oneReadMutations?: Mutation[];
}

/** A lesson of the seeds: its catalog entry and its cases. */
export interface Lesson {
  /** Short id, e.g. `chat`. */
  id: string;
  /** Title as in the seed, e.g. `使用Socket实现聊天机器人`. */
  title: string;
  /** English title. */
  titleEn: string;
  /** Seed file and section the lesson comes from. */
  seed: { file: string; section: string };
  /** Transport of the lesson's programs; `none` for demos that use no network. */
  transport: "tcp" | "udp" | "none";
  /** Default host, as in the seed. */
  host: string;
  /** Default port, as in the seed. */
  port: number;
  /** Script names in `programs/`. */
  scripts: string[];
  /** Its conformance cases. */
  cases: ConformanceCase[];
  /** How it fares under chaos (default: every mode must pass like the plain run). */
  chaos?: LessonChaos;
  /**
   * Cases whose traffic the lesson's page draws too, after its main case's, each with a note
   * on what it shows (e.g. the same server over another protocol). Each such case, when it
   * passes, also checks its diagram on the page, as the main case does.
   */
  drawnToo?: { id: string; note: string }[];
}
