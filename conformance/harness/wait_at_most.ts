/**
 * A wait for something that may never come, cut off at a bound: how the harness waits for
 * departed clients' connections to close, a client's last words on stderr, and the lab for a
 * stopping run or its own shutdown.
 *
 * @module
 */

/**
 * Waits for `promise` or `ms` milliseconds, whichever comes first; a rejection of `promise`
 * before the bound is thrown. The timer is cleared either way.
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
