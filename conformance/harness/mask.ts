/**
 * Placeholders for what truly varies from run to run. Ports are masked by value (the harness
 * knows every port it saw), so a payload that merely looks like a port is never hidden; other
 * masks are patterns a case declares, such as timestamps.
 *
 * @module
 */

/** One substitution applied to a transcript before it is compared. */
export interface Mask {
  /** What to replace; must have the `g` flag. */
  pattern: RegExp;
  /** The placeholder, e.g. `<TIME>`, or what to put for each match (its text, if unmasked). */
  placeholder: string | ((match: string) => string);
}

/**
 * Masks each given port number, as a whole number, with `<PORT>`: one pass over the text,
 * however many ports (a crowd case knows thousands).
 */
export function portMasks(ports: Iterable<number>): Mask[] {
  const known = new Set([...ports].map(String));
  return [{
    pattern: /(?<![0-9])[0-9]{1,5}(?![0-9])/g,
    placeholder: (number) => known.has(number) ? "<PORT>" : number,
  }];
}

/** Local date and time as `YYYY/MM/DD HH:MM:SS` (Python's `%Y/%m/%d %H:%M:%S`) → `<TIME>`. */
export const TIMESTAMP_MASK: Mask = {
  pattern: /(?<![0-9])\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?![0-9])/g,
  placeholder: "<TIME>",
};

/** Applies `masks` in order. */
export function applyMasks(text: string, masks: readonly Mask[]): string {
  return masks.reduce(
    (masked, mask) =>
      typeof mask.placeholder === "string"
        ? masked.replace(mask.pattern, mask.placeholder)
        : masked.replace(mask.pattern, mask.placeholder),
    text,
  );
}
