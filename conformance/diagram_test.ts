import assert from "node:assert/strict";
import { type ChunkRecord, type Direction, KEPT_BYTES } from "./harness/chunk_log.ts";
import { describeMessage, escapeMermaid, sequenceDiagram } from "./diagram.ts";
import { assertValidMermaid } from "./mermaid_syntax.ts";

const encoder = new TextEncoder();

/** A log of `[conn, dir, bytes]` pieces, each one chunk, a millisecond apart. */
function logOf(pieces: [number, Direction, string | Uint8Array][]): ChunkRecord[] {
  return pieces.map(([conn, dir, data], t) => {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    return { conn, dir, size: bytes.length, t, head: bytes.slice(0, KEPT_BYTES) };
  });
}

const chat = { server: "chat_server.ts", clients: [["chat_client.ts"]] };

Deno.test("one arrow per message, whichever way the proxy chunked it", async () => {
  const whole = logOf([[0, "s2c", "欢迎"], [0, "c2s", "我"], [0, "s2c", "我好"]]);
  const bytes = encoder.encode("欢迎");
  const pieces = logOf([
    [0, "s2c", bytes.subarray(0, 1)],
    [0, "s2c", bytes.subarray(1, 4)],
    [0, "s2c", bytes.subarray(4)],
    [0, "c2s", "我"],
    [0, "s2c", "我"],
    [0, "s2c", "好"],
  ]);
  const expected = [
    "sequenceDiagram",
    "  participant c1 as chat_client.ts",
    "  participant server as chat_server.ts",
    "  server-->>c1: 6 B “欢迎”",
    "  c1->>server: 3 B “我”",
    "  server-->>c1: 6 B “我好”",
    "",
  ].join("\n");
  assert.equal(sequenceDiagram([whole], chat), expected);
  assert.equal(sequenceDiagram([pieces], chat), expected);
  await assertValidMermaid(expected);
});

Deno.test("a long message shows the same preview however its chunks were cut", () => {
  const text = "x".repeat(30) + "好".repeat(40);
  const bytes = encoder.encode(text);
  const whole = sequenceDiagram([logOf([[0, "c2s", bytes]])], chat);
  for (const cut of [1, 31, 32, 64, 65, 100]) {
    const split = logOf([[0, "c2s", bytes.subarray(0, cut)], [0, "c2s", bytes.subarray(cut)]]);
    assert.equal(sequenceDiagram([split], chat), whole, `cut at ${cut}`);
  }
  assert.match(whole!, /150 B “x{24}…”/);
});

