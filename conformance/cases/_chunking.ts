/**
 * TCP is a byte stream, so message boundaries are the program's job: a framing lesson's case
 * runs as the seed has it, then with every byte delivered on its own and with every message
 * glued together, and must print the same.
 *
 * @module
 */

import type { ClientRole, ConformanceCase } from "../harness/case.ts";

/**
 * The same case under each re-chunking: `base` as sent, then `<id>-one-byte` (one byte per
 * write) and `<id>-glued` (all glued together), against `base`'s goldens. `extra` adds
 * mutations that only one re-chunking can catch.
 */
export function everyChunking(
  base: ConformanceCase,
  extra: Partial<Record<"one-byte" | "glued", ConformanceCase["mutations"]>> = {},
): ConformanceCase[] {
  const golden = base.server?.golden ?? `${base.id}.server`;
  return [
    base,
    ...(["one-byte", "glued"] as const).map((shaping) => ({
      ...base,
      id: `${base.id}-${shaping}`,
      title: `${base.title} (${
        shaping === "one-byte" ? "every byte on its own" : "all glued together"
      })`,
      shaping,
      mutations: [...(base.mutations ?? []), ...(extra[shaping] ?? [])],
      server: { ...base.server!, golden },
      // The clients see the same too: share their goldens.
      clients: base.clients.map((phase) =>
        [phase].flat().map((role): ClientRole =>
          role.raw
            ? role
            : { ...role, golden: role.golden ?? `${base.id}.${role.role ?? "client"}` }
        )
      ),
    })),
  ];
}
