/**
 * The other reference for the FTP benchmark: a file copied over loopback TCP with no hashing
 * and no protocol, in the same two-buffer style as the FTP tool.
 *
 * - `raw_copy.ts receive OUT` listens on a free port (readiness line on stderr), writes what
 *   one client sends to OUT, and exits when the client closes.
 * - `raw_copy.ts send PORT FILE` sends FILE and closes.
 *
 * @module
 */

const CHUNK_SIZE = 1 << 20;

async function writeAll(to: { write(p: Uint8Array): Promise<number> }, data: Uint8Array) {
  for (let w = 0; w < data.length;) w += await to.write(data.subarray(w));
}

/** Moves everything from `from` to `to` with two alternating 1 MiB buffers. */
async function pump(
  from: { read(p: Uint8Array): Promise<number | null> },
  to: { write(p: Uint8Array): Promise<number> },
): Promise<void> {
  const buffers = [new Uint8Array(CHUNK_SIZE), new Uint8Array(CHUNK_SIZE)];
  let writing = Promise.resolve();
  for (let turn = 0;; turn ^= 1) {
    const buffer = buffers[turn];
    let filled = 0;
    while (filled < buffer.length) {
      const n = await from.read(buffer.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    await writing;
    if (filled === 0) break;
    writing = writeAll(to, buffer.subarray(0, filled));
    if (filled < buffer.length) break;
  }
  await writing;
}

const [mode, ...args] = Deno.args;
if (mode === "receive") {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.error(`listening on tcp://127.0.0.1:${listener.addr.port}`);
  const conn = await listener.accept();
  using file = await Deno.open(args[0], { write: true, create: true, truncate: true });
  await pump(conn, file);
  conn.close();
  listener.close();
} else if (mode === "send") {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(args[0]) });
  using file = await Deno.open(args[1]);
  await pump(file, conn);
  conn.close();
} else {
  console.error("usage: raw_copy.ts receive OUT | send PORT FILE");
  Deno.exit(2);
}
