/**
 * The readiness convention: a server prints `listening on tcp://HOST:PORT` (or `udp://`, or
 * `ftp://` for a TCP listener that speaks standard FTP) on stderr, one line per listener, once
 * it accepts. Tests read that line instead of sleeping or
 * probing the port, and learn the real address of a server started with `--port 0`.
 *
 * @module
 */

import type { Child } from "./children.ts";

/** One listener a server announced. */
export interface ListenAddress {
  /** `tcp` or `udp`. */
  transport: "tcp" | "udp";
  /** The protocol the line named instead of its transport, if any: `ftp` (over TCP). */
  protocol?: "ftp";
  /** Host as printed, without IPv6 brackets. */
  hostname: string;
  /** The real port. */
  port: number;
}

const READINESS_LINE = /^listening on (tcp|udp|ftp):\/\/(\[[^\]\s]+\]|[^\s:\[\]]+):(\d{1,5})$/;

/**
 * Parses one readiness line; `undefined` if the line is something else, or names a port above
 * 65535 (no listener can have one).
 */
export function parseReadinessLine(line: string): ListenAddress | undefined {
  const match = READINESS_LINE.exec(line.trim());
  if (!match || Number(match[3]) > 65535) return undefined;
  const hostname = match[2].replace(/^\[(.*)\]$/, "$1");
  const port = Number(match[3]);
  if (match[1] === "ftp") return { transport: "tcp", protocol: "ftp", hostname, port };
  return { transport: match[1] as "tcp" | "udp", hostname, port };
}

/** Formats an address the way servers print it: IPv6 hosts in brackets. */
export function formatListenAddress(address: ListenAddress): string {
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return `${address.protocol ?? address.transport}://${host}:${address.port}`;
}

/** All readiness lines among the complete lines of `stderr`. */
export function readinessLines(stderr: string): ListenAddress[] {
  const complete = stderr.slice(0, stderr.lastIndexOf("\n") + 1);
  return complete.split("\n").flatMap((line) => parseReadinessLine(line) ?? []);
}

/**
 * Waits until `server` has announced `count` listeners on stderr and returns them. Fails within
 * `timeoutMs`, or as soon as the server exits, with its stderr in the message.
 */
export async function awaitReadiness(
  server: Child,
  count = 1,
  timeoutMs = 10_000,
): Promise<ListenAddress[]> {
  try {
    return await server.stderr.waitFor(
      (text) => {
        const found = readinessLines(text);
        return found.length >= count ? found.slice(0, count) : undefined;
      },
      timeoutMs,
      `readiness line ("listening on tcp://HOST:PORT") from ${server.label}`,
    );
  } catch (error) {
    const stderr = server.stderr.text.trim() || "(nothing)";
    throw new Error(`${(error as Error).message}; its stderr:\n${stderr}`);
  }
}
