/**
 * Helpers shared by the harness's own tests: tiny Deno programs as child processes, an
 * in-process echo server, and a connection to it through a shaping proxy.
 *
 * @module
 */

import type { Command } from "./children.ts";
import { type Shaper, startTcpProxy, type TcpProxy } from "./tcp_proxy.ts";

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

/**
 * Connects to `server` through a recording proxy that shapes with `shaper`, runs `body`, then
 * closes both. A shaper that held bytes back for good or lost some would leave a read
 * waiting: a 5 s bound closes the connection, which turns that into a failure.
 */
export async function throughShapingProxy(
  server: { port: number },
  shaper: Shaper,
  body: (conn: Deno.TcpConn, proxy: TcpProxy) => Promise<void>,
): Promise<void> {
  const proxy = startTcpProxy({ upstream: { hostname: "127.0.0.1", port: server.port }, shaper });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.addr.port });
  const bound = setTimeout(() => conn.close(), 5000);
  try {
    await body(conn, proxy);
  } finally {
    clearTimeout(bound);
    try {
      conn.close();
    } catch { /* closed by the bound */ }
    proxy.close();
  }
}

/**
 * Runs `test` with options pointing at this project's programs and at a fixtures folder of
 * the test's own holding copies of the chat goldens, after `edit` has had its way with them.
 */
export async function withChatFixtures(
  edit: (transcripts: string) => Promise<void>,
  test: (options: { programsDir: string; fixturesDir: string }) => Promise<void>,
): Promise<void> {
  const root = new URL("../../", import.meta.url).pathname;
  const fixturesDir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${fixturesDir}/transcripts`);
    for (const name of ["chat.client.txt", "chat.server.txt"]) {
      await Deno.copyFile(
        `${root}fixtures/transcripts/${name}`,
        `${fixturesDir}/transcripts/${name}`,
      );
    }
    await edit(`${fixturesDir}/transcripts`);
    await test({ programsDir: `${root}programs`, fixturesDir });
  } finally {
    await Deno.remove(fixturesDir, { recursive: true });
  }
}
