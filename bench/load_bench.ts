#!/usr/bin/env -S deno run -A
/**
 * The connection benchmark: `deno run -A bench/load_bench.ts [--connections 100,1000,10000]
 * [--seconds N] [--warmup N] [--runs N] [--only NAME,…] [--generator c|node] [--write-docs]`.
 *
 * Drives `chat_server.ts`, `threaded_chat_server.ts` and `select_echo_server.ts`, and in the
 * same run the references they are judged against (a minimal Deno echo, `echo_deno.ts`, a
 * minimal Node `net` server of the chat servers' bytes, `chat_node.mjs`, and a minimal Node
 * `net` echo, `echo_node.mjs`), with a load generator: C connections held
 * at once, each doing ping-pong round trips of one short UTF-8 message, for every C asked for.
 *
 * The generator (see generator.ts) is `load_gen.c`, compiled once per run with `$CC` or `cc`
 * into a temporary folder, or with `--generator node` (or when it cannot be compiled, which
 * the run says in one line) `load_gen.mjs`, run by Node. The report names the one that ran and
 * its headroom: what `echo_node.mjs` made at 100 connections; under 150,000 round trips/s the
 * run is marked generator-bound.
 *
 * Every (server, C) pair gets a fresh server and a fresh generator process, so each peak RSS
 * (VmHWM, sampled from /proc while the generator runs) belongs to that many connections.
 *
 * Servers run with stdout sent to /dev/null: the lesson servers print a line or two for every
 * connection (`select_echo_server.ts` prints all its connections on each new one), and those
 * lines are part of their transcripts, not of what is measured here. Servers and generator are
 * started through `sh -c 'ulimit -n HARD; exec …'` so each may hold C descriptors.
 *
 * Prints a markdown table (server × connections: round trips/s, p50 and p99 latency,
 * connections served in the window of those asked for, errors, server peak RSS). With
 * `--write-docs`, writes it and the command into docs/LOAD.md between the load-bench markers,
 * and draws round trips/s against connections into docs/load.svg.
 *
 * `--only` may also name the fairness probes, `fairness_probe.ts`, `fairness_probe.ts
 * --allocate` and `fairness_probe.ts --workers 2` (see fairness_probe.ts), which the default run
 * leaves out.
 *
 * Linux only (RSS from /proc). Speed is never asserted here: see docs/LOAD.md.
 *
 * @module
 */

import { BenchUsageError, readBenchFlags, runBench } from "./cli.ts";
import { formatFiles, writeBetweenMarkers } from "./doc_section.ts";
import {
  type Generator,
  type GeneratorKind,
  headroomNote,
  loadArgs,
  type LoadResult,
  percentOfCore,
  prepareGenerator,
} from "./generator.ts";
import { peakRss } from "./peak_rss.ts";
import { ChildScope, killChildrenOnInterrupt } from "../conformance/harness/children.ts";
import { awaitReadiness } from "../conformance/harness/readiness.ts";

const root = new URL("../", import.meta.url).pathname;
const DOC = `${root}docs/LOAD.md`;
const PLOT = `${root}docs/load.svg`;
const MARKERS = ["<!-- load-bench:start -->", "<!-- load-bench:end -->"] as const;
const USAGE = `Usage: deno task bench load [options]

Options:
  --connections LIST  connection counts to run, e.g. 100,1000 (default 100,1000,10000)
  --seconds N         measured seconds per server and count (default 5)
  --warmup N          seconds of warm-up before measuring (default 1)
  --runs N            runs of every server at every count, alternating which goes first; a row
                      is their median, the lower middle one for an even N (default 2)
  --only LIST         only these servers, by name; also the probes "chat_server.ts
                      --idle-timeout 0", fairness_probe.ts, "fairness_probe.ts --allocate",
                      "fairness_probe.ts --workers 2"
  --generator c|node  the load generator (default c: compiled at bench time, else Node's)
  --write-docs        write the table into docs/LOAD.md and the plot into docs/load.svg
  --help              show this help`;

/** The tutorial's own example message: `我`, answered `我好` by the chat servers. */
const MESSAGE = "我";

/** A server under load, how to start it, and what it answers. */
interface Target {
  name: string;
  reference: boolean;
  command: string[];
  reply: "echo" | "chat";
  greeting: string;
}

const deno = Deno.execPath();
const lesson = (name: string, greeting: string, args: string[] = []): Target => ({
  name: [name, ...args].join(" "),
  reference: false,
  command: [
    deno,
    "run",
    "-A",
    "--no-config",
    `${root}programs/${name}`,
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    ...args,
  ],
  reply: "chat",
  greeting,
});

