/**
 * Property-based tests of the framed lessons' protocols, with the real programs staged alone
 * and run as processes, talking through the recording proxy:
 *
 * - **Chunking**: a valid client's stream, cut at random places (a fast-check plan of piece
 *   sizes for each direction, {@linkcode splitByPlan}), gives exactly the server output, the
 *   replies and the stored file the unsplit stream gives (the unsplit run is always the first).
 * - **Garbage**: random bytes, or a valid stream truncated, corrupted or continued with noise,
 *   never crash or hang the server: the connection ends within a bound, nothing resembling a
 *   stack trace reaches stderr, and a server that serves many clients is still alive and
 *   serves the next valid client correctly. One that serves one client exits by itself, with
 *   status 0 or a one-line reason and status 1.
 *
 * A server that serves many clients is started once per property and reused across its runs.
 * Each run is bounded; shrinking is off (every run costs processes), and the seed is fixed so
 * CI is reproducible: `FC_SEED=n` replays a failure's seed or tries another, `FC_RUNS=n`
 * makes more runs.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "npm:fast-check@4.10.2";
import { type Child, ChildScope } from "./harness/children.ts";
import { applyMasks } from "./harness/mask.ts";
import { type RawStep, runRawPeer } from "./harness/raw_peer.ts";
import { awaitReadiness } from "./harness/readiness.ts";
import { concatChunks } from "./harness/shapers.ts";
import { splitByPlan } from "./harness/split_plan.ts";
import {
  type Mutation,
  netFlagsFor,
  stagedCommand,
  type StagedProgram,
  stageProgram,
} from "./harness/standalone.ts";
import { type Shaper, startTcpProxy } from "./harness/tcp_proxy.ts";

const PROGRAMS = new URL("../programs/", import.meta.url).pathname;
const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;
const HOST = "127.0.0.1";
/** Fixed so CI is reproducible; `FC_SEED=n` replays a reported failure or tries another. */
const SEED = Number(Deno.env.get("FC_SEED") ?? 0x5eed);
/**
 * Runs per property: each costs a session or two, and a process for one-client servers.
 * `FC_RUNS=n` explores further locally.
 */
const RUNS = Number(Deno.env.get("FC_RUNS") ?? 10);
/** Bound for every wait of a run: a session, a readiness line, an exit, a line of output. */
const STEP_MS = 5_000;

const encoder = new TextEncoder();

// --- the protocols ---------------------------------------------------------------------------

/** What a property needs to know about one lesson's server and a valid client of it. */
interface Protocol {
  /** Script in `programs/`. */
  program: string;
  /** Arguments besides `--host` and `--port`. */
  args?: string[];
  /** Files put in the server's folder before it starts, by path. */
  inputs?: Record<string, Uint8Array>;
  /** It serves one client, then ends (status 0 after a valid one). */
  singleClient?: boolean;
  /** A valid client: raw steps, whose `recv`s check every reply byte for byte. */
  session: RawStep[];
  /** Leading client bytes the format cannot have split (a bare size taken from one recv). */
  unsplittable?: number;
  /** What the server prints for one valid session, client addresses masked as `<CLIENT>`. */
  output: string;
  /** Files a valid session leaves in the server's folder, by path. */
  stores?: Record<string, Uint8Array>;
  /** Folders whose contents are cleared before each valid session (resumable leftovers). */
  resets?: string[];
}

/** A 4-byte little-endian length, then the bytes: the framed lessons' `struct.pack('i', n)`. */
function frame(data: string | Uint8Array): Uint8Array {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const framed = new Uint8Array(4 + bytes.length);
  new DataView(framed.buffer).setInt32(0, bytes.length, true);
  framed.set(bytes, 4);
  return framed;
}

function concat(...parts: (string | Uint8Array)[]): Uint8Array {
  return concatChunks(parts.map((part) => typeof part === "string" ? encoder.encode(part) : part));
}

/**
 * A file of every byte value, starting with PNG's signature: its first byte is not UTF-8, so
 * upload_progress's `NAME-SIZE` header glued to it is unambiguous (the format has no separator).
 */
