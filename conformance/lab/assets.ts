/**
 * The files the lab serves besides its pages: its own script and style sheet, and Mermaid, taken
 * from the npm package (the version `conformance/mermaid_syntax.ts` checks the diagrams with) and
 * served by the lab itself, so a page needs no CDN and works offline.
 *
 * @module
 */

/** One file the lab serves. */
export interface Asset {
  /** Its bytes. */
  body: Uint8Array<ArrayBuffer>;
  /** Its `Content-Type`. */
  contentType: string;
}

/** The paths of the assets, as pages link them. */
export const ASSET_PATHS: readonly string[] = [
  "/assets/lab.js",
  "/assets/lab.css",
  "/assets/mermaid.min.js",
];

const JAVASCRIPT = "text/javascript; charset=utf-8";

/** Mermaid's browser bundle, loaded once, on first use (3.5 MB). */
let mermaid: Promise<Uint8Array<ArrayBuffer>> | undefined;

/** Reads Mermaid's single-file browser bundle out of the npm package. */
async function loadMermaid(): Promise<Uint8Array<ArrayBuffer>> {
  const module = await import("npm:mermaid@11.17.2/dist/mermaid.min.js", {
    with: { type: "bytes" },
  });
  return new Uint8Array(module.default);
}

/** The asset at `path`, or `undefined` if there is none. */
export async function readAsset(path: string): Promise<Asset | undefined> {
  if (path === "/assets/mermaid.min.js") {
    mermaid ??= loadMermaid();
    return { body: await mermaid, contentType: JAVASCRIPT };
  }
  const own: Record<string, string> = {
    "/assets/lab.js": JAVASCRIPT,
    "/assets/lab.css": "text/css; charset=utf-8",
  };
  const contentType = own[path];
  if (contentType === undefined) return undefined;
  const file = new URL(`.${path}`, import.meta.url);
  return { body: await Deno.readFile(file), contentType };
}
