import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { StreamEnded, TextCapture, WaitTimeout } from "./text_capture.ts";

/** Fixed so CI is reproducible; `FC_SEED=n` replays a reported failure or tries another. */
const SEED = Number(Deno.env.get("FC_SEED") ?? 0x5eed);

/** `bytes` cut at `cuts` (positions, any order, duplicates and out-of-range ones ignored). */
function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.slice(from, point));
    from = point;
  }
  return pieces;
}

/** A stream of `chunks`, then its end, or `failure` if given (a killed child's broken pipe). */
function streamOf(chunks: readonly Uint8Array[], failure?: Error): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++]);
      else if (failure) controller.error(failure);
      else controller.close();
    },
  });
}

const cutsArb = fc.array(fc.nat({ max: 300 }), { maxLength: 12 });
/** Text with every kind of character: ASCII, CJK, astral (4-byte) code points. */
const textArb = fc.string({ unit: "binary", maxLength: 80 });

Deno.test("TextCapture: any chunking of valid UTF-8 gives the text itself", async () => {
  await fc.assert(
    fc.asyncProperty(textArb, cutsArb, async (text, cuts) => {
      const capture = new TextCapture(streamOf(cutAt(new TextEncoder().encode(text), cuts)));
      await capture.done;
      assert.equal(capture.text, text);
      assert.equal(capture.ended, true);
    }),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("TextCapture: any bytes, any chunking, give what one decode of the whole gives", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), cutsArb, async (bytes, cuts) => {
      const capture = new TextCapture(streamOf(cutAt(bytes, cuts)));
      await capture.done;
      // Invalid sequences become U+FFFD the same way wherever the chunks were cut.
      assert.equal(capture.text, new TextDecoder().decode(bytes));
    }),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("TextCapture: a stream that fails keeps what arrived and ends, never rejects", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 120 }), cutsArb, async (bytes, cuts) => {
      const capture = new TextCapture(streamOf(cutAt(bytes, cuts), new Error("pipe broken")));
      await capture.done;
      assert.equal(capture.text, new TextDecoder().decode(bytes));
      assert.equal(capture.ended, true);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("TextCapture: the text only grows; every waiter sees a prefix of the final text", async () => {
  await fc.assert(
    fc.asyncProperty(textArb, cutsArb, async (text, cuts) => {
      const capture = new TextCapture(streamOf(cutAt(new TextEncoder().encode(text), cuts)));
      const seen: string[] = [];
      // A probe that never matches sees every state the text passes through, then the end.
      const waiting = capture.waitFor((t) => void seen.push(t), 5000, "nothing");
      await assert.rejects(waiting, StreamEnded);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i].startsWith(seen[i - 1]));
      assert.equal(seen.at(-1), text);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("TextCapture.waitFor: a marker is found wherever the chunks cut it", async () => {
  await fc.assert(
    fc.asyncProperty(
      textArb.filter((t) => !t.includes("就绪")),
      textArb,
      cutsArb,
      async (before, after, cuts) => {
        // The marker is multi-byte, so cuts land inside its characters too.
        const bytes = new TextEncoder().encode(`${before}就绪${after}`);
        const capture = new TextCapture(streamOf(cutAt(bytes, cuts)));
        const at = await capture.waitFor(
          (t) => {
            const found = t.indexOf("就绪");
            return found >= 0 ? found : undefined;
          },
          5000,
          "the marker",
        );
        assert.equal(at, before.length);
        await capture.done;
      },
    ),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("TextCapture.waitFor: garbage without the awaited text ends in StreamEnded, not a hang", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), cutsArb, async (bytes, cuts) => {
      const capture = new TextCapture(streamOf(cutAt(bytes, cuts)));
      // Random bytes rarely hold the marker; when they do, finding it is the right outcome.
      const outcome = await capture.waitFor(
        (t) => t.includes("\ufffdA") ? "found" : undefined,
        5000,
        "a marker",
      ).catch((error) => error);
      if (new TextDecoder().decode(bytes).includes("\ufffdA")) assert.equal(outcome, "found");
      else {
        assert.ok(outcome instanceof StreamEnded, String(outcome));
        assert.equal(outcome.message, "output ended before a marker");
      }
    }),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("TextCapture.waitFor: a stream that stays open ends in WaitTimeout within its bound", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 60 }), fc.integer({ min: 1, max: 30 }), async (
      bytes,
      timeoutMs,
    ) => {
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
      const capture = new TextCapture(stream);
      controller.enqueue(bytes);
      const started = performance.now();
      await assert.rejects(
        capture.waitFor(() => undefined, timeoutMs, "the prompt"),
        (error: Error) =>
          error instanceof WaitTimeout && error.message === `no the prompt within ${timeoutMs} ms`,
      );
      assert.ok(performance.now() - started < timeoutMs + 1000);
      controller.close();
      await capture.done;
    }),
    { seed: SEED, numRuns: 10 },
  );
});
