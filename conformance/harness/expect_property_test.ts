import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import type { Child } from "./children.ts";
import { ExpectFailure, ExpectSession } from "./expect.ts";
import { TextCapture } from "./text_capture.ts";

/** Fixed so CI is reproducible; `FC_SEED=n` replays a reported failure or tries another. */
const SEED = Number(Deno.env.get("FC_SEED") ?? 0x5eed);

const PROMPT = ">>：";

/** Output text that cannot end with the prompt early: it never holds the prompt's last character. */
const outputArb = fc.string({ unit: "binary", maxLength: 30 }).map((s) => s.replaceAll("：", ":"));
const cutsArb = fc.array(fc.nat({ max: 120 }), { maxLength: 8 });

/** `text` as UTF-8 cut at `cuts` (a cut may fall inside a character). */
function chunksOf(text: string, cuts: readonly number[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  if (bytes.length === 0) return [];
  return [...points, bytes.length].map((point, i, all) => bytes.slice(all[i - 1] ?? 0, point));
}

/** A stand-in for a client process whose stdout the test feeds by hand. */
function fakeClient() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stdout = new TextCapture(new ReadableStream({ start: (c) => void (controller = c) }));
  const stderr = new TextCapture(new ReadableStream({ start: (c) => c.close() }));
  const typed: string[] = [];
  const child = {
    label: "client",
    stdout,
    stderr,
    write: (text: string) => Promise.resolve(void typed.push(text)),
  } as unknown as Child;
  return {
    child,
    typed,
    push: (b: Uint8Array) => controller.enqueue(b),
    end: () => controller.close(),
  };
}

/** Lets the capture take in what was pushed (it reads in its own task). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("ExpectSession: a prompt cut anywhere is found once whole, never before", async () => {
  await fc.assert(
    fc.asyncProperty(
      outputArb,
      fc.string({ unit: "binary", maxLength: 10 }).map((s) => s.replaceAll("\n", "")),
      outputArb,
      cutsArb,
      cutsArb,
      async (banner, line, reply, firstCuts, secondCuts) => {
        const client = fakeClient();
        const session = new ExpectSession(client.child);
        for (
          const [output, cuts] of [[`${banner}${PROMPT}`, firstCuts], [
            `${reply}${PROMPT}`,
            secondCuts,
          ]] as const
        ) {
          let found = false;
          const waiting = session.expect(PROMPT, 5000).then(() => void (found = true));
          const chunks = chunksOf(output, cuts);
          for (const [i, chunk] of chunks.entries()) {
            // Before the last piece the prompt is not whole yet; the previous one never counts.
            assert.equal(found, false, `found after ${i} of ${chunks.length} pieces`);
            client.push(chunk);
            await settle();
          }
          await waiting;
          await session.type(line);
        }
        assert.deepEqual(client.typed, [`${line}\n`, `${line}\n`]);
        assert.equal(session.transcript, `${banner}${PROMPT}${line}\n${reply}${PROMPT}${line}\n`);
        client.end();
      },
    ),
    { seed: SEED, numRuns: 100 },
  );
});

Deno.test("ExpectSession: garbage output without the prompt fails at its end with the transcript", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), cutsArb, async (bytes, cuts) => {
      const text = new TextDecoder().decode(bytes);
      fc.pre(!text.endsWith(PROMPT));
      const client = fakeClient();
      const session = new ExpectSession(client.child);
      const waiting = session.expect(PROMPT, 5000);
      for (const chunk of chunksOf(text, cuts)) client.push(chunk);
      client.end();
      await assert.rejects(waiting, (error: Error) => {
        assert.ok(error instanceof ExpectFailure, String(error));
        assert.ok(error.message.startsWith(`client: output ended before prompt "${PROMPT}"`));
        assert.ok(error.message.includes(`--- transcript so far ---\n${text}\n--- end ---`));
        return true;
      });
    }),
    { seed: SEED, numRuns: 200 },
  );
});
