#!/usr/bin/env node
/**
 * The Node reference of the connection benchmark: the least a Node `net` echo server can do.
 * `node bench/echo_node.mjs [PORT]` (0, the default, for any free port) listens on 127.0.0.1,
 * announces `listening on tcp://127.0.0.1:PORT` on stderr like the lesson servers, and pipes
 * every socket into itself.
 *
 * @module
 */

import net from "node:net";

const server = net.createServer((socket) => {
  // A reset peer is an error event; without a listener it would end the process.
  socket.on("error", () => socket.destroy());
  socket.pipe(socket);
});
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  console.error(`listening on tcp://127.0.0.1:${server.address().port}`);
});
