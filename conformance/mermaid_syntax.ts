/**
 * Mermaid's own parser, for tests: a diagram that parses here is one GitHub can render (GitHub
 * renders Markdown's `mermaid` blocks with this library). Loaded from npm, so only tests import
 * it; the suite and `deno task docs` need nothing from a registry.
 *
 * @module
 */

import mermaid from "npm:mermaid@11.17.2";

/** Throws, with Mermaid's message and the diagram, if `diagram` is not valid Mermaid. */
export async function assertValidMermaid(diagram: string): Promise<void> {
  try {
    await mermaid.parse(diagram);
  } catch (error) {
    throw new Error(`not valid Mermaid: ${(error as Error).message}\n--- diagram ---\n${diagram}`);
  }
}
