/**
 * Size and MD5 of a file, computed by the harness itself and streamed, so a case can check that
 * what a transfer wrote equals its source without trusting either program's report.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** Size in bytes and MD5 as 32 lowercase hex digits. */
export interface FileDigest {
  /** Size in bytes. */
  size: number;
  /** MD5, lowercase hex. */
  md5: string;
}

/** Reads `path` in 1 MiB pieces and returns its size and MD5. */
export async function fileDigest(path: string): Promise<FileDigest> {
  const hash = createHash("md5");
  let size = 0;
  using file = await Deno.open(path);
  const buffer = new Uint8Array(1 << 20);
  while (true) {
    const n = await file.read(buffer);
    if (n === null) break;
    hash.update(buffer.subarray(0, n));
    size += n;
  }
  return { size, md5: hash.digest("hex") };
}
