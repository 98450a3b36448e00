#!/usr/bin/env -S deno run -A
/**
 * The load generator of the connection benchmark, a process of its own:
 * `deno run -A bench/load_gen.ts --port PORT [--connections C] [--seconds S] [options]`.
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
 * p99 latency in ms (from the send to the last reply byte, of the round trips that ended in the
 * window), how many connections were open and how many completed a round trip in the window,
 * and the errors (connect failures, resets or closes by the server, wrong replies) with one
 * sample message of each kind.
 *
 * Deno rather than Node: the same loop written for Node `net` (`'data'` events) drove fewer
 * round trips per second against the same server on this machine, for the same CPU time.
 *
 * @module
 */

import { parseArgs } from "node:util";

const BATCH = 100;
/** Latency histogram: 10 µs buckets up to 10 s; anything slower lands in the last one. */
const BUCKET_US = 10;
const BUCKETS = 1_000_000;

/** What went wrong, by kind, with the first message of each kind. */
class Errors {
  counts = { connect: 0, closed: 0, wrongReply: 0 };
  samples: Partial<Record<keyof Errors["counts"], string>> = {};

  add(kind: keyof Errors["counts"], detail: string): void {
    this.counts[kind]++;
    this.samples[kind] ??= detail;
  }

  get total(): number {
    return this.counts.connect + this.counts.closed + this.counts.wrongReply;
  }
}

/** Round trips that ended inside the measured window, with their latencies. */
class Window {
  start = Infinity;
  end = Infinity;
  roundTrips = 0;
  #latencies = new Uint32Array(BUCKETS);

  /** Counts a round trip sent at `sentAt` that ended at `now`, if `now` is in the window. */
  record(sentAt: number, now: number): boolean {
    if (now < this.start || now >= this.end) return false;
    this.roundTrips++;
    this.#latencies[Math.min(Math.floor((now - sentAt) * 1000 / BUCKET_US), BUCKETS - 1)]++;
    return true;
  }

  /** The latency in ms below which `fraction` of the recorded round trips fall (bucket top). */
  percentile(fraction: number): number | null {
    const rank = Math.max(1, Math.ceil(fraction * this.roundTrips));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.#latencies[bucket];
      if (seen >= rank) return (bucket + 1) * BUCKET_US / 1000;
    }
    return null;
  }
}

/** One connection of the run. */
interface Pinger {
  conn: Deno.TcpConn;
  servedInWindow: boolean;
}

function equalBytes(a: Uint8Array, b: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function main() {
  const flags = parseArgs({
    args: Deno.args,
    strict: true,
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string" },
      connections: { type: "string", default: "100" },
      seconds: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      message: { type: "string", default: "我" },
      reply: { type: "string", default: "echo" },
      greeting: { type: "string", default: "" },
    },
  }).values;
  if (!flags.port) throw new Error("--port is required");
  if (flags.reply !== "echo" && flags.reply !== "chat") {
    throw new Error(`--reply takes echo or chat, not ${flags.reply}`);
  }
  const encoder = new TextEncoder();
  const message = encoder.encode(flags.message);
  const reply = encoder.encode(flags.reply === "echo" ? flags.message : flags.message + "好");
  const greeting = encoder.encode(flags.greeting);
  const connections = Number(flags.connections);
  const errors = new Errors();
  const window = new Window();
  let stopping = false;

  /**
   * Reads exactly `expected` into `buffer`; false (with the error counted) if the connection
   * ends first or sends anything else. More bytes than expected in one read are a wrong reply:
   * with one message in flight, nothing else may come.
   */
  async function receive(conn: Deno.TcpConn, buffer: Uint8Array, expected: Uint8Array) {
    let got = 0;
    while (got < expected.length) {
      const n = await conn.read(buffer.subarray(got));
      if (n === null) {
        if (!stopping) errors.add("closed", "closed by the server");
        return false;
      }
      got += n;
    }
    if (got === expected.length && equalBytes(buffer, expected, got)) return true;
    const text = (bytes: Uint8Array) => JSON.stringify(new TextDecoder().decode(bytes));
    errors.add("wrongReply", `${text(buffer.subarray(0, got))}, expected ${text(expected)}`);
    return false;
  }

  /** Opens one connection and runs it through greeting and one round trip; null on failure. */
  async function open(): Promise<Pinger | null> {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: flags.host, port: Number(flags.port) });
      conn.setNoDelay(true);
    } catch (error) {
      errors.add("connect", (error as Error).message);
      return null;
    }
    const buffer = new Uint8Array(4096);
    try {
      const greeted = greeting.length === 0 || await receive(conn, buffer, greeting);
      if (greeted && await conn.write(message) && await receive(conn, buffer, reply)) {
        return { conn, servedInWindow: false };
      }
    } catch (error) {
      errors.add("closed", (error as Error).message);
    }
    conn.close();
    return null;
  }

  /** Ping-pong on one connection until the run stops or the connection fails. */
  async function ping(pinger: Pinger): Promise<void> {
    const buffer = new Uint8Array(4096);
    try {
      while (!stopping) {
        const sentAt = performance.now();
        // The message is a few bytes: a loopback write takes it whole.
        await pinger.conn.write(message);
        if (!await receive(pinger.conn, buffer, reply)) break;
        if (window.record(sentAt, performance.now())) pinger.servedInWindow = true;
      }
    } catch (error) {
      if (!stopping) errors.add("closed", (error as Error).message);
    }
  }

  const rampStart = performance.now();
  const pingers: Pinger[] = [];
  for (let opened = 0; opened < connections; opened += BATCH) {
    const size = Math.min(BATCH, connections - opened);
    const batch = await Promise.all(Array.from({ length: size }, open));
    for (const pinger of batch) if (pinger) pingers.push(pinger);
  }
  const rampSeconds = (performance.now() - rampStart) / 1000;

  for (const pinger of pingers) ping(pinger);
  await new Promise((resolve) => setTimeout(resolve, Number(flags.warmup) * 1000));
  window.start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, Number(flags.seconds) * 1000));
  window.end = performance.now();
  stopping = true;
  for (const { conn } of pingers) conn.close();

  const seconds = (window.end - window.start) / 1000;
  console.log(JSON.stringify({
    connections,
    open: pingers.length,
    served: pingers.filter((p) => p.servedInWindow).length,
    rampSeconds: Number(rampSeconds.toFixed(3)),
    seconds: Number(seconds.toFixed(3)),
    roundTrips: window.roundTrips,
    roundTripsPerSecond: Math.round(window.roundTrips / seconds),
    p50Ms: window.percentile(0.5),
    p99Ms: window.percentile(0.99),
    errors: errors.total,
    errorKinds: errors.counts,
    errorSamples: errors.samples,
  }));
}

if (import.meta.main) {
  main().then(() => Deno.exit(0), (error) => {
    console.error(`load_gen.ts: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
