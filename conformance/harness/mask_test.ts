import assert from "node:assert/strict";
import { applyMasks, portMasks, TIMESTAMP_MASK } from "./mask.ts";

Deno.test("ports are masked by value, never inside a longer number", () => {
  const masks = portMasks([4012, 40123]);
  assert.equal(
    applyMasks("laddr=127.0.0.1:40123, raddr=127.0.0.1:4012 size 140123", masks),
    "laddr=127.0.0.1:<PORT>, raddr=127.0.0.1:<PORT> size 140123",
  );
});

Deno.test("payload text is left alone", () => {
  assert.equal(applyMasks("我好 9999", portMasks([40000])), "我好 9999");
});

Deno.test("timestamps in Python's %Y/%m/%d %H:%M:%S form become <TIME>", () => {
  assert.equal(
    applyMasks("Data: 2019/05/09 15:31:43 我是", [TIMESTAMP_MASK]),
    "Data: <TIME> 我是",
  );
});
