/**
 * Lines a learner types in the lab's page, waiting to be typed into a client: the page sends
 * them one at a time as the learner presses Enter, the run takes them as an async iterable.
 *
 * @module
 */

/** A first-in, first-out queue of lines that ends once closed. */
export class LineQueue implements AsyncIterable<string> {
  #lines: string[] = [];
  #closed = false;
  #wake?: () => void;

  /** Adds a line; a line added after {@linkcode close} is dropped. */
  push(line: string): void {
    if (this.#closed) return;
    this.#lines.push(line);
    this.#wake?.();
  }

  /** Ends the queue: the lines already in it are still taken, then iteration ends. */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The lines in order, waiting for the next one until the queue is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    while (true) {
      const line = this.#lines.shift();
      if (line !== undefined) {
        yield line;
        continue;
      }
      if (this.#closed) return;
      const woken = Promise.withResolvers<void>();
      this.#wake = woken.resolve;
      await woken.promise;
      this.#wake = undefined;
    }
  }
}