/** Greetings as the programs' WELCOME constants; select_echo_server.ts does not greet. */
const TARGETS: Target[] = [
  lesson("chat_server.ts", "欢迎致电babyshen"),
  lesson("threaded_chat_server.ts", "欢迎致电10086"),
  lesson("select_echo_server.ts", ""),
  {
    name: "echo_deno.ts",
    reference: true,
    command: [deno, "run", "-A", "--no-config", `${root}bench/echo_deno.ts`, "0"],
    reply: "echo",
    greeting: "",
  },
  {
    name: "chat_node.mjs",
    reference: true,
    command: ["node", `${root}bench/chat_node.mjs`, "0"],
    reply: "chat",
    greeting: "欢迎致电babyshen",
  },
  {
    name: "echo_node.mjs",
    reference: true,
    command: ["node", `${root}bench/echo_node.mjs`, "0"],
    reply: "echo",
    greeting: "",
  },
];

/**
 * Probes run only when `--only` names them: the chat server without its idle timeout (what
 * the timeout costs), the chat answer with nothing allocated per message, with one small
 * allocation per message, and from two event loops (docs/LOAD.md, "What bounds them").
 */
const PROBES: Target[] = [
  lesson("chat_server.ts", "欢迎致电babyshen", ["--idle-timeout", "0"]),
  ...["fairness_probe.ts", "fairness_probe.ts --allocate", "fairness_probe.ts --workers 2"].map(
    fairnessProbe,
  ),
];

/** A fairness probe (bench/fairness_probe.ts) as a target. */
function fairnessProbe(name: string): Target {
  return {
    name,
    reference: true,
    command: [
      deno,
      "run",
      "-A",
      // `--workers` shares the port between listeners (`reusePort`), still unstable in Deno 2.9.
      "--unstable-net",
      "--no-config",
      `${root}bench/${name.split(" ")[0]}`,
      ...name.split(" ").slice(1),
      "0",
    ],
    reply: "chat",
    greeting: "欢迎致电babyshen",
  };
}

interface Row {
  target: Target;
  connections: number;
  result: LoadResult;
  serverKib: number;
  /** Round trips/s of every run of this server at this count, in run order. */
  runs: number[];
}

/**
 * One row per server and count: the run with the median round trips/s (the lower of the two
 * middle ones for an even number of runs), carrying every run's figure.
 */