Deno.test("Mermaid's special characters are written as entity codes", async () => {
  assert.equal(
    escapeMermaid(`a;b#c:d"e<f>g&h%i$j{k}\\`),
    [
      "a#59;b#35;c#58;d#34;e#60;f#62;g#38;h#37;i#36;j#123;k#125;#92;",
    ].join(""),
  );
  assert.equal(escapeMermaid("ftp_client.ts (1) 中文"), "ftp_client.ts (1) 中文");
  const diagram = sequenceDiagram(
    [logOf([[0, "c2s", 'put "a;b" #1: <x>\r\n'], [0, "s2c", "%%{init}%%\nend"]])],
    chat,
  )!;
  assert.equal(diagram.split("\n").length, 6, "every arrow on one line");
  for (const arrow of diagram.split("\n").slice(3, -1)) {
    const text = arrow.slice(arrow.indexOf(": ") + 2).replaceAll(/#\d+;/g, "");
    assert.doesNotMatch(text, /[;#:"<>%{}]/, arrow);
  }
  await assertValidMermaid(diagram);
});

Deno.test("text, text then binary, and binary are told apart", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  const describe = (bytes: Uint8Array) =>
    describeMessage({ size: bytes.length, head: bytes.slice(0, KEPT_BYTES) });
  assert.equal(describe(encoder.encode("我\n")), "4 B “我\\n”");
  assert.equal(describe(png), "12 B binary 89 50 4e 47 0d 0a 1a 0a …");
  assert.equal(
    describe(new Uint8Array([...encoder.encode("f.png-12"), ...png])),
    "20 B “f.png-12” + binary 89 50 4e 47 0d 0a 1a 0a …",
  );
  // A 4-byte length header before text is text with escapes, as the framing lessons send it.
  assert.equal(
    describe(new Uint8Array([5, 0, 0, 0, ...encoder.encode("hello")])),
    [
      "9 B “\\x05\\x00\\x00\\x00hello”",
    ].join(""),
  );
  // A head cut inside a character: the character is left out, and `…` says there is more.
  const long = encoder.encode("a" + "好".repeat(30));
  assert.equal(describeMessage({ size: long.length, head: long.slice(0, 3) }), "91 B “a…”");
});

Deno.test("clients run in turn are drawn in turn, and the same script twice is numbered", () => {
  const traffic = [logOf([[0, "c2s", "hi"], [0, "s2c", "yo"], [1, "c2s", "hi"], [1, "s2c", "yo"]])];
  const diagram = sequenceDiagram(traffic, {
    server: "basic_server.ts",
    clients: [["basic_client.ts", "basic_client.ts"]],
  });
  assert.equal(
    diagram,
    [
      "sequenceDiagram",
      "  participant c1 as basic_client.ts (1)",
      "  participant c2 as basic_client.ts (2)",
      "  participant server as basic_server.ts",
      "  c1->>server: 2 B “hi”",
      "  server-->>c1: 2 B “yo”",
      "  c2->>server: 2 B “hi”",
      "  server-->>c2: 2 B “yo”",
      "",
    ].join("\n"),
  );
});

Deno.test("one client's connections opened at once: the same diagram whatever the order", () => {
  const cast = { server: "delay_server.ts", clients: [["pseudo_concurrent_client.ts"]] };
  const one = logOf([
    [0, "c2s", "first"],
    [1, "c2s", "sleep"],
    [2, "c2s", "second"],
    [0, "s2c", "ok first"],
    [2, "s2c", "ok second"],
    [1, "s2c", "ok sleep"],
  ]);
  const other = logOf([
    [2, "c2s", "sleep"],
    [0, "c2s", "second"],
    [1, "c2s", "first"],
    [1, "s2c", "ok first"],
    [2, "s2c", "ok sleep"],
    [0, "s2c", "ok second"],
  ]);
  const diagram = sequenceDiagram([one], cast)!;
  assert.equal(sequenceDiagram([other], cast), diagram);
  assert.match(diagram, /c1 as pseudo_concurrent_client.ts connection 1\n/);
  assert.match(diagram, /c1->>server: 5 B “first”\n {2}server-->>c1: 8 B “ok first”\n {2}c2->>/);
});

Deno.test("listeners: each connection says which one it reached", async () => {
  const diagram = sequenceDiagram(
    [logOf([[0, "s2c", "hello"]]), logOf([[0, "s2c", "hello"]]), []],
    { server: "select_multiport_server.ts", clients: [["hello.ts"], ["hello.ts"]] },
  )!;
  assert.match(diagram, /c1 as hello.ts @ listener 1\n {2}participant c2 as hello.ts @ listener 2/);
  await assertValidMermaid(diagram);
});

Deno.test("datagrams are never merged; one message each way merges a whole connection", () => {
  const log = logOf([[0, "c2s", "a"], [0, "c2s", "b"], [0, "s2c", "A"], [0, "c2s", "c"]]);
  const udp = sequenceDiagram([log], chat, { datagrams: true })!;
  assert.equal(udp.split("\n").filter((line) => line.includes("->>")).length, 4);
  const eachWay = sequenceDiagram([log], chat, { oneMessageEachWay: true })!;
  assert.match(eachWay, /c1->>server: 3 B “abc”\n {2}server-->>c1: 1 B “A”\n$/);
});

Deno.test("no traffic, no diagram", () => {
  assert.equal(sequenceDiagram([], chat), undefined);
  assert.equal(sequenceDiagram([[]], chat), undefined);
});
