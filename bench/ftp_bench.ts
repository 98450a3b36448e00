#!/usr/bin/env -S deno run -A
/**
 * The FTP benchmark: `deno task bench ftp [--size BYTES] [--rounds N] [--write-docs]`.
 *
 * Puts and gets one file (1 GiB by default) through `ftp_server.ts` with `ftp_client.ts` on
 * loopback, and measures in the same run the two references the figures are judged against:
 * a single-core MD5 pass over the same file (1 MiB reads, `node:crypto`) and a raw loopback
 * copy of it (file → TCP → file, no hashing, no protocol). Reports MiB/s (median of the timed
 * rounds), the ratios to both references, and the peak RSS (VmHWM) of each side.
 *
 * `get` is measured twice per round: the first download of the file just put (the server
 * hashes what it sends) and a repeat download (the server remembers the MD5 of an unchanged
 * file and only sends). Every run, references included, is timed from spawn to exit.
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

import { parseArgs } from "node:util";
import { writeBetweenMarkers } from "./doc_section.ts";
import { peakRss } from "./peak_rss.ts";
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

/**
 * Waits for `child` to exit, sampling its peak RSS every 10 ms (VmHWM only grows, so the last
 * sample before exit is its peak within those 10 ms). Returns wall seconds and peak KiB.
 */
async function runMeasured(
  child: Child,
  started: number,
): Promise<{ seconds: number; kib: number }> {
  let kib = 0;
  let done = false;
  child.status.then(() => (done = true));
  while (!done) {
    kib = Math.max(kib, await peakRss(child.pid));
    await Promise.race([child.status, new Promise((r) => setTimeout(r, 10))]);
  }
  const status = await child.waitExit(600_000);
  const seconds = (performance.now() - started) / 1000;
  if (status.code !== 0) {
    throw new Error(`${child.label} exited with ${status.code}: ${child.stderr.text.trim()}`);
  }
  return { seconds, kib };
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
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const flags = parseArgs({
    args: Deno.args,
    strict: true,
    options: {
      size: { type: "string", default: String(1 << 30) },
      rounds: { type: "string", default: "3" },
      "write-docs": { type: "boolean" },
    },
  }).values;
  const size = Number(flags.size);
  const rounds = Number(flags.rounds);
  killChildrenOnInterrupt();

  const work = await Deno.makeTempDir({ prefix: "socket-lessons-bench-" });
  const scope = new ChildScope(`bench-${crypto.randomUUID()}`);
  const deno = Deno.execPath();
  const script = (name: string) => `${root}programs/${name}`;
  try {
    console.error(`making a ${(size / MiB).toFixed(0)} MiB file in ${work}`);
    await Deno.mkdir(`${work}/client`);
    const source = await writeContent({ generated: size }, `${work}/client/data.bin`, work);

    // Reference 1: MD5 alone, one core, same file, same library.
    const md5Times: number[] = [];
    for (let round = 0; round <= rounds; round++) {
      // Timed like the transfers: from spawn to exit, Deno's start-up included.
      const started = performance.now();
      const child = scope.spawn("md5", {
        cmd: deno,
        args: ["run", "-A", "--no-config", `${root}bench/md5_pass.ts`, `${work}/client/data.bin`],
      });
      await child.waitExit(600_000);
      const seconds = (performance.now() - started) / 1000;
      const [, md5] = child.stdout.text.trim().split(" ");
      if (md5 !== source.md5) throw new Error("md5 pass disagrees with the harness");
      if (round > 0) md5Times.push(seconds);
    }

    // Reference 2: the same bytes over loopback TCP into a new file, without hashing.
    const rawTimes: number[] = [];
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
      await sender.waitExit(600_000);
      await receiver.waitExit(600_000);
      if (round > 0) rawTimes.push((performance.now() - started) / 1000);
    }
    await Deno.remove(`${work}/raw.bin`);

    // The tool: put, then get, through ftp_server.ts.
    const server = scope.spawn("server", {
      cmd: deno,
      args: [
        "run",
        "-A",
        "--no-config",
        script("ftp_server.ts"),
        "--port",
        "0",
        "--root",
        `${work}/root`,
      ],
      cwd: work,
    });
    const [listening] = await awaitReadiness(server);
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
    const empty = () => ({ seconds: [] as number[], kib: 0 });
    const put = empty();
    const firstGet = empty();
    const repeatGet = empty();
    const measure = async (into: { seconds: number[]; kib: number }, args: string[]) => {
      const run = await runMeasured(client(...args), performance.now());
      into.seconds.push(run.seconds);
      into.kib = Math.max(into.kib, run.kib);
    };
    for (let round = 0; round <= rounds; round++) {
      await freshOutput(`${work}/root/data.bin`);
      await measure(put, ["put", "data.bin"]);
      // A new file: the server hashes what it sends.
      await freshOutput(`${work}/client/back.bin`);
      await measure(firstGet, ["get", "data.bin", "--out", "back.bin"]);
      // The same file again: the server knows its MD5 and only sends.
      await freshOutput(`${work}/client/back.bin`);
      await measure(repeatGet, ["get", "data.bin", "--out", "back.bin"]);
      // The first round only warms up.
      if (round === 0) { for (const run of [put, firstGet, repeatGet]) run.seconds.length = 0; }
    }
    const serverKib = await peakRss(server.pid);
    const back = await fileDigest(`${work}/client/back.bin`);
    if (back.md5 !== source.md5 || back.size !== source.size) {
      throw new Error("get returned other bytes");
    }

    const mibs = (seconds: number) => size / MiB / seconds;
    const md5Speed = mibs(median(md5Times));
    const rawSpeed = mibs(median(rawTimes));
    const row = (what: string, seconds: number, client: string, serverRss: string) => {
      const speed = mibs(seconds);
      return `| ${what} | ${seconds.toFixed(2)} s | ${speed.toFixed(0)} MiB/s | ` +
        `${(speed / md5Speed).toFixed(2)}× | ${
          (speed / rawSpeed).toFixed(2)
        }× | ${client} | ${serverRss} |`;
    };
    const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
    const table = [
      `File: ${
        (size / MiB).toFixed(0)
      } MiB, md5 ${source.md5}; median of ${rounds} timed rounds after one warm-up round.`,
      "",
      "| Run | Time | Speed | ÷ MD5 pass | ÷ raw copy | Peak RSS client | Peak RSS server |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      row("MD5 pass (reference)", median(md5Times), "-", "-"),
      row("raw loopback copy (reference)", median(rawTimes), "-", "-"),
      row("`ftp_client.ts put`", median(put.seconds), mib(put.kib), mib(serverKib)),
      row("`ftp_client.ts get`", median(repeatGet.seconds), mib(repeatGet.kib), mib(serverKib)),
      row(
        "`ftp_client.ts get`, first download",
        median(firstGet.seconds),
        mib(firstGet.kib),
        mib(serverKib),
      ),
      "",
      `Rounds (s): MD5 ${list(md5Times)}; raw ${list(rawTimes)}; put ${list(put.seconds)}; ` +
      `get ${list(repeatGet.seconds)}; first get ${list(firstGet.seconds)}. ` +
      "Server peak RSS is over all rounds.",
    ].join("\n");
    console.log(table);

    if (flags["write-docs"]) {
      await writeBetweenMarkers(DOC, MARKERS, table);
      console.error(`wrote ${DOC}`);
    }
  } finally {
    await scope.killAll();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
