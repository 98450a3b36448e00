/**
 * `deno task bench ls [--count 200] [--rounds 3]`: how long one `ls` takes through
 * `ftp_server.ts`, on one connection, one after another, against a 3-byte round trip through
 * the Deno echo (`echo_deno.ts`) measured in the same run, alternating, median of the rounds.
 *
 * An `ls` reply is two writes (the size line, then the listing). With Nagle's algorithm on,
 * the second waits for the client's delayed ACK, about 40 ms on Linux; the server turns it off
 * for each connection, and this shows what that is worth.
 *
 * @module
 */

import { BenchUsageError, readBenchFlags, runBench } from "./cli.ts";
import { median } from "./median.ts";
import { ChildScope, killChildrenOnInterrupt } from "../conformance/harness/children.ts";
import { awaitReadiness } from "../conformance/harness/readiness.ts";

const USAGE = `Usage: deno task bench ls [--count N] [--rounds N]

N ls round trips on one connection through ftp_server.ts (run with -A, 3 files in its root),
against N 3-byte round trips through bench/echo_deno.ts, alternating; the median round.

Options:
  --count N    round trips per round (default 200)
  --rounds N   rounds of each (default 3)`;

const root = new URL("../", import.meta.url).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads from `conn` until `text + what came` satisfies `done`; returns the text. */
async function readUntil(
  conn: Deno.Conn,
  buffer: Uint8Array,
  done: (text: string) => boolean,
): Promise<string> {
  let text = "";
  while (!done(text)) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("the server closed the connection");
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
  return text;
}

/** True once `text` holds a size line and that many bytes after it (an `ls` reply). */
function wholeListing(text: string): boolean {
  const end = text.indexOf("\n");
  return end >= 0 && encoder.encode(text.slice(end + 1)).length >= Number(text.slice(0, end));
}

/** Milliseconds for `count` round trips of `ask` on a new connection to `port`. */
async function roundTrips(port: number, count: number, ftp: boolean): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const buffer = new Uint8Array(64 * 1024);
  try {
    if (ftp) await readUntil(conn, buffer, (text) => text.includes("\n"));
    const ask = encoder.encode(ftp ? "ls\n" : "hi\n");
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      await conn.write(ask);
      await readUntil(conn, buffer, ftp ? wholeListing : (text) => text.endsWith("\n"));
    }
    return performance.now() - started;
  } finally {
    conn.close();
  }
}

async function main(): Promise<void> {
  const flags = readBenchFlags(Deno.args, {
    count: { type: "string", default: "200" },
    rounds: { type: "string", default: "3" },
  }, USAGE);
  for (const flag of ["count", "rounds"] as const) {
    if (!/^[1-9]\d*$/.test(flags[flag])) {
      throw new BenchUsageError(
        `--${flag} takes a count from 1, not ${JSON.stringify(flags[flag])}`,
      );
    }
  }
  const count = Number(flags.count);
  killChildrenOnInterrupt();
  const work = await Deno.makeTempDir({ prefix: "socket-lessons-bench-ls-" });
  const scope = new ChildScope(`bench-ls-${crypto.randomUUID()}`);
  try {
    await Deno.mkdir(`${work}/ftp_root`);
    for (const name of ["a.txt", "b.txt", "中文.txt"]) {
      await Deno.writeTextFile(`${work}/ftp_root/${name}`, "hello\n");
    }
    const deno = Deno.execPath();
    const server = scope.spawn("ftp_server.ts", {
      cmd: deno,
      args: ["run", "-A", "--no-config", `${root}programs/ftp_server.ts`, "--port", "0"],
      cwd: work,
    });
    const echo = scope.spawn("echo_deno.ts", {
      cmd: deno,
      args: ["run", "-A", "--no-config", `${root}bench/echo_deno.ts`, "0"],
    });
    const [ftpPort] = (await awaitReadiness(server)).map((address) => address.port);
    const [echoPort] = (await awaitReadiness(echo)).map((address) => address.port);
    const ls: number[] = [];
    const echoes: number[] = [];
    for (let round = 0; round < Number(flags.rounds); round++) {
      ls.push(await roundTrips(ftpPort, count, true));
      echoes.push(await roundTrips(echoPort, count, false));
    }
    const perLs = median(ls) / count;
    const perEcho = median(echoes) / count;
    console.log(
      `${count} round trips, median of ${flags.rounds} rounds, alternating:\n` +
        `  ls through ftp_server.ts: ${perLs.toFixed(3)} ms each ` +
        `(rounds ${ls.map((ms) => ms.toFixed(0)).join(", ")} ms)\n` +
        `  3 bytes through echo_deno.ts (reference): ${perEcho.toFixed(3)} ms each ` +
        `(rounds ${echoes.map((ms) => ms.toFixed(0)).join(", ")} ms)\n` +
        `  ls ÷ echo: ${(perLs / perEcho).toFixed(1)}×`,
    );
  } finally {
    await scope.killAll();
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) await runBench("ls", main);
