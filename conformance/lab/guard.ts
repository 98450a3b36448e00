/**
 * Who may talk to the lab. A local web server that starts processes is reachable by every page
 * the learner's browser opens: a hostile page can send a POST to `127.0.0.1`, open a WebSocket
 * to it (WebSockets are not bound by CORS), or reach it under a name of its own through DNS
 * rebinding. So every request must carry the secret printed when the lab started (as Jupyter's
 * token), name the lab's own loopback address and port as its `Host`, and, if it can change
 * anything (a WebSocket, anything but GET or HEAD) or comes from a page at all, carry the lab's
 * own `Origin`. A request that fails any check is refused before anything else looks at it.
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto";

/** What the checks compare with. */
export interface GuardConfig {
  /** The per-start secret, required as `?token=` on every request. */
  secret: string;
  /** The port the lab listens on, on 127.0.0.1. */
  port: number;
}

/** The outcome of the checks: allowed, or refused with a status and why. */
export type GuardVerdict =
  | { allowed: true }
  | { allowed: false; status: number; reason: string };

/** The only address the lab listens on. */
export const LAB_HOST = "127.0.0.1";

/** A fresh secret: 24 random bytes in hex (192 bits, too many to guess). */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** The lab's own origin: what its pages send as `Origin`. */
export function labOrigin(port: number): string {
  return `http://${LAB_HOST}:${port}`;
}

/** True if `given` is the secret, compared in constant time (its length is no secret). */
function isSecret(given: string | null, secret: string): boolean {
  if (given === null) return false;
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True if `request` asks to become a WebSocket. */
export function isWebSocketUpgrade(request: Request): boolean {
  return (request.headers.get("upgrade") ?? "").toLowerCase() === "websocket";
}

/**
 * Checks `request` against `config`: its `Host` must be exactly `127.0.0.1:PORT` (a rebinding
 * page's requests name the page's host), its `?token=` the secret, and its `Origin`, when it
 * has one, the lab's; a WebSocket or any method but GET and HEAD must have that `Origin` (a
 * browser always sends one for them, so a missing one is no browser of the lab's pages).
 */
export function checkRequest(request: Request, config: GuardConfig): GuardVerdict {
  const host = request.headers.get("host");
  if (host !== `${LAB_HOST}:${config.port}`) {
    return { allowed: false, status: 421, reason: `foreign Host ${JSON.stringify(host)}` };
  }
  // Host is the lab's own, so the URL parses with it.
  const url = new URL(request.url);
  if (!isSecret(url.searchParams.get("token"), config.secret)) {
    return { allowed: false, status: 403, reason: "missing or wrong token" };
  }
  const origin = request.headers.get("origin");
  const changes = isWebSocketUpgrade(request) ||
    (request.method !== "GET" && request.method !== "HEAD");
  if (origin !== null ? origin !== labOrigin(config.port) : changes) {
    return { allowed: false, status: 403, reason: `foreign Origin ${JSON.stringify(origin)}` };
  }
  return { allowed: true };
}
