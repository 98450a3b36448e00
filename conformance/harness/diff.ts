/**
 * A line-based unified diff, enough to show why a transcript differs from its golden. Written
 * here rather than imported so the suite needs nothing from a registry to explain a failure.
 *
 * @module
 */

type Edit = { op: " " | "-" | "+"; line: string };

/** Splits text into lines; a final newline does not make an extra empty line. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  else lines[lines.length - 1] += "\\ No newline at end";
  return lines;
}

/** Shortest edit script by longest common subsequence (transcripts are small). */
function edits(a: string[], b: string[]): Edit[] {
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const script: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      script.push({ op: " ", line: a[i++] });
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
      // Deletions before insertions, as diff(1) prints them.
      script.push({ op: "-", line: a[i++] });
    } else {
      script.push({ op: "+", line: b[j++] });
    }
  }
  return script;
}

/**
 * The unified diff turning `expected` into `actual`, with `context` lines around each change;
 * empty when they are equal.
 */
export function unifiedDiff(
  expected: string,
  actual: string,
  names: { expected: string; actual: string },
  context = 3,
): string {
  if (expected === actual) return "";
  const script = edits(splitLines(expected), splitLines(actual));
  const out = [`--- ${names.expected}`, `+++ ${names.actual}`];
  let k = 0;
  while (k < script.length) {
    if (script[k].op === " ") {
      k++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change
    // that is no more than 2 * context lines away.
    const start = Math.max(0, k - context);
    let end = k;
    for (let m = k; m < script.length && m <= end + 2 * context; m++) {
      if (script[m].op !== " ") end = m;
    }
    const stop = Math.min(script.length, end + context + 1);
    const hunk = script.slice(start, stop);
    const before = script.slice(0, start);
    const aStart = before.filter((e) => e.op !== "+").length;
    const bStart = before.filter((e) => e.op !== "-").length;
    const aLen = hunk.filter((e) => e.op !== "+").length;
    const bLen = hunk.filter((e) => e.op !== "-").length;
    out.push(`@@ -${aStart + (aLen ? 1 : 0)},${aLen} +${bStart + (bLen ? 1 : 0)},${bLen} @@`);
    for (const e of hunk) out.push(e.op + e.line);
    k = stop;
  }
  // Equal line lists with different text can only differ in the final newline.
  if (out.length === 2) out.push("(the texts differ only in trailing newlines)");
  return out.join("\n") + "\n";
}
