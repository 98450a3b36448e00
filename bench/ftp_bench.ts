#!/usr/bin/env -S deno run -A
/**
 * The FTP benchmark: `deno task bench ftp [--size BYTES] [--rounds N] [--write-docs]`.
 *
 * Puts and gets one file (1 GiB by default) through `ftp_server.ts` with `ftp_client.ts` on
 * loopback (both run with `-A`, so their MD5 is OpenSSL's), and measures in the same run the
 * references the figures are judged against: the same put and get in Python
 * (`bench/python_put.py`, `bench/python_get.py`: the same bytes on the wire, 1 MiB buffers,
 * hashlib), alternating with the Deno runs round by round (Python first in odd rounds, Deno
 * in even ones); a single-core MD5 pass over the same file (1 MiB reads, `node:crypto`); and a
 * raw loopback copy of it (file → TCP → file, no hashing, no protocol). Reports MiB/s (median
 * of the timed rounds), the ratios to the references, the peak RSS (VmHWM) of each side, and
 * the CPU time each side used (user + system, in the median round), which shows where a slow
 * round went.
 *
 * `get` is measured twice per round: the first download of the file just put (the server
 * hashes what it sends) and a repeat download (the server remembers the MD5 of an unchanged
 * file and only sends). Every run, references included, is timed from spawn to exit.
 *
 * Then the same file through the server's standard FTP port (`--ftp-port`, a server of its own,
 * so its peak RSS is only theirs): `curl -T` up and `curl` down, as many rounds after a warm-up
 * one; the server's peak RSS must stay under 64 MiB (the run fails otherwise). Skipped, with a
 * line saying so, where curl is missing.
 *
 * One untimed round comes first, and every run starts after `sync`, with the previous round's
 * output deleted just then. On this virtual machine the kernel reports free pages to the host
 * (virtio_balloon free page reporting), and writing a new file into such pages costs the
 * receiving side several times more kernel time (`perf` shows `copy_folio_from_iter_atomic`);
 * see docs/PERFORMANCE.md.
 *
 * Linux only (peak RSS comes from /proc). Speed is never asserted here: see docs/PERFORMANCE.md.
 *
 * @module
 */

import { BenchUsageError, readBenchFlags, runBench } from "./cli.ts";
import { median } from "./median.ts";
import { writeBetweenMarkers } from "./doc_section.ts";
import { peakRss } from "./peak_rss.ts";
import { type CpuTime, cpuTime } from "./proc_cpu.ts";
import {
  type Child,
  ChildScope,
  killChildrenOnInterrupt,
} from "../conformance/harness/children.ts";
import { fileDigest } from "../conformance/harness/file_digest.ts";
import { writeContent } from "../conformance/harness/files.ts";
import { awaitReadiness } from "../conformance/harness/readiness.ts";

const root = new URL("../", import.meta.url).pathname;
const DOC = `${root}docs/PERFORMANCE.md`;
const MARKERS = ["<!-- ftp-bench:start -->", "<!-- ftp-bench:end -->"] as const;
const MiB = 1 << 20;
/** The standard FTP server's peak RSS over the curl rounds must stay under this. */
const STANDARD_FTP_RSS_LIMIT_KIB = 64 * 1024;

/** One timed run: wall seconds, peak RSS in KiB, and the CPU time it used. */
interface Run {
  seconds: number;
  kib: number;
  cpu: CpuTime;
}

/**
 * Waits for `child` to exit, sampling its peak RSS and CPU time every 10 ms (both only grow,
 * so the last sample before exit is within those 10 ms of the end).
 */