const FILE = Uint8Array.from(
  { length: 3000 },
  (_, i) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a][i] ?? (i * 31 + 7) % 256,
);
const FILE_MD5 = createHash("md5").update(FILE).digest("hex");

const framed: Protocol = {
  program: "framed_server.ts",
  singleClient: true,
  session: [
    { send: concat(frame("hello"), frame("你好，世界"), frame(""), frame("长".repeat(100))) },
    { vanish: true },
  ],
  output: `hello\n你好，世界\n\n${"长".repeat(100)}\n对方断开连接\n`,
};

const stickyLen: Protocol = {
  program: "sticky_len_server.ts",
  singleClient: true,
  // Leading digits, then exactly that many bytes; no message starts with a digit.
  session: [{ send: "12kinght love 3aym9你好呀" }, { vanish: true }],
  output: "kinght love \naym\n你好呀\n",
};

const msgFile: Protocol = {
  program: "msg_file_server.ts",
  session: [
    {
      send: concat(
        frame(`{"msg_type": "msg"}`),
        frame("你好呀"),
        frame(`{"msg_type": "file", "file_name": "p.bin"}`),
        frame(FILE),
        frame("close"),
      ),
    },
    { awaitClose: true },
  ],
  output: [
    `{"msg_type": "msg"}`,
    "接收到消息:你好呀",
    `{"msg_type": "file", "file_name": "p.bin"}`,
    "close",
    "客户端已关闭连接",
    "",
  ].join("\n"),
  stores: { "file/p.bin": FILE },
};

const uploadProgress: Protocol = {
  program: "upload_progress_server.ts",
  session: [{ send: "p.bin-3000" }, { send: FILE }, { vanish: true }],
  // The seed's progress lines come at its recv(1024) steps, whatever pieces really arrive.
  output: [
    "用户已连接,传输文件名p.bin-2.9296875kb",
    "\rp.bin已传输34.13333333333333%",
    "\rp.bin已传输68.26666666666667%",
    "\rp.bin传输完成",
    "",
  ].join("\n"),
  stores: { "file/p.bin": FILE },
};

const login: Protocol = {
  program: "login_server.ts",
  args: ["--fail-delay", "0"],
  inputs: { user: Deno.readFileSync(`${FIXTURES}files/user`) },
  session: [
    { recv: "欢迎使用XX系统" },
    { send: `{"username": "alice", "password": "362b44f2b38b3159826c187fcbc44943"}` },
    { recv: "登陆成功" },
    { awaitClose: true },
  ],
  output: `<CLIENT> "alice": 登陆成功\n`,
};

const ftpUpload: Protocol = {
  program: "ftp_upload_server.ts",
  session: [
    { recv: "欢迎登陆FTP系统" },
    { send: "3000" },
    { recv: "已经接收到文件大小数据包，往下继续吧" },
    { send: concat(FILE, FILE_MD5) },
    { recv: `file MD5(after send):${FILE_MD5}` },
    { awaitClose: true },
  ],
  // The size is bare text taken from one recv, as in the seed; the ack keeps it apart from
  // the data, but nothing keeps it whole (see the README's table). Only the rest is framed.
  unsplittable: 4,
  output: "3000\n3000\n",
  stores: { "new.png": FILE },
};

const ftp: Protocol = {
  program: "ftp_server.ts",
  session: [
    { recv: "欢迎登陆FTP系统\n" },
    { send: "put p.bin 3000\n" },
    { recv: "0\n" },
    { send: concat(FILE, `${FILE_MD5}\n`) },
    { recv: `file MD5(after send):${FILE_MD5}\n` },
    { send: "get p.bin\n" },
    { recv: "3000\n" },
    { send: "ready to recv file\n" },
    { recv: concat(FILE, `${FILE_MD5}\n`) },
    { send: "ls\n" },
    { recv: "11\n3000\tp.bin\n" },
    { send: "quit\n" },
    { awaitClose: true },
  ],
  output: [
    "new conn: <CLIENT>",
    `<CLIENT> put p.bin: 3000 bytes, md5 ${FILE_MD5}, saved`,
    "<CLIENT> get p.bin: 3000 bytes sent",
    "<CLIENT> ls: 1 file",
    "客户端已经断开 <CLIENT>",
    "",
  ].join("\n"),
  stores: { "ftp_root/p.bin": FILE },
  // A garbage client may leave a partial upload (kept for resuming) or a stray file.
  resets: ["ftp_root"],
};

