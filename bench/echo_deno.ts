/**
 * The Deno reference of the connection benchmark: the least a Deno echo server can do.
 * `deno run -A bench/echo_deno.ts [PORT]` (0, the default, for any free port) listens on
 * 127.0.0.1, announces `listening on tcp://127.0.0.1:PORT` on stderr like the lesson servers,
 * and pipes every connection's readable side into its writable side.
 *
 * @module
 */

const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(Deno.args[0] ?? 0) });
console.error(`listening on tcp://127.0.0.1:${listener.addr.port}`);
for await (const conn of listener) {
  // A reset peer rejects the pipe; the connection is simply over.
  conn.readable.pipeTo(conn.writable).catch(() => {});
}
