/**
 * Collects a child's output stream as text and lets callers wait, with a bound, until the text
 * satisfies a condition. Readiness detection and the expect driver are both built on this, so
 * there is exactly one place that turns bytes into text and wakes waiters.
 *
 * @module
 */

/** Raised when a wait runs past its bound; the message says what was awaited and what arrived. */
export class WaitTimeout extends Error {
  /** Always `WaitTimeout`. */
  override name = "WaitTimeout";
}

/** Raised when the stream ends (the process exited) before the condition was met. */
export class StreamEnded extends Error {
  /** Always `StreamEnded`. */
  override name = "StreamEnded";
}

interface Waiter {
  check(): void;
}

/** Accumulated text of one byte stream, decoded as UTF-8 without splitting characters. */
export class TextCapture {
  /** Everything decoded so far. */
  text = "";
  /** True once the stream has ended (or failed). */
  ended = false;
  /** Resolves when the stream has ended and all its text is in {@linkcode text}. */
  readonly done: Promise<void>;
  #waiters = new Set<Waiter>();
  #listeners: ((added: string) => void)[] = [];

  /** Starts pumping `stream` in the background. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = this.#pump(stream);
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    // stream: true keeps a character split across two reads intact.
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        this.#append(decoder.decode(chunk, { stream: true }));
        this.#notify();
      }
    } catch {
      // A killed child can error its pipe; what arrived before that is kept.
    } finally {
      this.#append(decoder.decode());
      this.ended = true;
      this.#notify();
    }
  }

  #append(added: string): void {
    if (added === "") return;
    this.text += added;
    for (const listener of this.#listeners) listener(added);
  }

  /**
   * Calls `listener` with the text captured so far (if any), then with each piece of text as it
   * is decoded: for showing a child's output live (the lab) rather than waiting for it.
   */
  listen(listener: (added: string) => void): void {
    this.#listeners.push(listener);
    if (this.text !== "") listener(this.text);
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter.check();
  }

  /**
   * Waits until `probe(text)` returns something other than `undefined`, and returns it.
   * Rejects with {@linkcode WaitTimeout} after `timeoutMs`, or {@linkcode StreamEnded} if the
   * stream ends first; `what` names the awaited thing in those messages.
   */
  waitFor<T>(
    probe: (text: string) => T | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const found = probe(this.text);
          if (found !== undefined) finish(() => resolve(found));
          else if (this.ended) {
            finish(() => reject(new StreamEnded(`output ended before ${what}`)));
          }
        },
      };
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        settle();
      };
      // finish() is only ever called after this line, so `timer` is always set by then.
      const timer = setTimeout(
        () => finish(() => reject(new WaitTimeout(`no ${what} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      this.#waiters.add(waiter);
      waiter.check();
    });
  }
}