// --- running them ----------------------------------------------------------------------------

/** Client addresses vary run to run: the proxy's port toward the server. */
const CLIENT_MASK = { pattern: /127\.0\.0\.1:\d+/g, placeholder: "<CLIENT>" };

/** A server started for a property: its process and the port it announced. */
interface Server {
  child: Child;
  port: number;
}

/** A property's world: the staged program, its processes, a bound scope. */
class Lab {
  readonly scope = new ChildScope(`protocol-property-${crypto.randomUUID()}`);
  staged!: StagedProgram;

  constructor(readonly protocol: Protocol, readonly work: string) {}

  /** Stages the program alone in a folder with its inputs, applying `mutation` if given. */
  async stage(mutation?: Mutation): Promise<void> {
    this.staged = await stageProgram(PROGRAMS, this.protocol.program, this.work, mutation ?? []);
    for (const [path, content] of Object.entries(this.protocol.inputs ?? {})) {
      await Deno.writeFile(`${this.work}/${path}`, content);
    }
  }

  /** Starts the server with its header's run-line permissions and waits for its readiness. */
  async start(): Promise<Server> {
    const flags = netFlagsFor(this.staged.runLine ?? this.staged.flags, HOST);
    const args = ["--host", HOST, "--port", "0", ...this.protocol.args ?? []];
    const child = this.scope.spawn("server", stagedCommand(this.staged, args, flags));
    const [address] = await awaitReadiness(child, 1, STEP_MS);
    return { child, port: address.port };
  }

  /** Clears what the previous session left, so this one's files prove what it did. */
  async prepare(): Promise<void> {
    for (const folder of this.protocol.resets ?? []) {
      const entries = await Array.fromAsync(Deno.readDir(`${this.work}/${folder}`)).catch(() => []);
      for (const entry of entries) {
        await Deno.remove(`${this.work}/${folder}/${entry.name}`, { recursive: true });
      }
    }
    for (const path of Object.keys(this.protocol.stores ?? {})) {
      await Deno.remove(`${this.work}/${path}`).catch(() => {});
    }
  }

  /** Checks the files a valid session stores. */
  async checkStores(): Promise<void> {
    for (const [path, content] of Object.entries(this.protocol.stores ?? {})) {
      const stored = await Deno.readFile(`${this.work}/${path}`).catch(() => undefined);
      assert.ok(stored, `${path} was not stored`);
      assert.ok(stored.length === content.length && stored.every((b, i) => b === content[i]), path);
    }
  }
}

/** Runs `body` in a fresh lab, killing every child and removing every file afterwards. */
async function inLab(protocol: Protocol, body: (lab: Lab) => Promise<void>): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "socket-lessons-property-" });
  const lab = new Lab(protocol, work);
  try {
    await body(lab);
  } finally {
    await lab.scope.killAll();
    await Deno.remove(work, { recursive: true });
  }
}

/** Plays `steps` through a proxy that shapes the traffic with `shaper`; bounded throughout. */
async function throughProxy(server: Server, steps: RawStep[], shaper: Shaper): Promise<void> {
  const proxy = startTcpProxy({ upstream: { hostname: HOST, port: server.port }, shaper });
  try {
    await runRawPeer(HOST, proxy.addr.port, steps, STEP_MS);
    await proxy.settled(STEP_MS);
  } finally {
    proxy.close();
  }
}

