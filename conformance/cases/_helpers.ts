/**
 * Small pieces the lesson modules share: the seeds' Python programs as foreign peers, byte
 * lengths for expected traffic, and clients that vanish at every point of a conversation.
 *
 * @module
 */

import type { ClientRole, Peer } from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";
import type { Mutation } from "../harness/standalone.ts";

/** A seed's Python program from `fixtures/peers/`, given the harness's host and port. */
export function seedPython(script: string): Peer {
  return {
    command: ["python3", "-u", `{fixtures}/peers/${script}`, "{host}", "{port}"],
    requires: "python3",
  };
}

/**
 * The mutation every signal case must catch: `program` without its signal handler, so the
 * runtime's default kills it (status 130 for SIGINT, 143 for SIGTERM) instead of a clean exit 0.
 */
export function noSignalHandler(program: string): Mutation & { shows: string } {
  return { program, from: "  onShutdown(() => {", to: "  (() => {", shows: "server exited with" };
}

/** The UTF-8 byte length of `text`: what it weighs on the wire. */
export function utf8(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Raw clients that each follow `conversation` (what a well-behaved client sends, and what it
 * waits for in between) and vanish after `k` bytes, for every `k` from 0 to one short of all
 * it sends: a disconnect at every byte, mid-field and between fields. Conversations longer than
 * `everyByteUpTo` bytes are cut at each send's first, second, middle and last byte instead.
 * Each returns only once the server has let go, so the next client runs right behind it.
 */
export function vanishingAtEveryPoint(
  conversation: readonly RawStep[],
  everyByteUpTo = 96,
): ClientRole[] {
  const sends = conversation.flatMap((step) => "send" in step ? [bytesOf(step.send)] : []);
  const total = sends.reduce((sum, data) => sum + data.length, 0);
  const cuts = new Set<number>();
  if (total <= everyByteUpTo) {
    for (let k = 0; k < total; k++) cuts.add(k);
  } else {
    let start = 0;
    for (const data of sends) {
      for (const at of [0, 1, data.length >> 1, data.length - 1]) {
        if (at >= 0 && at < data.length) cuts.add(start + at);
      }
      start += data.length;
    }
  }
  return [...cuts].sort((a, b) => a - b).map((k) => ({
    role: `vanishing-at-${k}`,
    raw: [...prefixOf(conversation, k), { vanish: true }],
  }));
}

/** The steps of `conversation` up to its `k`-th sent byte: waits before more is sent are kept. */
function prefixOf(conversation: readonly RawStep[], k: number): RawStep[] {
  const steps: RawStep[] = [];
  let sent = 0;
  for (const step of conversation) {
    if (sent >= k) break;
    if ("send" in step) {
      const data = bytesOf(step.send);
      steps.push({ send: data.subarray(0, Math.min(data.length, k - sent)) });
      sent += data.length;
    } else {
      steps.push(step);
    }
  }
  return steps;
}

const bytesOf = (data: string | Uint8Array) =>
  typeof data === "string" ? new TextEncoder().encode(data) : data;
