#!/usr/bin/env node
/**
 * The load generator of the connection benchmark, run by Node as a process of its own:
 * `node bench/load_gen.mjs --port PORT --connections C --seconds S [options]`.
 *
 * Opens C TCP connections to one server in batches: every connection of a batch is connected,
 * greeted (when the server greets) and has had one message answered before the next batch
 * starts, so the server's accept backlog is never overrun and every open connection is known
 * to be accepted. Then every connection sends a short UTF-8 message, waits until the whole
 * expected reply has arrived, checks it byte for byte and sends again: ping-pong, one message
 * in flight per connection. A warm-up comes before the measured window.
 *
 * The reply it expects (`--reply`): `echo`, the message itself; `chat`, the message plus `好`
 * (the lesson servers answer each read with its text plus `好`, raw UTF-8, no framing).
 * `--greeting TEXT` is what the server sends first on every connection, before any message.
 *
 * Prints one JSON object on stdout: round trips per second over the measured window, p50 and
 * p99 latency in ms (send to last reply byte, of the round trips that ended in the window),
 * how many connections were open and how many completed a round trip in the window, the fewest
 * and most round trips of one open connection in the window, the generator's own CPU time in
 * the window per second of it (`cpuBusy`; 1 is one core fully busy), with `--server-pid PID` the
 * same for that process (`serverCpuBusy`, all its threads; null without the flag), and the
 * errors (connect
 * failures, resets or early closes, wrong replies) with a sample of each kind. load_gen.c takes
 * the same flags and prints the same JSON (with `"generator":"c"` where this prints `"node"`).
 *
 * Node rather than Deno: the same loop written for Deno (`conn.read`/`conn.write`) drove as
 * many round trips per second for the same CPU time, but served its connections unevenly:
 * against the Node `net` echo at 1,000 connections its p99 was 300–420 ms where this one's is
 * about 30 ms, so its latencies measured the generator rather than the server.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import net from "node:net";
import { parseArgs } from "node:util";

const flags = parseArgs({
  strict: true,
  args: process.argv.slice(2),
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    connections: { type: "string", default: "100" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    message: { type: "string", default: "我" },
    reply: { type: "string", default: "echo" },
    greeting: { type: "string", default: "" },
    "server-pid": { type: "string", default: "0" },
  },
}).values;

if (!flags.port) throw new Error("--port is required");
if (flags.reply !== "echo" && flags.reply !== "chat") {
  throw new Error(`--reply takes echo or chat, not ${flags.reply}`);
}
const connections = Number(flags.connections);
/** Connections opened at once; well under the accept backlog of any of the servers. */
const BATCH = 100;
const message = Buffer.from(flags.message);
const reply = Buffer.from(flags.reply === "echo" ? flags.message : flags.message + "好");
const greeting = Buffer.from(flags.greeting);

/** Latencies in whole microseconds up to 10 s; longer ones land in the last bucket. */
const LATENCY_BUCKETS = 10_000_000;
const latencies = new Uint32Array(LATENCY_BUCKETS);

/** The latency (ms) below which `fraction` of the recorded round trips fall. */
function percentile(fraction, count) {
  const rank = Math.ceil(fraction * count);
  let seen = 0;
  for (let us = 0; us < LATENCY_BUCKETS; us++) {
    seen += latencies[us];
    if (seen >= rank && seen > 0) return us / 1000;
  }
  return null;
}

const errors = { connect: 0, closed: 0, wrongReply: 0 };
const errorSamples = {};
function fail(kind, detail) {
  errors[kind]++;
  errorSamples[kind] ??= detail;
}

/** Set once the window starts (round trips before it are warm-up) and once the run ends. */
let windowStart = Infinity;
let windowEnd = Infinity;
let stopping = false;
let roundTrips = 0;

/** One connection: greeting, then message → reply for as long as the run lasts. */
class Pinger {
  socket;
  /** Bytes of `expected` matched so far. */
  matched = 0;
  expected = greeting;
  sentAt = 0;
  /** Round trips completed in the measured window. */
  roundTrips = 0;
  answered = false;
  /** Resolves once connected, greeted and answered once (true), or failed (false). */
  ready;

