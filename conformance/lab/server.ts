/**
 * The lab's web server, on `Deno.serve`, bound to 127.0.0.1 only. Every request passes the guard
 * (guard.ts: the secret, the `Host`, the `Origin`) before anything else looks at it; then:
 *
 * - `GET /`: every lesson, linking to its page;
 * - `GET /lessons/<id>`: the lesson's page;
 * - `GET /assets/…`: the page's script, style sheet and Mermaid;
 * - `GET /lessons/<id>/run?delivery=…&reader=…&input=…` as a WebSocket: a live run of the
 *   lesson's main case (live_run.ts), its events sent as JSON messages as they happen; the page
 *   sends `{"type":"line","text":…}` to type a line and `{"type":"end"}` to end the input.
 *
 * Only the catalog's lessons run, each with the choices it offers (choices.ts), one run per
 * lesson at a time; a run is bounded in time by its case, and stopped, every process killed,
 * when its WebSocket closes (the page went away, or Stop).
 *
 * @module
 */

import { lessons as catalogLessons } from "../cases/mod.ts";
import type { Lesson } from "../harness/case.ts";
import type { Child } from "../harness/children.ts";
import { waitAtMost } from "../harness/wait_at_most.ts";
import { readAsset } from "./assets.ts";
import { choicesOf, DELIVERIES, offers, READERS, type RunChoice } from "./choices.ts";
import { checkRequest, isWebSocketUpgrade, LAB_HOST, newSecret } from "./guard.ts";
import { type LabFolders, readLessonMaterial } from "./lesson_material.ts";
import { LineQueue } from "./line_queue.ts";
import { type LabEvent, runLessonLive } from "./live_run.ts";
import { indexPage, lessonPageHtml } from "./pages.ts";

/** What the lab sends over a run's WebSocket: the run's events, or why there is no run. */
export type LabMessage =
  | LabEvent
  /** Another run of this lesson is going (another tab?): nothing was started. */
  | { type: "busy"; message: string }
  /** The run could not go on. */
  | { type: "error"; message: string };

/** How to start the lab. */
export interface LabOptions extends LabFolders {
  /** Port on 127.0.0.1 (0 = any free port). */
  port: number;
  /** The secret; a fresh random one by default (tests may fix it). */
  secret?: string;
  /** The lessons it offers (default: the catalog's). */
  lessons?: readonly Lesson[];
  /** Tag for every child's environment (see `RUN_TAG_VARIABLE`). */
  tag?: string;
  /** Called after each process a run spawns (tests watch what starts). */
  onSpawn?: (child: Child) => void;
  /** Called with each refused request's reason (the CLI does not print them; tests count them). */
  onRefused?: (reason: string) => void;
}

/** A running lab. */
export interface Lab {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** The secret every request must carry. */
  readonly secret: string;
  /** The address to open, secret included: `http://127.0.0.1:PORT/?token=…`. */
  readonly url: string;
  /** The ids of the lessons running now. */
  running(): string[];
  /** Stops every run (killing its processes) and the server. */
  close(): Promise<void>;
}

/** A run in progress: what stops it, and when it has ended. */
interface ActiveRun {
  controller: AbortController;
  done: Promise<void>;
}

/** How long a new run waits for a stopping run of the same lesson to finish its cleanup. */
const STOPPING_WAIT_MS = 10_000;

/** The longest line the page may type: the clients read lines, not files. */
const MAX_TYPED_LINE = 4096;

