import assert from "node:assert/strict";
import { chunkLine, chunkView, hexOf, SHOWN_BYTES, visibleText } from "./chunk_view.ts";

const encoder = new TextEncoder();

Deno.test("control and bidi characters are made visible; Chinese stays as it is", () => {
  assert.equal(visibleText("我好\n"), "我好\\n");
  assert.equal(visibleText("\x1b[31mred\x07"), "\\x1b[31mred\\x07");
  assert.equal(visibleText("a\u202eb\u0085c\\"), "a\\u202eb\\x85c\\\\");
  assert.equal(visibleText("line\n\ttab \x1b\\", true), "line\n\ttab \\x1b\\");
});

Deno.test("hex is two digits a byte", () => {
  assert.equal(hexOf(encoder.encode("我")), "e6 88 91");
  assert.equal(hexOf(Uint8Array.of(0, 255)), "00 ff");
});

Deno.test("a chunk's view shows its text and hex, at most SHOWN_BYTES of them", () => {
  const piece = encoder.encode("我");
  const view = chunkView({ conn: 0, dir: "c2s", size: 3, t: 1.5, head: piece }, piece);
  assert.deepEqual(view, {
    conn: 0,
    dir: "c2s",
    size: 3,
    t: 1.5,
    text: "我",
    hex: "e6 88 91",
    truncated: false,
  });
  const long = new Uint8Array(SHOWN_BYTES + 1).fill(0x61);
  const cut = chunkView({ conn: 1, dir: "s2c", size: long.length, t: 0, head: long }, long);
  assert.equal(cut.truncated, true);
  assert.equal(cut.text.length, SHOWN_BYTES);
  assert.equal(
    chunkLine(view),
    '     1.500 ms  #0 client → server      3 B  "我"  e6 88 91',
  );
  const line = chunkLine(cut);
  const hex = `${"61 ".repeat(31)}61…`;
  assert.ok(line.endsWith(`#1 server → client   1025 B  "${"a".repeat(200)}…"  ${hex}`), line);
});
