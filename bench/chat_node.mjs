#!/usr/bin/env node
/**
 * The Node reference the lesson chat servers are judged against (issue #18): the least a Node
 * `net` server can do to speak their bytes. `node bench/chat_node.mjs [PORT]` (0, the default,
 * for any free port) listens on 127.0.0.1, announces `listening on tcp://127.0.0.1:PORT` on
 * stderr like the lesson servers, greets each caller with `欢迎致电babyshen` and answers every
 * read with its text plus `好`, as `chat_server.ts` does (UTF-8 decoded as a stream, so a
 * character split across reads is answered whole).
 *
 * @module
 */

import net from "node:net";
import { StringDecoder } from "node:string_decoder";

const WELCOME = "欢迎致电babyshen";
const REPLY_SUFFIX = "好";

const server = net.createServer((socket) => {
  // A reset peer is an error event; without a listener it would end the process.
  socket.on("error", () => socket.destroy());
  const decoder = new StringDecoder("utf8");
  socket.write(WELCOME);
  socket.on("data", (chunk) => {
    const text = decoder.write(chunk);
    if (text !== "") socket.write(text + REPLY_SUFFIX);
  });
});
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  console.error(`listening on tcp://127.0.0.1:${server.address().port}`);
});
