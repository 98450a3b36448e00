import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { applyMasks, portMasks, TIMESTAMP_MASK } from "./mask.ts";

/** Fixed so CI is reproducible; `FC_SEED=n` replays a reported failure or tries another. */
const SEED = Number(Deno.env.get("FC_SEED") ?? 0x5eed);

const portArb = fc.integer({ min: 1, max: 65535 });
const timestampArb = fc.date({
  min: new Date("2000-01-01T00:00:00Z"),
  max: new Date("2099-12-31T23:59:59Z"),
  noInvalidDate: true,
}).map((d) => d.toISOString().slice(0, 19).replace("T", " ").replaceAll("-", "/"));

/**
 * A transcript-like line: ports, other numbers (some containing a port's digits), timestamps,
 * words, CJK text and separators, in any order.
 */
function lineArb(ports: readonly number[]) {
  const token = fc.oneof(
    fc.constantFrom(...ports).map(String),
    fc.nat({ max: 9_999_999 }).map(String),
    fc.constantFrom(...ports).map((p) => `1${p}`),
    timestampArb,
    fc.constantFrom("laddr=127.0.0.1:", "收到", "size", "<PORT>", " ", ":", "-", "我好"),
    fc.string({ unit: "binary", maxLength: 6 }).map((s) => s.replaceAll("\n", "")),
  );
  return fc.array(token, { maxLength: 12 }).map((tokens) => tokens.join(""));
}

const casesArb = fc.uniqueArray(portArb, { minLength: 1, maxLength: 4 }).chain((ports) =>
  fc.tuple(fc.constant(ports), fc.array(lineArb(ports), { maxLength: 6 }))
);

const masksFor = (ports: readonly number[]) => [...portMasks(ports), TIMESTAMP_MASK];

Deno.test("applyMasks is idempotent: masking a masked transcript changes nothing", () => {
  fc.assert(
    fc.property(casesArb, ([ports, lines]) => {
      const text = lines.join("\n");
      const once = applyMasks(text, masksFor(ports));
      assert.equal(applyMasks(once, masksFor(ports)), once);
    }),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("a timestamp glued to digits is not masked, so masking twice changes nothing", () => {
  // Without digit boundaries, "2000/01/01 00:00:001" became "<TIME>1", and a second pass
  // masked that 1 when 1 was a port.
  const masks = masksFor([1]);
  const once = applyMasks("2000/01/01 00:00:001", masks);
  assert.equal(once, "2000/01/01 00:00:001");
  assert.equal(applyMasks(once, masks), once);
  assert.equal(applyMasks("at 2000/01/01 00:00:00.", masks), "at <TIME>.");
});

Deno.test("applyMasks line by line equals applyMasks of the whole: no mask spans a newline", () => {
  fc.assert(
    fc.property(casesArb, ([ports, lines]) => {
      const masks = masksFor(ports);
      assert.equal(
        applyMasks(lines.join("\n"), masks),
        lines.map((line) => applyMasks(line, masks)).join("\n"),
      );
    }),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("portMasks: the order the ports are known in does not matter", () => {
  fc.assert(
    fc.property(casesArb, fc.nat(), ([ports, lines], rotation) => {
      const k = rotation % ports.length;
      const rotated = [...ports.slice(k), ...ports.slice(0, k)].reverse();
      const text = lines.join("\n");
      assert.equal(applyMasks(text, portMasks(rotated)), applyMasks(text, portMasks(ports)));
    }),
    { seed: SEED, numRuns: 200 },
  );
});

Deno.test("portMasks hides exactly the whole numbers that are ports, nothing else", () => {
  fc.assert(
    fc.property(casesArb, ([ports, lines]) => {
      const text = lines.join("\n");
      const masked = applyMasks(text, portMasks(ports));
      // Each maximal run of digits that spells a port (`04` does not spell 4) becomes <PORT>.
      const expected = text.replace(
        /\d+/g,
        (run) => ports.map(String).includes(run) ? "<PORT>" : run,
      );
      assert.equal(masked, expected);
    }),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("applyMasks never throws on garbage text", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: "binary" }),
      fc.array(portArb, { maxLength: 3 }),
      (text, ports) => {
        const masked = applyMasks(text, masksFor(ports));
        assert.equal(typeof masked, "string");
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});