async function runMeasured(child: Child, started: number): Promise<Run> {
  let kib = 0;
  let cpu: CpuTime = { user: 0, sys: 0 };
  let done = false;
  child.status.then(() => (done = true));
  while (!done) {
    kib = Math.max(kib, await peakRss(child.pid));
    cpu = await cpuTime(child.pid) ?? cpu;
    await Promise.race([child.status, new Promise((r) => setTimeout(r, 10))]);
  }
  const status = await child.waitExit(600_000);
  const seconds = (performance.now() - started) / 1000;
  if (status.code !== 0) {
    throw new Error(`${child.label} exited with ${status.code}: ${child.stderr.text.trim()}`);
  }
  return { seconds, kib, cpu };
}

/**
 * Flushes earlier writes to disk, then deletes `path` (an earlier round's output) just before
 * the next round writes it again. The kernel then hands the round the page-cache pages it has
 * just freed; pages freed earlier may have been reported to the host by then (virtio_balloon
 * free page reporting), and every first touch of those costs a host fault: on this machine
 * `dd` writes a new 1 GiB file in 0.2 s right after such a delete, in 2.6 s otherwise.
 */
async function freshOutput(path: string): Promise<void> {
  await new Deno.Command("sync").output();
  await Deno.remove(path).catch(() => {});
}

const list = (values: number[]) => values.map((s) => s.toFixed(2)).join(", ");

/** A timed run and, for a transfer through the server, the CPU the server spent meanwhile. */
interface Transfer extends Run {
  server: CpuTime | null;
}

/** The round whose time is the median. */
const medianRun = (runs: Transfer[]) =>
  [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];

const USAGE = `Usage: deno task bench ftp [--size BYTES] [--rounds N] [--write-docs]

1 GiB put and get through ftp_server.ts/ftp_client.ts against the Python reference of the same
protocol (bench/python_put.py, python_get.py), an MD5 pass and a raw copy, alternating, N rounds.

Options:
  --size BYTES   size of the file moved (default 1073741824, 1 GiB)
  --rounds N     rounds of every transfer; the median is reported (default 3)
  --write-docs   write the figures into docs/PERFORMANCE.md`;

