import assert from "node:assert/strict";
import { catalog, lessonIndex } from "./catalog.ts";
import { lessons } from "./cases/mod.ts";
import { goldensOf } from "./harness/golden_names.ts";
import { formatMarkdown, INDEX_MARKERS, RELIABILITY_PAGE, withIndex } from "./index.ts";
import { reliabilityPage } from "./reliability.ts";
import { runLineFlags, shebangFlags } from "./harness/standalone.ts";
import { helperText, SHARED_HELPERS } from "./shared_helpers.ts";

const root = new URL("../", import.meta.url).pathname;
const programNames = [...Deno.readDirSync(`${root}programs`)]
  .filter((e) => e.isFile && e.name.endsWith(".ts"))
  .map((e) => e.name)
  .sort();
const sources = new Map(
  programNames.map((name) => [name, Deno.readTextFileSync(`${root}programs/${name}`)]),
);

Deno.test("docs/RELIABILITY.md is the cases' (run `deno task index` to refresh)", async () => {
  const page = Deno.readTextFileSync(RELIABILITY_PAGE);
  assert.equal(await formatMarkdown(reliabilityPage(lessons)), page);
});

Deno.test("the README's lesson index is the catalog's (run `deno task index` to refresh)", async () => {
  const readme = Deno.readTextFileSync(`${root}README.md`);
  assert.equal(await formatMarkdown(withIndex(readme, lessonIndex())), readme);
});

Deno.test("every line of the README's lesson index is under 400 characters", () => {
  const readme = Deno.readTextFileSync(`${root}README.md`);
  const [start, end] = INDEX_MARKERS;
  const index = readme.slice(readme.indexOf(start), readme.indexOf(end));
  const lines = index.split("\n").filter((line) => line.startsWith("|") || line.startsWith("["));
  assert.ok(lines.length > catalog.length, "the index has a row per lesson");
  for (const line of lines) assert.ok(line.length < 400, `${line.length} characters: ${line}`);
});

Deno.test("the README's lesson index names no case: a new case changes only a count", () => {
  const index = lessonIndex();
  for (const c of lessons.flatMap((lesson) => lesson.cases)) {
    assert.ok(!index.includes(`\`${c.id}\``), `${c.id} is in the index`);
  }
});

Deno.test("every program belongs to a lesson, and every lesson's scripts exist", () => {
  const listed = catalog.flatMap((entry) => entry.scripts).sort();
  assert.deepEqual(listed, programNames);
});

Deno.test("case ids are unique and every case must catch at least one mutation", () => {
  const cases = lessons.flatMap((lesson) => lesson.cases);
  assert.equal(new Set(cases.map((c) => c.id)).size, cases.length);
  for (const c of cases) assert.ok((c.mutations ?? []).length > 0, `${c.id} has no mutation`);
});

Deno.test("every golden is used by a case", () => {
  const used = new Set(lessons.flatMap((lesson) => lesson.cases).flatMap(goldensOf));
  const files = [...Deno.readDirSync(`${root}fixtures/transcripts`)]
    .map((e) => e.name.replace(/\.txt$/, ""));
  assert.deepEqual(files.filter((name) => !used.has(name)), []);
  assert.deepEqual([...used].filter((name) => !files.includes(name)), []);
});

Deno.test("every program is standalone: shebang, header, only Deno and node: imports", () => {
  for (const [name, source] of sources) {
    // The shebang works for every flag value: it grants each permission the @run line names,
    // unscoped (the run line scopes it to the default address or folder).
    const flags = shebangFlags(source);
    const granted = new Set(flags.map((flag) => flag.split("=")[0]));
    for (const needed of runLineFlags(source) ?? []) {
      const permission = needed.split("=")[0];
      if (!permission.startsWith("--allow-")) continue;
      assert.ok(
        granted.has("-A") || granted.has(permission),
        `${name}: shebang lacks ${permission}, which its @run line grants`,
      );
    }
    for (const tag of ["@title", "@seed", "@run", "@module"]) {
      assert.ok(source.includes(` * ${tag}`), `${name}: header lacks ${tag}`);
    }
    assert.ok(source.includes(`const NAME = "${name}";`), `${name}: NAME should be its file name`);
    const imports = [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    for (const specifier of imports) {
      assert.match(specifier, /^node:/, `${name} imports ${specifier}`);
    }
    assert.doesNotMatch(source, /\bimport\(/, `${name} has a dynamic import`);
    // The shebang is only worth something if `./name` can be run.
    const mode = Deno.statSync(`${root}programs/${name}`).mode ?? 0o755;
    assert.ok(Deno.build.os === "windows" || (mode & 0o111) !== 0, `${name} is not executable`);
  }
});

Deno.test("every shared helper is in two or more scripts", () => {
  for (const helper of SHARED_HELPERS) {
    const holders = [...sources].filter(([, source]) => helperText(source, helper) !== undefined);
    assert.ok(holders.length >= 2, `${helper} is in ${holders.length} script(s): not shared`);
  }
});

Deno.test("shared helpers have the same name and shape in every script", () => {
  for (const helper of SHARED_HELPERS) {
    const versions = new Map<string, string[]>();
    for (const [name, source] of sources) {
      const text = helperText(source, helper);
      if (text !== undefined) versions.set(text, [...(versions.get(text) ?? []), name]);
    }
    assert.ok(
      versions.size <= 1,
      `${helper} differs between ${[...versions.values()].map((v) => v.join(", ")).join(" | ")}`,
    );
  }
});

/** The first line that opens a socket, directly or through the shared helper that does. */
const OPENS_SOCKET =
  /\b(Deno\.(listen|connect|listenDatagram)|listenOn|listenUdp|listenQuietly)\s*\(/;

Deno.test("lesson first: a short header, the first socket early, no patched connections", () => {
  for (const [name, source] of sources) {
    const lines = source.split("\n");
    const headerEnd = lines.findIndex((line) => line.trim() === "*/");
    assert.ok(headerEnd <= 25, `${name}: its opening JSDoc is ${headerEnd} lines (at most 25)`);
    const code = (line: string) => !/^\s*(\*|\/\/|\/\*)/.test(line);
    const first = lines.findIndex((line) => code(line) && OPENS_SOCKET.test(line));
    assert.ok(first < 90, `${name}: its first socket opens on line ${first + 1} (within 90)`);
    assert.doesNotMatch(source, /\.(read|write|close)\s*=[^=>]/, `${name} patches a connection`);
  }
});
