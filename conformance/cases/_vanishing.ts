/**
 * Clients that vanish at every point of a conversation: the disconnect rows of the bad-input
 * catalogue (`docs/RELIABILITY.md`).
 *
 * @module
 */

import type { ClientRole } from "../harness/case.ts";
import type { RawStep } from "../harness/raw_peer.ts";

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

/**
 * {@linkcode vanishingAtEveryPoint} of `make(tag)`, each client with its own 3-digit tag
 * (`000`, `001`, …) in what it sends, e.g. the name of the file it uploads.
 */
export function vanishingTagged(
  make: (tag: string) => RawStep[],
  everyByteUpTo?: number,
): ClientRole[] {
  const count = vanishingAtEveryPoint(make("000"), everyByteUpTo).length;
  return Array.from(
    { length: count },
    (_, i) => vanishingAtEveryPoint(make(String(i).padStart(3, "0")), everyByteUpTo)[i],
  );
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
