/**
 * 断言 — assert: keyboard input is a string, and asserting a number fails. It uses no network.
 *
 * @module
 */

import type { Lesson } from "../harness/case.ts";

const PLZ = "PLZ inpuet>>: ";

/** 断言. */
export const assertDemo: Lesson = {
  id: "assert_demo",
  title: "断言",
  titleEn: "assert",
  seed: { file: "000_84409504fdc3648b.txt", section: "断言" },
  transport: "none",
  host: "-",
  port: 0,
  scripts: ["assert_demo.ts"],
  cases: [
    {
      id: "assert_demo",
      title: "keyboard input is a string: True",
      clients: [{ peer: { program: "assert_demo.ts" }, dialogue: [{ wait: PLZ, type: "123" }] }],
      mutations: [{
        program: "assert_demo.ts",
        from: `console.log("True");`,
        to: `console.log("true");`,
        shows: "+true",
      }],
    },
    {
      id: "assert_demo-int",
      title: "asserting a number fails, and the program stops there",
      clients: [{
        peer: { program: "assert_demo.ts", args: ["--int"] },
        dialogue: [{ wait: PLZ, type: "123" }],
        exitCode: 1,
        stderr: /^assert_demo\.ts: AssertionError: type of "123" is string, not number$/,
      }],
      mutations: [{
        program: "assert_demo.ts",
        from: "if (flags.int)",
        to: "if (false)",
        shows: "exited with 0",
      }],
    },
  ],
};