  constructor() {
    this.ready = new Promise((resolve) => {
      this.socket = net.connect({ host: flags.host, port: Number(flags.port), noDelay: true });
      this.socket.on("connect", () => {
        if (greeting.length === 0) this.#greeted();
      });
      this.socket.on("data", (chunk) => this.#onData(chunk, resolve));
      this.socket.on("error", (error) => {
        if (stopping) return;
        if (this.socket.connecting) fail("connect", error.message);
        else fail("closed", error.message);
        resolve(false);
      });
      this.socket.on("end", () => {
        if (!stopping) fail("closed", "closed by the server");
        resolve(false);
      });
    });
  }

  /** The first message, sent as soon as the greeting is in; its reply ends the ramp-up. */
  #greeted() {
    this.expected = reply;
    this.matched = 0;
    this.send();
  }

  /** Sends the message; the reply is matched as it arrives. */
  send() {
    this.sentAt = performance.now();
    this.socket.write(message);
  }

  #onData(chunk, resolve) {
    const expected = this.expected;
    const wanted = expected.length - this.matched;
    // More than the reply, or other bytes: the conversation is off track; give up on it.
    if (
      chunk.length > wanted ||
      expected.compare(chunk, 0, chunk.length, this.matched, this.matched + chunk.length) !== 0
    ) {
      if (!stopping) fail("wrongReply", JSON.stringify(chunk.toString()));
      this.socket.destroy();
      resolve(false);
      return;
    }
    this.matched += chunk.length;
    if (this.matched < expected.length) return;
    if (expected === greeting) return this.#greeted();
    this.matched = 0;
    if (!this.answered) {
      // Ramp-up: the connection is accepted and answering; it waits for the others.
      this.answered = true;
      return resolve(true);
    }
    const now = performance.now();
    if (now >= windowStart && now < windowEnd) {
      roundTrips++;
      latencies[Math.min(Math.floor((now - this.sentAt) * 1000), LATENCY_BUCKETS - 1)]++;
      this.roundTrips++;
    }
    if (!stopping) this.send();
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const pingers = [];
const rampStart = performance.now();
for (let opened = 0; opened < connections; opened += BATCH) {
  const batch = [];
  for (let i = opened; i < Math.min(connections, opened + BATCH); i++) batch.push(new Pinger());
  const ready = await Promise.all(batch.map((p) => p.ready));
  batch.forEach((p, i) => ready[i] && pingers.push(p));
}
const rampSeconds = (performance.now() - rampStart) / 1000;

for (const pinger of pingers) pinger.send();
await sleep(Number(flags.warmup) * 1000);
windowStart = performance.now();
const cpuAtStart = process.cpuUsage();
const serverPid = Number(flags["server-pid"]);
const serverCpuAtStart = processCpuSeconds(serverPid);
await sleep(Number(flags.seconds) * 1000);
windowEnd = performance.now();
const cpu = process.cpuUsage(cpuAtStart);
const serverCpuAtEnd = processCpuSeconds(serverPid);
stopping = true;
for (const pinger of pingers) pinger.socket.destroy();

const seconds = (windowEnd - windowStart) / 1000;
const perConnection = pingers.map((p) => p.roundTrips);
console.log(JSON.stringify({
  generator: "node",
  connections,
  open: pingers.length,
  served: perConnection.filter((n) => n > 0).length,
  rampSeconds: Number(rampSeconds.toFixed(3)),
  seconds: Number(seconds.toFixed(3)),
  roundTrips,
  roundTripsPerSecond: Math.round(roundTrips / seconds),
  p50Ms: percentile(0.5, roundTrips),
  p99Ms: percentile(0.99, roundTrips),
  cpuBusy: Number(((cpu.user + cpu.system) / 1e6 / seconds).toFixed(3)),
  serverCpuBusy: serverCpuAtStart === null || serverCpuAtEnd === null
    ? null
    : Number(((serverCpuAtEnd - serverCpuAtStart) / seconds).toFixed(3)),
  minRoundTrips: pingers.length ? Math.min(...perConnection) : 0,
  maxRoundTrips: pingers.length ? Math.max(...perConnection) : 0,
  errors: errors.connect + errors.closed + errors.wrongReply,
  errorKinds: errors,
  errorSamples,
}));
process.exit(0);

/**
 * CPU seconds (user + system, all threads) process `pid` has used so far, from /proc/PID/stat;
 * null for no pid (0) or when it cannot be read.
 */
function processCpuSeconds(pid) {
  if (pid <= 0) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2, the command name, may hold spaces and parentheses: count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15; the split starts at field 3. USER_HZ is 100.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
