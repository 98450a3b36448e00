/**
 * The reference for the FTP benchmark: one MD5 pass over a file with 1 MiB reads and
 * `node:crypto`, on one core. Prints `SECONDS MD5`.
 *
 * @module
 */

import { createHash } from "node:crypto";

const started = performance.now();
const hash = createHash("md5");
using file = await Deno.open(Deno.args[0]);
const buffer = new Uint8Array(1 << 20);
for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
  hash.update(buffer.subarray(0, n));
}
const md5 = hash.digest("hex");
console.log(((performance.now() - started) / 1000).toFixed(4), md5);