function medianRows(measured: Row[]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const row of measured) {
    const key = `${row.target.name}\n${row.connections}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const rows: Row[] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) =>
      a.result.roundTripsPerSecond - b.result.roundTripsPerSecond
    );
    const middle = sorted[Math.floor((sorted.length - 1) / 2)];
    rows.push({ ...middle, runs: group.map((row) => row.result.roundTripsPerSecond) });
  }
  return rows.sort((a, b) => a.connections - b.connections);
}

/** The hard open-file limit, which every child raises its soft limit to. */
async function hardFileLimit(): Promise<number> {
  const output = await new Deno.Command("sh", { args: ["-c", "ulimit -Hn"] }).output();
  const text = new TextDecoder().decode(output.stdout).trim();
  return text === "unlimited" ? Infinity : Number(text);
}

/** `sh` arguments that raise the soft file limit to the hard one, then exec `command`. */
function withFileLimit(command: string[], discardStdout: boolean): string[] {
  const redirect = discardStdout ? " >/dev/null" : "";
  return ["-c", `ulimit -n "$(ulimit -Hn)" && exec "$@"${redirect}`, "sh", ...command];
}

/**
 * One (server, C) measurement: a fresh server, then the generator against it, with the
 * server's peak RSS sampled every 100 ms until the generator exits.
 */
async function measure(
  scope: ChildScope,
  target: Target,
  connections: number,
  flags: { seconds: string; warmup: string },
  generator: Generator,
): Promise<Row> {
  const server = scope.spawn(target.name, {
    cmd: "sh",
    args: withFileLimit(target.command, true),
    cwd: root,
  });
  try {
    const [listening] = await awaitReadiness(server);
    const load = scope.spawn("load_gen", {
      cmd: "sh",
      args: withFileLimit([
        ...generator.command,
        ...loadArgs({
          port: listening.port,
          connections,
          seconds: Number(flags.seconds),
          warmup: Number(flags.warmup),
          message: MESSAGE,
          reply: target.reply,
          greeting: target.greeting,
          serverPid: server.pid,
        }),
      ], false),
    });
    let serverKib = 0;
    while (!load.exited) {
      serverKib = Math.max(serverKib, await peakRss(server.pid));
      await Promise.race([load.status, new Promise((r) => setTimeout(r, 100))]);
    }
    // The ramp is bounded by the connections; allow a minute per 10k on top of the run.
    const status = await load.waitExit(60_000 + connections * 6);
    if (status.code !== 0) {
      throw new Error(`the generator exited with ${status.code}: ${load.stderr.text.trim()}`);
    }
    if (server.exited) {
      const { code, signal } = await server.status;
      throw new Error(
        `${target.name} exited under load (${signal ?? code}): ${server.stderr.text.trim()}`,
      );
    }
    const result: LoadResult = JSON.parse(load.stdout.text);
    return { target, connections, result, serverKib, runs: [result.roundTripsPerSecond] };
  } finally {
    await server.stop("SIGKILL", 0);
  }
}

/** A markdown table whose columns are padded to one width, as `deno fmt` leaves them. */
function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const thousands = (n: number) => n.toLocaleString("en-US");
const ms = (value: number | null) => value === null ? "-" : `${value.toFixed(2)} ms`;
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
const label = (target: Target) => `\`${target.name}\`${target.reference ? " (reference)" : ""}`;

function formatTable(rows: Row[]): string {
  const nodeChat = (connections: number) =>
    rows.find((row) => row.target.name === "chat_node.mjs" && row.connections === connections);
  const ratio = (row: Row) => {
    const reference = nodeChat(row.connections);
    if (!reference || reference === row) return "-";
    return `${(row.result.roundTripsPerSecond / reference.result.roundTripsPerSecond).toFixed(2)}×`;
  };
  return markdownTable(
    [
      "Server",
      "Connections",
      "Round trips/s",
      "÷ Node chat",
      "Runs",
      "p50",
      "p99",
      "Served",
      "Per connection",
      "Generator CPU",
      "Server CPU",
      "Errors",
      "Peak RSS",
    ],
    rows.map((row) => [
      label(row.target),
      thousands(row.connections),
      thousands(row.result.roundTripsPerSecond),
      ratio(row),
      row.runs.map(thousands).join(" "),
      ms(row.result.p50Ms),
      ms(row.result.p99Ms),
      `${thousands(row.result.served)}/${thousands(row.connections)}`,
      `${thousands(row.result.minRoundTrips)}–${thousands(row.result.maxRoundTrips)}`,
      percentOfCore(row.result.cpuBusy),
      typeof row.result.serverCpuBusy === "number" ? percentOfCore(row.result.serverCpuBusy) : "-",
      String(row.result.errors),
      mib(row.serverKib),
    ]),
  );
}

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Round trips/s against connections (log x), one line per server, as a standalone SVG. */
function plot(rows: Row[]): string {
  const [width, height] = [720, 420];
  const margin = { left: 80, right: 220, top: 40, bottom: 60 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const counts = [...new Set(rows.map((r) => r.connections))].sort((a, b) => a - b);
  const [low, high] = [Math.log10(counts[0]), Math.log10(counts[counts.length - 1])];
  const x = (n: number) =>
    margin.left + (high === low ? plotWidth / 2 : (Math.log10(n) - low) / (high - low) * plotWidth);
  // A round step for the y axis: 1, 2 or 5 times a power of ten, about five ticks.
  const top = Math.max(1, ...rows.map((r) => r.result.roundTripsPerSecond));
  const rough = top / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const yMax = Math.ceil(top / step) * step;
  const y = (value: number) => margin.top + plotHeight - value / yMax * plotHeight;
  const colors = ["#d62728", "#ff7f0e", "#2ca02c", "#1f77b4", "#7f7f7f"];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left + plotWidth / 2}" y="22" text-anchor="middle" font-size="14">` +
    `Ping-pong round trips/s against concurrent connections</text>`,
  ];
  for (let value = 0; value <= yMax; value += step) {
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y(value)}" ` +
        `y2="${y(value)}" stroke="#ddd"/>`,
      `<text x="${margin.left - 6}" y="${y(value) + 4}" text-anchor="end">` +
        `${thousands(value)}</text>`,
    );
  }
  for (const n of counts) {
    parts.push(
      `<line x1="${x(n)}" x2="${x(n)}" y1="${margin.top}" y2="${margin.top + plotHeight}" ` +
        `stroke="#ddd"/>`,
      `<text x="${x(n)}" y="${margin.top + plotHeight + 18}" text-anchor="middle">` +
        `${thousands(n)}</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" ` +
      `fill="none" stroke="#333"/>`,
    `<text x="${margin.left + plotWidth / 2}" y="${height - 14}" text-anchor="middle">` +
      `concurrent connections (log scale)</text>`,
    `<text transform="translate(18 ${margin.top + plotHeight / 2}) rotate(-90)" ` +
      `text-anchor="middle">round trips/s</text>`,
  );
  TARGETS.filter((t) => rows.some((r) => r.target === t)).forEach((target, i) => {
    const color = colors[i % colors.length];
    const points = rows.filter((r) => r.target === target)
      .map((r) => `${x(r.connections).toFixed(1)},${y(r.result.roundTripsPerSecond).toFixed(1)}`);
    const dash = target.reference ? ` stroke-dasharray="6 4"` : "";
    parts.push(
      `<polyline points="${points.join(" ")}" fill="none" stroke="${color}" ` +
        `stroke-width="2"${dash}/>`,
      ...points.map((p) => {
        const [cx, cy] = p.split(",");
        return `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${color}"/>`;
      }),
    );
    const legendY = margin.top + 10 + i * 22;
    const legendX = margin.left + plotWidth + 16;
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 28}" y1="${legendY}" y2="${legendY}" ` +
        `stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${legendX + 36}" y="${legendY + 4}">${escapeXml(target.name)}` +
        `${target.reference ? " (reference)" : ""}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

async function main() {
  const flags = readBenchFlags(Deno.args, {
    connections: { type: "string", default: "100,1000,10000" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    runs: { type: "string", default: "2" },
    only: { type: "string" },
    generator: { type: "string", default: "c" },
    "write-docs": { type: "boolean" },
  }, USAGE);
  const counts = flags.connections.split(",").map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new BenchUsageError(`--connections takes counts like 100,1000, not ${flags.connections}`);
  }
  for (const flag of ["seconds", "warmup"] as const) {
    if (!/^\d+(\.\d+)?$/.test(flags[flag])) {
      throw new BenchUsageError(`--${flag} takes seconds, not ${JSON.stringify(flags[flag])}`);
    }
  }
  const runs = Number(flags.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new BenchUsageError(`--runs takes a count, not ${flags.runs}`);
  }
  const only = flags.only?.split(",");
  // In the order --only names them, so that runs can alternate which goes first.
  const named = (name: string) => [...TARGETS, ...PROBES].filter((t) => t.name === name);
  const targets = only ? only.flatMap(named) : TARGETS;
  if (targets.length === 0) throw new BenchUsageError(`--only matches none of the servers`);
  if (flags.generator !== "c" && flags.generator !== "node") {
    throw new BenchUsageError(`--generator takes c or node, not ${flags.generator}`);
  }
  // Each side holds one descriptor per connection, plus the runtime's own.
  const limit = await hardFileLimit();
  if (limit < Math.max(...counts) + 200) {
    throw new Error(`the hard open-file limit (${limit}) is too low for ${Math.max(...counts)}`);
  }
  killChildrenOnInterrupt();

  const generator = await prepareGenerator(flags.generator as GeneratorKind);
  const scope = new ChildScope(`load-bench-${crypto.randomUUID()}`);
  const measured: Row[] = [];
  try {
    // Servers take turns at each count, so slow drift of the machine touches all alike; each
    // further run goes through them in the other order.
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? targets : [...targets].reverse();
      for (const connections of counts) {
        for (const target of order) {
          console.error(`${target.name}: ${thousands(connections)} connections (run ${run + 1})`);
          const row = await measure(scope, target, connections, flags, generator);
          const samples = Object.values(row.result.errorSamples);
          if (samples.length > 0) console.error(`  errors, e.g. ${samples.join("; ")}`);
          measured.push(row);
        }
      }
    }
  } finally {
    await scope.killAll();
    await generator.dispose();
  }
  const rows = medianRows(measured);
  rows.sort((a, b) => targets.indexOf(a.target) - targets.indexOf(b.target));

  const command = ["deno run -A bench/load_bench.ts", ...Deno.args].join(" ");
  const nodeEcho = rows.find((r) => r.target.name === "echo_node.mjs" && r.connections === 100);
  const headroom = headroomNote(generator, nodeEcho?.result);
  const table = [
    `Message \`${MESSAGE}\`; ${flags.seconds} s measured after ${flags.warmup} s of warm-up; ` +
    "served = connections with a round trip in the measured window; per connection = the " +
    "fewest and most round trips of one connection in it; generator CPU = the generator's own " +
    "CPU time in it per second (100 % is one core); server CPU = the same for the server, all " +
    "its threads.",
    "",
    headroom,
    "",
    formatTable(rows),
  ].join("\n");
  console.log(table);

  if (flags["write-docs"]) {
    const section = ["```sh", command, "```", "", table, "", "![Round trips/s](load.svg)"];
    await writeBetweenMarkers(DOC, MARKERS, `\n${section.join("\n")}\n`);
    await Deno.writeTextFile(PLOT, plot(rows));
    await formatFiles(PLOT);
    console.error(`wrote ${DOC} and ${PLOT}`);
  }
}

if (import.meta.main) await runBench("load", main);
