import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import type { ConformanceCase } from "./case.ts";
import { type ChunkRecord, countBytes, type Direction, KEPT_BYTES } from "./chunk_log.ts";
import { verifyTraffic } from "./verify.ts";

/** Fixed so CI is reproducible; `FC_SEED=n` replays a reported failure or tries another. */
const SEED = Number(Deno.env.get("FC_SEED") ?? 0x5eed);

const encoder = new TextEncoder();

/** One delivery the proxy made, as text (replies are text), on a connection, one way. */
const deliveryArb = fc.record({
  conn: fc.nat({ max: 2 }),
  dir: fc.constantFrom<Direction>("c2s", "s2c"),
  text: fc.string({ unit: "binary", minLength: 1, maxLength: 30 }),
});
type Delivery = { conn: number; dir: Direction; text: string };

/** The proxy's log of `deliveries`, each cut into pieces of at most `pieceSize` bytes. */
function logOf(deliveries: readonly Delivery[], pieceSize = Infinity): ChunkRecord[] {
  const log: ChunkRecord[] = [];
  for (const { conn, dir, text } of deliveries) {
    const bytes = encoder.encode(text);
    for (let at = 0; at < bytes.length; at += pieceSize) {
      const piece = bytes.subarray(at, Math.min(at + pieceSize, bytes.length));
      log.push({ conn, dir, size: piece.length, t: log.length, head: piece.slice(0, KEPT_BYTES) });
    }
  }
  return log;
}

const caseWith = (fields: Partial<ConformanceCase>): ConformanceCase => ({
  id: "property",
  title: "property",
  clients: [],
  ...fields,
});

Deno.test("verifyTraffic: byte counts pass or fail alike however the proxy's pieces were cut", () => {
  fc.assert(
    fc.property(
      fc.array(deliveryArb, { maxLength: 10 }),
      fc.integer({ min: 1, max: 20 }),
      fc.constantFrom("right", "c2s", "s2c"),
      (deliveries, pieceSize, wrong) => {
        const whole = logOf(deliveries);
        const counts = countBytes(whole);
        // Either the case expects the right counts, or one direction is off by one.
        const expected = { ...counts };
        if (wrong !== "right") expected[wrong] += 1;
        const connectionBytes = [0, 1, 2].map((conn) => countBytes(whole, conn));
        const testCase = caseWith({ bytes: expected, connectionBytes });
        const verdict = (log: ChunkRecord[]) =>
          verifyTraffic(testCase, { main: log, all: log, connections: 3 })
            // The failure message lists the chunks, which differ; the finding must not.
            .map((problem) => problem.split("\n")[0]);
        assert.deepEqual(verdict(logOf(deliveries, pieceSize)), verdict(whole));
        assert.equal(verdict(whole).length, wrong === "right" ? 0 : 1);
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test({
  name: "replyOrder holds however the proxy cut the replies into pieces",
  fn() {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", minLength: 2, maxLength: 12 }),
        fc.string({ unit: "binary", minLength: 2, maxLength: 12 }),
        fc.integer({ min: 1, max: 8 }),
        (first, second, pieceSize) => {
          fc.pre(first !== second && !first.includes(second) && !second.includes(first));
          const replies: Delivery[] = [first, second].map((text) => ({
            conn: 0,
            dir: "s2c",
            text,
          }));
          const testCase = caseWith({ replyOrder: [first, second] });
          const log = logOf(replies, pieceSize);
          assert.deepEqual(verifyTraffic(testCase, { main: log, all: log, connections: 1 }), []);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  },
});
