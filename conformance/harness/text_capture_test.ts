import assert from "node:assert/strict";
import { StreamEnded, TextCapture, WaitTimeout } from "./text_capture.ts";

/** A stream fed by hand: push bytes, then end it. */
function handFed() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    stream,
    push: (bytes: Uint8Array) => controller.enqueue(bytes),
    end: () => controller.close(),
  };
}

Deno.test("waitFor resolves once the text satisfies the probe", async () => {
  const feed = handFed();
  const capture = new TextCapture(feed.stream);
  const waiting = capture.waitFor((t) => t.includes("ready") ? t.length : undefined, 1000, "ready");
  feed.push(new TextEncoder().encode("not yet, "));
  feed.push(new TextEncoder().encode("ready"));
  assert.equal(await waiting, "not yet, ready".length);
  feed.end();
  await capture.done;
});

Deno.test("a character split across two chunks arrives whole", async () => {
  const feed = handFed();
  const capture = new TextCapture(feed.stream);
  const bytes = new TextEncoder().encode("我好");
  feed.push(bytes.slice(0, 2));
  feed.push(bytes.slice(2));
  feed.end();
  await capture.done;
  assert.equal(capture.text, "我好");
});

Deno.test("waitFor rejects with WaitTimeout naming what it waited for", async () => {
  const feed = handFed();
  const capture = new TextCapture(feed.stream);
  await assert.rejects(
    capture.waitFor(() => undefined, 20, "the prompt"),
    (error: Error) =>
      error instanceof WaitTimeout && /no the prompt within 20 ms/.test(error.message),
  );
  feed.end();
  await capture.done;
});

Deno.test("waitFor rejects with StreamEnded when the stream ends first", async () => {
  const feed = handFed();
  const capture = new TextCapture(feed.stream);
  const waiting = capture.waitFor(() => undefined, 5000, "the prompt");
  feed.end();
  await assert.rejects(waiting, StreamEnded);
  await capture.done;
  assert.equal(capture.ended, true);
});

Deno.test("listen gets the text so far, then each piece as it is decoded, whole characters only", async () => {
  const feed = handFed();
  const capture = new TextCapture(feed.stream);
  const bytes = new TextEncoder().encode("我好");
  feed.push(bytes.slice(0, 4));
  await capture.waitFor((text) => text === "我" || undefined, 1000, "我");
  const pieces: string[] = [];
  capture.listen((piece) => pieces.push(piece));
  assert.deepEqual(pieces, ["我"]);
  feed.push(bytes.slice(4));
  feed.end();
  await capture.done;
  assert.deepEqual(pieces, ["我", "好"]);
});
