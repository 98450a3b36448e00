/**
 * A probe of how evenly a Deno server serves 1,000 connections, for docs/LOAD.md: the chat
 * bot's answer (message + `好`, after the greeting `欢迎致电babyshen`) with nothing allocated
 * per message, or, with `--allocate`, the same plus one small `Uint8Array` per message that
 * is never used. `deno run -A bench/fairness_probe.ts [--allocate] [PORT]` (0, the default,
 * for any free port) announces `listening on tcp://127.0.0.1:PORT` on stderr like the lesson
 * servers. Not a lesson: it answers every read as one message and does not handle `q`.
 *
 * @module
 */

const allocate = Deno.args.includes("--allocate");
const port = Number(Deno.args.find((arg) => !arg.startsWith("--")) ?? 0);
const encoder = new TextEncoder();
const WELCOME = encoder.encode("欢迎致电babyshen");
const SUFFIX = encoder.encode("好");
/** Where the unused allocations go, so the compiler cannot drop them. */
let sink: Uint8Array | undefined;

async function serve(conn: Deno.Conn): Promise<void> {
  // One read buffer and one reply buffer per connection, reused for every message.
  const received = new Uint8Array(1024);
  const reply = new Uint8Array(1024 + SUFFIX.length);
  try {
    await conn.write(WELCOME);
    for (let n = await conn.read(received); n !== null; n = await conn.read(received)) {
      if (allocate) sink = new Uint8Array(16);
      reply.set(received.subarray(0, n));
      reply.set(SUFFIX, n);
      const end = n + SUFFIX.length;
      for (let w = 0; w < end;) w += await conn.write(reply.subarray(w, end));
    }
  } catch {
    // Reset by the generator at the end of its run.
  }
  conn.close();
}

const listener = Deno.listen({ hostname: "127.0.0.1", port });
console.error(`listening on tcp://127.0.0.1:${listener.addr.port}`);
for await (const conn of listener) serve(conn);
void sink;