/** Everything printed from `from` on, once it has `lines` lines (or rejects after the bound). */
function outputSince(child: Child, from: number, lines: number): Promise<string> {
  return child.stdout.waitFor(
    (text) => {
      const since = text.slice(from);
      return since.split("\n").length > lines ? applyMasks(since, [CLIENT_MASK]) : undefined;
    },
    STEP_MS,
    `${lines} lines of output from ${child.label}`,
  );
}

/**
 * A shaper cutting each direction by its own plan. What goes to the server pauses a moment at
 * each cut, so the server's reads really end there (on loopback, pieces written back to back
 * mostly arrive as one, and a server trusting one read would pass); the raw peer reads
 * exactly, so what goes to it is only cut.
 */
function splitting(toServer: number[], toClient: number[]): Shaper {
  const c2s = splitByPlan(toServer, { gapMs: 1 });
  const s2c = splitByPlan(toClient);
  return (chunks, dir) => (dir === "c2s" ? c2s : s2c)(chunks, dir);
}

/** The bytes a valid client sends, all of them: what garbage is made from. */
function clientBytes(protocol: Protocol): Uint8Array {
  return concat(...protocol.session.flatMap((step) => "send" in step ? [step.send] : []));
}

/** Asserts that nothing on stderr looks like a crash: no stack frame, no uncaught error. */
function assertNoCrash(stderr: string): void {
  assert.ok(!stderr.includes("    at ") && !stderr.includes("Uncaught"), `stderr:\n${stderr}`);
}

/**
 * Piece sizes: a few, mostly small (a 4-byte header or a short size cut in two), and a last
 * large one, so the plan, repeated, still cuts every part of a 3000-byte file but only a few
 * dozen times (each cut on the way to the server costs a pause of a few milliseconds).
 */
const planArb = fc.tuple(
  fc.array(
    fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 3 },
      { arbitrary: fc.integer({ min: 5, max: 64 }), weight: 2 },
      { arbitrary: fc.integer({ min: 65, max: 512 }), weight: 1 },
    ),
    { maxLength: 6 },
  ),
  fc.integer({ min: 256, max: 2048 }),
).map(([pieces, last]) => [...pieces, last]);

/** Options of a property run. */
interface PropertyOptions {
  /** A deliberate breakage of the staged program (to prove the property can fail). */
  mutation?: Mutation;
  /** Runs (default {@linkcode RUNS}). */
  runs?: number;
}

const fcParams = (runs: number) => ({
  seed: SEED,
  numRuns: runs,
  // Every run spawns or talks to processes: stop at the first failure instead of shrinking.
  endOnFailure: true,
  // A last bound per run, beyond the bound of each of its steps.
  timeout: 6 * STEP_MS,
});

/** Property (a): any cutting of a valid session gives the unsplit session's results. */
function chunkingProperty(protocol: Protocol, options: PropertyOptions = {}): Promise<void> {
  return inLab(protocol, async (lab) => {
    await lab.stage(options.mutation);
    const shared = protocol.singleClient ? undefined : await lab.start();
    const lines = protocol.output.split("\n").length - 1;
    let accounted = "";
    await fc.assert(
      fc.asyncProperty(planArb, planArb, async (toServer, toClient) => {
        await lab.prepare();
        const server = shared ?? await lab.start();
        const from = server.child.stdout.text.length;
        const cuts = [...protocol.unsplittable ? [protocol.unsplittable] : [], ...toServer];
        await throughProxy(server, protocol.session, splitting(cuts, toClient));
        if (protocol.singleClient) {
          const status = await server.child.waitExit(STEP_MS);
          assert.equal(status.code, 0, `exit status; stderr:\n${server.child.stderr.text}`);
          assert.match(server.child.stderr.text, /^listening on tcp:\/\/127\.0\.0\.1:\d+\n$/);
        }
        const output = await outputSince(server.child, from, lines);
        assert.equal(output, protocol.output);
        accounted += output;
        await lab.checkStores();
      }),
      // The first run is the stream as sent, unsplit: the others must equal it.
      { ...fcParams(options.runs ?? RUNS), examples: [[[], []]] },
    );
    if (shared) {
      // Nothing printed after the runs were checked, and nothing on stderr but readiness.
      const status = await shared.child.stop();
      assert.equal(status.code, 0);
      assert.equal(applyMasks(shared.child.stdout.text, [CLIENT_MASK]), accounted);
      assert.match(shared.child.stderr.text, /^listening on tcp:\/\/127\.0\.0\.1:\d+\n$/);
    }
  });
}

