/**
 * Helpers shared by the lab's tests: a lab in this process that records every process its runs
 * start, raw HTTP requests with exactly the headers a test chooses (a browser's `fetch` and
 * `WebSocket` would not let a test forge `Host`), and a run's events over a WebSocket.
 *
 * @module
 */

import { type Child, ChildScope } from "../harness/children.ts";
import { LESSON_PAGES_DIR } from "../lesson_page.ts";
import type { LabEvent } from "./live_run.ts";
import { type Lab, type LabMessage, startLab } from "./server.ts";

const root = decodeURIComponent(new URL("../../", import.meta.url).pathname);

/** A lab on a free port, and every process its runs started (in the order they started). */
export interface TestLab {
  /** The lab. */
  lab: Lab;
  /** Every child spawned by any run, so far. */
  spawned: Child[];
  /** Reasons of the requests refused so far. */
  refused: string[];
  /** Resolves once `count` children have been spawned (rejects after 20 s). */
  spawnedAtLeast(count: number): Promise<void>;
}

/** Starts a lab over this project's programs and fixtures, runs `test`, then closes it. */
export async function withLab(test: (lab: TestLab) => Promise<void>): Promise<void> {
  const spawned: Child[] = [];
  const refused: string[] = [];
  const waiters: { count: number; wake: () => void }[] = [];
  const lab = await startLab({
    port: 0,
    programsDir: `${root}programs`,
    fixturesDir: `${root}fixtures`,
    lessonPagesDir: LESSON_PAGES_DIR,
    onSpawn: (child) => {
      spawned.push(child);
      for (const waiter of waiters) if (spawned.length >= waiter.count) waiter.wake();
    },
    onRefused: (reason) => refused.push(reason),
  });
  const spawnedAtLeast = async (count: number) => {
    if (spawned.length >= count) return;
    const woken = Promise.withResolvers<void>();
    const timer = setTimeout(() => woken.reject(new Error(`${spawned.length} spawned`)), 20_000);
    waiters.push({ count, wake: woken.resolve });
    try {
      await woken.promise;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    await test({ lab, spawned, refused, spawnedAtLeast });
  } finally {
    await lab.close();
    // Whatever a failing test left running is gone before the next one.
    for (const child of spawned) child.signal("SIGKILL");
    await Promise.all(spawned.map((child) => child.status));
  }
}

/** What a raw request got back: its status, and the connection (open if upgraded). */
export interface RawResponse {
  /** The HTTP status code. */
  status: number;
  /** The connection, for a 101 to be used or closed. */
  conn: Deno.TcpConn;
}

/**
 * Sends `GET` (or `method`) `path` to the lab at `port` with exactly `headers`, over a socket of
 * its own, and reads the response's status line. Rejects after 5 s.
 */
export async function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string>,
  method = "GET",
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const lines = [`${method} ${path} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (method !== "GET") lines.push("content-length: 0");
  await conn.write(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
  const timer = setTimeout(() => conn.close(), 5000);
  try {
    let head = "";
    const buffer = new Uint8Array(4096);
    while (!head.includes("\r\n")) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error(`connection closed after ${JSON.stringify(head)}`);
      head += new TextDecoder().decode(buffer.subarray(0, n));
    }
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    return { status, conn };
  } finally {
    clearTimeout(timer);
  }
}

/** The headers of a WebSocket handshake to the lab at `port`, as its own page sends them. */
export function upgradeHeaders(port: number): Record<string, string> {
  return {
    host: `127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    "sec-websocket-version": "13",
  };
}

/** A run's WebSocket, and the messages it has had so far. */
export interface RunSocket {
  /** The socket, with the lab's own Origin. */
  socket: WebSocket;
  /** Every message so far, in order. */
  messages: LabMessage[];
  /** Resolves with the first message that `match` accepts (rejects after 20 s or at close). */
  next(match: (message: LabMessage) => boolean): Promise<LabMessage>;
  /** Resolves once the lab has closed the socket (or the test did). */
  closed: Promise<void>;
}

/** Opens a run of `lesson` with `query` (e.g. `delivery=one-byte`) on `lab`, as its page would. */
export function openRun(
  lab: Pick<Lab, "port" | "secret">,
  lesson: string,
  query = "",
): RunSocket {
  const url = `ws://127.0.0.1:${lab.port}/lessons/${lesson}/run?token=${lab.secret}&${query}`;
  const socket = new WebSocket(url, { headers: { origin: `http://127.0.0.1:${lab.port}` } });
  const messages: LabMessage[] = [];
  const waiters = new Set<() => void>();
  const closed = Promise.withResolvers<void>();
  let isClosed = false;
  socket.addEventListener("message", (event) => {
    messages.push(JSON.parse(String(event.data)));
    for (const wake of [...waiters]) wake();
  });
  socket.addEventListener("close", () => {
    isClosed = true;
    closed.resolve();
    for (const wake of [...waiters]) wake();
  });
  const next = (match: (message: LabMessage) => boolean) =>
    new Promise<LabMessage>((resolve, reject) => {
      const check = () => {
        const found = messages.find(match);
        if (found) finish(() => resolve(found));
        else if (isClosed) finish(() => reject(new Error(`closed; got ${types(messages)}`)));
      };
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no such message in 20 s; got ${types(messages)}`))),
        20_000,
      );
      waiters.add(check);
      check();
    });
  return { socket, messages, next, closed: closed.promise };
}

/** The types of `messages`, for failure messages. */
function types(messages: LabMessage[]): string {
  return messages.map((message) => message.type).join(" ");
}

/** The chunk events among `messages`. */
export function chunksOf(messages: LabMessage[]): Extract<LabEvent, { type: "chunk" }>[] {
  const chunks: Extract<LabEvent, { type: "chunk" }>[] = [];
  for (const message of messages) if (message.type === "chunk") chunks.push(message);
  return chunks;
}

/** True if a process with `pid` is alive (a zombie counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

/** The `deno run …` words of `deno task lab`, from deno.json: the test runs the task's own line. */
export async function labTaskArgs(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
  const words: string[] = config.tasks.lab.command.split(" ");
  if (words[0] !== "deno") throw new Error(`the lab task is not a deno command: ${words[0]}`);
  return words.slice(1);
}

/** The lab's readiness line, with its port and secret. */
const READY = /^listening on http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{48})$/m;

/** Starts the lab as `deno task lab --port 0` does, waits for its address, runs `test`. */
export async function withLabProcess(
  test: (lab: Child, address: { port: number; secret: string }) => Promise<void>,
): Promise<void> {
  const scope = new ChildScope(crypto.randomUUID());
  try {
    const lab = scope.spawn("lab", {
      cmd: Deno.execPath(),
      args: [...await labTaskArgs(), "--port", "0"],
      cwd: root,
    });
    const address = await lab.stderr.waitFor(
      (text) => {
        const match = READY.exec(text);
        return match ? { port: Number(match[1]), secret: match[2] } : undefined;
      },
      20_000,
      "the lab's address",
    );
    await test(lab, address);
  } finally {
    // Ctrl-C first, so the lab kills its runs' processes (they carry a scope of their own).
    for (const child of scope.children) {
      child.signal("SIGINT");
      await child.waitExit(10_000).catch(() => {});
    }
    await scope.killAll();
  }
}
