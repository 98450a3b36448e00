/**
 * Helpers shared by the harness's own tests: tiny Deno programs as child processes, and an
 * in-process echo server.
 *
 * @module
 */

import type { Command } from "./children.ts";

/** A command that runs `code` with `deno eval`. */
export function evalCommand(code: string): Command {
  return { cmd: Deno.execPath(), args: ["eval", "--no-config", code] };
}

/** An in-process TCP server that echoes everything back, closing its side after the client's. */
export function echoServer(): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      (async () => {
        try {
          const buffer = new Uint8Array(4096);
          for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
            for (let w = 0; w < n;) w += await conn.write(buffer.subarray(w, n));
          }
        } catch { /* reset */ }
        conn.close();
      })();
    }
  })().catch(() => {});
  return { port: listener.addr.port, close: () => listener.close() };
}

/** Reads from `conn` until `n` bytes have arrived or it closes. */
export async function readBytes(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const data = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const read = await conn.read(data.subarray(got));
    if (read === null) break;
    got += read;
  }
  return data.subarray(0, got);
}
