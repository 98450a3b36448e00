/**
 * A hand-driven TCP peer that follows a script of bytes: send these, expect exactly those, then
 * close. It plays the misbehaving or minimal client a real program would not be, e.g. one that
 * disconnects in the middle of a protocol.
 *
 * @module
 */

/** One action of a raw peer. */
export type RawStep =
  /** Write these bytes (text is sent as UTF-8). */
  | { send: string | Uint8Array }
  /**
   * Write these bytes one at a time, `everyMs` apart: a client that keeps its connection busy
   * while hardly sending. Stops, without failing, once the server has closed the connection.
   */
  | { trickle: string | Uint8Array; everyMs: number }
  /** Read until exactly these bytes have arrived; anything else fails. */
  | { recv: string | Uint8Array }
  /** Close the connection here, whatever the protocol expects next. */
  | { close: true }
  /**
   * Leave here as a vanishing client does: end the stream (FIN), then discard whatever still
   * comes until the server closes its end. Returns only once the server has let go, so a case
   * can put the next client right behind it; a server that never lets go fails the case.
   */
  | { vanish: true }
  /**
   * Read until the text received since the last step matches `expect` (e.g. a one-line
   * refusal whose wording a case does not pin); the server closing first fails.
   */
  | { expect: RegExp }
  /**
   * Stay connected and silent until the server closes the connection (an idle client being
   * let go); what arrives meanwhile is discarded. A server that never closes fails the case.
   */
  | { awaitClose: true }
  /**
   * Expect the server to close the connection without a byte (a caller turned away): data,
   * or a server that keeps the connection open, fails the case.
   */
  | { closedUnanswered: true }
  /** Send the server process this signal (e.g. mid-transfer), then go on. */
  | { signalServer: Deno.Signal }
  /** Stop here but stay connected, silent, until the case ends (a stalled client). */
  | { leaveOpen: true };

/** What a raw peer may ask of the case that runs it. */
export interface RawPeerHooks {
  /** Sends `signal` to the server process (for `signalServer` steps). */
  signalServer?(signal: Deno.Signal): void;
}

const encoder = new TextEncoder();
const bytesOf = (data: string | Uint8Array) =>
  typeof data === "string" ? encoder.encode(data) : data;

/** Reads exactly `n` bytes, or fewer if the peer closes first. */
export async function readUpTo(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const data = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const read = await conn.read(data.subarray(got));
    if (read === null) break;
    got += read;
  }
  return data.subarray(0, got);
}

/** Writes `data` a byte at a time, `everyMs` apart, until it is all sent or the peer has gone. */
async function trickle(conn: Deno.Conn, data: Uint8Array, everyMs: number): Promise<void> {
  for (let i = 0; i < data.length; i++) {
    // Pacing, not waiting for anything: the point is to send slowly.
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    try {
      await conn.write(data.subarray(i, i + 1));
    } catch (error) {
      // Closed by the server, or by this peer's own time bound (the next step reports that).
      const closed = error instanceof Deno.errors.BrokenPipe ||
        error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BadResource;
      if (closed) return;
      throw error;
    }
  }
}

/**
 * Connects to `port` on `hostname` and plays `steps`; throws on the first mismatch or timeout.
 * After a `leaveOpen` step it returns the still-open connection, for the caller to close.
 */
export async function runRawPeer(
  hostname: string,
  port: number,
  steps: readonly RawStep[],
  timeoutMs: number,
  hooks: RawPeerHooks = {},
): Promise<Deno.Conn | undefined> {
  const conn = await Deno.connect({ hostname, port });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close();
  }, timeoutMs);
  let leftOpen = false;
  try {
    for (const step of steps) {
      if ("send" in step) {
        const data = bytesOf(step.send);
        for (let sent = 0; sent < data.length;) sent += await conn.write(data.subarray(sent));
      } else if ("trickle" in step) {
        await trickle(conn, bytesOf(step.trickle), step.everyMs);
      } else if ("recv" in step) {
        const want = bytesOf(step.recv);
        const got = await readUpTo(conn, want.length).catch(() => new Uint8Array());
        if (got.length !== want.length || !got.every((b, i) => b === want[i])) {
          const show = (b: Uint8Array) => JSON.stringify(new TextDecoder().decode(b));
          const when = timedOut ? ` (the timeout, within ${timeoutMs} ms)` : "";
          throw new Error(`raw peer expected ${show(want)}, got ${show(got)}${when}`);
        }
      } else if ("expect" in step) {
        const decoder = new TextDecoder();
        const chunk = new Uint8Array(4096);
        let text = "";
        while (!step.expect.test(text)) {
          const n = await conn.read(chunk).catch(() => null);
          if (n === null) {
            throw new Error(
              `raw peer expected ${step.expect}, got ${JSON.stringify(text)} before the ${
                timedOut ? `timeout (within ${timeoutMs} ms)` : "server closed"
              }`,
            );
          }
          text += decoder.decode(chunk.subarray(0, n), { stream: true });
        }
      } else if ("awaitClose" in step) {
        const sink = new Uint8Array(64 * 1024);
        while (await conn.read(sink).catch(() => null) !== null) { /* discard */ }
        if (timedOut) {
          throw new Error(`the server never closed the connection within ${timeoutMs} ms`);
        }
      } else if ("closedUnanswered" in step) {
        const first = await conn.read(new Uint8Array(1)).catch(() => null);
        if (timedOut) {
          throw new Error(
            `the server kept the connection open instead of closing at once (within ${timeoutMs} ms)`,
          );
        }
        if (first !== null) throw new Error("the server answered instead of closing at once");
      } else if ("signalServer" in step) {
        if (!hooks.signalServer) throw new Error("this raw peer cannot signal the server");
        hooks.signalServer(step.signalServer);
      } else if ("vanish" in step) {
        await conn.closeWrite();
        const sink = new Uint8Array(64 * 1024);
        while (await conn.read(sink).catch(() => null) !== null) { /* discard */ }
        if (timedOut) {
          throw new Error(
            `the server never closed its end after the client left (within ${timeoutMs} ms)`,
          );
        }
        break;
      } else {
        leftOpen = "leaveOpen" in step;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    if (!leftOpen) {
      try {
        conn.close();
      } catch { /* closed by the timeout */ }
    }
  }
  return leftOpen ? conn : undefined;
}
