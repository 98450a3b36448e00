import assert from "node:assert/strict";
import {
  buildCGenerator,
  defaultCompiler,
  type Generator,
  headroomNote,
  loadArgs,
  type LoadResult,
  type LoadSpec,
  nodeGenerator,
  prepareGenerator,
} from "./generator.ts";

/** Whether the compiler the bench would use is on PATH; without it the C tests are skipped. */
const compilerFound = (await new Deno.Command("sh", {
  args: ["-c", 'command -v "$1" >/dev/null', "sh", defaultCompiler()[0]],
}).output()).success;

/** Runs `generator` once and parses what it prints. */
async function runLoad(generator: Generator, spec: LoadSpec): Promise<LoadResult> {
  const [program, ...args] = generator.command;
  const output = await new Deno.Command(program, { args: [...args, ...loadArgs(spec)] }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `the generator failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/** A Deno echo server like bench/echo_deno.ts, in this process; closing it ends its connections. */
function echoServer(): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const pipes: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      pipes.push(conn.readable.pipeTo(conn.writable).catch(() => {}));
    }
  })();
  return {
    port: listener.addr.port,
    async close() {
      listener.close();
      await accepting;
      await Promise.all(pipes);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A chat server that writes its greeting and each reply (message + `好`) one byte at a time,
 * 1 ms apart, so every one of them reaches the generator in pieces. Counts the replies it
 * completed and the reads that were not exactly one message (a generator that sent again
 * before the whole reply was in would cause those).
 */
function piecewiseChatServer(greeting: string, message: string) {
  const encoder = new TextEncoder();
  const expected = encoder.encode(message);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const stats = { replies: 0, strayReads: 0 };
  const serving: Promise<void>[] = [];
  const writeBytewise = async (conn: Deno.TcpConn, bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) {
      if (i > 0) await sleep(1);
      await conn.write(bytes.subarray(i, i + 1));
    }
  };
  const serve = async (conn: Deno.TcpConn) => {
    conn.setNoDelay(true);
    const buffer = new Uint8Array(1024);
    try {
      await writeBytewise(conn, encoder.encode(greeting));
      for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
        const text = buffer.subarray(0, n);
        if (n !== expected.length || !text.every((b, i) => b === expected[i])) stats.strayReads++;
        await writeBytewise(conn, encoder.encode(new TextDecoder().decode(text) + "好"));
        stats.replies++;
      }
    } catch {
      // Reset by the generator when its run ends.
    }
    conn.close();
  };
  const accepting = (async () => {
    for await (const conn of listener) serving.push(serve(conn));
  })();
  return {
    port: listener.addr.port,
    stats,
    async close() {
      listener.close();
      await accepting;
      await Promise.all(serving);
    },
  };
}

/** The fields a bench table is made of, checked for sense after a clean run. */
function assertSane(result: LoadResult, connections: number) {
  assert.equal(result.connections, connections);
  assert.equal(result.open, connections);
  assert.equal(result.served, connections, JSON.stringify(result));
  assert.equal(result.errors, 0, JSON.stringify(result.errorSamples));
  assert.deepEqual(result.errorKinds, { connect: 0, closed: 0, wrongReply: 0 });
  assert.ok(result.roundTrips > 0 && result.roundTripsPerSecond > 0);
  assert.ok(result.p50Ms !== null && result.p99Ms !== null && result.p50Ms > 0);
  assert.ok(result.p50Ms <= result.p99Ms, `p50 ${result.p50Ms} > p99 ${result.p99Ms}`);
  assert.ok(result.minRoundTrips >= 1 && result.minRoundTrips <= result.maxRoundTrips);
  assert.ok(result.maxRoundTrips <= result.roundTrips);
  assert.ok(result.cpuBusy >= 0 && result.cpuBusy < 2.5, `cpuBusy ${result.cpuBusy}`);
}

for (const kind of ["c", "node"] as const) {
  Deno.test({
    name: `load_gen (${kind}) against an echo server: 10 connections served, sane figures`,
    ignore: kind === "c" && !compilerFound,
    async fn() {
      const generator = await prepareGenerator(kind, {
        log: (line) => assert.fail(`unexpected fallback: ${line}`),
      });
      const server = echoServer();
      try {
        const result = await runLoad(generator, {
          port: server.port,
          connections: 10,
          seconds: 1,
          warmup: 0.2,
          message: "hello 你好",
          reply: "echo",
          greeting: "",
          // The echo server runs in this process.
          serverPid: Deno.pid,
        });
        assert.equal(result.generator, kind);
        assertSane(result, 10);
        assert.ok(Math.abs(result.seconds - 1) < 0.1, `window of ${result.seconds} s`);
        // Tens of thousands of round trips cost the generator some CPU time it can tell.
        assert.ok(result.cpuBusy > 0, `cpuBusy ${result.cpuBusy}`);
        // So do they cost the server, which is this process.
        assert.ok(
          typeof result.serverCpuBusy === "number" && result.serverCpuBusy > 0.05,
          `serverCpuBusy ${result.serverCpuBusy}`,
        );
      } finally {
        await server.close();
        await generator.dispose();
      }
    },
  });
}

Deno.test({
  name: "load_gen (c) counts a greeting and replies that arrive byte by byte as one each",
  ignore: !compilerFound,
  async fn() {
    const generator = await prepareGenerator("c", {
      log: (line) => assert.fail(`unexpected fallback: ${line}`),
    });
    const server = piecewiseChatServer("欢迎致电", "我");
    try {
      const result = await runLoad(generator, {
        port: server.port,
        connections: 10,
        seconds: 1,
        warmup: 0.1,
        message: "我",
        reply: "chat",
        greeting: "欢迎致电",
      });
      assertSane(result, 10);
      // Not asked for, the server's CPU is not reported.
      assert.equal(result.serverCpuBusy, null);
      // `我好` is 6 bytes, 5 gaps of at least 1 ms: a round trip ends with the last byte.
      assert.ok(result.p50Ms! >= 5, `p50 ${result.p50Ms} ms is shorter than one whole reply`);
      // Every reply the server finished is at most one round trip (the ramp-up's are not counted).
      assert.ok(
        result.roundTrips <= server.stats.replies - 10,
        `${result.roundTrips} round trips from ${server.stats.replies} replies`,
      );
      assert.equal(server.stats.strayReads, 0, "a message was sent before its reply was whole");
    } finally {
      await server.close();
      await generator.dispose();
    }
  },
});

Deno.test("without a working C compiler the Node generator runs, and one line says why", async () => {
  for (const compiler of [["/nonexistent/cc"], ["false"]]) {
    const lines: string[] = [];
    const generator = await prepareGenerator("c", { compiler, log: (line) => lines.push(line) });
    assert.equal(generator.kind, "node");
    assert.deepEqual(generator.command, nodeGenerator().command);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /load_gen\.c could not be built/);
    assert.ok(lines[0].includes(compiler[0]), lines[0]);
    assert.match(lines[0], /load_gen\.mjs/);
  }
  const built = await buildCGenerator(["/nonexistent/cc"]);
  assert.ok("error" in built && /not found/.test(built.error));
});

Deno.test("headroomNote names the generator and marks a Node echo under 150,000 rt/s", () => {
  const generator = nodeGenerator();
  const slow = headroomNote(generator, { roundTripsPerSecond: 92_539, cpuBusy: 0.995 });
  assert.match(slow, /`load_gen\.mjs` \(Node\)/);
  assert.match(slow, /92,539 round trips\/s, the generator busy 100 % of one core/);
  assert.match(slow, /generator-bound/);
  const fast = headroomNote(generator, { roundTripsPerSecond: 170_000, cpuBusy: 0.4 });
  assert.match(fast, /170,000 round trips\/s, the generator busy 40 % of one core\.$/);
  assert.doesNotMatch(fast, /generator-bound/);
  assert.match(headroomNote(generator, undefined), /not measured/);
  // The echo's CPU, when measured, says which of the two held the run down.
  const coreBound = headroomNote(generator, {
    roundTripsPerSecond: 139_000,
    cpuBusy: 0.62,
    serverCpuBusy: 1.0,
  });
  assert.match(coreBound, /generator busy 62 % of one core and the echo 100 %/);
  assert.match(coreBound, /generator-bound\*\*: the echo used a whole core/);
  const generatorBound = headroomNote(generator, {
    roundTripsPerSecond: 92_539,
    cpuBusy: 0.995,
    serverCpuBusy: 0.7,
  });
  assert.match(generatorBound, /may measure the generator/);
});
