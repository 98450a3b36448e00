/**
 * Mutation targets survive a readability edit: every `from` a case or lesson replaces in a copy
 * of a program (its `mutations`, its `patches`, a lesson's `chaos.oneReadMutations`) is one line
 * of program text that does not start with whitespace (a constant, a message, a distinctive
 * statement, never indentation or a line break), and it is in the program it names.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Mutation } from "../harness/standalone.ts";
import { lessons } from "./mod.ts";

const programs = new URL("../../programs/", import.meta.url);

/** Every mutation target of the catalogue, with where it comes from. */
function targets(): { where: string; mutation: Mutation }[] {
  return lessons.flatMap((lesson) => [
    ...(lesson.chaos?.oneReadMutations ?? []).map((mutation) => ({
      where: `${lesson.id} (chaos.oneReadMutations)`,
      mutation,
    })),
    ...lesson.cases.flatMap((testCase) => [
      ...(testCase.mutations ?? []).map((mutation) => ({ where: testCase.id, mutation })),
      ...(testCase.patches ?? []).map((mutation) => ({
        where: `${testCase.id} (patches)`,
        mutation,
      })),
    ]),
  ]);
}

Deno.test("every mutation target is one line that does not start with whitespace", () => {
  const bad = targets()
    .filter(({ mutation }) => mutation.from.includes("\n") || /^\s/.test(mutation.from))
    .map(({ where, mutation }) => `${where}: ${mutation.program} ${JSON.stringify(mutation.from)}`);
  assert.deepEqual(bad, []);
});

Deno.test("every mutation target is in its program and changes it", () => {
  const sources = new Map<string, string>();
  const source = (program: string) => {
    if (!sources.has(program)) {
      sources.set(program, Deno.readTextFileSync(new URL(program, programs)));
    }
    return sources.get(program)!;
  };
  const bad = targets()
    .filter(({ mutation }) =>
      mutation.from === "" || mutation.from === mutation.to ||
      !source(mutation.program).includes(mutation.from)
    )
    .map(({ where, mutation }) => `${where}: ${mutation.program} ${JSON.stringify(mutation.from)}`);
  assert.deepEqual(bad, []);
});