/** Bad input, described compactly (a failure prints it): how it is made from a valid stream. */
type Garbage =
  | { random: Uint8Array }
  | { truncatedAt: number }
  | { changed: [at: number, xor: number][] }
  | { runsOnAt: number; noise: Uint8Array };

/** Random bytes, or the valid stream truncated, with a few bytes changed, or running on. */
function garbageArb(valid: Uint8Array): fc.Arbitrary<Garbage> {
  const at = fc.nat({ max: valid.length - 1 });
  return fc.oneof(
    fc.record({ random: fc.uint8Array({ maxLength: 512 }) }),
    fc.record({ truncatedAt: at }),
    fc.record({
      changed: fc.array(fc.tuple(at, fc.integer({ min: 1, max: 255 })), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
    fc.record({ runsOnAt: at, noise: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  );
}

/** The bytes `garbage` describes. */
function garbageBytes(valid: Uint8Array, garbage: Garbage): Uint8Array {
  if ("random" in garbage) return garbage.random;
  if ("truncatedAt" in garbage) return valid.slice(0, garbage.truncatedAt);
  if ("changed" in garbage) {
    const changed = valid.slice();
    for (const [at, xor] of garbage.changed) changed[at] ^= xor;
    return changed;
  }
  return concat(valid.slice(0, garbage.runsOnAt), garbage.noise);
}

/**
 * Sends `garbage` and ends the stream, then waits (bounded) until the server lets go. The
 * server hanging up first, even before all was sent, is a fine way to refuse.
 */
async function sendGarbage(server: Server, garbage: Uint8Array, plan: number[]): Promise<void> {
  await throughProxy(server, [{ send: garbage }, { vanish: true }], splitting(plan, []))
    .catch((error) => {
      const hungUp = error instanceof Deno.errors.BrokenPipe ||
        error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.NotConnected;
      if (!hungUp) throw error;
    });
}

/** Property (b): garbage never crashes or hangs the server, which then serves a valid client. */
function garbageProperty(protocol: Protocol, options: PropertyOptions = {}): Promise<void> {
  return inLab(protocol, async (lab) => {
    await lab.stage(options.mutation);
    const shared = protocol.singleClient ? undefined : await lab.start();
    const program = protocol.program.replaceAll(".", "\\.");
    const valid = clientBytes(protocol);
    await fc.assert(
      fc.asyncProperty(garbageArb(valid), planArb, async (garbage, plan) => {
        const server = shared ?? await lab.start();
        await sendGarbage(server, garbageBytes(valid, garbage), plan);
        if (protocol.singleClient) {
          // Its one client has been and gone: it ends, fine or with one line saying why.
          const status = await server.child.waitExit(STEP_MS);
          const said = server.child.stderr.text.replace(/^listening on .*\n/, "");
          assertNoCrash(said);
          if (status.code === 0) assert.equal(said, "");
          else {
            assert.equal(status.code, 1, `exit status; stderr:\n${said}`);
            assert.match(said, new RegExp(`^${program}: [^\\n]+\\n$`));
          }
          return;
        }
        try {
          assert.ok(!server.child.exited, "the server exited");
          assertNoCrash(server.child.stderr.text);
          // And the next, valid, client is served as ever.
          await lab.prepare();
          const from = server.child.stdout.text.length;
          await throughProxy(server, protocol.session, splitting([], []));
          // Lines about the garbage may still be on their way: the session's come last.
          await server.child.stdout.waitFor(
            (text) =>
              applyMasks(text.slice(from), [CLIENT_MASK]).endsWith(protocol.output) || undefined,
            STEP_MS,
            "the valid session's output",
          );
          await lab.checkStores();
        } catch (error) {
          // A server that died on the garbage may still be on its way out: say so if it is.
          const status = await server.child.waitExit(1000).catch(() => undefined);
          if (!status) throw error;
          throw new Error(
            `the server died (status ${status.code}); stderr:\n${server.child.stderr.text}`,
          );
        }
      }),
      fcParams(options.runs ?? RUNS),
    );
    if (shared) {
      const status = await shared.child.stop();
      assert.equal(status.code, 0);
      assertNoCrash(shared.child.stderr.text);
      assert.match(shared.child.stderr.text, /^listening on tcp:\/\/127\.0\.0\.1:\d+\n$/);
    }
  });
}

// --- the tests -------------------------------------------------------------------------------

const PROTOCOLS = [framed, stickyLen, msgFile, uploadProgress, login, ftpUpload, ftp];

for (const protocol of PROTOCOLS) {
  const { program } = protocol;
  Deno.test(`${program}: any chunking of a valid client gives the unsplit run's results`, () =>
    chunkingProperty(protocol));
  const next = protocol.singleClient ? "it ends by itself" : "the next client is served";
  Deno.test(`${program}: garbage never crashes or hangs it; ${next}`, () =>
    garbageProperty(protocol));
}

// The properties can fail: a program broken on purpose (in its staged copy) is caught.

/**
 * Runs `property` on `protocol` with `mutation` applied and returns why it failed; fails the
 * test if it passed, or failed before its runs began (a mutation whose text is gone, a copy
 * that does not start), which would prove nothing.
 */
async function failureOf(
  property: typeof chunkingProperty,
  protocol: Protocol,
  mutation: Mutation,
): Promise<{ path: string; cause: string }> {
  const error = await property(protocol, { mutation }).then(() => undefined, (error) => error);
  assert.ok(error instanceof Error, "the broken program passed");
  const failed = /^Property failed after \d+ tests\n\{ seed: -?\d+, path: "(\d+)"/.exec(
    error.message,
  );
  assert.ok(failed, error.message);
  return { path: failed[1], cause: String(error.cause) };
}

Deno.test("framed_server.ts taking a message from one read fails the chunking property", async () => {
  const { path, cause } = await failureOf(chunkingProperty, framed, {
    program: "framed_server.ts",
    from: "const data = await readExactly(conn, length);",
    // The seed's recv(n): whatever one read returns is taken as the whole message.
    to: "const data = await (async () => { const b = new Uint8Array(length); " +
      "const n = await conn.read(b); return n === null ? null : b.subarray(0, n); })();",
  });
  // The unsplit run (the first, path 0) passes: it is the cutting that breaks it.
  assert.notEqual(path, "0", cause);
  assert.match(cause, /AssertionError/);
});

Deno.test("login_server.ts parsing one read as the request fails the chunking property", async () => {
  const { path, cause } = await failureOf(chunkingProperty, login, {
    program: "login_server.ts",
    // The seed's recv(1024): one read is taken as the request, complete or not.
    from: "if (end < 0) continue;",
    to: "if (end < 0) return undefined;",
  });
  assert.notEqual(path, "0", cause);
  // The verdict for an unreadable request, cut to the length of the one expected.
  assert.match(cause, /raw peer expected "登陆成功", got "账号或密"/);
});

Deno.test("msg_file_server.ts letting a bad frame's error escape fails the garbage property", async () => {
  const mutation = {
    program: "msg_file_server.ts",
    from: "console.log(`${client}: ${(error as Error).message}`);",
    to: "throw error;",
  };
  // Thrown out of the connection's task: the shared accept loop (serveEach) keeps the server
  // up and reports the error on stderr, where the property allows only the readiness line.
  const error = await garbageProperty(msgFile, { mutation }).then(() => undefined, (e) => e);
  assert.ok(error instanceof Error, "the broken program passed");
  assert.match(error.message, /msg_file_server\.ts: the client closed after/);
});
