import assert from "node:assert/strict";
import { lessons } from "../cases/mod.ts";
import type { Lesson } from "../harness/case.ts";
import { choicesOf, liveCase, liveChaos, offers, TYPED_RUN_BOUND_MS } from "./choices.ts";

/** The lesson with `id` from the catalog. */
function lesson(id: string): Lesson {
  const found = lessons.find((each) => each.id === id);
  if (!found) throw new Error(`no lesson ${id}`);
  return found;
}

Deno.test("chat: as sent or byte by byte (which may break it), typed lines, no gluing", () => {
  const choices = choicesOf(lesson("chat"));
  assert.deepEqual(choices.deliveries, ["as-sent", "one-byte"]);
  assert.match(choices.mayBreak["one-byte"] ?? "", /one recv is one message/);
  assert.deepEqual(choices.readers, ["lesson"]);
  assert.equal(choices.typable, true);
});

Deno.test("the framing lessons: every delivery, and the seed's reader beside their own", () => {
  for (const id of ["sticky", "sticky_len", "framed"]) {
    const choices = choicesOf(lesson(id));
    assert.deepEqual(choices.deliveries, ["as-sent", "one-byte", "glued"], id);
    assert.deepEqual(choices.readers, ["lesson", "seed"], id);
    assert.equal(choices.typable, false, id);
  }
});

Deno.test("UDP and programs alone: as sent only (no proxy to re-chunk through)", () => {
  for (const id of ["udp", "md5_demo", "send_vs_sendall"]) {
    assert.deepEqual(choicesOf(lesson(id)).deliveries, ["as-sent"], id);
  }
});

Deno.test("every lesson offers a plain run of its main case", () => {
  for (const each of lessons) {
    assert.ok(offers(each, { delivery: "as-sent", reader: "lesson", typed: false }), each.id);
  }
});

Deno.test("the live case is the main case, shaped, with the seed's reader patched in if chosen", () => {
  const sticky = lesson("sticky");
  const glued = liveCase(sticky, { delivery: "glued", reader: "seed", typed: false });
  assert.equal(glued.id, "sticky");
  assert.equal(glued.shaping, "glued");
  assert.deepEqual(glued.patches, sticky.chaos?.oneReadMutations);
  assert.equal(glued.mutations, undefined);
  assert.equal(liveChaos({ delivery: "glued", reader: "seed", typed: false }), undefined);
  const oneByte = { delivery: "one-byte", reader: "lesson", typed: false } as const;
  assert.deepEqual(liveCase(sticky, oneByte).patches, []);
  assert.equal(liveChaos(oneByte)?.mode, "one-byte");
  const typed = liveCase(lesson("chat"), { delivery: "as-sent", reader: "lesson", typed: true });
  assert.equal(typed.timeoutMs, TYPED_RUN_BOUND_MS);
});
