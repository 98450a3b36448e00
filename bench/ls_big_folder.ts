/**
 * `deno task bench ls-big [--files 100000] [--rounds 3] [--server PATH]`: what an `ls` of a
 * big folder costs the other connections of `ftp_server.ts`. Its root holds `--files` small
 * files; each round times one `ls` (until its whole reply is in), and the longest a new
 * connection waits for its welcome while another `ls` runs (connections made one after
 * another until it ends), against a welcome with nothing running (the reference, measured in
 * the same round). Then 20 connections each ask
 * `ls` and read nothing for 3 s. The figures are the medians of the rounds, and the server's
 * peak RSS (VmHWM) after all of it.
 *
 * `--server PATH` runs another copy of the server (an older one, say) the same way.
 *
 * @module
 */

import { BenchUsageError, readBenchFlags, runBench } from "./cli.ts";
import { median } from "./median.ts";
import { peakRss } from "./peak_rss.ts";
import { ChildScope, killChildrenOnInterrupt } from "../conformance/harness/children.ts";
import { awaitReadiness } from "../conformance/harness/readiness.ts";

const USAGE = `Usage: deno task bench ls-big [--files N] [--rounds N] [--server PATH]

ftp_server.ts (run with -A) with N files in its root: one ls, and the longest wait for a
welcome while an ls runs against a welcome with nothing running; medians of the rounds, then
20 ls nobody reads, and the server's peak RSS.

Options:
  --files N     files in the root (default 100000)
  --rounds N    rounds (default 3)
  --server PATH the server to run (default programs/ftp_server.ts)`;

const root = new URL("../", import.meta.url).pathname;
const encoder = new TextEncoder();
/** Connections that ask `ls` and read nothing, at the end. */
const UNREAD = 20;

/** Reads one `ls` reply from `conn`: its size line, then that many bytes. */
async function readListing(conn: Deno.Conn, buffer: Uint8Array): Promise<void> {
  let head = "";
  let got = 0;
  let want = Infinity;
  while (got < want) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("the server closed the connection");
    if (want === Infinity) {
      head += new TextDecoder().decode(buffer.subarray(0, n));
      const end = head.indexOf("\n");
      if (end < 0) continue;
      want = Number(head.slice(0, end));
      got = encoder.encode(head.slice(end + 1)).length;
    } else {
      got += n;
    }
  }
}

/** A new connection to `port`, once its welcome is in; and the milliseconds that took. */
async function welcomed(port: number): Promise<{ conn: Deno.Conn; ms: number }> {
  const started = performance.now();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  // The welcome is one short line: one read.
  await conn.read(new Uint8Array(256));
  return { conn, ms: performance.now() - started };
}

/**
 * One round: an `ls` alone, then a welcome alone, then welcomes one after another while an
 * `ls` runs (the longest of them, and how many).
 */
async function round(
  port: number,
): Promise<{ ls: number; idle: number; during: number; welcomes: number }> {
  const buffer = new Uint8Array(1 << 20);
  const lister = (await welcomed(port)).conn;
  const started = performance.now();
  await lister.write(encoder.encode("ls\n"));
  await readListing(lister, buffer);
  const ls = performance.now() - started;

  const idle = await welcomed(port);
  idle.conn.close();

  // Welcomes one after another for as long as the ls runs: the longest is the longest the
  // server was not there for anyone.
  await lister.write(encoder.encode("ls\n"));
  let listed = false;
  const listing = readListing(lister, buffer).then(() => {
    listed = true;
  });
  let during = 0;
  let welcomes = 0;
  while (!listed) {
    const { conn, ms } = await welcomed(port);
    conn.close();
    during = Math.max(during, ms);
    welcomes++;
  }
  await listing;
  lister.close();
  return { ls, idle: idle.ms, during, welcomes };
}

async function main(): Promise<void> {
  const flags = readBenchFlags(Deno.args, {
    files: { type: "string", default: "100000" },
    rounds: { type: "string", default: "3" },
    server: { type: "string", default: `${root}programs/ftp_server.ts` },
  }, USAGE);
  for (const flag of ["files", "rounds"] as const) {
    if (!/^[1-9]\d*$/.test(flags[flag])) {
      throw new BenchUsageError(
        `--${flag} takes a count from 1, not ${JSON.stringify(flags[flag])}`,
      );
    }
  }
  killChildrenOnInterrupt();
  const work = await Deno.makeTempDir({ prefix: "socket-lessons-bench-ls-big-" });
  const scope = new ChildScope(`bench-ls-big-${crypto.randomUUID()}`);
  try {
    await Deno.mkdir(`${work}/ftp_root`);
    for (let i = 0; i < Number(flags.files); i++) {
      Deno.writeTextFileSync(`${work}/ftp_root/file-${i}.txt`, "hello\n");
    }
    const server = scope.spawn("ftp_server.ts", {
      cmd: Deno.execPath(),
      args: ["run", "-A", "--no-config", flags.server, "--port", "0"],
      cwd: work,
    });
    const [{ port }] = await awaitReadiness(server);
    const rounds = [];
    for (let i = 0; i < Number(flags.rounds); i++) rounds.push(await round(port));
    const unread: Deno.Conn[] = [];
    for (let i = 0; i < UNREAD; i++) {
      const { conn } = await welcomed(port);
      await conn.write(encoder.encode("ls\n"));
      unread.push(conn);
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const kib = await peakRss(server.pid);
    for (const conn of unread) conn.close();
    const ms = (values: number[]) => `${median(values).toFixed(1)} ms`;
    const idle = median(rounds.map((r) => r.idle));
    const during = median(rounds.map((r) => r.during));
    console.log(
      `${
        flags.server.replace(root, "")
      }, ${flags.files} files, median of ${flags.rounds} rounds:\n` +
        `  one ls: ${ms(rounds.map((r) => r.ls))}\n` +
        `  a welcome, nothing running (reference): ${ms(rounds.map((r) => r.idle))}\n` +
        `  the longest welcome while an ls runs: ${ms(rounds.map((r) => r.during))} ` +
        `(${(during / idle).toFixed(0)}× the reference; ` +
        `${median(rounds.map((r) => r.welcomes))} welcomes during it)\n` +
        `  peak RSS after ${UNREAD} more ls nobody reads: ${(kib / 1024).toFixed(0)} MiB`,
    );
  } finally {
    await scope.killAll();
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) await runBench("ls-big", main);
