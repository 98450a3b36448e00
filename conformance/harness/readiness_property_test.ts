import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import type { Child } from "./children.ts";
import {
  awaitReadiness,
  formatListenAddress,
  type ListenAddress,
  parseReadinessLine,
  readinessLines,
} from "./readiness.ts";
import { TextCapture } from "./text_capture.ts";

/** Fixed so CI is reproducible; `FC_SEED=n` replays a reported failure or tries another. */
const SEED = Number(Deno.env.get("FC_SEED") ?? 0x5eed);

const addressArb: fc.Arbitrary<ListenAddress> = fc.record({
  transport: fc.constantFrom("tcp" as const, "udp" as const),
  hostname: fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain(), fc.constant("localhost")),
  port: fc.integer({ min: 0, max: 65535 }),
}, { noNullPrototype: true });

const readinessLineOf = (address: ListenAddress) => `listening on ${formatListenAddress(address)}`;

/** One stderr line: a readiness line, or something else a server might print. */
const stderrLineArb = fc.oneof(
  addressArb.map(readinessLineOf),
  fc.string({ unit: "binary", maxLength: 40 }).map((text) => text.replaceAll("\n", " ")),
  fc.constantFrom("Warning: something", "服务器已启动", "listening on tcp://", ""),
);

/** `text` cut at `cuts` into UTF-8 chunks (a cut may fall inside a character). */
function chunksOf(text: string, cuts: readonly number[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  return [...points, bytes.length].map((point, i, all) => bytes.slice(all[i - 1] ?? 0, point));
}

/** A stand-in for a server process: only its label and captured stderr are used. */
function fakeServer(chunks: readonly Uint8Array[]): Child {
  let next = 0;
  const stderr = new TextCapture(
    new ReadableStream({
      pull(controller) {
        if (next < chunks.length) controller.enqueue(chunks[next++]);
        else controller.close();
      },
    }),
  );
  return { label: "server", stderr } as unknown as Child;
}

Deno.test("parseReadinessLine reads back every address a server prints", () => {
  fc.assert(
    fc.property(addressArb, fc.constantFrom("", "\r", " "), (address, ending) => {
      assert.deepEqual(parseReadinessLine(readinessLineOf(address) + ending), address);
    }),
    { seed: SEED, numRuns: 500 },
  );
});

Deno.test("parseReadinessLine on any text: undefined or an address that prints back the same", () => {
  const nearMiss = fc.stringMatching(
    /^ ?listening on (tcp|udp|http):\/\/\[?[0-9a-z.:]{0,12}\]?:\d{0,24}$/,
  );
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: "binary" }), nearMiss), (line) => {
      const address = parseReadinessLine(line);
      if (address === undefined) return;
      assert.ok(address.transport === "tcp" || address.transport === "udp");
      assert.doesNotMatch(address.hostname, /\s/);
      // A port is a whole number up to 65535 and a host is never empty.
      assert.equal(address.port, Number(/\d+$/.exec(line.trim())![0]));
      assert.ok(address.port <= 65535);
      assert.notEqual(address.hostname, "");
      assert.deepEqual(parseReadinessLine(readinessLineOf(address)), address);
    }),
    { seed: SEED, numRuns: 1000 },
  );
});

Deno.test("readinessLines: a cut anywhere counts exactly the complete lines before it", () => {
  fc.assert(
    fc.property(fc.array(stderrLineArb, { maxLength: 8 }), fc.nat(), (lines, cutSeed) => {
      const stderr = lines.map((line) => `${line}\n`).join("");
      const cut = stderr.length === 0 ? 0 : cutSeed % (stderr.length + 1);
      let complete = 0;
      for (let end = 0, i = 0; i < lines.length; i++) {
        end += lines[i].length + 1;
        if (end <= cut) complete = i + 1;
      }
      const expected = lines.slice(0, complete).flatMap((line) => parseReadinessLine(line) ?? []);
      assert.deepEqual(readinessLines(stderr.slice(0, cut)), expected);
    }),
    { seed: SEED, numRuns: 500 },
  );
});

Deno.test("awaitReadiness: any chunking of stderr gives the same listeners", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(stderrLineArb, { maxLength: 6 }),
      fc.array(addressArb, { minLength: 1, maxLength: 3 }),
      fc.array(fc.nat({ max: 400 }), { maxLength: 15 }),
      async (noise, addresses, cuts) => {
        const lines = [...noise, ...addresses.map(readinessLineOf)];
        const stderr = lines.map((line) => `${line}\n`).join("");
        const all = readinessLines(stderr);
        const found = await awaitReadiness(fakeServer(chunksOf(stderr, cuts)), all.length, 5000);
        assert.deepEqual(found, all);
      },
    ),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("awaitReadiness: garbage on stderr fails as soon as it ends, naming what it waited for", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 200 }),
      fc.array(fc.nat({ max: 200 }), { maxLength: 10 }),
      async (bytes, cuts) => {
        const text = new TextDecoder().decode(bytes);
        const server = fakeServer(chunksOf(text, cuts));
        const outcome = await awaitReadiness(server, 1, 5000).catch((error) => error);
        if (readinessLines(text).length > 0) return;
        assert.ok(outcome instanceof Error, String(outcome));
        assert.match(
          outcome.message,
          /^output ended before readiness line .* from server; its stderr:\n/,
        );
      },
    ),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("awaitReadiness: a partial last line never counts, however long the wait", async () => {
  await fc.assert(
    fc.asyncProperty(addressArb, fc.array(fc.nat({ max: 60 }), { maxLength: 6 }), async (
      address,
      cuts,
    ) => {
      // The line without its newline: the port might still be growing (`:4` of `:4012`).
      const server = fakeServer(chunksOf(readinessLineOf(address), cuts));
      await assert.rejects(awaitReadiness(server, 1, 5000), /output ended before readiness line/);
    }),
    { seed: SEED, numRuns: 100 },
  );
});
