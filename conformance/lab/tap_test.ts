import assert from "node:assert/strict";
import { echoServer } from "../harness/_test_util.ts";
import { ChildScope } from "../harness/children.ts";
import { awaitReadiness } from "../harness/readiness.ts";
import { readUpTo } from "../harness/raw_peer.ts";

const TAP = decodeURIComponent(new URL("./tap.ts", import.meta.url).pathname);
const encoder = new TextEncoder();

/** Runs `test` with `deno task tap`'s script started with `args`; kills it afterwards. */
async function withTap(
  args: string[],
  test: (tap: ReturnType<ChildScope["spawn"]>, port: number) => Promise<void>,
): Promise<void> {
  const scope = new ChildScope(crypto.randomUUID());
  try {
    const tap = scope.spawn("tap", {
      cmd: Deno.execPath(),
      args: ["run", "--allow-net", TAP, ...args],
    });
    const [address] = await awaitReadiness(tap, 1, 10_000);
    await test(tap, address.port);
  } finally {
    await scope.killAll();
  }
}

/** A chunk line without its time, which varies. */
function withoutTime(line: string): string {
  return line.replace(/^ +\d+\.\d{3} ms {2}/, "");
}

/** Waits until the tap has printed `count` chunk lines, and returns them. */
async function chunkLines(tap: ReturnType<ChildScope["spawn"]>, count: number): Promise<string[]> {
  return await tap.stdout.waitFor(
    (text) => {
      const lines = text.split("\n").filter((line) => line.includes(" ms  #"));
      return lines.length >= count ? lines : undefined;
    },
    5000,
    `${count} chunk lines`,
  );
}

Deno.test("the tap relays both ways and prints each chunk: time, direction, size, text, hex", async () => {
  const server = echoServer();
  try {
    await withTap(["--listen", "0", "--to", `127.0.0.1:${server.port}`], async (tap, port) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(encoder.encode("我"));
      assert.equal(new TextDecoder().decode(await readUpTo(conn, 3)), "我");
      conn.close();
      const lines = await chunkLines(tap, 2);
      assert.match(lines[0], /^ +\d+\.\d{3} ms /);
      assert.equal(withoutTime(lines[0]), '#0 client → server      3 B  "我"  e6 88 91');
      assert.equal(withoutTime(lines[1]), '#0 server → client      3 B  "我"  e6 88 91');
      assert.match(tap.stderr.text, /^listening on tcp:\/\/127\.0\.0\.1:\d+\nrelaying to /);
    });
  } finally {
    server.close();
  }
});

Deno.test("--shape one-byte delivers and prints every byte alone", async () => {
  const server = echoServer();
  try {
    const args = ["--listen", "0", "--to", `127.0.0.1:${server.port}`, "--shape", "one-byte"];
    await withTap(args, async (tap, port) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(encoder.encode("我"));
      await readUpTo(conn, 3);
      conn.close();
      const lines = await chunkLines(tap, 6);
      const sent = lines.filter((line) => line.includes("client → server"));
      assert.deepEqual(sent.map((line) => line.split("  ").at(-1)), ["e6", "88", "91"]);
      for (const line of lines) assert.match(line, / 1 B /);
    });
  } finally {
    server.close();
  }
});

Deno.test("--shape glue delivers two sends as one chunk (粘包)", async () => {
  const server = echoServer();
  try {
    const args = ["--listen", "0", "--to", `127.0.0.1:${server.port}`, "--shape", "glue"];
    await withTap(args, async (tap, port) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(encoder.encode("kinght love "));
      await conn.write(encoder.encode("aym"));
      await conn.closeWrite();
      await readUpTo(conn, 15);
      conn.close();
      const [sent] = await chunkLines(tap, 1);
      assert.equal(
        withoutTime(sent),
        '#0 client → server     15 B  "kinght love aym"  ' +
          "6b 69 6e 67 68 74 20 6c 6f 76 65 20 61 79 6d",
      );
    });
  } finally {
    server.close();
  }
});

Deno.test("the tap relays to a lesson's server like any other: chat_server.ts's welcome", async () => {
  const scope = new ChildScope(crypto.randomUUID());
  try {
    const programs = decodeURIComponent(new URL("../../programs", import.meta.url).pathname);
    const chat = scope.spawn("server", {
      cmd: Deno.execPath(),
      args: [
        "run",
        "--no-config",
        "--allow-net=127.0.0.1",
        `${programs}/chat_server.ts`,
        "--port",
        "0",
      ],
    });
    const [address] = await awaitReadiness(chat, 1, 10_000);
    await withTap(["--listen", "0", "--to", `127.0.0.1:${address.port}`], async (tap, port) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await readUpTo(conn, 20);
      await conn.write(encoder.encode("q"));
      conn.close();
      const lines = await chunkLines(tap, 2);
      assert.ok(
        withoutTime(lines[0]).startsWith('#0 server → client     20 B  "欢迎致电babyshen"'),
      );
      assert.equal(withoutTime(lines[1]), '#0 client → server      1 B  "q"  71');
    });
  } finally {
    await scope.killAll();
  }
});

Deno.test("usage errors exit 2 in one line; --help exits 0; a port in use exits 1; Ctrl-C exits 0", async () => {
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", TAP, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
  for (
    const args of [
      ["--to", "127.0.0.1:1"],
      ["--listen", "0"],
      ["--listen", "0", "--to", "nohost"],
      ["--listen", "x", "--to", "127.0.0.1:1"],
      ["--listen", "0", "--to", "127.0.0.1:1", "--shape", "random"],
      ["--listen", "0", "--to", "127.0.0.1:1", "--bogus"],
    ]
  ) {
    const output = await run(args);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 2, args.join(" "));
    assert.match(stderr, /^tap: .*\(see --help\)\n$/, args.join(" "));
  }
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(new TextDecoder().decode(help.stdout), /--shape SHAPE/);
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const busy = await run(["--listen", String(taken.addr.port), "--to", "127.0.0.1:1"]);
    assert.equal(busy.code, 1);
    assert.match(new TextDecoder().decode(busy.stderr), /^tap: cannot listen/);
  } finally {
    taken.close();
  }
  await withTap(["--listen", "0", "--to", "127.0.0.1:1"], async (tap) => {
    tap.signal("SIGINT");
    assert.equal((await tap.waitExit(5000)).code, 0);
  });
});
