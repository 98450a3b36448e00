import assert from "node:assert/strict";
import type { ConformanceCase, ProcessClient } from "./case.ts";
import type { ChunkRecord, Direction } from "./chunk_log.ts";
import { judge, type JudgeOptions } from "./judge.ts";
import type { Observation, ProcessClientObservation } from "./observation.ts";

// An imagined echo lesson: the client types one line and reads it back, and logs it to a file.
// Nothing runs: every test judges an observation made by hand.

const client: ProcessClient = {
  peer: { program: "echo_client.ts" },
  dialogue: [{ wait: "> ", type: "hi" }],
};

const echo: ConformanceCase = {
  id: "echo",
  title: "one line, echoed",
  server: { peer: { program: "echo_server.ts" }, mayChange: /^store\// },
  clients: [client],
  bytes: { c2s: 3, s2c: 3 },
  expectFiles: [{ at: "client", path: "echo.log", content: { text: "hi\n" } }],
};

/** Ports the proxy saw: its client's and its own toward the server. */
const PORTS = [40000, 40001];
const CLIENT_TRANSCRIPT = "connected to 127.0.0.1:40000\n> hi\nhi\n";
const CLIENT_GOLDEN = "connected to 127.0.0.1:<PORT>\n> hi\nhi\n";
const SERVER_STDOUT = "echoed 3 bytes for 127.0.0.1:40001\n";
const SERVER_GOLDEN = "echoed 3 bytes for 127.0.0.1:<PORT>\n";

/** One chunk of `text` the proxy delivered on connection 0. */
function chunk(dir: Direction, text: string, t: number): ChunkRecord {
  const bytes = new TextEncoder().encode(text);
  return { conn: 0, dir, size: bytes.length, t, head: bytes.slice(0, 64) };
}

/** What a run that went as `echo` expects would have seen, its case folder at `workDir`. */
function cleanObservation(workDir: string): Observation {
  return {
    workDir,
    clients: [{
      kind: "process",
      role: client,
      name: "client",
      golden: "echo.client",
      transcript: CLIENT_TRANSCRIPT,
      exit: { code: 0, stderr: "" },
      toleratedErrors: [],
    }],
    server: { stdout: SERVER_STDOUT, stderrLines: [], exitCode: 0, signalledByClient: false },
    proxies: [{
      log: [chunk("c2s", "hi\n", 1), chunk("s2c", "hi\n", 2)],
      ports: PORTS,
      connections: 1,
    }],
    outsideChanges: [],
    bound: { ms: 30_000, hit: false },
    ms: 100,
  };
}

/** `observation` with its one client changed as `changes` say. */
function withClient(
  observation: Observation,
  changes: Partial<ProcessClientObservation>,
): Observation {
  const [first] = observation.clients;
  assert.equal(first.kind, "process");
  return { ...observation, clients: [{ ...first as ProcessClientObservation, ...changes }] };
}

/**
 * Runs `test` with a fixtures folder holding the echo goldens and a case folder holding the
 * client's log as the case expects it, both temporary.
 */
async function withFolders(
  test: (options: JudgeOptions, workDir: string) => Promise<void>,
): Promise<void> {
  const fixturesDir = await Deno.makeTempDir();
  const workDir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${fixturesDir}/transcripts`);
    await Deno.writeTextFile(`${fixturesDir}/transcripts/echo.client.txt`, CLIENT_GOLDEN);
    await Deno.writeTextFile(`${fixturesDir}/transcripts/echo.server.txt`, SERVER_GOLDEN);
    await Deno.mkdir(`${workDir}/client`);
    await Deno.writeTextFile(`${workDir}/client/echo.log`, "hi\n");
    await test({ fixturesDir }, workDir);
  } finally {
    await Deno.remove(fixturesDir, { recursive: true });
    await Deno.remove(workDir, { recursive: true });
  }
}

Deno.test("a clean observation passes with nothing to note", async () => {
  await withFolders(async (options, workDir) => {
    const verdict = await judge(echo, cleanObservation(workDir), options);
    assert.deepEqual(verdict, { failures: [], differences: [], notes: [] });
  });
});

Deno.test("a server that exited 143 fails", async () => {
  await withFolders(async (options, workDir) => {
    const clean = cleanObservation(workDir);
    const observation = { ...clean, server: { ...clean.server!, exitCode: 143 } };
    const verdict = await judge(echo, observation, options);
    assert.deepEqual(verdict.failures, ["server exited with 143, expected 0"]);
  });
});

Deno.test("a stack trace on the server's stderr fails as a crash", async () => {
  await withFolders(async (options, workDir) => {
    const clean = cleanObservation(workDir);
    const trace = ["error: Uncaught (in promise) Error: boom", "    at main (file:///s.ts:3:9)"];
    const observation = { ...clean, server: { ...clean.server!, stderrLines: trace } };
    const verdict = await judge(echo, observation, options);
    assert.equal(verdict.failures[0], `server crashed:\n${trace.join("\n")}`);
    assert.match(verdict.failures[1], /^server wrote to stderr:\nerror: Uncaught/);
  });
});

Deno.test("a stack trace on a client's stderr fails as a crash, even when fault-tolerant", async () => {
  await withFolders(async (options, workDir) => {
    const stderr = "error: Uncaught (in promise) Error: boom\n    at main (file:///c.ts:3:9)\n";
    const observation = withClient(cleanObservation(workDir), { exit: { code: 1, stderr } });
    const verdict = await judge(echo, observation, { ...options, faultTolerant: true });
    assert.deepEqual(verdict.failures, [`client crashed:\n${stderr.trim()}`]);
    assert.match(verdict.differences[0], /^client exited with 1, expected 0; stderr:/);
  });
});

Deno.test("anything on a client's stderr fails, unless the case expects it", async () => {
  await withFolders(async (options, workDir) => {
    const observation = withClient(cleanObservation(workDir), {
      exit: { code: 0, stderr: "warning: slow\n" },
    });
    const verdict = await judge(echo, observation, options);
    assert.deepEqual(verdict.failures, ["client wrote to stderr:\nwarning: slow"]);
    const expecting = { ...client, stderr: /^warning/ };
    const allowed = await judge(
      { ...echo, clients: [expecting] },
      withClient(observation, { role: expecting }),
      options,
    );
    assert.deepEqual(allowed.failures, []);
  });
});

Deno.test("a transcript that differs from its golden fails with a diff", async () => {
  await withFolders(async (options, workDir) => {
    const observation = withClient(cleanObservation(workDir), {
      transcript: CLIENT_TRANSCRIPT.replace("\nhi\n", "\nho\n"),
    });
    const verdict = await judge(echo, observation, options);
    assert.equal(verdict.failures.length, 1);
    assert.match(verdict.failures[0], /^transcript differs:\n--- golden echo.client.txt\n/);
    assert.match(verdict.failures[0], /^-hi\n\+ho$/m);
  });
});

Deno.test("only ports the proxies saw are masked", async () => {
  await withFolders(async (options, workDir) => {
    const clean = cleanObservation(workDir);
    const observation = { ...clean, proxies: [{ ...clean.proxies[0], ports: [40001] }] };
    const verdict = await judge(echo, observation, options);
    assert.match(verdict.failures.join("\n"), /^\+connected to 127\.0\.0\.1:40000$/m);
  });
});

Deno.test("a missing golden fails; --update writes it, but not from a fault-tolerant run", async () => {
  await withFolders(async (options, workDir) => {
    const golden = `${options.fixturesDir}/transcripts/echo.server.txt`;
    await Deno.remove(golden);
    const missing = await judge(echo, cleanObservation(workDir), options);
    assert.match(missing.failures[0], /^no golden .*echo\.server\.txt \(run with --update/);
    const tolerant = { ...options, update: true, faultTolerant: true };
    await judge(echo, cleanObservation(workDir), tolerant);
    await assert.rejects(Deno.stat(golden), Deno.errors.NotFound);
    const updated = await judge(echo, cleanObservation(workDir), { ...options, update: true });
    assert.deepEqual(updated, { failures: [], differences: [], notes: ["wrote echo.server.txt"] });
    assert.equal(await Deno.readTextFile(golden), SERVER_GOLDEN);
  });
});

Deno.test("wrong byte counts fail, showing the chunk log", async () => {
  await withFolders(async (options, workDir) => {
    const verdict = await judge(
      { ...echo, bytes: { c2s: 3, s2c: 4 } },
      cleanObservation(workDir),
      options,
    );
    assert.equal(verdict.failures.length, 1);
    assert.match(
      verdict.failures[0],
      /^bytes through the proxy: c2s 3, s2c 3; expected c2s 3, s2c 4/,
    );
    assert.match(verdict.failures[0], /^#0 s2c 3 B "hi\\n"$/m);
  });
});

Deno.test("a file that is not what the case expects fails", async () => {
  await withFolders(async (options, workDir) => {
    await Deno.writeTextFile(`${workDir}/client/echo.log`, "hx\n");
    const changed = await judge(echo, cleanObservation(workDir), options);
    assert.match(changed.failures[0], /^client: echo\.log: 3 bytes, md5 \w+; expected 3 bytes/);
    await Deno.remove(`${workDir}/client/echo.log`);
    const missing = await judge(echo, cleanObservation(workDir), options);
    assert.deepEqual(missing.failures, [
      "client: echo.log is missing (expected 3 bytes, md5 764efa883dda1e11db47671c4a3bbd9e)",
    ]);
  });
});

Deno.test("under faultTolerant, what a fault may cause is a difference, summed up in a note", async () => {
  await withFolders(async (options, workDir) => {
    const observation = withClient(cleanObservation(workDir), {
      transcript: CLIENT_TRANSCRIPT.replace("\nhi\n", "\n"),
      exit: { code: 1, stderr: "client: the connection closed\n" },
      toleratedErrors: ['client: prompt "> " did not come'],
    });
    await Deno.remove(`${workDir}/client/echo.log`);
    const verdict = await judge({ ...echo, bytes: { c2s: 3, s2c: 0 } }, observation, {
      ...options,
      faultTolerant: true,
    });
    assert.deepEqual(verdict.failures, []);
    assert.equal(verdict.differences.length, 5);
    assert.match(verdict.differences[1], /^client exited with 1, expected 0/);
    assert.match(verdict.differences[2], /^transcript differs:/);
    assert.match(verdict.differences[3], /^client: echo\.log is missing/);
    assert.match(verdict.differences[4], /^bytes through the proxy/);
    assert.deepEqual(verdict.notes, [
      `5 difference(s) a fault may cause, e.g. client: prompt "> " did not come`,
    ]);
    // The same observation, judged plainly, fails with every one of them.
    const plain = await judge({ ...echo, bytes: { c2s: 3, s2c: 0 } }, observation, options);
    assert.deepEqual(plain.failures, verdict.differences);
    assert.deepEqual(plain.notes, []);
  });
});

Deno.test("a partial file under its final name fails even when fault-tolerant", async () => {
  await withFolders(async (options, workDir) => {
    await Deno.writeTextFile(`${workDir}/client/echo.log`, "h");
    const verdict = await judge(echo, cleanObservation(workDir), {
      ...options,
      faultTolerant: true,
    });
    assert.equal(verdict.failures.length, 1);
    assert.match(verdict.failures[0], /^client: echo\.log holds 1 bytes .* a partial file/);
  });
});

Deno.test("a change outside what the server may change fails, even when fault-tolerant", async () => {
  await withFolders(async (options, workDir) => {
    const observation = {
      ...cleanObservation(workDir),
      outsideChanges: ["secret.txt: new (file 5 B, modified 1)"],
    };
    const verdict = await judge(echo, observation, { ...options, faultTolerant: true });
    assert.deepEqual(verdict.failures, [
      "changed outside what the server may change (/^store\\//):\n" +
      "secret.txt: new (file 5 B, modified 1)",
    ]);
  });
});

Deno.test("a run that stopped early fails with its error, and nothing after it is judged", async () => {
  await withFolders(async (options, workDir) => {
    const stopped = {
      ...withClient(cleanObservation(workDir), { transcript: "", exit: undefined }),
      server: undefined,
      runError: "client did not exit within 10000 ms",
    };
    const verdict = await judge(echo, stopped, options);
    assert.deepEqual(verdict.failures, ["client did not exit within 10000 ms"]);
    const late = { ...stopped, bound: { ms: 30_000, hit: true } };
    assert.deepEqual((await judge(echo, late, options)).failures, [
      "case ran past its 30000 ms bound: client did not exit within 10000 ms",
    ]);
  });
});

Deno.test("a client meant to signal the server that never did is a difference under faults", async () => {
  await withFolders(async (options, workDir) => {
    const signalling: ConformanceCase = {
      ...echo,
      clients: [client, { role: "stopper", raw: [{ signalServer: "SIGINT" }] }],
    };
    const clean = cleanObservation(workDir);
    const observation: Observation = {
      ...clean,
      clients: [...clean.clients, { kind: "raw", name: "stopper", toleratedErrors: [] }],
    };
    const verdict = await judge(signalling, observation, { ...options, faultTolerant: true });
    assert.deepEqual(verdict.failures, []);
    assert.deepEqual(verdict.differences, [
      "the client that signals the server failed before it could",
    ]);
    const signalled = { ...observation, server: { ...clean.server!, signalledByClient: true } };
    const told = await judge(signalling, signalled, { ...options, faultTolerant: true });
    assert.deepEqual(told.differences, []);
  });
});
