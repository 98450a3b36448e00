import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import {
  type ChunkRecord,
  countBytes,
  describeLog,
  type Direction,
  KEPT_BYTES,
} from "./chunk_log.ts";

/** Fixed so CI is reproducible; `FC_SEED=n` replays a reported failure or tries another. */
const SEED = Number(Deno.env.get("FC_SEED") ?? 0x5eed);

/** One delivered piece: which connection, which way, and its bytes (random, so any garbage). */
const deliveryArb = fc.record({
  conn: fc.nat({ max: 3 }),
  dir: fc.constantFrom<Direction>("c2s", "s2c"),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 150 }),
});
type Delivery = { conn: number; dir: Direction; bytes: Uint8Array };

/** The log a proxy keeps for `deliveries`, each cut into pieces at the given sizes. */
function logOf(deliveries: readonly Delivery[], pieceSize = Infinity): ChunkRecord[] {
  const log: ChunkRecord[] = [];
  for (const { conn, dir, bytes } of deliveries) {
    for (let at = 0; at < bytes.length; at += pieceSize) {
      const piece = bytes.subarray(at, Math.min(at + pieceSize, bytes.length));
      log.push({ conn, dir, size: piece.length, t: log.length, head: piece.slice(0, KEPT_BYTES) });
    }
  }
  return log;
}

Deno.test("countBytes: the same counts however the proxy's pieces were cut", () => {
  fc.assert(
    fc.property(fc.array(deliveryArb, { maxLength: 12 }), fc.integer({ min: 1, max: 40 }), (
      deliveries,
      pieceSize,
    ) => {
      const whole = logOf(deliveries);
      const cut = logOf(deliveries, pieceSize);
      assert.deepEqual(countBytes(cut), countBytes(whole));
      for (let conn = 0; conn <= 3; conn++) {
        assert.deepEqual(countBytes(cut, conn), countBytes(whole, conn));
      }
    }),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("countBytes: the connections' counts add up to the total, and match the bytes sent", () => {
  fc.assert(
    fc.property(fc.array(deliveryArb, { maxLength: 12 }), (deliveries) => {
      const log = logOf(deliveries);
      const total = countBytes(log);
      const perConnection = [0, 1, 2, 3].map((conn) => countBytes(log, conn));
      assert.equal(perConnection.reduce((sum, c) => sum + c.c2s, 0), total.c2s);
      assert.equal(perConnection.reduce((sum, c) => sum + c.s2c, 0), total.s2c);
      for (const dir of ["c2s", "s2c"] as const) {
        const sent = deliveries.filter((d) => d.dir === dir).reduce(
          (s, d) => s + d.bytes.length,
          0,
        );
        assert.equal(total[dir], sent);
      }
    }),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("describeLog: any bytes (invalid UTF-8 too) give one line per record up to the limit", () => {
  fc.assert(
    fc.property(fc.array(deliveryArb, { maxLength: 12 }), fc.integer({ min: 1, max: 15 }), (
      deliveries,
      limit,
    ) => {
      const log = logOf(deliveries, 70);
      const lines = describeLog(log, limit).split("\n").filter(Boolean);
      const shown = Math.min(log.length, limit);
      assert.equal(lines.length, shown + (log.length > limit ? 1 : 0));
      for (const [i, line] of lines.slice(0, shown).entries()) {
        // JSON.stringify keeps every line on one line, whatever the bytes held.
        assert.ok(line.startsWith(`#${log[i].conn} ${log[i].dir} ${log[i].size} B "`), line);
      }
      if (log.length > limit) assert.equal(lines.at(-1), `… ${log.length - limit} more chunks`);
    }),
    { seed: SEED, numRuns: 200 },
  );
});