/** Headers every response carries: no caching, no framing, no referrer, scripts only our own. */
const SECURITY_HEADERS: Record<string, string> = {
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; script-src 'self'; " +
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/** A response with the security headers. */
function respond(body: BodyInit | null, status: number, contentType?: string): Response {
  const headers = new Headers(SECURITY_HEADERS);
  if (contentType) headers.set("content-type", contentType);
  return new Response(body, { status, headers });
}

/** A short plain-text response. */
function text(status: number, message: string): Response {
  return respond(`${message}\n`, status, "text/plain; charset=utf-8");
}

const HTML = "text/html; charset=utf-8";
const LESSON_PAGE = /^\/lessons\/([a-z0-9_]+)$/;
const RUN_PATH = /^\/lessons\/([a-z0-9_]+)\/run$/;

/**
 * The learner's choice from a run URL's query (`delivery`, `reader`, `input`), or `undefined`
 * if it names anything but the choices the lab knows.
 */
function choiceFrom(url: URL): RunChoice | undefined {
  const deliveryId = url.searchParams.get("delivery") ?? "as-sent";
  const readerId = url.searchParams.get("reader") ?? "lesson";
  const input = url.searchParams.get("input") ?? "dialogue";
  const delivery = DELIVERIES.find((each) => each.id === deliveryId);
  const reader = READERS.find((each) => each.id === readerId);
  if (!delivery || !reader || (input !== "dialogue" && input !== "typed")) return undefined;
  return { delivery: delivery.id, reader: reader.id, typed: input === "typed" };
}

/** Starts the lab and returns once it listens. */
export async function startLab(options: LabOptions): Promise<Lab> {
  const secret = options.secret ?? newSecret();
  const lessons = options.lessons ?? catalogLessons;
  const tag = options.tag ?? crypto.randomUUID();
  const runs = new Map<string, ActiveRun>();
  const listening = Promise.withResolvers<number>();

  /** Sends `message` if the socket is still open; a closed page simply misses it. */
  const sendTo = (socket: WebSocket, message: LabMessage) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    try {
      socket.send(JSON.stringify(message));
    } catch { /* closed meanwhile */ }
  };

  /** Runs `lesson` for the page at the other end of `socket`. */
  const serveRun = async (socket: WebSocket, lesson: Lesson, choice: RunChoice) => {
    // A run of this lesson that is stopping (its page left) gets time to clean up; one still
    // going belongs to another page.
    const previous = runs.get(lesson.id);
    if (previous && previous.controller.signal.aborted) {
      await waitAtMost(previous.done, STOPPING_WAIT_MS);
    }
    if (runs.has(lesson.id) || socket.readyState !== WebSocket.OPEN) {
      sendTo(socket, { type: "busy", message: `${lesson.id} is already running elsewhere` });
      socket.close();
      return;
    }
    const controller = new AbortController();
    const lines = new LineQueue();
    const run: ActiveRun = { controller, done: Promise.resolve() };
    runs.set(lesson.id, run);
    socket.addEventListener("message", (message) => {
      let parsed: { type?: unknown; text?: unknown };
      try {
        parsed = JSON.parse(String(message.data));
      } catch {
        return;
      }
      // Anything but an object (`null`, `5`) is no message of the page's.
      if (typeof parsed !== "object" || parsed === null) return;
      const line = parsed.text;
      if (parsed.type === "line" && typeof line === "string" && line.length <= MAX_TYPED_LINE) {
        // One message is one line: a newline inside would type more than the learner sees.
        if (!/[\r\n]/.test(line)) lines.push(line);
      }
      if (parsed.type === "end") lines.close();
    });
    socket.addEventListener("close", () => {
      controller.abort();
      lines.close();
    });
    run.done = runLessonLive(lesson, choice, {
      programsDir: options.programsDir,
      fixturesDir: options.fixturesDir,
      emit: (event) => sendTo(socket, event),
      signal: controller.signal,
      typedLines: lines,
      tag,
      onSpawn: options.onSpawn,
    }).catch((error) => {
      sendTo(socket, { type: "error", message: (error as Error).message });
    }).finally(() => {
      lines.close();
      if (runs.get(lesson.id) === run) runs.delete(lesson.id);
      socket.close();
    });
    await run.done;
  };

  /** Everything after the guard. */
  const route = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "the lab takes GET requests only");
    }
    const runMatch = RUN_PATH.exec(url.pathname);
    if (runMatch) {
      const lesson = lessons.find((each) => each.id === runMatch[1]);
      if (!lesson) return text(404, "no such lesson");
      const choice = choiceFrom(url);
      if (!choice || !offers(lesson, choice)) return text(400, "the lesson offers no such run");
      if (!isWebSocketUpgrade(request)) return text(400, "a run is a WebSocket");
      const { socket, response } = Deno.upgradeWebSocket(request);
      socket.addEventListener("open", () => serveRun(socket, lesson, choice));
      return response;
    }
    if (url.pathname === "/") return respond(indexPage(lessons, secret), 200, HTML);
    const pageMatch = LESSON_PAGE.exec(url.pathname);
    if (pageMatch) {
      const lesson = lessons.find((each) => each.id === pageMatch[1]);
      if (!lesson) return text(404, "no such lesson");
      const material = await readLessonMaterial(lesson, options);
      return respond(lessonPageHtml(lesson, material, choicesOf(lesson), secret), 200, HTML);
    }
    const asset = await readAsset(url.pathname);
    if (asset) return respond(asset.body, 200, asset.contentType);
    return text(404, "not found");
  };

  const server = Deno.serve({
    hostname: LAB_HOST,
    port: options.port,
    onListen: ({ port }) => listening.resolve(port),
  }, (request) => {
    const verdict = checkRequest(request, { secret, port: server.addr.port });
    if (!verdict.allowed) {
      options.onRefused?.(verdict.reason);
      return text(verdict.status, "refused: open the address the lab printed");
    }
    return route(request);
  });
  const port = await listening.promise;

  return {
    port,
    secret,
    url: `http://${LAB_HOST}:${port}/?token=${secret}`,
    running: () => [...runs.keys()],
    async close() {
      const ending: Promise<void>[] = [];
      for (const run of runs.values()) {
        run.controller.abort();
        ending.push(run.done);
      }
      await Promise.all(ending);
      await server.shutdown();
    },
  };
}