async function main() {
  const flags = readBenchFlags(Deno.args, {
    size: { type: "string", default: String(1 << 30) },
    rounds: { type: "string", default: "3" },
    "write-docs": { type: "boolean" },
  }, USAGE);
  const size = Number(flags.size);
  const rounds = Number(flags.rounds);
  if (!/^\d+$/.test(flags.size) || size < 1) {
    throw new BenchUsageError(`--size takes a number of bytes, not ${JSON.stringify(flags.size)}`);
  }
  if (!/^\d+$/.test(flags.rounds) || rounds < 1) {
    throw new BenchUsageError(`--rounds takes a count from 1, not ${JSON.stringify(flags.rounds)}`);
  }
  killChildrenOnInterrupt();

  const work = await Deno.makeTempDir({ prefix: "socket-lessons-bench-" });
  const scope = new ChildScope(`bench-${crypto.randomUUID()}`);
  const deno = Deno.execPath();
  const script = (name: string) => `${root}programs/${name}`;
  /** ftp_server.ts on any free port, serving `folder`, with `-A` as the bench runs it. */
  const ftpServer = (label: string, folder: string, extra: string[] = []) =>
    scope.spawn(label, {
      cmd: deno,
      args: [
        "run",
        "-A",
        "--no-config",
        script("ftp_server.ts"),
        "--port",
        "0",
        ...extra,
        "--root",
        folder,
      ],
      cwd: work,
    });
  try {
    console.error(`making a ${(size / MiB).toFixed(0)} MiB file in ${work}`);
    await Deno.mkdir(`${work}/client`);
    const source = await writeContent({ generated: size }, `${work}/client/data.bin`, work);

    // Reference 1: MD5 alone, one core, same file, same library.
    const md5Runs: Transfer[] = [];
    for (let round = 0; round <= rounds; round++) {
      // Timed like the transfers: from spawn to exit, Deno's start-up included.
      const child = scope.spawn("md5", {
        cmd: deno,
        args: ["run", "-A", "--no-config", `${root}bench/md5_pass.ts`, `${work}/client/data.bin`],
      });
      const run = await runMeasured(child, performance.now());
      const [, md5] = child.stdout.text.trim().split(" ");
      if (md5 !== source.md5) throw new Error("md5 pass disagrees with the harness");
      if (round > 0) md5Runs.push({ ...run, server: null });
    }

    // Reference 2: the same bytes over loopback TCP into a new file, without hashing.
    const rawRuns: Transfer[] = [];
    for (let round = 0; round <= rounds; round++) {
      await freshOutput(`${work}/raw.bin`);
      const receiver = scope.spawn("raw-receiver", {
        cmd: deno,
        args: [
          "run",
          "-A",
          "--no-config",
          `${root}bench/raw_copy.ts`,
          "receive",
          `${work}/raw.bin`,
        ],
      });
      const [listening] = await awaitReadiness(receiver);
      const started = performance.now();
      const sender = scope.spawn("raw-sender", {
        cmd: deno,
        args: [
          "run",
          "-A",
          "--no-config",
          `${root}bench/raw_copy.ts`,
          "send",
          String(listening.port),
          `${work}/client/data.bin`,
        ],
      });
      // The sender is the "client" side, the receiver the "server" side.
      const [sent, received] = await Promise.all([
        runMeasured(sender, started),
        runMeasured(receiver, started),
      ]);
      if (round > 0) {
        rawRuns.push({ ...received, kib: sent.kib, cpu: sent.cpu, server: received.cpu });
      }
    }
    await Deno.remove(`${work}/raw.bin`);

    // The tool: put, then get, through ftp_server.ts.
    const server = ftpServer("server", `${work}/root`);
    const [listening] = await awaitReadiness(server);
    await Deno.mkdir(`${work}/python-root`);
    const pythonServer = scope.spawn("python-server", {
      cmd: "python3",
      args: [`${root}bench/python_put.py`, "server", `${work}/python-root`],
    });
    const pythonPort = await pythonServer.stdout.waitFor(
      (text) => /^(\d+)\n/.exec(text)?.[1],
      10_000,
      "the Python server's port",
    );
    const python = (...args: string[]) =>
      scope.spawn("python-client", { cmd: "python3", args, cwd: `${work}/client` });
    const client = (...args: string[]) =>
      scope.spawn("client", {
        cmd: deno,
        args: [
          "run",
          "-A",
          "--no-config",
          script("ftp_client.ts"),
          "--port",
          String(listening.port),
          ...args,
        ],
        cwd: `${work}/client`,
      });
    const put: Transfer[] = [];
    const firstGet: Transfer[] = [];
    const repeatGet: Transfer[] = [];
    const pythonPut: Transfer[] = [];
    const pythonGet: Transfer[] = [];
    const measure = async (into: Transfer[], args: string[], side = server) => {
      const before = await cpuTime(side.pid);
      const child = side === server ? client(...args) : python(...args);
      const run = await runMeasured(child, performance.now());
      const after = await cpuTime(side.pid);
      const spent = before && after
        ? { user: after.user - before.user, sys: after.sys - before.sys }
        : null;
      into.push({ ...run, server: spent });
    };
    const pythonRound = async () => {
      await freshOutput(`${work}/python-root/data.bin`);
      const port = String(pythonPort);
      await measure(
        pythonPut,
        [`${root}bench/python_put.py`, "client", port, "data.bin"],
        pythonServer,
      );
      await freshOutput(`${work}/client/python-back.bin`);
      await measure(
        pythonGet,
        [`${root}bench/python_get.py`, port, "data.bin", "python-back.bin"],
        pythonServer,
      );
    };
    const denoRound = async () => {
      await freshOutput(`${work}/root/data.bin`);
      await measure(put, ["put", "data.bin"]);
      // A new file: the server hashes what it sends.
      await freshOutput(`${work}/client/back.bin`);
      await measure(firstGet, ["get", "data.bin", "--out", "back.bin"]);
      // The same file again: the server knows its MD5 and only sends.
      await freshOutput(`${work}/client/back.bin`);
      await measure(repeatGet, ["get", "data.bin", "--out", "back.bin"]);
    };
    for (let round = 0; round <= rounds; round++) {
      // Alternating which goes first, so neither always meets the other's leftovers.
      if (round % 2 === 1) {
        await pythonRound();
        await denoRound();
      } else {
        await denoRound();
        await pythonRound();
      }
      // The first round only warms up.
      if (round === 0) {
        for (const runs of [put, firstGet, repeatGet, pythonPut, pythonGet]) runs.length = 0;
      }
    }
    const pythonKib = await peakRss(pythonServer.pid);
    const serverKib = await peakRss(server.pid);
    const back = await fileDigest(`${work}/client/back.bin`);
    if (back.md5 !== source.md5 || back.size !== source.size) {
      throw new Error("get returned other bytes");
    }

    // Standard FTP: curl up and down through --ftp-port, on a server of its own.
    const curlPut: Transfer[] = [];
    const curlGet: Transfer[] = [];
    let curlServerKib = 0;
    const hasCurl = await new Deno.Command("curl", { args: ["--version"], stdout: "null" })
      .output().then((out) => out.success, () => false);
    if (hasCurl) {
      const standard = ftpServer("standard-server", `${work}/ftp-root`, ["--ftp-port", "0"]);
      const [, ftp] = await awaitReadiness(standard, 2);
      const url = `ftp://127.0.0.1:${ftp.port}/`;
      const curl = async (into: Transfer[], args: string[]) => {
        const before = await cpuTime(standard.pid);
        const child = scope.spawn("curl", {
          cmd: "curl",
          args: ["-sS", ...args],
          cwd: `${work}/client`,
        });
        const run = await runMeasured(child, performance.now());
        const after = await cpuTime(standard.pid);
        const spent = before && after
          ? { user: after.user - before.user, sys: after.sys - before.sys }
          : null;
        into.push({ ...run, server: spent });
      };
      for (let round = 0; round <= rounds; round++) {
        await freshOutput(`${work}/ftp-root/data.bin`);
        await curl(curlPut, ["-T", "data.bin", url]);
        await freshOutput(`${work}/client/curl-back.bin`);
        await curl(curlGet, ["-o", "curl-back.bin", `${url}data.bin`]);
        // The first round only warms up.
        if (round === 0) {
          curlPut.length = 0;
          curlGet.length = 0;
        }
      }
      curlServerKib = await peakRss(standard.pid);
      for (const path of [`${work}/ftp-root/data.bin`, `${work}/client/curl-back.bin`]) {
        const copy = await fileDigest(path);
        if (copy.md5 !== source.md5 || copy.size !== source.size) {
          throw new Error(`curl through --ftp-port left other bytes in ${path}`);
        }
      }
    }

    const mibs = (seconds: number) => size / MiB / seconds;
    const times = (runs: Transfer[]) => runs.map((run) => run.seconds);
    const md5Speed = mibs(median(times(md5Runs)));
    const pythonPutSpeed = mibs(median(times(pythonPut)));
    const pythonGetSpeed = mibs(median(times(pythonGet)));
    const rawSpeed = mibs(median(times(rawRuns)));
    const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
    const cpu = (spent: CpuTime | null) =>
      spent ? `${spent.user.toFixed(2)} + ${spent.sys.toFixed(2)} s` : "-";
    // Each row shows the median round: its time, and the CPU each side spent in it.
    const row = (
      what: string,
      runs: Transfer[],
      rss: { client: string; server: string },
      pythonSpeed?: number,
    ) => {
      const middle = medianRun(runs);
      const speed = mibs(middle.seconds);
      const toPython = pythonSpeed ? `${(speed / pythonSpeed).toFixed(2)}×` : "-";
      return `| ${what} | ${middle.seconds.toFixed(2)} s | ${speed.toFixed(0)} MiB/s | ` +
        `${toPython} | ${(speed / md5Speed).toFixed(2)}× | ${(speed / rawSpeed).toFixed(2)}× | ` +
        `${rss.client} | ${rss.server} | ${cpu(middle.cpu)} | ${cpu(middle.server)} |`;
    };
    const peak = (runs: Transfer[]) => mib(Math.max(...runs.map((run) => run.kib)));
    const tool = (runs: Transfer[]) => ({ client: peak(runs), server: mib(serverKib) });
    const pythonSide = (runs: Transfer[]) => ({ client: peak(runs), server: mib(pythonKib) });
    const none = { client: "-", server: "-" };
    // The side that writes the new file pays the page-cache cost: its system time shows it.
    const receiverSys = (runs: Transfer[], receiver: "client" | "server") =>
      list(runs.map((run) => (receiver === "client" ? run.cpu : run.server)?.sys ?? NaN));
    const table = [
      `File: ${
        (size / MiB).toFixed(0)
      } MiB, md5 ${source.md5}; median of ${rounds} timed rounds after one warm-up round.`,
      "",
      "| Run | Time | Speed | ÷ Python | ÷ MD5 pass | ÷ raw copy | Peak RSS client | " +
      "Peak RSS server | CPU client (user + sys) | CPU server (user + sys) |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
      row("MD5 pass (reference)", md5Runs, none),
      row("raw loopback copy (reference)", rawRuns, none),
      row("Python put (reference)", pythonPut, pythonSide(pythonPut)),
      row("Python get (reference)", pythonGet, pythonSide(pythonGet)),
      row("`ftp_client.ts put`", put, tool(put), pythonPutSpeed),
      row("`ftp_client.ts get`, first download", firstGet, tool(firstGet), pythonGetSpeed),
      row(
        "`ftp_client.ts get`, MD5 known to the server",
        repeatGet,
        tool(repeatGet),
        pythonGetSpeed,
      ),
      ...(hasCurl
        ? [
          row("`curl -T` (standard FTP, `--ftp-port`)", curlPut, {
            client: peak(curlPut),
            server: mib(curlServerKib),
          }, pythonPutSpeed),
          row("`curl` get (standard FTP, `--ftp-port`)", curlGet, {
            client: peak(curlGet),
            server: mib(curlServerKib),
          }, pythonGetSpeed),
        ]
        : []),
      "",
      `Rounds (s): MD5 ${list(times(md5Runs))}; raw ${list(times(rawRuns))}; ` +
      `Python put ${list(times(pythonPut))}; Python get ${list(times(pythonGet))}; ` +
      `put ${list(times(put))}; first get ${list(times(firstGet))}; ` +
      `get with the MD5 known ${list(times(repeatGet))}. Server peak RSS is over all rounds. ` +
      `System CPU of the side writing the new file, per round (s): raw ${
        receiverSys(rawRuns, "server")
      }; put ${receiverSys(put, "server")}; get ${receiverSys(repeatGet, "client")}; ` +
      `first get ${receiverSys(firstGet, "client")}. The raw copy's sender is its client side.` +
      (hasCurl
        ? ` curl through --ftp-port (its own server; peak RSS over its rounds, limit 64 MiB): ` +
          `put ${list(times(curlPut))}; get ${list(times(curlGet))}.`
        : " curl is missing: the standard FTP rows are left out."),
    ].join("\n");
    console.log(table);
    if (hasCurl && curlServerKib >= STANDARD_FTP_RSS_LIMIT_KIB) {
      console.error(`the standard FTP server peaked at ${mib(curlServerKib)}, over 64 MiB`);
      Deno.exitCode = 1;
    }

    if (flags["write-docs"]) {
      await writeBetweenMarkers(DOC, MARKERS, table);
      console.error(`wrote ${DOC}`);
    }
  } finally {
    await scope.killAll();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await runBench("ftp", main);
