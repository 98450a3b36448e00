/**
 * The helpers the scripts in `programs/` repeat for copyability (each script stands alone), and
 * how to find one in a script's text. The catalog test keeps each the same in every script; the
 * runner runs a mutation inside one of them once, not once per script (see `run.ts`).
 *
 * @module
 */

/** The helpers scripts repeat for copyability; each must read the same everywhere. */
export const SHARED_HELPERS: readonly string[] = [
  "FramedConn",
  "Pace",
  "ServerGone",
  "ShortRead",
  "StoreFailed",
  "TooSlow",
  "UsageError",
  "acceptRetrying",
  "borrowBuffer",
  "byteCount",
  "concat",
  "createMd5",
  "describeConn",
  "describeListener",
  "formatAddress",
  "handledLater",
  "hangUp",
  "hashPrefix",
  "input",
  "linesOf",
  "isInside",
  "nameProblem",
  "openLibcrypto",
  "listenOn",
  "printable",
  "pythonJson",
  "readExactly",
  "readFlags",
  "receiveToFile",
  "recv",
  "resolveExisting",
  "sendFromFile",
  "serveEach",
  "timestamp",
  "withIdleTimeout",
  "withoutPaths",
  "writeAll",
];

/**
 * The text of top-level function or class `name` (generic ones too) with its doc comment, or
 * undefined. A class of one line (`class X extends Error {}`) ends with its line.
 */
export function helperText(source: string, name: string): string | undefined {
  const declaration = new RegExp(`^((async )?function\\*? ?${name}[<(]|class ${name} )`, "m");
  const at = source.search(declaration);
  if (at < 0) return undefined;
  const docStart = source.lastIndexOf("/**", at);
  const docEnd = source.indexOf("*/", docStart);
  const start = docStart >= 0 && source.slice(docEnd + 2, at).trim() === "" ? docStart : at;
  const lineEnd = source.indexOf("\n", at);
  if (source.slice(at, lineEnd).endsWith("{}")) return source.slice(start, lineEnd + 1);
  const end = source.indexOf("\n}\n", at);
  return source.slice(start, end + 3);
}
