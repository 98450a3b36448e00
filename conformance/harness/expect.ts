/**
 * Drives an interactive client the way a person at a terminal would: wait until the output ends
 * with the prompt, type a line, and record `prompt + line` as the terminal shows it (the typed
 * text and its newline are echoed by a terminal, not printed by the program, so the driver puts
 * them into the transcript itself).
 *
 * @module
 */

import type { Child } from "./children.ts";
import { StreamEnded } from "./text_capture.ts";
import { waitAtMost } from "./wait_at_most.ts";

/** One exchange: wait for `wait` at the end of the output, then type `type` and Enter. */
export interface Step {
  /** The prompt the client must have printed last. */
  wait: string;
  /** The line to type (without the newline); with `signal`, what the terminal echoes instead. */
  type: string;
  /**
   * Send the client this signal instead of typing: Ctrl-C at a terminal is SIGINT, which it
   * echoes as `^C`. The transcript shows `type` there, without a newline.
   */
  signal?: Deno.Signal;
  /**
   * A barrier: before typing, wait until every client running at the same time has reached
   * its step with this name (proves they are served at once: a server that takes one client
   * at a time never lets the others get here).
   */
  together?: string;
  /**
   * Before typing, wait until the server has printed this (as a person watching the server's
   * terminal would), for protocols without replies where typing on at once would let two
   * messages arrive as one.
   */
  serverShows?: string;
}

/** Raised when a prompt does not come; the message carries the transcript so far. */
export class ExpectFailure extends Error {
  /** Always `ExpectFailure`. */
  override name = "ExpectFailure";
}

/** The terminal view of one interactive session. */
export class ExpectSession {
  #child: Child;
  #echoes: { at: number; text: string }[] = [];
  #consumed = 0;

  /** Starts a session on `child`, a client spawned with piped stdin. */
  constructor(child: Child) {
    this.#child = child;
  }

  /**
   * The session as a terminal shows it so far: the client's stdout with each typed line (and
   * its newline) inserted where it was typed.
   */
  get transcript(): string {
    const out = this.#child.stdout.text;
    let view = "";
    let from = 0;
    for (const echo of this.#echoes) {
      view += out.slice(from, echo.at) + echo.text;
      from = echo.at;
    }
    return view + out.slice(from);
  }

  /**
   * Waits until the output printed since the last typed line ends with `prompt`. Fails within
   * `timeoutMs`, or as soon as the client exits, showing the transcript and what it waited for.
   */
  async expect(prompt: string, timeoutMs: number): Promise<void> {
    try {
      this.#consumed = await this.#child.stdout.waitFor(
        (text) =>
          text.length - prompt.length >= this.#consumed && text.endsWith(prompt)
            ? text.length
            : undefined,
        timeoutMs,
        `prompt ${JSON.stringify(prompt)}`,
      );
    } catch (error) {
      // A client that exits prints its last words on stderr as its stdout ends: wait (briefly)
      // for them, so the failure names the client's own reason.
      if (error instanceof StreamEnded) await waitAtMost(this.#child.stderr.done, 2000);
      const stderr = this.#child.stderr.text.trim();
      throw new ExpectFailure(
        `${this.#child.label}: ${(error as Error).message}\n` +
          `--- transcript so far ---\n${this.transcript}\n--- end ---` +
          (stderr ? `\nstderr:\n${stderr}` : ""),
      );
    }
  }

  /** Types `line` and Enter. */
  async type(line: string): Promise<void> {
    this.#echoes.push({ at: this.#child.stdout.text.length, text: `${line}\n` });
    await this.#child.write(`${line}\n`);
  }

  /** Sends `signal` (a key such as Ctrl-C), recording `echo` as the terminal shows it. */
  interrupt(echo: string, signal: Deno.Signal): void {
    this.#echoes.push({ at: this.#child.stdout.text.length, text: echo });
    this.#child.signal(signal);
  }

  /**
   * Runs every step in order: expect the prompt, let `beforeTyping` wait for whatever else the
   * step asks (a barrier, a server line), type the line.
   */
  async run(
    steps: readonly Step[],
    timeoutMs: number,
    beforeTyping: (step: Step) => Promise<void> = () => Promise.resolve(),
  ): Promise<void> {
    for (const step of steps) {
      await this.expect(step.wait, timeoutMs);
      await beforeTyping(step);
      if (step.signal) this.interrupt(step.type, step.signal);
      else await this.type(step.type);
    }
  }
}
